"""The sync worker: uploads the store's events to the central server.

It runs in its own thread and never touches the engine's store object: it reads
``events`` through its own read-only SQLite connection and reports what the
server acknowledged through ``on_acked(max_seq)``, which the app routes to the
engine thread (that thread alone writes, with :func:`mark_acked`'s UPDATE).

Delivery is at least once: an event is reported acknowledged only after the
server's answer says it is stored; a batch whose answer was lost is simply sent
again, and the server stores each event once (by device and seq, and by uuid).
While the server is unreachable the worker waits with exponential backoff and
full jitter (a random wait between 0 and the current cap), or as long as a
``Retry-After`` header asks.

See docs/sync-protocol.md for the protocol.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from drivers.base import write_atomic
from kiosk.config import ConfigError, SyncConfig, parse_config

log = logging.getLogger(__name__)

SOFTWARE_VERSION = "0.1.0"
API = "/api/v1"


class SyncError(Exception):
    """Sync cannot work as configured (no token, bad CA file...): a sentence saying what to do."""


class _Retry(Exception):
    """A failure worth retrying later; ``retry_after`` if the server said how long to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# -- token file and enrolment --------------------------------------------------------


def write_token(path: str | Path, data: dict[str, Any]) -> Path:
    """Write the token file atomically, readable by its owner only (mode 0600)."""
    return write_atomic(path, json.dumps(data), mode=0o600)


def read_token(path: str | Path) -> dict[str, Any]:
    """Read the token file; tighten its mode to 0600 if someone loosened it."""
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("token file %s was readable by others (mode %o); setting 0600", path, mode)
            os.chmod(path, 0o600)
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SyncError(f"no token file at {path}: enrol this kiosk with `kiosk enroll`") from None
    except (OSError, ValueError) as exc:
        raise SyncError(f"cannot read the token file {path} ({exc}); enrol the kiosk again") from None
    if not {"device_id", "token"} <= set(data):
        raise SyncError(f"the token file {path} is incomplete; enrol the kiosk again")
    return data


def tls_verify(ca_file: str | None) -> ssl.SSLContext | bool:
    """TLS verification: the system's CAs, or the given CA file. Never off."""
    if not ca_file:
        return True
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SyncError(f"cannot use the CA file {ca_file} ({exc}); check sync.ca_file") from None


