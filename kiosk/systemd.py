"""systemd's notify protocol: READY, WATCHDOG pings and STOPPING, without libsystemd.

The kiosk runs as ``Type=notify`` with ``WatchdogSec``: systemd restarts it when
the pings stop. The main loop pings only while the engine thread is alive and
taking events (:class:`Watchdog`), so a hung engine is restarted even though the
board still draws.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable


def notify(message: str) -> bool:
    """Send ``message`` (e.g. ``"READY=1"``) to ``$NOTIFY_SOCKET``; False when not under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract socket namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(address)
            sock.sendall(message.encode())
        except OSError:
            return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between pings: half of ``$WATCHDOG_USEC``, or None when the watchdog is off."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec or not usec.isdigit():
        return None
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Pings systemd from the main loop, but only while ``heartbeat()`` is recent.

    ``heartbeat`` returns the monotonic time of the engine thread's last loop
    (it loops at least twice a second even when idle). If it is older than
    ``stale_after`` seconds the engine is stuck, and the pings stop.
    """

    def __init__(
        self,
        heartbeat: Callable[[], float],
        interval: float | None,
        stale_after: float = 10.0,
        send: Callable[[str], bool] = notify,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.heartbeat = heartbeat
        self.interval = interval
        self.stale_after = stale_after
        self.send = send
        self.clock = clock
        self._last_ping = float("-inf")
        self.pings = 0

    def poll(self) -> None:
        """Called from the main loop: ping when due and the engine is alive."""
        if self.interval is None:
            return
        now = self.clock()
        if now - self._last_ping < self.interval:
            return
        if now - self.heartbeat() > self.stale_after:
            return  # the engine is stuck: let systemd restart us
        if self.send("WATCHDOG=1"):
            self.pings += 1
        self._last_ping = now
