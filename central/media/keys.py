"""Central's media secrets and the publish keys signed with them.

A publish key is ``<expiry>.<signature>``: the expiry (Unix seconds) and an HMAC-SHA256,
with central's publish secret, over the device id, the RTMP application and the expiry. Only
central can make one; a key is good for one device's one stream until it expires.

The secrets live in ``[media] secret_file`` (JSON, mode 0600), generated on first use: there is
no default secret, and the file is never in the repository. ``hook`` is the per-install secret in
the URLs nginx calls central's hooks at.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

#: The RTMP applications a kiosk may publish to.
PUBLISH_APPS = ("live", "thumb")


class SecretError(Exception):
    """The secret file cannot be read or made; the message names the file and the fix."""


@dataclass(frozen=True)
class Secrets:
    """The install's media secrets: ``publish`` signs publish keys, ``hook`` is in the hooks' URLs."""

    publish: bytes
    hook: str


def load_secrets(path: str | Path) -> Secrets:
    """The secrets in ``path``, made there (mode 0600) if the file does not exist yet.

    Several server processes may start together: the file is created once (``O_EXCL`` on a
    temporary name, then linked into place), and every process reads the same secrets.
    """
    path = Path(path)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = {"publish": secrets.token_hex(32), "hook": secrets.token_urlsafe(24)}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(fresh, f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if another process made it first: then use theirs
        except FileExistsError:
            pass
    except OSError as exc:
        raise SecretError(f"{path}: cannot create the media secret file: {exc.strerror} "
                          "(set [media] secret_file to a writable place)") from None
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> Secrets:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Secrets(publish=bytes.fromhex(data["publish"]), hook=str(data["hook"]))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SecretError(f"{path}: cannot read the media secret file: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise SecretError(f"{path}: not a media secret file; delete it and central makes a new one "
                          "(kiosks then fetch new keys)") from None


def _signature(secret: bytes, device_id: str, app: str, expiry: int) -> str:
    mac = hmac.new(secret, f"{device_id}\n{app}\n{expiry}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def make_key(secret: bytes, device_id: str, app: str, ttl_s: int, now: float | None = None) -> str:
    """A key for ``device_id`` to publish to ``app`` for ``ttl_s`` seconds from ``now``."""
    expiry = int(now if now is not None else time.time()) + ttl_s
    return f"{expiry}.{_signature(secret, device_id, app, expiry)}"


def check_key(secret: bytes, device_id: str, app: str, key: str, now: float | None = None) -> str | None:
    """Why ``key`` does not let ``device_id`` publish to ``app`` now, or None when it does."""
    expiry_text, _, signature = key.partition(".")
    if not expiry_text.isdigit() or len(expiry_text) > 12 or not signature:
        return "malformed key"
    expiry = int(expiry_text)
    if not hmac.compare_digest(signature.encode(), _signature(secret, device_id, app, expiry).encode()):
        return "wrong key"
    if expiry < (now if now is not None else time.time()):
        return "expired key"
    return None
