"""Who is who: the leader password and the officers' codes and PINs, checked with lockouts.

The credentials live in one JSON file (``[web] credentials_file``, mode 0600,
replaced atomically on every change)::

    {"version": 1,
     "secret": "<hex: signs the pages' login cookies>",
     "leader": {"salt": "...", "hash": "...", "n": 16384, "r": 8, "p": 1} | null,
     "officers": {"1234": {"name": "Nguyễn Văn An", "salt": "...", "hash": "...", ...}}}

Passwords and PINs are stored only as scrypt hashes with a random salt and
compared in constant time. There are no default passwords: until
``kiosk users set-leader-password`` has been run the leader page refuses
everyone, and an officer without a PIN can sign in neither on the counter page
nor on the keypad.

The functions :func:`set_leader_password`, :func:`add_officer`,
:func:`remove_officer` and :func:`list_officers` are the ``kiosk users ...``
commands (:mod:`kiosk.users`): plain arguments in, ``(exit_code, text)`` out.

:class:`Credentials` checks logins inside the kiosk process, for the counter
and leader pages (:mod:`kiosk.web`) and for the keypads' sign-in
(:class:`kiosk.app.Office`) alike; :func:`credentials_for` gives both the same
instance, so wrong tries typed on a keypad and on a page count together. This
module imports only the standard library and ``drivers.base``: the engine
thread uses it, and it knows nothing of the web.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.base import nfc, write_atomic

log = logging.getLogger(__name__)

#: scrypt cost: 16 MiB of memory, about 0.1 s on a Raspberry Pi 4.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32

#: Officer codes are what the keypad accepts (the engine's rule): 1 to 8 digits.
OFFICER_CODE = re.compile(r"\d{1,8}")
#: PINs are typed on a tablet's number pad: 4 to 8 digits.
PIN = re.compile(r"\d{4,8}")
MIN_PASSWORD = 8
MAX_NAME = 60

#: Wrong tries before an account is locked, and for how long.
MAX_TRIES = 5
LOCK_SECONDS = 60.0
#: Wrong tries from one browser (IP address), on any accounts, within CLIENT_WINDOW seconds
#: before that address is locked for LOCK_SECONDS: stops guessing one PIN across many codes.
MAX_CLIENT_TRIES = 20
CLIENT_WINDOW = 600.0
_MAX_TRACKED = 1000  # accounts whose wrong tries are remembered (bounds memory)

Result = tuple[int, str]


# ---------------------------------------------------------------------------
# Hashing


def hash_secret(secret: str) -> dict[str, Any]:
    """A salted scrypt hash of ``secret`` (NFC-normalised) as a JSON-able record."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        nfc(secret).encode("utf-8"),
        salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_DKLEN,
    )
    return {"salt": salt.hex(), "hash": digest.hex(), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}


def verify_secret(secret: str, record: dict[str, Any]) -> bool:
    """Whether ``secret`` matches ``record`` (constant-time compare)."""
    try:
        expected = bytes.fromhex(record["hash"])
        digest = hashlib.scrypt(
            nfc(secret).encode("utf-8"),
            salt=bytes.fromhex(record["salt"]),
            n=int(record["n"]), r=int(record["r"]), p=int(record["p"]), dklen=len(expected),
            maxmem=64 * 1024 * 1024,
        )
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


# A record no secret matches, hashed against when the account does not exist so
# a wrong officer code takes as long as a wrong PIN.
_DUMMY = {"salt": "00" * 16, "hash": "00" * SCRYPT_DKLEN, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}


# ---------------------------------------------------------------------------
# The file


class CredentialsFileError(Exception):
    """The credentials file cannot be read or written; the message says how to fix it."""


def _empty() -> dict[str, Any]:
    return {"version": 1, "secret": secrets.token_hex(32), "leader": None, "officers": {}}


def load_file(path: str | Path) -> dict[str, Any]:
    """The credentials document; a fresh empty one (with a new secret) if the file does not exist."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _empty()
    except OSError as exc:
        raise CredentialsFileError(
            f"cannot read {path}: {exc.strerror}; run the command as the kiosk's user (sudo -u kiosk ...)"
        ) from exc
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or not isinstance(doc.get("officers", {}), dict):
            raise ValueError("not a credentials document")
    except ValueError as exc:
        raise CredentialsFileError(
            f"{path} is damaged ({exc}); move it away and set the leader password and PINs again"
        ) from exc
    doc.setdefault("version", 1)
    doc.setdefault("leader", None)
    doc.setdefault("officers", {})
    if not doc.get("secret"):
        doc["secret"] = secrets.token_hex(32)
    return doc


def save_file(path: str | Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` to ``path`` atomically with mode 0600 (a power cut leaves the old or the new file).

    Run as root (``sudo kiosk users ...``), the file is given to the owner of its
    folder, so the kiosk's user, who owns /var/lib/kiosk, can still read it.
    """
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
    try:
        write_atomic(path, text, mode=0o600, folder_owner=True)
    except OSError as exc:
        raise CredentialsFileError(f"cannot write {path}: {exc.strerror}") from exc


