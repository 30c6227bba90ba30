"""The thermal ticket printer (ESC/POS, through python-escpos).

A ticket is one image (see :mod:`drivers.ticket`) printed as ``GS v 0`` raster
bands and then cut; text mode is never used, because cheap printers cannot
print Vietnamese in it. :func:`ticket_bytes` builds those bytes with
python-escpos and both backends use it, so the simulated printer writes exactly
what the real one sends:

- ``real``: sends the bytes over USB, a serial port, the network or a device
  file, with python-escpos's ``Usb``/``Serial``/``Network``/``File`` classes,
  and asks the printer for paper and online state where the connection can
  read (``paper_status()``/``is_online()``).
- ``simulated``: writes ``ticket-NNNN.bin`` (the bytes) and ``ticket-NNNN.png``
  (the picture decoded back from those bytes) to ``output_dir``; it can be told
  to run out of paper, go offline and be refilled.

Printing happens on the app's printer worker thread; every method takes a lock,
so a status check from another thread is safe. Nothing here retries or waits
for a person: a problem is raised at once as :class:`PrinterError`.

Run ``python -m drivers.printer office.toml`` to print a test ticket with the
``[printer]`` section of a config file.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import sys
import threading
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal


def _prepare_capabilities_cache() -> None:
    """Give python-escpos a lasting cache folder for its printer database, and drop a damaged cache.

    escpos parses its printer database (about 150 ms) and caches it as a pickle
    in ``ESCPOS_CAPABILITIES_PICKLE_DIR``, or else in a new temporary folder on
    every start (never reused). It writes the pickle in place: a
    power cut or a kill while writing leaves a truncated file, and every later
    import would fail. So a pickle that does not load is removed first (escpos
    then writes it again). The systemd unit sets the folder to /var/cache/kiosk;
    elsewhere it is the user's cache folder.
    """
    folder = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if not folder:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kiosk"
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            return  # escpos falls back to a temporary folder
        folder = os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)
    for cached in Path(folder).glob("*.capabilities.pickle"):
        try:
            with cached.open("rb") as file:
                pickle.load(file)
        except Exception:  # truncated or corrupt: escpos would fail to import
            cached.unlink(missing_ok=True)


_prepare_capabilities_cache()

from escpos.capabilities import get_profile  # noqa: E402
from escpos.constants import RT_MASK_ONLINE, RT_STATUS, RT_STATUS_ONLINE  # noqa: E402
from escpos.exceptions import DeviceNotFoundError  # noqa: E402
from escpos.printer import Dummy, File, Network, Serial, Usb  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator  # noqa: E402
from PIL import Image  # noqa: E402

from drivers.base import Backend, DeviceError  # noqa: E402
from drivers.escpos_decode import decode  # noqa: E402
from drivers.ticket import DOTS_FOR_PAPER_MM  # noqa: E402

DEVICE = "printer"

#: The tallest raster band sent in one ``GS v 0`` command. Small bands keep
#: cheap printers with small buffers in step.
MAX_BAND_HEIGHT = 256
# Some cheap 58 mm printers (e.g. the common POS-5890K, USB 0416:5011) print
# garbage after a GS v 0 image whose height is a multiple of 48 dots; no band
# we send has such a height.
_BAD_BAND_MULTIPLE = 48

_HEX4 = re.compile(r"^(0x)?([0-9a-fA-F]{4})$")
_HEX2 = re.compile(r"^(0x)?([0-9a-fA-F]{1,2})$")
_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_DEFAULT_DEVICE = {"serial": "/dev/ttyUSB0", "file": "/dev/usb/lp0"}


# ---------------------------------------------------------------------------
# Configuration


class PrinterConfig(BaseModel):
    """The ``[printer]`` section of the office's config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
        if not isinstance(value, str) or not _HEX2.match(value.strip()):
            raise ValueError(f"{value!r} is not an endpoint in hex, like \"81\" or \"03\"")
        return f"{int(_HEX2.match(value.strip()).group(2), 16):02x}"

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