def enroll(
    server_url: str,
    code: str,
    serial: str,
    token_file: str | Path = SyncConfig().token_file,
    ca_file: str | None = None,
    timeout: float = 20.0,
) -> Path:
    """Enrol this kiosk with a one-time code; write and return the token file."""
    try:
        response = httpx.post(
            server_url.rstrip("/") + f"{API}/enroll",
            json={"code": code, "serial": serial},
            verify=tls_verify(ca_file),
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise SyncError(f"cannot reach the central server at {server_url} ({exc}); check the network and sync.server_url") from None
    if response.status_code != 200:
        raise SyncError(f"the server refused the enrolment: {_reason(response)}")
    data = response.json()
    return write_token(token_file, {**data, "server_url": server_url.rstrip("/")})


def enroll_with(config: SyncConfig, serial: str | None = None, code: str | None = None) -> Path:
    """``kiosk enroll``: enrol with the ``[sync]`` section's server, code and files."""
    if not config.server_url:
        raise SyncError("sync.server_url is not set in the configuration")
    code = code or config.enrolment_code
    if not code:
        raise SyncError("no enrolment code: set sync.enrolment_code or pass one (kiosk-central enrolment-code SITE)")
    return enroll(config.server_url, code, serial or serial_number(), config.token_file, config.ca_file,
                  config.timeout_seconds)


def _reason(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"HTTP {response.status_code}: {detail or response.text[:200]}"


def serial_number() -> str:
    """The machine's hardware serial (a Pi's CPU serial), else its machine id."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("serial"):
                value = line.split(":", 1)[1].strip()
                if value.strip("0"):
                    return value
    except OSError:
        pass
    try:
        return Path("/etc/machine-id").read_text().strip()
    except OSError:
        raise SyncError("cannot find a hardware serial or /etc/machine-id") from None


# -- the store, read from this thread --------------------------------------------------


def mark_acked(db_path: str | Path, max_seq: int) -> int:
    """Set ``acked = 1`` for events up to ``max_seq``; return how many rows changed.

    The app runs this on the engine thread (the store's writer); tests call it directly.
    """
    conn = sqlite3.connect(str(db_path), timeout=5)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        with conn:
            return conn.execute("UPDATE events SET acked = 1 WHERE seq <= ? AND acked = 0", (max_seq,)).rowcount
    finally:
        conn.close()


def _open_ro(db_path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def read_batch(conn: sqlite3.Connection, after: int, limit: int) -> list[dict[str, Any]]:
    """Events with ``seq > after``, oldest first, as the API takes them.

    ``after`` is what the server last said it holds; the ``acked`` flag only
    tells where to start after a restart, so a server that lost events (restored
    from a backup) gets them again.
    """
    rows = conn.execute(
        "SELECT seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced FROM events "
        "WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [
        {
            "seq": r["seq"],
            "uuid": r["uuid"],
            "type": r["type"],
            "payload": json.loads(r["payload"]),
            "wall_time": r["wall_time"],
            "mono_ns": r["mono_ns"],
            "boot_id": r["boot_id"],
            "clock_synced": bool(r["clock_synced"]),
        }
        for r in rows
    ]


def heartbeat_from_store(conn: sqlite3.Connection, after: int, expected_minutes: dict[str, int] | None = None) -> dict[str, Any]:
    """Queues, counters and live tickets as the store's projections hold them."""
    day_row = conn.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()
    day = day_row[0] if day_row else None
    tickets = conn.execute(
        "SELECT id, service, display, state, counter, queue_seq, wait_minutes FROM tickets "
        "WHERE day = ? AND state IN ('waiting', 'called', 'serving') ORDER BY queue_seq",
        (day,),
    ).fetchall()
    queues: dict[str, int] = {}
    live = []
    for t in tickets:
        entry: dict[str, Any] = {"ticket_id": t["id"], "display": t["display"], "service": t["service"], "state": t["state"]}
        if t["state"] == "waiting":
            queues[t["service"]] = queues.get(t["service"], 0) + 1
            position = queues[t["service"]]
            entry["position"] = position
            if expected_minutes and t["service"] in expected_minutes:
                entry["wait_minutes"] = (position - 1) * expected_minutes[t["service"]]
            else:
                entry["wait_minutes"] = max(0, t["wait_minutes"] or 0)
        else:
            entry["counter"] = t["counter"]
        live.append(entry)
    displays = {t["id"]: t["display"] for t in tickets}
    counters = [
        {"number": c["number"], "mode": c["mode"], "officer": c["officer"], "ticket": displays.get(c["ticket_id"])}
        for c in conn.execute("SELECT number, mode, officer, ticket_id FROM counters ORDER BY number")
    ]
    depth = conn.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (after,)).fetchone()[0]
    first = conn.execute("SELECT wall_time FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (after,)).fetchone()
    oldest = first[0] if first else None
    age = None
    if oldest:
        age = max(0.0, (datetime.now(timezone.utc) - datetime.fromisoformat(oldest)).total_seconds())
    return {"queues": queues, "counters": counters, "tickets": live, "outbox_depth": depth, "oldest_unsynced_age_s": age}


# -- the worker ------------------------------------------------------------------------------


class SyncWorker:
    """Uploads events, sends heartbeats and fetches the site's configuration, in its own thread.

    ``on_acked(max_seq)``: every event up to ``max_seq`` is stored centrally (called
    from this thread; route it to the engine thread). ``on_config(version, data)``:
    a newer, valid configuration (a :class:`kiosk.config.Config`) arrived.
    """

    def __init__(
        self,
        db_path: str | Path,
        config: SyncConfig,
        on_acked: Callable[[int], None],
        on_config: Callable[[int, Any], None] | None = None,
        clock: Any = None,
        expected_minutes: dict[str, int] | None = None,
        config_version: Callable[[], int | None] | None = None,
        on_state: Callable[[bool, datetime | None], None] | None = None,
    ) -> None:
        if not config.server_url:
            raise SyncError("sync.server_url is not set")
        if config.server_url.startswith("http://") and not _is_loopback(config.server_url):
            log.warning("sync.server_url %s is plain HTTP: the token travels unencrypted", config.server_url)
        from kiosk.clock import SystemClock

        self.db_path = str(db_path)
        self.config = config
        self.on_acked = on_acked
        self.on_config = on_config
        self.clock = clock or SystemClock()
        self.expected_minutes = expected_minutes
        self.config_version = config_version or (lambda: self._config_version)
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self.acked_seq = 0  # what the server last said it holds, gapless
        self.on_state = on_state  # (online, last success) on every change: the board's offline banner
        self.online: bool | None = None
        self.last_ok: datetime | None = None
        self.last_error: str | None = None
        self.failures = 0
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        self._config_etag: str | None = None
        self._config_version: int | None = None
        self._next_heartbeat = 0.0
        self._next_config = 0.0
        self._load_config_cache()

    # -- life cycle --

    def start(self) -> None:
        """Start the worker thread (a daemon: it never holds up the kiosk's exit)."""
        self._thread = threading.Thread(target=self.run, name="sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Upload now rather than at the next interval (the engine thread calls this after a commit).

        Never blocks; ignored while backing off, so a down server is not hammered.
        """
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to stop and wait for it (at most ``timeout``)."""
        self.stop_event.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is None or not self._thread.is_alive():
            self._close_client()

    def run(self) -> None:
        """The loop: sync, then wait the interval (or the backoff) unless told to stop."""
        while not self.stop_event.is_set():
            try:
                self._wake.clear()  # commits from now on are picked up by this round or the next
                self.sync_once()
                self.failures, self.last_error = 0, None
                self.last_ok = datetime.now(timezone.utc)
                self._set_online(True)
                self._wake.wait(self.config.interval_seconds)
                continue
            except _Retry as exc:
                wait = self._backoff(exc.retry_after)
                self.last_error = str(exc)
                log.warning("sync failed (%s); retrying in %.1f s", exc, wait)
            except SyncError as exc:
                wait = self._backoff(None)
                self.last_error = str(exc)
                log.error("sync cannot work: %s", exc)
            except Exception as exc:  # never let the thread die: the kiosk must keep syncing later
                wait = self._backoff(None)
                self.last_error = repr(exc)
                log.exception("sync worker error; retrying in %.1f s", wait)
            self._set_online(False)
            self.stop_event.wait(wait)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            if self.on_state is not None:
                self.on_state(online, self.last_ok)

    def _backoff(self, retry_after: float | None) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^failures)]; at least Retry-After."""
        self.failures += 1
        cap = min(self.config.backoff_max_seconds, self.config.backoff_base_seconds * 2 ** min(self.failures - 1, 30))
        wait = random.uniform(0, cap)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.config.backoff_max_seconds))
        return wait

    # -- one round --

    def sync_once(self) -> int:
        """Upload every pending event (batch after batch), then heartbeat and config if due.

        Returns how many events the server acknowledged in this round.
        """
        token = read_token(self.config.token_file)
        conn = _open_ro(self.db_path)
        try:
            client = self._connection()  # kept across rounds: no new TCP/TLS handshake each time
            client.headers["Authorization"] = f"Bearer {token['token']}"
            if self.acked_seq == 0:
                self.acked_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE acked = 1").fetchone()[0]
            before = self.acked_seq
            while not self.stop_event.is_set():
                batch = read_batch(conn, self.acked_seq, self.config.batch_size)
                if not batch:
                    break
                answer = self._post(client, f"{API}/events", {
                    "device_id": token["device_id"],
                    "boot_id": self.clock.boot_id,
                    "sent_mono_ns": self.clock.monotonic_ns(),
                    "events": batch,
                })
                if answer["rejected"]:
                    log.error("server rejected events: %s", answer["rejected"][:5])
                if answer["acked_seq"] > self.acked_seq:
                    self.acked_seq = answer["acked_seq"]
                    self.on_acked(self.acked_seq)
                elif answer["acked_seq"] < self.acked_seq:
                    # The server lacks older events (restored from a backup?): resend from there.
                    log.warning("server holds events only up to %s; resending from there", answer["acked_seq"])
                    self.acked_seq = answer["acked_seq"]
                else:
                    raise _Retry(f"server acknowledged nothing new (gaps {answer['gaps'][:3]})")
            # Heartbeat and config are best effort: their failure must not hold up uploads.
            now = time.monotonic()
            if now >= self._next_heartbeat:
                self._next_heartbeat = now + self.config.heartbeat_seconds
                try:
                    self._heartbeat(client, conn)
                except _Retry as exc:
                    log.warning("heartbeat failed: %s", exc)
            if self.on_config is not None and now >= self._next_config:
                self._next_config = now + self.config.config_seconds
                try:
                    self._fetch_config(client)
                except _Retry as exc:
                    log.warning("configuration check failed: %s", exc)
            return self.acked_seq - before
        except _Retry:
            self._close_client()  # a fresh connection next time
            raise
        finally:
            conn.close()

    def _connection(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.config.server_url.rstrip("/"),
                verify=tls_verify(self.config.ca_file),
                timeout=self.config.timeout_seconds,
            )
        return self._client

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _post(self, client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._request(client, "POST", path, json=body)
        return response.json() if response.content else {}

    def _request(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise _Retry(f"cannot reach {self.config.server_url}: {exc!r}") from None
        if response.status_code in (429, 502, 503, 504) or response.status_code >= 500:
            raise _Retry(_reason(response), _retry_after(response))
        if response.status_code == 401:
            raise SyncError(f"the server refused this kiosk's token ({_reason(response)}); enrol it again")
        if response.status_code >= 400 and response.status_code != 404:
            raise _Retry(_reason(response), _retry_after(response))
        return response

    def _heartbeat(self, client: httpx.Client, conn: sqlite3.Connection) -> None:
        body = heartbeat_from_store(conn, self.acked_seq, self.expected_minutes)
        usage = shutil.disk_usage(Path(self.db_path).parent)
        body.update(
            clock_synced=bool(self.clock.synced()),
            software_version=SOFTWARE_VERSION,
            config_version=self.config_version(),
            free_disk_bytes=usage.free,
            boot_id=self.clock.boot_id,
            sent_mono_ns=self.clock.monotonic_ns(),
        )
        self._request(client, "POST", f"{API}/heartbeat", json=body)

    # -- configuration --

    def _load_config_cache(self) -> None:
        try:
            data = json.loads(Path(self.config.config_cache).read_text())
            self._config_version = int(data["version"])
            self._config_etag = f'"v{self._config_version}"'
        except (OSError, ValueError, KeyError, TypeError):
            pass

    def _fetch_config(self, client: httpx.Client) -> None:
        headers = {"If-None-Match": self._config_etag} if self._config_etag else {}
        response = self._request(client, "GET", f"{API}/config", headers=headers)
        if response.status_code in (304, 404):
            return
        data = response.json()
        try:
            config = parse_config(data["config"], source=f"central config v{data['version']}")
        except (ConfigError, KeyError, TypeError) as exc:
            # Keep the last good configuration; do not ask for this version again.
            log.error("the server's configuration is not valid here; keeping the current one:\n%s", exc)
            self._config_etag = response.headers.get("ETag")
            return
        write_atomic(self.config.config_cache,
                     json.dumps({"version": data["version"], "config": data["config"]}, ensure_ascii=False))
        self._config_etag = response.headers.get("ETag")
        self._config_version = data["version"]
        assert self.on_config is not None
        self.on_config(data["version"], config)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _is_loopback(url: str) -> bool:
    host = httpx.URL(url).host
    return host in ("localhost", "127.0.0.1", "::1")