# ---------------------------------------------------------------------------
# The `kiosk users ...` commands


def set_leader_password(path: str | Path, password: str) -> Result:
    """Set (or change) the leader password. Ends every leader session."""
    if len(password) < MIN_PASSWORD:
        return 2, (
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.\n"
            f"The password must have at least {MIN_PASSWORD} characters."
        )
    try:
        doc = load_file(path)
        doc["leader"] = hash_secret(password)
        save_file(path, doc)
    except CredentialsFileError as exc:
        return 1, f"Lỗi / Error: {exc}"
    return 0, f"Đã đặt mật khẩu lãnh đạo.\nLeader password set ({path})."


def add_officer(path: str | Path, code: str, name: str, pin: str) -> Result:
    """Add an officer, or change their name and PIN. Ends that officer's sessions."""
    code = code.strip()
    name = " ".join(nfc(name).split())
    if not OFFICER_CODE.fullmatch(code):
        return 2, f"Mã cán bộ {code!r} phải có 1 đến 8 chữ số.\nOfficer code {code!r} must be 1 to 8 digits."
    if not 1 <= len(name) <= MAX_NAME:
        return 2, f"Tên phải có 1 đến {MAX_NAME} ký tự.\nThe name must have 1 to {MAX_NAME} characters."
    if not PIN.fullmatch(pin):
        return 2, "Mã PIN phải có 4 đến 8 chữ số.\nThe PIN must be 4 to 8 digits."
    try:
        doc = load_file(path)
        known = code in doc["officers"]
        doc["officers"][code] = {"name": name, **hash_secret(pin)}
        save_file(path, doc)
    except CredentialsFileError as exc:
        return 1, f"Lỗi / Error: {exc}"
    if known:
        return 0, f"Đã đổi tên và mã PIN của cán bộ {code} ({name}).\nOfficer {code} ({name}) updated."
    return 0, f"Đã thêm cán bộ {code} ({name}).\nOfficer {code} ({name}) added."


def remove_officer(path: str | Path, code: str) -> Result:
    """Remove an officer: their PIN stops working and their sessions end."""
    try:
        doc = load_file(path)
        if code not in doc["officers"]:
            return 1, f"Không có cán bộ mã {code}.\nThere is no officer {code}."
        name = doc["officers"].pop(code).get("name", "")
        save_file(path, doc)
    except CredentialsFileError as exc:
        return 1, f"Lỗi / Error: {exc}"
    return 0, f"Đã xóa cán bộ {code} ({name}).\nOfficer {code} ({name}) removed."


def list_officers(path: str | Path) -> Result:
    """The officers (code and name, never a PIN) and whether a leader password is set."""
    try:
        doc = load_file(path)
    except CredentialsFileError as exc:
        return 1, f"Lỗi / Error: {exc}"
    lines = ["Mật khẩu lãnh đạo / Leader password: " + ("đã đặt / set" if doc["leader"] else "CHƯA ĐẶT / NOT SET")]
    if not doc["officers"]:
        lines.append("Chưa có cán bộ nào / No officers yet.")
    for code in sorted(doc["officers"], key=lambda c: (len(c), c)):
        lines.append(f"{code}\t{doc['officers'][code].get('name', '')}")
    return 0, "\n".join(lines)


# ---------------------------------------------------------------------------
# Checking logins (inside the kiosk process)


class LoginRefused(Exception):
    """A login was refused: a ``code``, the reason in both languages, and the HTTP ``status`` the pages answer."""

    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.vi, self.en = status, code, vi, en


def _wrong(vi: str, en: str) -> LoginRefused:
    return LoginRefused(401, "wrong_credentials", vi, en)


