"""The ``[rating_pads]`` section: rating pads on MCP23017 I2C expanders and on USB, and its checks.

:class:`RatingPadsConfig` and its nested models check each value on its own
(pydantic); :func:`validate_rating_pads` does the checks that look at the whole
section and at the rest of the office's config (two pads on one counter, a pad
beside GPIO rating buttons, a chip pin used twice, two chips at one address, an
unused expander, a pad whose buttons do not match the rating scale, GPIO 2/3
taken by a button while the expanders need them for I2C).

Pydantic, the standard library and the other drivers' config modules only:
validating a config file loads no device library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from pydantic import Field, field_validator, model_validator

from drivers.base import Backend
from drivers.buttons.config import ButtonsConfig, i2c_clashes
from drivers.keypad.keycodes import KEY_CODES
from drivers.scanner.config import ScannerConfig
from drivers.section import Section

#: The addresses an MCP23017 can answer at (pins A0-A2 add 0-7 to 0x20).
MCP23017_ADDRESSES = range(0x20, 0x28)
#: Pins of one MCP23017: GPA0-GPA7 are 0-7, GPB0-GPB7 are 8-15.
CHIP_PINS = range(0, 16)


def chip_pin_name(pin: int) -> str:
    """``GPA0``..``GPA7`` for pins 0-7, ``GPB0``..``GPB7`` for 8-15 (as printed on the chip's datasheet)."""
    return f"GP{'A' if pin < 8 else 'B'}{pin % 8}"


def default_keys(scale: int) -> list[list[str]]:
    """The keys of a USB pad by level when the config names none: level i is ``KEY_i`` or ``KEY_KPi``."""
    return [[f"KEY_{i}", f"KEY_KP{i}"] for i in range(1, scale + 1)]


class ExpanderConfig(Section):
    """One MCP23017 16-pin I2C GPIO expander."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,15}$", description="A short name the pads refer to, e.g. \"a\".")
    bus: int = Field(
        default=1, ge=0, le=31, description="The I2C bus number (/dev/i2c-N); the header's SDA/SCL are bus 1."
    )
    address: int = Field(description="The chip's I2C address, 0x20-0x27 (set by its pins A0-A2).")

    @field_validator("address")
    @classmethod
    def _address(cls, address: int) -> int:
        if address not in MCP23017_ADDRESSES:
            raise ValueError(f"{address:#04x} is not an MCP23017 address: use 0x20-0x27 (set by the chip's pins A0-A2)")
        return address


class UsbMatch(Section):
    """Which USB device is a pad: by USB id, a part of its name, or a device path pattern (as ``[scanner]``)."""

    usb_ids: list[str] = Field(default_factory=list, description='USB ids as lsusb shows them, e.g. ["1a2c:0e24"].')
    names: list[str] = Field(
        default_factory=list, description="Parts of the device's name, as `cat /proc/bus/input/devices` shows it."
    )
    devices: list[str] = Field(
        default_factory=list,
        description="Glob patterns of device paths. Two pads of the same model: tell them apart by USB port, "
        'e.g. ["/dev/input/by-path/*-usb-0:1.2:1.0-event-kbd"].',
    )

    @model_validator(mode="after")
    def _findable(self) -> Self:
        # The same rules (and messages) as [scanner]: an empty entry, a bad USB id, nothing to look for.
        ScannerConfig(usb_ids=self.usb_ids, names=self.names, devices=self.devices)
        return self

    def as_scanner(self) -> ScannerConfig:
        """The same match as a ``[scanner]`` section, for :func:`drivers.scanner.matching.matches`."""
        return ScannerConfig(usb_ids=self.usb_ids, names=self.names, devices=self.devices)


class PadConfig(Section):
    """The rating pad of one counter: buttons on an expander (and an LED), or a USB keypad."""

    counter: int = Field(ge=1, le=99, description="The counter the pad rates.")
    expander: str | None = Field(default=None, description="The id of the expander its buttons are on.")
    buttons: list[int] = Field(
        default_factory=list, description="Expander pins (0-15) of the buttons, best level first; pressed = low."
    )
    led: int | None = Field(
        default=None, ge=0, le=15, description="Expander pin of the pad's LED (high = lit); omit if none."
    )
    usb: UsbMatch | None = Field(default=None, description="A USB keypad: how to find it.")
    keys: list[str] = Field(
        default_factory=list,
        description="For a USB pad: the evdev key name of each level, best first; default KEY_1.. or KEY_KP1..",
    )

    @field_validator("buttons")
    @classmethod
    def _pins(cls, pins: list[int]) -> list[int]:
        for pin in pins:
            if pin not in CHIP_PINS:
                raise ValueError(f"pin {pin} is not on an MCP23017 (0-15: GPA0-7 are 0-7, GPB0-7 are 8-15)")
        return pins

    @field_validator("keys")
    @classmethod
    def _keys(cls, keys: list[str]) -> list[str]:
        for name in keys:
            if name not in KEY_CODES:
                raise ValueError(f"{name!r} is not an evdev key name (see `python -m evdev.evtest`)")
        return keys

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.expander is None) == (self.usb is None):
            raise ValueError("give either expander and buttons (an MCP23017 pad) or usb (a USB pad)")
        if self.usb is not None and (self.buttons or self.led is not None):
            raise ValueError("a USB pad has keys, not buttons or led")
        if self.expander is not None and self.keys:
            raise ValueError("an expander pad has buttons, not keys")
        return self

    def level_keys(self, scale: int) -> list[list[str]]:
        """A USB pad's key names by level (index 0 = level 1)."""
        return [[key] for key in self.keys] if self.keys else default_keys(scale)


class RatingPadsConfig(Section):
    """The ``[rating_pads]`` section: a rating pad at each counter that has one."""

    backend: Backend = Field(
        default="real",
        description='"real": I2C chips through adafruit-blinka and USB pads through evdev; '
        '"simulated": a simulated I2C bus and USB pads in memory.',
    )
    poll_ms: int = Field(default=10, ge=2, le=100, description="How often the expanders' buttons are read.")
    debounce_ms: int = Field(
        default=30, ge=5, le=500, description="A press counts once the contact has been steady this long."
    )
    blink_ms: int = Field(default=500, ge=50, le=5000, description="On time and off time of a blinking pad LED.")
    reconnect_min_ms: int = Field(default=500, ge=1, le=60_000, description="First wait before reopening a USB pad.")
    reconnect_max_ms: int = Field(default=10_000, ge=1, le=600_000, description="Longest wait between attempts.")
    scan_interval_ms: int = Field(default=2000, ge=100, le=60_000, description="How often to look for USB pads.")
    expanders: list[ExpanderConfig] = Field(default_factory=list, description="The MCP23017 chips.")
    pads: list[PadConfig] = Field(default_factory=list, description="The pads, one per counter.")


def validate_rating_pads(
    config: RatingPadsConfig,
    *,
    scale: int,
    counters: Sequence[tuple[int, bool]],
    buttons: ButtonsConfig | None = None,
) -> list[tuple[str, str]]:
    """Cross-checks of ``[rating_pads]``; (key path, message) pairs, empty when all is well.

    ``scale`` is the number of rating levels; ``counters`` the office's
    (number, rating_buttons) in file order; ``buttons`` its ``[buttons]``.
    """
    problems: list[tuple[str, str]] = []
    expanders = {chip.id: i for i, chip in enumerate(config.expanders, start=1)}
    at: dict[tuple[int, int], str] = {}
    for i, chip in enumerate(config.expanders, start=1):
        key = f"rating_pads.expanders[{i}]"
        if expanders[chip.id] != i:
            problems.append((f"{key}.id", f"expander id {chip.id!r} is used twice"))
        if (chip.bus, chip.address) in at:
            problems.append((f"{key}.address", f"{chip.address:#04x} on bus {chip.bus} is already expander "
                             f"{at[chip.bus, chip.address]!r}: set another address with the chip's A0-A2 pins"))
        at.setdefault((chip.bus, chip.address), chip.id)
    gpio_rating = set(buttons.rating) if buttons is not None else set()
    known = dict(counters)
    padded: dict[int, str] = {}
    pins: dict[tuple[str, int], str] = {}
    for j, pad in enumerate(config.pads, start=1):
        key = f"rating_pads.pads[{j}]"
        if pad.counter not in known:
            problems.append((f"{key}.counter", f"no counter {pad.counter}"))
        elif not known[pad.counter]:
            problems.append((f"{key}.counter", f"counter {pad.counter} has rating_buttons = false"))
        if pad.counter in padded:
            problems.append((f"{key}.counter", f"counter {pad.counter} already has a pad ({padded[pad.counter]})"))
        padded.setdefault(pad.counter, key)
        if pad.counter in gpio_rating:
            problems.append((f"{key}.counter", f"counter {pad.counter} also has GPIO rating buttons "
                             f"([buttons.rating.{pad.counter}]): give it one or the other"))
        count = len(pad.keys) if pad.usb is not None else len(pad.buttons)
        if (pad.usb is None or pad.keys) and count != scale:
            what = "keys" if pad.usb is not None else "buttons"
            problems.append((f"{key}.{what}", f"{count} {what} but there are {scale} rating levels ([[rating.levels]])"))
        if pad.expander is None:
            continue
        if pad.expander not in expanders:
            problems.append((f"{key}.expander", f"no expander {pad.expander!r} in [[rating_pads.expanders]]"))
            continue
        uses = [(f"{key}.buttons[{k}]", pin) for k, pin in enumerate(pad.buttons, start=1)]
        uses += [(f"{key}.led", pad.led)] if pad.led is not None else []
        for use, pin in uses:
            where = (pad.expander, pin)
            if where in pins:
                problems.append((use, f"pin {pin} ({chip_pin_name(pin)}) of expander {pad.expander!r} is already "
                                 f"used by {pins[where]}"))
            pins.setdefault(where, use)
    used = {pad.expander for pad in config.pads}
    for i, chip in enumerate(config.expanders, start=1):
        if chip.id not in used:
            problems.append((f"rating_pads.expanders[{i}]", f"expander {chip.id!r} has no pad on it: remove it"))
    for i, (number, fitted) in enumerate(counters, start=1):
        if fitted and number not in padded and number not in gpio_rating:
            problems.append((f"counters[{i}].rating_buttons", f"true, but counter {number} has neither a pad in "
                             f"[[rating_pads.pads]] nor pins in [buttons.rating.{number}]"))
    if config.expanders and buttons is not None:
        problems += i2c_clashes(buttons)
    return problems
