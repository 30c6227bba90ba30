"""Enrolment with the central server and the kiosk's token file.

``kiosk enroll`` (and the first boot) trades a one-time code for a device id and
a token (:func:`enroll`); the token file is written atomically, readable by its
owner only. See docs/sync-protocol.md.
"""

from __future__ import annotations

import json
import logging
import os
import ssl
from pathlib import Path
from typing import Any

import httpx

from drivers.base import write_atomic
from kiosk.config import SyncConfig

log = logging.getLogger(__name__)

API = "/api/v1"


class SyncError(Exception):
    """Sync cannot work as configured (no token, bad CA file...): a sentence saying what to do."""


class RequestsAtDebug(logging.Filter):
    """httpx logs every request at info ("HTTP Request: POST ..."): for the kiosk, a heartbeat a
    minute is debug detail, shown with ``kiosk -v`` only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return log.isEnabledFor(logging.DEBUG)


def requests_at_debug() -> None:
    """Install :class:`RequestsAtDebug` on httpx's logger (once; when sync starts talking, not at import)."""
    http = logging.getLogger("httpx")
    if not any(isinstance(f, RequestsAtDebug) for f in http.filters):
        http.addFilter(RequestsAtDebug())


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
    requests_at_debug()
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
        raise SyncError(f"the server refused the enrolment: {reason(response)}")
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


def reason(response: httpx.Response) -> str:
    """Why the server refused a request: its status and its ``detail``."""
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
