"""The device's clocks: wall time, monotonic time, boot id, NTP status.

A Raspberry Pi has no real-time clock: until NTP syncs, the wall clock may be
hours or years off, and it can jump. Every event records the wall time, the
monotonic time, the boot id and whether the clock was synchronised, so that the
central server can correct times per boot later.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

_TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised


def _read_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return f"unknown-{uuid.uuid4()}"  # one id per process is the best we can do


class SystemClock:
    """The real clocks of this machine."""

    def __init__(self) -> None:
        self.boot_id = _read_boot_id()
        self._libc = None
        name = ctypes.util.find_library("c")
        if name:
            libc = ctypes.CDLL(name, use_errno=True)
            if hasattr(libc, "adjtimex"):
                self._libc = libc

    def now(self) -> datetime:
        """Wall time, timezone-aware (UTC)."""
        return datetime.now(timezone.utc)

    def monotonic_ns(self) -> int:
        """Monotonic nanoseconds since boot; never jumps."""
        return time.monotonic_ns()

    def synced(self) -> bool:
        """Whether the kernel considers the clock NTP-synchronised (adjtimex state)."""
        if self._libc is None:
            return False
        buffer = ctypes.create_string_buffer(512)  # larger than struct timex; modes=0 reads only
        return self._libc.adjtimex(buffer) not in (-1, _TIME_ERROR)


class FakeClock:
    """A clock that tests move by hand, forwards or backwards."""

    def __init__(self, start: datetime, synced: bool = True, boot_id: str = "boot-1") -> None:
        self.current = start
        self.mono = 0
        self.is_synced = synced
        self.boot_id = boot_id

    def now(self) -> datetime:
        return self.current

    def monotonic_ns(self) -> int:
        self.mono += 1_000
        return self.mono

    def synced(self) -> bool:
        return self.is_synced

    def set(self, moment: datetime) -> None:
        """Set the wall clock (a jump either way)."""
        self.current = moment

    def advance(self, **delta: float) -> None:
        """Move the wall clock forward, e.g. ``advance(minutes=5)``."""
        from datetime import timedelta

        step = timedelta(**delta)
        self.current = self.current + step
        self.mono += max(0, int(step.total_seconds() * 1e9))  # time passed: the monotonic clock moved too
