"""The sync worker: uploads the store's events to the central server.

It runs in its own thread and never touches the engine's store object: it reads
``events`` through its own read-only SQLite connection and reports what the
server acknowledged through ``on_acked(max_seq)``, which the app routes to the
engine thread (that thread alone writes, with :func:`kiosk.outbox.mark_acked`'s UPDATE).

Delivery is at least once: an event is reported acknowledged only after the
server's answer says it is stored; a batch whose answer was lost is simply sent
again, and the server stores each event once (by device and seq, and by uuid).
While the server is unreachable the worker waits with exponential backoff and
full jitter (a random wait between 0 and the current cap), or as long as a
``Retry-After`` header asks.

Enrolment and the token file are :mod:`kiosk.enrolment`; reading the store
from this thread is :mod:`kiosk.outbox`. See docs/sync-protocol.md for the protocol.
"""

from __future__ import annotations

import logging
import math
import random
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from kiosk.bootconfig import read_central, store_central
from kiosk.config import Config, ConfigError, SyncConfig, parse_config
from kiosk.enrolment import API, SyncError, read_token, reason, requests_at_debug, tls_verify
from kiosk.health import HeartbeatDevices
from kiosk.outbox import heartbeat_from_store, officers_for_heartbeat, open_read_only, read_batch

log = logging.getLogger(__name__)

SOFTWARE_VERSION = "0.1.0"


class _Retry(Exception):
    """A failure worth retrying later; ``retry_after`` if the server said how long to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _TooLarge(_Retry):
    """The server refused the request body as too large (413): send less at a time."""


# -- the worker ------------------------------------------------------------------------------


class SyncWorker:
    """Uploads events, sends heartbeats and fetches the site's configuration, in its own thread.

    ``on_acked(max_seq)``: every event up to ``max_seq`` is stored centrally (called
    from this thread; route it to the engine thread). ``on_config(version, data)``:
    a newer, valid configuration (a :class:`kiosk.config.Config`) arrived.
    ``device_health()``: the devices' states for the heartbeat's ``"devices"``
    (:class:`kiosk.health.DeviceHealth`); if it raises, the heartbeat goes without them.
    """

    def __init__(
        self,
        db_path: str | Path,
        config: SyncConfig,
        on_acked: Callable[[int], None],
        on_config: Callable[[int, Any], None] | None = None,
        clock: Any = None,
        office_config: Callable[[], Config] | None = None,
        config_version: Callable[[], int | None] | None = None,
        on_state: Callable[[bool, datetime | None], None] | None = None,
        device_health: Callable[[], Mapping[str, str]] | None = None,
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
        self.office_config = office_config  # the office's current config: heartbeats estimate waits with it
        self.config_version = config_version or (lambda: self._config_version)
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self.acked_seq = 0  # what the server last said it holds, gapless
        self.batch_size = config.batch_size  # halved for this process while the server answers 413
        self.on_state = on_state  # (online, last success) on every change: the board's offline banner
        self.heartbeat_devices = HeartbeatDevices(device_health)
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
        conn = open_read_only(self.db_path)
        try:
            client = self._connection()  # kept across rounds: no new TCP/TLS handshake each time
            client.headers["Authorization"] = f"Bearer {token['token']}"
            if self.acked_seq == 0:
                self.acked_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE acked = 1").fetchone()[0]
            before = self.acked_seq
            while not self.stop_event.is_set():
                batch = read_batch(conn, self.acked_seq, self.batch_size)
                if not batch:
                    break
                try:
                    answer = self._post(client, f"{API}/events", {
                        "device_id": token["device_id"],
                        "boot_id": self.clock.boot_id,
                        "sent_mono_ns": self.clock.monotonic_ns(),
                        "events": batch,
                    })
                except _TooLarge:
                    if len(batch) == 1:
                        raise
                    self.batch_size = max(1, len(batch) // 2)
                    log.warning("the server finds %d events too large for one request; sending %d at a time",
                                len(batch), self.batch_size)
                    continue
                if answer["rejected"]:
                    log.error("server rejected events: %s", answer["rejected"][:5])
                if answer.get("quarantined"):
                    # Stored and acknowledged, but the server does not believe their time (a clock that ran ahead,
                    # or claimed to be synchronised before 2025): say why, so a technician can fix the clock.
                    log.warning("the server does not believe the time of %d event(s): %s",
                                len(answer["quarantined"]), answer["quarantined"][:5])
                if answer.get("personal_keys_dropped"):
                    # Central stores no personal data and dropped some keys: this kiosk should send none.
                    log.warning("central dropped %s personal-data key(s) from the events sent",
                                answer["personal_keys_dropped"])
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
            requests_at_debug()
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
            raise _Retry(reason(response), _retry_after(response))
        if response.status_code == 401:
            raise SyncError(f"the server refused this kiosk's token ({reason(response)}); enrol it again")
        if response.status_code == 413:
            raise _TooLarge(reason(response))
        if response.status_code >= 400 and response.status_code != 404:
            raise _Retry(reason(response), _retry_after(response))
        return response

    def _heartbeat(self, client: httpx.Client, conn: sqlite3.Connection) -> None:
        office = self.office_config() if self.office_config else None
        body = heartbeat_from_store(conn, self.acked_seq, office)
        body["officers"] = officers_for_heartbeat(office)  # code and name only: central shows officers by name
        devices = self.heartbeat_devices()  # central's alerts: paper out, camera or microphone lost
        if devices:
            body["devices"] = devices
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
        # The version this kiosk holds (and runs on since its start): the server answers 304 for it.
        stored = read_central(self.config)
        if stored is not None:
            self._config_version = stored.version
            self._config_etag = f'"v{stored.version}"'

    def _fetch_config(self, client: httpx.Client) -> None:
        headers = {"If-None-Match": self._config_etag} if self._config_etag else {}
        response = self._request(client, "GET", f"{API}/config", headers=headers)
        if response.status_code in (304, 404):
            return
        try:
            data = response.json()
            version = data["version"]
            if type(version) is not int:
                raise TypeError(f"version {version!r} is not a whole number")
            config = parse_config(data["config"], source=f"central config v{version}")
        except (ConfigError, KeyError, TypeError, ValueError) as exc:
            # Keep the last good configuration; do not ask for this version again.
            log.error("the server's configuration is not valid here; keeping the current one:\n%s", exc)
            self._config_etag = response.headers.get("ETag")
            return
        # Stored durably before it is applied: the kiosk starts on it after a restart or a power cut.
        try:
            device_id = read_token(self.config.token_file)["device_id"]
        except SyncError:
            device_id = None
        store_central(self.config, version, data["config"], device_id)
        self._config_etag = response.headers.get("ETag")
        self._config_version = version
        assert self.on_config is not None
        self.on_config(version, config)


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
