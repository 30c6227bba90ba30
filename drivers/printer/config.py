"""The ``[printer]`` section of the office's config file.

Pydantic and the standard library only: validating a config file never loads
python-escpos, Pillow or a USB library.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from drivers.base import Backend
from drivers.section import Section, load_section

#: Dot widths of the paper widths the kiosk supports (203 dpi print heads).
DOTS_FOR_PAPER_MM = {58: 384, 80: 576}

_HEX4 = re.compile(r"^(0x)?([0-9a-fA-F]{4})$")
_HEX2 = re.compile(r"^(0x)?([0-9a-fA-F]{1,2})$")
_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_DEFAULT_DEVICE = {"serial": "/dev/ttyUSB0", "file": "/dev/usb/lp0"}


class PrinterConfig(Section):
    """The ``[printer]`` section of the office's config file."""

    backend: Backend = Field(
        default="real",
        description="'real' prints on the printer; 'simulated' writes each ticket's bytes and picture to output_dir.",
    )
    connection: Literal["usb", "serial", "network", "file"] = Field(
        default="usb",
        description="How the printer is attached: 'usb' (direct, via libusb), 'serial', 'network' (TCP port 9100) "
        "or 'file' (the kernel's printer device, e.g. /dev/usb/lp0).",
    )
    vendor_id: str = Field(
        default="0416",
        description="usb: the printer's USB vendor id, 4 hex digits as `lsusb` shows them (ID 0416:5011 -> '0416').",
    )
    product_id: str = Field(
        default="5011",
        description="usb: the printer's USB product id, 4 hex digits (ID 0416:5011 -> '5011').",
    )
    in_endpoint: str | None = Field(
        default=None,
        description="usb: the bulk IN endpoint in hex (e.g. '81'); leave out to read it from the device.",
    )
    out_endpoint: str | None = Field(
        default=None,
        description="usb: the bulk OUT endpoint in hex (e.g. '03'); leave out to read it from the device.",
    )
    device: str = Field(
        default="",
        description="serial/file: the device path; default /dev/ttyUSB0 for serial, /dev/usb/lp0 for file.",
    )
    baudrate: int = Field(default=9600, description="serial: the line speed set on the printer (DIP switches).")
    host: str = Field(default="", description="network: the printer's IP address or host name.")
    port: int = Field(default=9100, ge=1, le=65535, description="network: the printer's TCP port (raw printing).")
    timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Seconds to wait for the printer to take a ticket before giving up."
    )
    status_timeout_s: float = Field(
        default=2.0, gt=0, le=30, description="Seconds to wait for the printer to answer a status request."
    )
    check_status: bool = Field(
        default=True,
        description="Ask the printer for its paper and online state before and after each ticket. Turn off only "
        "for a model that never answers (the self-test then says it is offline).",
    )
    paper_width_mm: Literal[58, 80] = Field(
        default=80, description="Paper roll width: 58 (384 dots) or 80 (576 dots)."
    )
    cut: Literal["partial", "full"] = Field(
        default="partial",
        description="How to cut after a ticket: 'partial' leaves a small tab so the ticket hangs until taken; "
        "printers without a cutter ignore it.",
    )
    output_dir: str = Field(
        default="/var/lib/kiosk/simulated-printer",
        description="simulated: the folder that receives ticket-NNNN.bin and ticket-NNNN.png.",
    )

    @field_validator("vendor_id", "product_id", mode="before")
    @classmethod
    def _usb_id(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"write it in quotes as 4 hex digits, like \"0416\" (got {value!r})")
        match = _HEX4.match(value.strip())
        if not match:
            raise ValueError(f"{value!r} is not 4 hex digits; `lsusb` shows the printer as ID vvvv:pppp, e.g. \"0416\"")
        return match.group(2).lower()

    @field_validator("in_endpoint", "out_endpoint", mode="before")
    @classmethod
    def _endpoint(cls, value: Any) -> str | None:
        if value is None:
            return None
        match = _HEX2.match(value.strip()) if isinstance(value, str) else None
        if not match:
            raise ValueError(f"{value!r} is not an endpoint in hex, like \"81\" or \"03\"")
        return f"{int(match.group(2), 16):02x}"

    @field_validator("baudrate")
    @classmethod
    def _baudrate(cls, value: int) -> int:
        if value not in _BAUDRATES:
            raise ValueError(f"{value} is not a standard speed; use one of {', '.join(map(str, _BAUDRATES))}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _device_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("device"):
            default = _DEFAULT_DEVICE.get(data.get("connection", "usb"))
            if default:
                data = {**data, "device": default}
        return data

    @model_validator(mode="after")
    def _endpoints_and_host(self) -> PrinterConfig:
        if self.in_endpoint is not None and not int(self.in_endpoint, 16) & 0x80:
            raise ValueError(f"in_endpoint {self.in_endpoint!r} is an OUT endpoint; IN endpoints are 81-8f")
        if self.out_endpoint is not None and int(self.out_endpoint, 16) & 0x80:
            raise ValueError(f"out_endpoint {self.out_endpoint!r} is an IN endpoint; OUT endpoints are 01-0f")
        if self.backend == "real" and self.connection == "network" and not self.host:
            raise ValueError("host is required when connection = 'network' (the printer's IP address)")
        return self

    @property
    def dots(self) -> int:
        """Printable width in dots: 384 for 58 mm paper, 576 for 80 mm."""
        return DOTS_FOR_PAPER_MM[self.paper_width_mm]

    @property
    def where(self) -> str:
        """Where the printer is, as a technician would say it."""
        if self.connection == "usb":
            return f"USB {self.vendor_id}:{self.product_id}"
        if self.connection == "network":
            return f"{self.host}:{self.port}"
        if self.connection == "serial":
            return f"serial port {self.device}"
        return self.device


def load_printer_config(path: str | Path) -> PrinterConfig:
    """The ``[printer]`` section of a TOML file (defaults if there is none)."""
    return load_section(path, "printer", PrinterConfig)