class Credentials:
    """The credentials file as the kiosk process uses it: re-read when it changes, lockouts in memory.

    Thread-safe: the pages' worker threads and the engine thread call it at once.
    """

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._doc: dict[str, Any] = _empty()  # until the file exists: no leader, no officers
        self._problem = ""  # why the file could not be read, if it could not
        self._failures: dict[str, tuple[int, float, float]] = {}  # account -> (wrong tries, locked until, first)
        self._fallback_secret = bytes.fromhex(self._doc["secret"])
        self._reload()

    # -- the file

    def _reload(self) -> None:
        try:
            info = self.path.stat()
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        except OSError:
            stamp = None
        if stamp == self._stamp and stamp is not None:
            return
        self._stamp = stamp
        if stamp is None:
            self._doc, self._problem = {**_empty(), "secret": self._fallback_secret.hex()}, ""
            return
        try:
            self._doc, self._problem = load_file(self.path), ""
        except CredentialsFileError as exc:
            log.error("credentials: %s", exc)
            self._doc, self._problem = {**_empty(), "secret": self._fallback_secret.hex()}, str(exc)

    def _current(self) -> dict[str, Any]:
        with self._lock:
            self._reload()
            return self._doc

    @property
    def problem(self) -> str:
        """Why the credentials file is unusable ("" when it is fine)."""
        self._current()
        return self._problem

    @property
    def secret(self) -> bytes:
        """The key that signs login cookies."""
        return bytes.fromhex(self._current()["secret"])

    def leader_set(self) -> bool:
        """Whether a leader password has been set."""
        return bool(self._current().get("leader"))

    def officer_names(self) -> dict[str, str]:
        """Officer code -> name."""
        return {code: rec.get("name", "") for code, rec in self._current()["officers"].items()}

    def leader_generation(self) -> str | None:
        """Changes when the leader password changes (None when there is none)."""
        leader = self._current().get("leader")
        return leader["salt"][:16] if leader else None

    def officer_generation(self, code: str) -> str | None:
        """Changes when the officer's PIN changes (None when the officer is gone)."""
        officer = self._current()["officers"].get(code)
        return officer["salt"][:16] if officer else None

    # -- lockout

    def _check_lock(self, account: str) -> None:
        with self._lock:
            tries, until, first = self._failures.get(account, (0, 0.0, 0.0))
            now = self.clock()
            if until and now < until:
                seconds = int(until - now + 0.999)
                if account.startswith("client:"):
                    raise LoginRefused(
                        429, "locked",
                        f"Máy này nhập sai quá nhiều lần: hãy thử lại sau {seconds} giây.",
                        f"Too many wrong tries from this device: try again in {seconds} s.",
                    )
                raise LoginRefused(
                    429, "locked",
                    f"Sai quá {MAX_TRIES} lần: tài khoản bị khóa, hãy thử lại sau {seconds} giây.",
                    f"Too many wrong tries: the account is locked, try again in {seconds} s.",
                )
            if until or (first and now - first > CLIENT_WINDOW):  # the lock or the window has run out
                self._failures.pop(account, None)

    def _failed(self, account: str, limit: int) -> None:
        with self._lock:
            now = self.clock()
            tries, _, first = self._failures.pop(account, (0, 0.0, now))
            tries += 1
            until = now + LOCK_SECONDS if tries >= limit else 0.0
            if len(self._failures) >= _MAX_TRACKED:
                self._failures.pop(next(iter(self._failures)))
            self._failures[account] = (tries, until, first)
        if until:
            # A code that is nobody's may be a PIN typed in the wrong place: it is not logged.
            kind, _, name = account.partition(":")
            shown = account if kind != "officer" or name in self.officer_names() else "officer:(unknown code)"
            log.warning("credentials: %s locked for %g s after %d wrong tries", shown, LOCK_SECONDS, tries)

    def _succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(account, None)

    def _verify(self, account: str, client: str, secret: str, record: dict[str, Any] | None) -> bool:
        """Check ``secret`` under the account's and the client's lockouts, counting a failure against both."""
        client_key = "client:" + client if client else ""
        if client_key:
            self._check_lock(client_key)
        self._check_lock(account)
        ok = verify_secret(secret, record if record else _DUMMY) and record is not None
        if ok:
            self._succeeded(account)  # the client's count stays: one good PIN must not reset a guesser
        else:
            self._failed(account, MAX_TRIES)
            if client_key:
                self._failed(client_key, MAX_CLIENT_TRIES)
        return ok

    # -- logins

    def check_leader(self, password: str, client: str = "") -> str:
        """The leader's session generation if ``password`` is right; else raise :class:`LoginRefused`.

        ``client`` (the browser's IP address) is locked too after many wrong tries on any account.
        """
        doc = self._current()
        if not doc.get("leader"):
            raise LoginRefused(
                403, "no_leader_password",
                "Chưa đặt mật khẩu lãnh đạo. Trên máy kiosk, chạy: sudo -u kiosk kiosk users set-leader-password",
                "No leader password is set. On the kiosk, run: sudo -u kiosk kiosk users set-leader-password",
            )
        if not self._verify("leader", client, password, doc["leader"]):
            raise _wrong("Mật khẩu không đúng.", "Wrong password.")
        return doc["leader"]["salt"][:16]

    def check_officer(self, code: str, pin: str, client: str = "") -> str:
        """The officer's session generation if the PIN is right; else raise :class:`LoginRefused`.

        ``client`` is who typed it: a browser's IP address, or ``keypad:<counter>``.
        An unknown code and a wrong PIN give the same answer, after the same time.
        """
        code = code.strip()
        if not OFFICER_CODE.fullmatch(code):
            raise LoginRefused(
                422, "bad_officer_code",
                "Mã cán bộ phải có 1 đến 8 chữ số.", "The officer code must be 1 to 8 digits.",
            )
        record = self._current()["officers"].get(code)
        if not self._verify("officer:" + code, client, pin, record):
            raise _wrong("Mã cán bộ hoặc mã PIN không đúng.", "Wrong officer code or PIN.")
        return record["salt"][:16]


# ---------------------------------------------------------------------------
# One instance per file in the process


_SHARED: dict[str, Credentials] = {}
_SHARED_LOCK = threading.Lock()


def credentials_for(path: str | Path) -> Credentials:
    """The process's one :class:`Credentials` for ``path`` (made on first use).

    The keypads (on the engine thread) and the pages ask the same instance, so
    their wrong tries count against the same lockouts.
    """
    key = os.path.abspath(path)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = Credentials(key)
        return found
