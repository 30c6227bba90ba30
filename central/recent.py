"""Answers kept for a few seconds: what a dashboard page computed, shared by whoever asks again meanwhile.

The figures change only when events arrive, and at national scale a page's
figures cost tens to hundreds of milliseconds of the server's time. Read again
and again (the ranking every leader opens, a unit's page open in several
browsers, a wall screen that reloads itself) they would take the CPU that
ingest needs. Each server process keeps what it computed for ``max_age_s``
seconds (``[pages] figures_max_age_seconds``; 0 keeps nothing), so a page may
show figures that much older than the last upload. Of several requests for an
answer not kept, one computes it and the others wait for it.

Keep only plain answers that every user who may ask for the key may see (the
caller's access checks come first), and never change a kept answer: it is
shared.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Recent:
    """Answers by key, each kept ``max_age_s`` seconds; at most ``size`` of them (the least recently used go).

    ``clock`` tells the time in seconds (monotonic; a test may move it).
    """

    def __init__(self, max_age_s: float, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self.clock = clock
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer kept for ``key`` if younger than ``max_age_s``, else ``compute()``'s (then kept).

        A request that waited for another's computation takes its answer if it was
        young enough when this one asked (even if a slow computation made it older since).
        """
        if self.max_age_s <= 0:
            return compute()
        asked = self.clock()
        with self._lock:
            found = self._fresh(key, asked)
            if found is not None:
                return found[1]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                found = self._fresh(key, asked)  # computed by the request this one waited for
            if found is not None:
                return found[1]
            try:
                started = self.clock()  # the answer is as old as what it read: its age counts from here
                value = compute()
                with self._lock:
                    now = self.clock()
                    # What has grown old goes now, not when next asked for: memory holds only what
                    # the last max_age_s seconds computed (a ranking of thousands of units is a megabyte).
                    for old in [k for k, (at, _) in self._kept.items() if now - at >= self.max_age_s]:
                        del self._kept[old]
                    self._kept[key] = (started, value)
                    while len(self._kept) > self._size:
                        self._kept.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value

    def __len__(self) -> int:
        """How many answers are kept (some may have grown old since)."""
        with self._lock:
            return len(self._kept)

    def _fresh(self, key: Hashable, asked: float) -> tuple[float, Any] | None:
        """The kept (time, answer) of ``key`` if younger than ``max_age_s`` at ``asked``; call with the lock held."""
        found = self._kept.get(key)
        if found is None:
            return None
        if asked - found[0] >= self.max_age_s:
            del self._kept[key]
            return None
        self._kept.move_to_end(key)
        return found