# ---------------------------------------------------------------------------
# Status and errors


class PrinterState(str, Enum):
    """What the printer can do now."""

    OK = "ok"
    PAPER_LOW = "paper_low"  # still prints; a new roll is needed soon
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"  # unplugged, switched off, cover open, or not answering


_FIXES = {
    PrinterState.OK: "",
    PrinterState.PAPER_LOW: "put in a new roll soon",
    PrinterState.PAPER_OUT: "open the cover and put in a new roll, the shiny side towards the print head",
    PrinterState.OFFLINE: "check that the printer is switched on, its cable is plugged in and its cover is shut",
}


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's state and a sentence for the technician."""

    state: PrinterState
    message: str

    @property
    def can_print(self) -> bool:
        """Whether a ticket would be printed (low paper still prints)."""
        return self.state in (PrinterState.OK, PrinterState.PAPER_LOW)

    @property
    def fix(self) -> str:
        """What a person should do about it ("" when nothing)."""
        return _FIXES[self.state]

    def __str__(self) -> str:
        return f"{self.state.value}: {self.message}"


def _status(state: PrinterState, message: str | None = None) -> PrinterStatus:
    default = {
        PrinterState.OK: "ready",
        PrinterState.PAPER_LOW: "paper is running low",
        PrinterState.PAPER_OUT: "out of paper",
        PrinterState.OFFLINE: "offline",
    }[state]
    return PrinterStatus(state, message or default)


class PrinterError(DeviceError):
    """A ticket was not printed, or may be incomplete. ``status`` says why."""

    def __init__(self, status: PrinterStatus, problem: str | None = None, fix: str | None = None) -> None:
        self.status = status
        super().__init__(DEVICE, problem or status.message, status.fix if fix is None else fix)


# ---------------------------------------------------------------------------
# The bytes of a ticket (shared by both backends)


def raster_bands(height: int) -> list[tuple[int, int]]:
    """Split ``height`` rows into bands of at most :data:`MAX_BAND_HEIGHT` rows.

    No band's height is a multiple of 48 (see ``_BAD_BAND_MULTIPLE``); bands are
    (top, bottom) row ranges, bottom exclusive.
    """
    bands: list[tuple[int, int]] = []
    top = 0
    while top < height:
        size = min(MAX_BAND_HEIGHT, height - top)
        if size % _BAD_BAND_MULTIPLE == 0:
            size -= 8  # the rest goes into the next band
        bands.append((top, top + size))
        top += size
    return bands


def _profile(width_dots: int) -> Any:
    """python-escpos's default profile, with the paper width set.

    The profile's data is shared by every instance of its class, so this one
    gets its own copy before the width is set.
    """
    profile = get_profile("default")
    data = dict(profile.profile_data)
    data["media"] = {"dpi": 203, "width": {"mm": round(width_dots / 8), "pixels": width_dots}}
    profile.profile_data = data
    return profile


def ticket_bytes(image: Image.Image, width_dots: int, cut: str = "partial") -> bytes:
    """The ESC/POS bytes that print ``image`` as raster bands and cut the paper.

    Built with python-escpos's ``Dummy`` printer: ``ESC @`` (reset), one
    ``GS v 0`` command per band (see :func:`raster_bands`), then a feed past the
    cutter and ``GS V``. ``image`` must be at most ``width_dots`` wide; black
    (or dark) pixels are printed.
    """
    if image.width > width_dots:
        raise ValueError(f"the ticket image is {image.width} dots wide; the paper holds {width_dots}")
    if image.height == 0:
        raise ValueError("the ticket image is empty")
    if image.mode != "1":
        image = image.convert("1")
    dummy = Dummy()
    dummy.profile = _profile(width_dots)
    dummy.hw("INIT")
    for top, bottom in raster_bands(image.height):
        band = image.crop((0, top, image.width, bottom))
        if band.width % 8 == 0:
            dummy._raw(raster_command(band))
        else:
            dummy.image(band, impl="bitImageRaster", fragment_height=MAX_BAND_HEIGHT, center=False)
    dummy.cut(mode="PART" if cut == "partial" else "FULL")
    return dummy.output


