"""The pages' logins: signed cookies and the server's list of open sessions.

Who may log in is :mod:`kiosk.credentials` (the leader password, officer PINs,
lockouts), shared with the keypads. This module holds what only the pages
need:

- a login cookie is signed (HMAC-SHA256 with the credentials file's secret) and
  holds the role, an expiry time, a CSRF token, a *generation* (part of the
  password's salt, so changing a password or removing an officer ends their
  sessions) and a session id;
- the session id must also be open in the server's :class:`SessionStore`:
  logging out closes it, so a copy of the cookie stops working at once instead
  of when it expires. The store is in memory: restarting the kiosk ends every
  login (log in again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

#: Open sessions kept at most; past it, expired ones and then the oldest are dropped
#: (logins are rate-limited by the lockouts, so this bounds memory, not people).
MAX_SESSIONS = 1000


# ---------------------------------------------------------------------------
# Signed cookies


def sign(payload: dict[str, Any], key: bytes) -> str:
    """``payload`` as a cookie value: base64 JSON, a dot, and its HMAC-SHA256."""
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(value: str, key: bytes) -> dict[str, Any] | None:
    """The payload of a cookie made by :func:`sign` with ``key``, or None if it was tampered with."""
    body, _, mac = value.rpartition(".")
    if not body or not hmac.compare_digest(hmac.new(key, body.encode(), hashlib.sha256).hexdigest(), mac):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


# ---------------------------------------------------------------------------
# Open sessions


class SessionStore:
    """The session ids of the logins that have not ended, with their expiry times (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.time, limit: int = MAX_SESSIONS) -> None:
        self.clock = clock
        self.limit = limit
        self._lock = threading.Lock()
        self._open: dict[str, float] = {}  # session id -> expires (insertion order = oldest first)

    def open(self, expires: float) -> str:
        """A new session id, open until ``expires`` (the clock's time)."""
        sid = secrets.token_urlsafe(24)
        with self._lock:
            if len(self._open) >= self.limit:
                now = self.clock()
                for old in [s for s, until in self._open.items() if until < now]:
                    del self._open[old]
                while len(self._open) >= self.limit:
                    del self._open[next(iter(self._open))]
            self._open[sid] = expires
        return sid

    def alive(self, sid: str | None) -> bool:
        """Whether ``sid`` is open and has not expired."""
        if not sid:
            return False
        with self._lock:
            until = self._open.get(sid)
            if until is not None and until < self.clock():
                del self._open[sid]
                until = None
        return until is not None

    def close(self, sid: str | None) -> None:
        """End ``sid``: a cookie naming it is no longer a login."""
        with self._lock:
            self._open.pop(sid or "", None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)
