"""Key presses into symbols, telling a long press of ``0`` from a short one (pure).

:class:`KeyPressTracker` sits between the keymap and the key-sequence parser:
it takes key down / up / autorepeat changes with a clock reading and returns
the symbols they complete, ``long:0`` for ``0`` held ``long_press_ms``
(pause/resume) and ``0`` for a short press.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

#: A key's change as the kernel reports it: pressed, released, or autorepeat while held.
KeyState = Literal["down", "up", "hold"]


class KeyPressTracker:
    """Key down/up/autorepeat into symbols for the parser (pure).

    A key that has a long-press meaning (``0``) is held back until it is released
    or another key goes down (fast typists roll over keys), so ``100*`` still
    reads 1, 0, 0, * in that order. Held for ``long_press_s`` it becomes
    ``long:0`` at once, while still held (:meth:`tick` or an autorepeat notices).
    """

    def __init__(self, long_press_s: float, long_keys: Collection[str] = ("0",)) -> None:
        self.long_press_s = long_press_s
        self.long_keys = frozenset(long_keys)
        self._held: dict[str, float] = {}  # long-press key -> time it went down

    def key(self, symbol: str, state: KeyState, now: float) -> list[str]:
        """One key change; returns the symbols it completes, in order."""
        if state == "down":
            out = self._flush()
            if symbol in self.long_keys:
                self._held[symbol] = now
            else:
                out.append(symbol)
            return out
        if symbol not in self._held:
            return []  # autorepeat or release of an ordinary key, or of one already sent
        if state == "hold":
            return self._long(symbol, now)
        down_at = self._held.pop(symbol)
        return [f"long:{symbol}" if now - down_at >= self.long_press_s else symbol]

    @property
    def holding(self) -> bool:
        """True while a long-press key is down and not yet decided."""
        return bool(self._held)

    def tick(self, now: float) -> list[str]:
        """Long presses that became due with the key still held."""
        return [s for symbol in list(self._held) for s in self._long(symbol, now)]

    def _long(self, symbol: str, now: float) -> list[str]:
        if now - self._held[symbol] >= self.long_press_s:
            del self._held[symbol]
            return [f"long:{symbol}"]
        return []

    def _flush(self) -> list[str]:
        out = list(self._held)  # short presses: another key came first
        self._held.clear()
        return out