_INVERT = bytes(255 - i for i in range(256))


def raster_command(band: Image.Image) -> bytes:
    """``GS v 0`` for a mode-"1" image whose width is a multiple of 8.

    The same bytes as python-escpos's ``image(impl="bitImageRaster")`` (a test
    checks this), built with Pillow's packing in C rather than python-escpos's
    per-pixel Python loop: about 1 ms instead of 8 for an 80 mm ticket, which
    keeps a button press within its 50 ms budget.
    """
    if band.mode != "1" or band.width % 8:
        raise ValueError("raster_command needs a mode-1 image whose width is a multiple of 8")
    width_bytes, height = band.width // 8, band.height
    header = b"\x1dv0\x00" + bytes([width_bytes & 0xFF, width_bytes >> 8, height & 0xFF, height >> 8])
    return header + band.tobytes().translate(_INVERT)  # Pillow packs 1 = white; ESC/POS prints 1


# ---------------------------------------------------------------------------
# The interface


class Printer(ABC):
    """A ticket printer. Safe to call from any thread (calls are serialised)."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._closed = False

    @property
    def width_dots(self) -> int:
        """The width ticket images must have: 384 (58 mm) or 576 (80 mm)."""
        return self.config.dots

    @abstractmethod
    def print_ticket(self, image: Image.Image) -> None:
        """Print ``image`` and cut. Raises :class:`PrinterError` if it was not
        printed (out of paper, offline) or may be incomplete (failed midway)."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """The printer's state now. Never raises for a device problem."""

    @abstractmethod
    def close(self) -> None:
        """Release the device. The printer cannot be used afterwards."""

    def _check_open(self) -> None:
        if self._closed:
            raise PrinterError(_status(PrinterState.OFFLINE, "the printer was closed"), fix="open it again")

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------
# Simulated backend


_TICKET_FILE = re.compile(r"^ticket-(\d+)\.bin$")


