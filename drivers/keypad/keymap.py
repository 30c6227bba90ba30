"""The keymap: which key means which symbol to the key-sequence parser.

A keypad sends key codes; the parser reads symbols: the digits ``"0"``..``"9"``
and ``enter . - + * / clear``. :data:`DEFAULT_KEYMAP` maps the keypad's keys,
the same keys of a full keyboard, and the codes some keypads send with their
own NumLock off; the ``keymap`` of ``[keypads]`` changes it (:func:`effective_keymap`).
A key mapped to :data:`IGNORE` is dropped silently; a key not mapped at all is
refused with a beep. Pure: no device library (key names are looked up in
:mod:`drivers.keypad.keycodes`).
"""

from __future__ import annotations

from collections.abc import Mapping

from drivers.keypad.keycodes import KEY_CODES

DIGITS = frozenset("0123456789")
ENTER, DOT, MINUS, PLUS, STAR, SLASH, CLEAR = "enter", ".", "-", "+", "*", "/", "clear"
IGNORE = "ignore"  # a key mapped to this is dropped silently (e.g. NumLock)
#: The symbol of ``0`` held down for ``long_press_ms`` (made by :class:`drivers.keypad.presses.KeyPressTracker`).
LONG_ZERO = "long:0"
#: The symbols the parser knows (besides :data:`LONG_ZERO`).
SYMBOLS = DIGITS | {ENTER, DOT, MINUS, PLUS, STAR, SLASH, CLEAR}

#: evdev key name -> symbol. The keypad keys, the same keys of a full keyboard,
#: and the codes some keypads send when their own NumLock is off.
DEFAULT_KEYMAP: dict[str, str] = {
    **{f"KEY_KP{d}": d for d in "0123456789"},
    **{f"KEY_{d}": d for d in "0123456789"},
    "KEY_KPENTER": ENTER,
    "KEY_ENTER": ENTER,
    "KEY_KPDOT": DOT,
    "KEY_KPCOMMA": DOT,
    "KEY_DOT": DOT,
    "KEY_KPMINUS": MINUS,
    "KEY_MINUS": MINUS,
    "KEY_KPPLUS": PLUS,
    "KEY_KPASTERISK": STAR,
    "KEY_KPSLASH": SLASH,
    "KEY_SLASH": SLASH,
    "KEY_BACKSPACE": CLEAR,
    "KEY_NUMLOCK": IGNORE,
    # NumLock off on keypads that decode it themselves:
    "KEY_INSERT": "0",
    "KEY_END": "1",
    "KEY_DOWN": "2",
    "KEY_PAGEDOWN": "3",
    "KEY_LEFT": "4",
    "KEY_RIGHT": "6",
    "KEY_HOME": "7",
    "KEY_UP": "8",
    "KEY_PAGEUP": "9",
    "KEY_DELETE": DOT,
}

#: Character -> the keypad key that types it: digits . - + * / and "\n" for
#: Enter, "\b" for Backspace (what :meth:`SimulatedKeypad.type` and the tests type).
TYPING_KEYS: dict[str, str] = {
    **{d: f"KEY_KP{d}" for d in "0123456789"},
    "\n": "KEY_KPENTER",
    ".": "KEY_KPDOT",
    "-": "KEY_KPMINUS",
    "+": "KEY_KPPLUS",
    "*": "KEY_KPASTERISK",
    "/": "KEY_KPSLASH",
    "\b": "KEY_BACKSPACE",
}


def effective_keymap(changes: Mapping[str, str]) -> dict[int, str]:
    """The effective keymap: key code -> symbol, :data:`DEFAULT_KEYMAP` changed by ``changes`` (key name -> symbol).

    ``changes`` must hold known key names (``[keypads]`` validates them).
    """
    merged = {**DEFAULT_KEYMAP, **changes}
    return {KEY_CODES[name]: symbol for name, symbol in merged.items()}
