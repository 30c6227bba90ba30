"""The ``[scanner]`` section of the office's config file: :class:`ScannerConfig`, and the
``[[counter_scanners]]`` entries: :class:`CounterScannerConfig`.

Imports only pydantic, the standard library and :mod:`drivers.section` /
:mod:`drivers.base`, so validating a config file loads no device library.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from drivers.base import Backend
from drivers.section import Section

#: The keyboard layouts the scanner may be set to (``drivers.scanner.layouts.LAYOUTS`` holds their tables;
#: a test keeps the two in step).
LayoutName = Literal["us", "de", "fr"]

_USB_ID = re.compile(r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$")


class ScannerConfig(Section):
    """The ``[scanner]`` section: the citizens' USB 2D barcode scanner (a keyboard-wedge device) at the ticket machine."""

    backend: Backend = Field(
        default="real", description='"real": an evdev device under /dev/input; "simulated": scanners faked in memory.'
    )
    usb_ids: list[str] = Field(
        default_factory=list,
        description='USB ids as lsusb shows them, vendor:product in hex, e.g. ["0c2e:0b61"]. '
        "A device with one of these ids is the scanner.",
    )
    names: list[str] = Field(
        default_factory=lambda: ["Barcode", "Bar Code", "Scanner", "QR"],
        description="Parts of the device's name (case does not matter), as `cat /proc/bus/input/devices` shows it. "
        "A device whose name contains one of them is the scanner.",
    )
    devices: list[str] = Field(
        default_factory=list,
        description="Glob patterns of device paths that are the scanner, e.g. "
        '["/dev/input/by-id/usb-Honeywell*-event-kbd"].',
    )
    layout: LayoutName = Field(
        default="us",
        description='The keyboard layout ("keyboard country") the scanner is set to: "us", "de" or "fr". '
        "Set both the same, or digits and | come out wrong.",
    )
    max_length: int = Field(
        default=1024, ge=64, le=65_536,
        description="Longest code in characters; a longer burst of keys is dropped whole (a CCCD holds about 150).",
    )
    end_gap_ms: int = Field(
        default=100, ge=20, le=2000,
        description="A code ends at Enter or Tab, or when the scanner stays silent this long.",
    )
    scan_interval_ms: int = Field(default=2000, ge=100, le=60_000, description="How often to look for a new scanner.")
    reconnect_min_ms: int = Field(default=500, ge=1, le=60_000, description="First wait before reopening the scanner.")
    reconnect_max_ms: int = Field(
        default=10_000, ge=1, le=600_000, description="Longest wait between attempts (the wait doubles up to it)."
    )

    @field_validator("usb_ids")
    @classmethod
    def _usb_ids(cls, ids: list[str]) -> list[str]:
        return _check_usb_ids(ids)

    @field_validator("names", "devices")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        return _check_not_blank(values)

    @model_validator(mode="after")
    def _findable(self) -> Self:
        _check_findable(self.usb_ids, self.names, self.devices)
        if self.reconnect_max_ms < self.reconnect_min_ms:
            raise ValueError(
                f"reconnect_max_ms ({self.reconnect_max_ms}) is less than reconnect_min_ms ({self.reconnect_min_ms})"
            )
        return self


class CounterScannerConfig(Section):
    """One ``[[counter_scanners]]`` entry: a barcode scanner at an officer's counter.

    The officer scans the dossier code (mã hồ sơ) from the citizen's receipt, and
    it is attached to the counter's ticket. The same kind of device as the ticket
    machine's scanner, found by the same keys; one scanner service reads them all,
    with the timing of ``[scanner]`` (its defaults when there is none).
    """

    counter: int = Field(ge=1, description="The counter this scanner is at (a number of [[counters]]).")
    backend: Backend = Field(
        default="real", description='"real": an evdev device under /dev/input; "simulated": scanners faked in memory. '
        "The same for every scanner of the office.",
    )
    usb_ids: list[str] = Field(
        default_factory=list,
        description='USB ids as lsusb shows them, e.g. ["0c2e:0b61"]. Only when no other scanner of the office '
        "is the same model: scanners of one model have the same id (use devices then).",
    )
    names: list[str] = Field(
        default_factory=list,
        description="Parts of the device's name (case does not matter), as `cat /proc/bus/input/devices` shows it.",
    )
    devices: list[str] = Field(
        default_factory=list,
        description="Glob patterns of device paths that are this scanner: the USB port it is plugged into, e.g. "
        '["/dev/input/by-path/platform-*-usb-0:1.2:1.0-event-kbd"], or its by-id name when it has a serial number.',
    )
    layout: LayoutName = Field(
        default="us", description='The keyboard layout the scanner is set to: "us", "de" or "fr".'
    )

    @field_validator("usb_ids")
    @classmethod
    def _usb_ids(cls, ids: list[str]) -> list[str]:
        return _check_usb_ids(ids)

    @field_validator("names", "devices")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        return _check_not_blank(values)

    @model_validator(mode="after")
    def _findable(self) -> Self:
        _check_findable(self.usb_ids, self.names, self.devices)
        return self


def _check_usb_ids(ids: list[str]) -> list[str]:
    for usb_id in ids:
        if not _USB_ID.match(usb_id):
            raise ValueError(f'{usb_id!r} is not a USB id: write vendor:product in hex as lsusb shows it, e.g. "0c2e:0b61"')
    return [usb_id.lower() for usb_id in ids]


def _check_not_blank(values: list[str]) -> list[str]:
    if any(not value.strip() for value in values):
        raise ValueError("an empty entry would match every device: remove it")
    return values


def _check_findable(usb_ids: list[str], names: list[str], devices: list[str]) -> None:
    if not (usb_ids or names or devices):
        raise ValueError("usb_ids, names and devices are all empty: set at least one, or the scanner is never found")


def validate_counter_scanners(
    entries: Sequence[CounterScannerConfig], scanner: ScannerConfig | None, counters: Collection[int]
) -> list[tuple[str, str]]:
    """What is wrong with the ``[[counter_scanners]]`` entries, as (key path, message) pairs (1-based, as in the file).

    Each names a counter of ``counters``, one scanner per counter; every
    scanner has the backend of ``[scanner]`` (of the first entry without it),
    since one service reads them all; and no two entries look for the same devices.
    """
    found: list[tuple[str, str]] = []
    if scanner is not None:
        backend, source = scanner.backend, "[scanner]"
    else:
        backend, source = (entries[0].backend if entries else "real"), "counter_scanners[1]"
    first_at: dict[int, int] = {}
    keys_at: dict[tuple[tuple[str, ...], ...], int] = {}
    for i, entry in enumerate(entries, start=1):
        key = f"counter_scanners[{i}]"
        if entry.counter not in counters:
            found.append((f"{key}.counter", f"there is no counter {entry.counter} in [[counters]]"))
        elif entry.counter in first_at:
            found.append((f"{key}.counter", f"counter {entry.counter} has a scanner already "
                                            f"(counter_scanners[{first_at[entry.counter]}]): one per counter"))
        else:
            first_at[entry.counter] = i
        if entry.backend != backend:
            found.append((f"{key}.backend", f"{entry.backend!r}, but {source} is {backend!r}: one service reads "
                                            "every scanner, so give them all the same backend"))
        keys = (tuple(entry.usb_ids), tuple(n.casefold() for n in entry.names), tuple(entry.devices))
        if keys in keys_at:
            found.append((key, f"looks for the same devices as counter_scanners[{keys_at[keys]}]: give each "
                               "scanner its own devices pattern (the USB port it is plugged into)"))
        else:
            keys_at[keys] = i
    return found
