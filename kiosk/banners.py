"""The banners the office raises on the board and the pages, by key, some for a while."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kiosk.view import Banner

#: The most serious first.
ORDER = {"error": 0, "paper": 1, "offline": 2, "closed": 3, "info": 4}


@dataclass
class Banners:
    """Banners by key (one per key); each lasts until cleared or for the seconds it was set for.

    Owned by the engine thread; other threads post ``SetBanner``/``ClearBanner``.
    """

    items: dict[str, tuple[Banner, float | None]] = field(default_factory=dict)  # key -> (banner, expires)

    def set(self, key: str, banner: Banner, seconds: float | None = None) -> None:
        """Show ``banner`` under ``key``, replacing the one there, for ``seconds`` (None: until cleared)."""
        self.items[key] = (banner, None if seconds is None else time.monotonic() + seconds)

    def clear(self, key: str) -> None:
        """Take down the banner under ``key``, if any."""
        self.items.pop(key, None)

    def current(self) -> tuple[Banner, ...]:
        """The banners in force, the most serious first (expired ones are dropped)."""
        now = time.monotonic()
        for key in [k for k, (_, expires) in self.items.items() if expires is not None and expires < now]:
            del self.items[key]
        return tuple(sorted((b for b, _ in self.items.values()), key=lambda b: ORDER.get(b.kind, 9)))
