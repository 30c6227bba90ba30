"""One keypad's key events in, posted events out: :class:`KeypadHandler`.

The pipeline every backend shares: a key event read from a device goes
through the keymap (:mod:`drivers.keypad.keymap`), the press tracker
(:mod:`drivers.keypad.presses`) and the key-sequence parser
(:mod:`drivers.keypad.sequence`); what comes out is posted to the app, and a
pairing is saved in the :class:`~drivers.keypad.pairing.PairingStore` first.
No threads and no device library: the reader thread of
:mod:`drivers.keypad.service` calls it, and tests call it directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from drivers.inputs.input_events import InputEvent
from drivers.keypad.config import KeypadConfig
from drivers.keypad.events import KeypadAction, KeypadPaired, KeypadRejected
from drivers.keypad.keycodes import EV_KEY, key_name
from drivers.keypad.keymap import IGNORE
from drivers.keypad.pairing import PairingStore
from drivers.keypad.presses import KeyPressTracker, KeyState
from drivers.keypad.sequence import KeySequenceParser


# An EV_KEY event's value: 1 pressed, 0 released, 2 autorepeat.
_KEY_STATES: dict[int, KeyState] = {1: "down", 0: "up", 2: "hold"}


class KeypadHandler:
    """Handles the events of one opened keypad. Used by one reader thread only
    (tests call it directly with synthesized ``evdev.InputEvent`` objects)."""

    def __init__(
        self,
        device: str,
        config: KeypadConfig,
        store: PairingStore,
        post: Callable[[Any], None],
        *,
        counters: Collection[int] | None = None,
        service_count: int | None = None,
        group_count: int | None = None,
    ) -> None:
        self.device = device
        self.store = store
        self._post = post
        self._codes = config.key_codes()
        self.counter = store.counter_for(device)
        self.parser = KeySequenceParser(
            self.counter,
            pairing_pin=config.pairing_pin,
            timeout_s=config.sequence_timeout_ms / 1000,
            max_digits=config.max_digits,
            counters=counters,
            service_count=service_count,
            group_count=group_count,
            device=device,
        )
        self.tracker = KeyPressTracker(config.long_press_ms / 1000)

    def handle_event(self, event: InputEvent, now: float) -> None:
        """One input event read from the device at clock time ``now``."""
        if event.type != EV_KEY:
            return  # EV_SYN, EV_MSC scan codes, EV_LED echoes
        state = _KEY_STATES.get(event.value)
        if state is None:
            return
        symbol = self._codes.get(event.code)
        if symbol == IGNORE:
            return
        if symbol is None:
            if state != "down":
                return
            symbol = key_name(event.code)  # the parser refuses it, naming the key: "key KEY_TAB is not used"
        for sym in self.tracker.key(symbol, state, now):
            self._feed(sym, now)

    @property
    def timing(self) -> bool:
        """True while a long press or a half-typed sequence waits on the clock."""
        return self.tracker.holding or not self.parser.idle

    def tick(self, now: float) -> None:
        """Call often while :attr:`timing` (the reader does, every 0.1 s): long presses and timeouts."""
        for sym in self.tracker.tick(now):
            self._feed(sym, now)
        for out in self.parser.tick(now):
            self._post(out)

    def sync_binding(self) -> int | None:
        """Pick up pairing changes made elsewhere (another keypad took our counter, a reset)."""
        counter = self.store.counter_for(self.device)
        if counter != self.counter:
            self.counter = self.parser.counter = counter
        return counter

    def _feed(self, symbol: str, now: float) -> None:
        for out in self.parser.feed(symbol, now):
            if isinstance(out, KeypadAction) and out.action == "pair":
                assert out.value is not None
                counter = int(out.value)
                try:
                    previous = self.store.pair(self.device, counter)
                except OSError as exc:  # read-only or full disk: say so, keep reading keys
                    self._post(KeypadRejected(self.counter, f"cannot save the pairing ({exc})", self.device))
                    continue
                self.sync_binding()
                self._post(KeypadPaired(self.device, counter, previous))
            else:
                self._post(out)