class SimulatedPrinter(Printer):
    """Writes each ticket's bytes and decoded picture to ``output_dir``."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self.output_dir = Path(config.output_dir)
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceError(
                DEVICE,
                f"cannot create the simulated printer's output_dir {self.output_dir}: {exc.strerror}",
                "set [printer] output_dir to a folder the kiosk user may write",
            ) from None
        # Carry on numbering after files already there, so nothing is overwritten.
        numbers = [int(m.group(1)) for p in self.output_dir.iterdir() if (m := _TICKET_FILE.match(p.name))]
        self._next = max(numbers, default=0) + 1
        self._state = _status(PrinterState.OK)
        self.last_ticket: Path | None = None  # the last .bin written

    # -- what a demo or test can make the printer do

    def simulate(self, state: PrinterState, message: str | None = None) -> None:
        """Put the simulated printer in ``state`` (paper out, offline, low paper, ok)."""
        with self._lock:
            self._state = _status(state, message)

    def run_out_of_paper(self) -> None:
        """The roll runs out: tickets are refused until :meth:`refill_paper`."""
        self.simulate(PrinterState.PAPER_OUT)

    def refill_paper(self) -> None:
        """A new roll is put in (and the printer is back online)."""
        self.simulate(PrinterState.OK)

    # -- the interface

    def print_ticket(self, image: Image.Image) -> None:
        data = ticket_bytes(image, self.width_dots, self.config.cut)
        with self._lock:
            self._check_open()
            if not self._state.can_print:
                raise PrinterError(self._state)
            stem = f"ticket-{self._next:04d}"
            binary = self.output_dir / f"{stem}.bin"
            picture = self.output_dir / f"{stem}.png"
            try:
                # Written under temporary names, then renamed: a reader never
                # sees half a ticket.
                _write_atomic(binary, data)
                tmp = picture.with_name(picture.name + ".tmp")
                decode(data).image().save(tmp, format="PNG")
                os.replace(tmp, picture)
            except OSError as exc:
                raise PrinterError(
                    _status(PrinterState.OFFLINE, f"the print failed midway: cannot write {binary}: {exc.strerror}"),
                    fix="check that output_dir exists and the disk is not full, then print the ticket again",
                ) from None
            self._next += 1
            self.last_ticket = binary

    def status(self) -> PrinterStatus:
        with self._lock:
            if self._closed:
                return _status(PrinterState.OFFLINE, "the printer was closed")
            return self._state

    def close(self) -> None:
        with self._lock:
            self._closed = True


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Real backend


def _bulk_endpoints(configuration: Any) -> tuple[int | None, int | None]:
    """(IN, OUT) bulk endpoint addresses of the first interface that has a bulk OUT one.

    ``configuration`` is a pyusb configuration (iterable of interfaces, each an
    iterable of endpoints with ``bEndpointAddress`` and ``bmAttributes``).
    """
    for interface in configuration:
        found_in: int | None = None
        found_out: int | None = None
        for endpoint in interface:
            if endpoint.bmAttributes & 0x03 != 0x02:  # not a bulk endpoint
                continue
            if endpoint.bEndpointAddress & 0x80:
                found_in = found_in if found_in is not None else endpoint.bEndpointAddress
            else:
                found_out = found_out if found_out is not None else endpoint.bEndpointAddress
        if found_out is not None:
            return found_in, found_out
    return None, None


def _reason(exc: BaseException) -> str:
    """An exception as a short reason, with a hint where the cause is known."""
    text = str(exc) or type(exc).__name__
    if "Access denied" in text or "Permission denied" in text or getattr(exc, "errno", None) == 13:
        text += " (the kiosk user may not use the device: see 'USB permissions' in docs/printer.md)"
    return text


def _not_found(config: PrinterConfig, detail: str = "") -> DeviceError:
    """The error for a printer that cannot be reached, with the fix for its connection."""
    suffix = f" ({detail})" if detail else ""
    if config.connection == "usb":
        return DeviceError(
            DEVICE,
            f"not found on USB {config.vendor_id}:{config.product_id}{suffix}",
            "is it plugged in, and is the kiosk user in group lp? `lsusb` must list it; if it shows another "
            "ID, set vendor_id and product_id in [printer]",
        )
    if config.connection == "serial":
        return DeviceError(
            DEVICE,
            f"cannot open serial port {config.device}{suffix}",
            "check the cable and the device path in [printer]; the kiosk user must be in group dialout",
        )
    if config.connection == "network":
        return DeviceError(
            DEVICE,
            f"cannot connect to {config.host}:{config.port}{suffix}",
            "is it switched on and on the network? Its self-test page shows its IP address",
        )
    return DeviceError(
        DEVICE,
        f"cannot open {config.device}{suffix}",
        "is it plugged in (`ls /dev/usb/`), and is the kiosk user in group lp?",
    )


class RealPrinter(Printer):
    """Sends tickets to the printer through python-escpos."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._conn: Any = None
        self._can_read = config.connection != "file"
        self._conn = self._open()

    # -- connection

    def _make_connection(self) -> Any:
        config = self.config
        if config.connection == "usb":
            if not Usb.is_usable():
                raise DeviceError(
                    DEVICE,
                    "the USB connection needs the pyusb library, which is not installed",
                    "install it: pip install pyusb (and Debian's libusb-1.0-0)",
                )
            return Usb(
                int(config.vendor_id, 16),
                int(config.product_id, 16),
                timeout=int(config.timeout_s * 1000),
                in_ep=int(config.in_endpoint, 16) if config.in_endpoint else 0x82,
                out_ep=int(config.out_endpoint, 16) if config.out_endpoint else 0x01,
            )
        if config.connection == "serial":
            if not Serial.is_usable():
                raise DeviceError(
                    DEVICE,
                    "the serial connection needs the pyserial library, which is not installed",
                    "install it: pip install pyserial",
                )
            return Serial(config.device, baudrate=config.baudrate, timeout=config.status_timeout_s)
        if config.connection == "network":
            return Network(config.host, port=config.port, timeout=config.timeout_s)
        return File(config.device)

    def _open(self) -> Any:
        conn = self._make_connection()
        try:
            conn.open()
        except DeviceNotFoundError as exc:
            # python-escpos's message ends with the OS's reason ("Connection
            # refused", "No such file or directory"); for USB it only repeats
            # the ids in decimal, so it is left out.
            detail = "" if self.config.connection == "usb" else str(exc).strip().splitlines()[-1]
            raise _not_found(self.config, detail) from None
        except Exception as exc:  # noqa: BLE001 - libusb/pyserial errors python-escpos lets through
            raise _not_found(self.config, f"{type(exc).__name__}: {exc}") from None
        if self.config.connection == "usb":
            self._setup_usb(conn)
        elif self.config.connection == "serial":
            conn.device.write_timeout = self.config.timeout_s  # never block forever on a busy line
        return conn

    def _setup_usb(self, conn: Any) -> None:
        """Use the endpoints the device declares unless the config names them."""
        try:
            found_in, found_out = _bulk_endpoints(conn.device.get_active_configuration())
        except Exception:  # noqa: BLE001 - keep python-escpos's defaults
            return
        if self.config.out_endpoint is None and found_out is not None:
            conn.out_ep = found_out
        if self.config.in_endpoint is None:
            if found_in is not None:
                conn.in_ep = found_in
            elif found_out is not None:
                self._can_read = False  # a one-way printer: no status to read

    def _connection(self) -> Any:
        """The open connection, reopened after a failure; DeviceError if that fails."""
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _drop(self) -> None:
        """Close a connection that failed, so the next call opens it afresh."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - it is broken already
                pass

    @contextmanager
    def _status_timeout(self, conn: Any) -> Iterator[None]:
        """Wait at most status_timeout_s for an answer (printing keeps timeout_s)."""
        seconds = self.config.status_timeout_s
        if self.config.connection == "usb":
            saved, conn.timeout = conn.timeout, int(seconds * 1000)
            try:
                yield
            finally:
                conn.timeout = saved
        elif self.config.connection == "network":
            conn.device.settimeout(seconds)
            try:
                yield
            finally:
                conn.device.settimeout(self.config.timeout_s)
        else:  # serial: its read timeout is status_timeout_s already
            yield

    def _query(self, conn: Any) -> PrinterStatus:
        """Ask the printer (DLE EOT) whether it is online and has paper."""
        try:
            with self._status_timeout(conn):
                # The same request as python-escpos's is_online(), read here so
                # that "no answer" is told apart from "offline".
                answer = conn.query_status(RT_STATUS_ONLINE)
                if len(answer) == 0:
                    return _status(
                        PrinterState.OFFLINE,
                        f"no answer from {self.config.where} to a status request",
                    )
                online = not answer[0] & RT_MASK_ONLINE
                paper = conn.paper_status()
                cause = b"" if online else conn.query_status(RT_STATUS + b"\x02")
        except Exception as exc:  # noqa: BLE001 - a timeout, a broken pipe, an unplugged cable
            self._drop()
            return _status(
                PrinterState.OFFLINE,
                f"no answer from {self.config.where} to a status request: {_reason(exc)}",
            )
        if paper == 0:
            return _status(PrinterState.PAPER_OUT)
        if not online:
            reasons = []
            if cause and cause[0] & 0x04:
                reasons.append("the cover is open")
            if cause and cause[0] & 0x20:
                reasons.append("it stopped at the end of the paper")
            if cause and cause[0] & 0x40:
                reasons.append("it reports an error (cutter jammed or print head too hot?)")
            text = "the printer is offline" + (": " + ", ".join(reasons) if reasons else "")
            return _status(PrinterState.OFFLINE, text)
        if paper == 1:
            return _status(PrinterState.PAPER_LOW)
        return _status(PrinterState.OK)

    def _status_locked(self) -> PrinterStatus:
        try:
            conn = self._connection()
        except DeviceError as exc:
            return _status(PrinterState.OFFLINE, f"{exc.problem}; {exc.fix}")
        if not self.config.check_status:
            return _status(PrinterState.OK, "ready (not checked: check_status = false)")
        if not self._can_read:
            return _status(PrinterState.OK, "ready (this connection cannot read the printer's paper state)")
        return self._query(conn)

    # -- the interface

    def print_ticket(self, image: Image.Image) -> None:
        data = ticket_bytes(image, self.width_dots, self.config.cut)
        with self._lock:
            self._check_open()
            checking = self.config.check_status and self._can_read
            try:
                conn = self._connection()
            except DeviceError as exc:
                raise PrinterError(_status(PrinterState.OFFLINE, exc.problem), fix=exc.fix) from None
            if checking:
                before = self._query(conn)
                if not before.can_print:
                    raise PrinterError(before)
                conn = self._connection()
            try:
                conn._raw(data)  # python-escpos's way to send prepared bytes (see its Dummy docs)
            except Exception as exc:  # noqa: BLE001 - USB/serial/socket errors and timeouts
                self._drop()
                raise PrinterError(
                    _status(PrinterState.OFFLINE, f"the print failed midway: {_reason(exc)}"),
                    fix=f"{_FIXES[PrinterState.OFFLINE]}, then print the ticket again",
                ) from None
            if checking:
                after = self._query(conn)
                if after.state in (PrinterState.PAPER_OUT, PrinterState.OFFLINE):
                    raise PrinterError(
                        after,
                        problem=f"the ticket may be incomplete: {after.message}",
                        fix=f"{after.fix}, then print the ticket again",
                    )

    def status(self) -> PrinterStatus:
        with self._lock:
            if self._closed:
                return _status(PrinterState.OFFLINE, "the printer was closed")
            return self._status_locked()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()


# ---------------------------------------------------------------------------
# Factory and self-test


def open_printer(config: PrinterConfig) -> Printer:
    """Open the printer the config describes.

    Raises :class:`DeviceError` with the fix when a real printer cannot be
    reached; never falls back to the simulated one.
    """
    if config.backend == "simulated":
        return SimulatedPrinter(config)
    return RealPrinter(config)


def load_printer_config(path: str | Path) -> PrinterConfig:
    """The ``[printer]`` section of a TOML file (defaults if there is none)."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return PrinterConfig.model_validate(data.get("printer", {}))


