"""The real printer: the ticket's bytes sent with python-escpos over USB, serial, network or a device file.

The bytes are the shared ones (:func:`drivers.printer.raster.ticket_bytes`);
the last hop is python-escpos's ``Usb``/``Serial``/``Network``/``File``
connection. Where the connection can read, the printer is asked for its paper
and online state (``DLE EOT``) before and after each ticket.

This is the only module that imports python-escpos (and through it pyusb and
pyserial). Open it with :func:`drivers.printer.open_printer`, which first makes
python-escpos's printer-database cache safe (:mod:`drivers.printer.escpos_cache`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from escpos.constants import RT_MASK_ONLINE, RT_STATUS, RT_STATUS_ONLINE
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb

from drivers.base import DeviceError
from drivers.printer import raster
from drivers.printer.config import PrinterConfig
from drivers.printer.interface import DEVICE, Printer, PrinterError, PrinterState, PrinterStatus

if TYPE_CHECKING:
    from PIL import Image

_OFFLINE_FIX = PrinterStatus.of(PrinterState.OFFLINE).fix


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
                    return PrinterStatus.of(
                        PrinterState.OFFLINE,
                        f"no answer from {self.config.where} to a status request",
                    )
                online = not answer[0] & RT_MASK_ONLINE
                paper = conn.paper_status()
                cause = b"" if online else conn.query_status(RT_STATUS + b"\x02")
        except Exception as exc:  # noqa: BLE001 - a timeout, a broken pipe, an unplugged cable
            self._drop()
            return PrinterStatus.of(
                PrinterState.OFFLINE,
                f"no answer from {self.config.where} to a status request: {_reason(exc)}",
            )
        if paper == 0:
            return PrinterStatus.of(PrinterState.PAPER_OUT)
        if not online:
            reasons = []
            if cause and cause[0] & 0x04:
                reasons.append("the cover is open")
            if cause and cause[0] & 0x20:
                reasons.append("it stopped at the end of the paper")
            if cause and cause[0] & 0x40:
                reasons.append("it reports an error (cutter jammed or print head too hot?)")
            text = "the printer is offline" + (": " + ", ".join(reasons) if reasons else "")
            return PrinterStatus.of(PrinterState.OFFLINE, text)
        if paper == 1:
            return PrinterStatus.of(PrinterState.PAPER_LOW)
        return PrinterStatus.of(PrinterState.OK)

    def _status_locked(self) -> PrinterStatus:
        try:
            conn = self._connection()
        except DeviceError as exc:
            return PrinterStatus.of(PrinterState.OFFLINE, f"{exc.problem}; {exc.fix}")
        if not self.config.check_status:
            return PrinterStatus.of(PrinterState.OK, "ready (not checked: check_status = false)")
        if not self._can_read:
            return PrinterStatus.of(PrinterState.OK, "ready (this connection cannot read the printer's paper state)")
        return self._query(conn)

    # -- the interface

    def print_ticket(self, image: Image.Image) -> None:
        # Looked up through the module, so a benchmark can time this step.
        data = raster.ticket_bytes(image, self.width_dots, self.config.cut)
        with self._lock:
            self._check_open()
            checking = self.config.check_status and self._can_read
            try:
                conn = self._connection()
            except DeviceError as exc:
                raise PrinterError(PrinterStatus.of(PrinterState.OFFLINE, exc.problem), fix=exc.fix) from None
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
                    PrinterStatus.of(PrinterState.OFFLINE, f"the print failed midway: {_reason(exc)}"),
                    fix=f"{_OFFLINE_FIX}, then print the ticket again",
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
                return PrinterStatus.of(PrinterState.OFFLINE, "the printer was closed")
            return self._status_locked()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()
