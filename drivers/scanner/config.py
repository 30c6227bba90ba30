"""The ``[scanner]`` section of the office's config file: :class:`ScannerConfig`.

Imports only pydantic, the standard library and :mod:`drivers.section` /
:mod:`drivers.base`, so validating a config file loads no device library.
"""

from __future__ import annotations

import re
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
        for usb_id in ids:
            if not _USB_ID.match(usb_id):
                raise ValueError(f'{usb_id!r} is not a USB id: write vendor:product in hex as lsusb shows it, e.g. "0c2e:0b61"')
        return [usb_id.lower() for usb_id in ids]

    @field_validator("names", "devices")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        if any(not value.strip() for value in values):
            raise ValueError("an empty entry would match every device: remove it")
        return values

    @model_validator(mode="after")
    def _findable(self) -> Self:
        if not (self.usb_ids or self.names or self.devices):
            raise ValueError("usb_ids, names and devices are all empty: set at least one, or the scanner is never found")
        if self.reconnect_max_ms < self.reconnect_min_ms:
            raise ValueError(
                f"reconnect_max_ms ({self.reconnect_max_ms}) is less than reconnect_min_ms ({self.reconnect_min_ms})"
            )
        return self
