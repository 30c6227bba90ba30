"""The simulated backend: keypads in memory that a test or a demo plugs, types on and unplugs.

:class:`SimulatedKeypads` is the "USB bus" (its ``list_paths`` and ``open`` are
the service's lister and opener); each :class:`SimulatedKeypad` is a
:class:`~drivers.inputs.simulated.SimulatedInputDevice` (the part of
``evdev.InputDevice`` the reader uses, and a pipe for its ``select()``) with
NumLock's LED and keys to type, so everything but the last hop runs as with
real keypads.
"""

from __future__ import annotations

from drivers.inputs.input_events import SimulatedInputEvent
from drivers.inputs.simulated import SimulatedBus, SimulatedInputDevice
from drivers.keypad.keycodes import KEY_CODES
from drivers.keypad.keymap import TYPING_KEYS

__all__ = ["SimulatedInputEvent", "SimulatedKeypad", "SimulatedKeypads"]


class SimulatedKeypad(SimulatedInputDevice):
    """An in-memory keypad with the part of ``evdev.InputDevice`` the reader uses.

    Its ``fileno()`` is a pipe, so the reader's ``select()`` works unchanged.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.leds: dict[int, int] = {}

    def set_led(self, led_num: int, value: int) -> None:
        self.leds[led_num] = value

    def send(self, code: int, value: int) -> None:
        """Queue one key event (value 1 down, 0 up, 2 autorepeat) and its SYN (lost when the keypad is not open)."""
        self.send_keys([(code, value)])

    def tap(self, key_name: str) -> None:
        """Press and release the key ``key_name`` (an evdev name such as ``KEY_KPENTER``)."""
        code = KEY_CODES[key_name]
        self.send(code, 1)
        self.send(code, 0)

    def type(self, text: str) -> None:
        """Tap keys by character: digits . - + * / and \\n for Enter, \\b for Backspace."""
        for char in text:
            self.tap(TYPING_KEYS[char])


class SimulatedKeypads(SimulatedBus[SimulatedKeypad]):
    """The simulated backend's "USB bus": plug, unplug and type on keypads."""

    def plug(self, path: str) -> SimulatedKeypad:
        """Plug a (new) keypad in at ``path``."""
        return self._plug(SimulatedKeypad(path))
