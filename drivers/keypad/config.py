"""The ``[keypads]`` section of the office's config file: :class:`KeypadConfig`.

Besides pydantic, the standard library and :mod:`drivers.section`, it reads
only the keypad's pure tables (:mod:`drivers.keypad.keymap` and
:mod:`drivers.keypad.keycodes`, which import nothing else): validating a
keymap needs the list of key names, and no device library is loaded.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from drivers.base import Backend
from drivers.keypad.keycodes import KEY_CODES
from drivers.keypad.keymap import IGNORE, SYMBOLS, effective_keymap
from drivers.section import Section


class KeypadConfig(Section):
    """The ``[keypads]`` section: officers' numeric keypads."""

    backend: Backend = Field(
        default="real", description='"real": evdev devices under /dev/input; "simulated": keypads faked in memory.'
    )
    devices: list[str] = Field(
        default_factory=lambda: ["/dev/input/by-id/*-event-kbd"],
        description="Glob patterns of the device paths to watch. Use by-id (stable per keypad); "
        "use /dev/input/by-path/*-event-kbd (stable per USB port) if two keypads have the same by-id name.",
    )
    ignore: list[str] = Field(
        default_factory=list, description="Glob patterns of paths never to open, e.g. the technician's keyboard."
    )
    scan_interval_ms: int = Field(default=2000, ge=100, le=60_000, description="How often to look for new keypads.")
    pairing_pin: str | None = Field(
        default=None,
        description="4 to 8 digits typed to pair a keypad (/ / PIN Enter counter Enter). "
        "Unset: keypads cannot be paired from the keypad.",
    )
    pairings_file: Path = Field(
        default=Path("/var/lib/kiosk/keypads.json"), description="Where the keypad-to-counter pairings are kept."
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description='Changes to the default keymap: evdev key name -> symbol ("0".."9", "enter", ".", "-", "+", '
        '"*", "/", "clear" or "ignore"), e.g. {KEY_TAB = "clear"}.',
    )
    sequence_timeout_ms: int = Field(
        default=5000, ge=1000, le=60_000, description="Half-typed input is dropped (with a beep) after this pause."
    )
    long_press_ms: int = Field(default=1000, ge=300, le=10_000, description="Holding 0 this long is pause/resume.")
    max_digits: int = Field(
        default=6, ge=3, le=12, description="Longest ticket number or officer code; longer input is dropped."
    )
    reconnect_min_ms: int = Field(default=500, ge=1, le=60_000, description="First wait before reopening a keypad.")
    reconnect_max_ms: int = Field(
        default=10_000, ge=1, le=600_000, description="Longest wait between attempts (the wait doubles up to it)."
    )
    numlock: bool = Field(
        default=True, description="Turn the keypad's NumLock LED on when opening it, so it sends digits."
    )

    @field_validator("pairing_pin")
    @classmethod
    def _pin(cls, pin: str | None) -> str | None:
        if pin is not None and not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValueError("the pairing PIN must be 4 to 8 digits")
        return pin

    @field_validator("keymap")
    @classmethod
    def _known_keys(cls, keymap: dict[str, str]) -> dict[str, str]:
        allowed = SYMBOLS | {IGNORE}
        for name, symbol in keymap.items():
            if not name.startswith("KEY_") or name not in KEY_CODES:
                raise ValueError(f"{name!r} is not an evdev key name (see `python -m evdev.evtest`)")
            if symbol not in allowed:
                raise ValueError(f"{name} = {symbol!r}: use one of {sorted(allowed)}")
        return keymap

    def key_codes(self) -> dict[int, str]:
        """The effective keymap: evdev key code -> symbol (defaults changed by ``keymap``)."""
        return effective_keymap(self.keymap)