def main(argv: list[str] | None = None) -> int:
    """Print a test ticket (``python -m drivers.printer office.toml``)."""
    from drivers.ticket import render_ticket, sample_view

    parser = argparse.ArgumentParser(description="Print a test ticket and show the printer's status.")
    parser.add_argument("config", nargs="?", help="the office's TOML file (its [printer] section is used)")
    parser.add_argument("--status", action="store_true", help="only show the status, print nothing")
    parser.add_argument("--simulated", metavar="DIR", help="use the simulated printer writing to DIR")
    args = parser.parse_args(argv)
    try:
        config = load_printer_config(args.config) if args.config else PrinterConfig()
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        print(f"printer: bad configuration: {exc}", file=sys.stderr)
        return 2
    if args.simulated:
        config = config.model_copy(update={"backend": "simulated", "output_dir": args.simulated})
    try:
        printer = open_printer(config)
    except DeviceError as exc:
        print(exc, file=sys.stderr)
        return 1
    with printer:
        print(f"status: {printer.status()}")
        if args.status:
            return 0
        try:
            printer.print_ticket(render_ticket(sample_view(), printer.width_dots))
        except PrinterError as exc:
            print(exc, file=sys.stderr)
            return 1
        where = getattr(printer, "last_ticket", None) or config.where
        print(f"printed a test ticket ({printer.width_dots} dots wide) to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
