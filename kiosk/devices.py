"""Opening the office's devices: each configured device through its driver's ``open_<device>``.

A device that cannot be opened is never replaced by a simulation: it is left
out (the printer by :class:`MissingPrinter`, so no number is issued), logged
with the driver's fix, and named on the board in Vietnamese.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.base import DeviceError
from drivers.buttons import ButtonPanel
from drivers.camera import Camera
from drivers.keypad import KeypadService
from drivers.scanner import ScannerService
from drivers.printer import Printer, PrinterState, PrinterStatus
from drivers.ratingpad import RatingPads
from drivers.speaker import Announcer
from kiosk.config import Config
from kiosk.printing import PrintWorker
from kiosk.view import Banner

log = logging.getLogger(__name__)

#: The devices as the board names them in Vietnamese when one cannot be opened.
DEVICE_NAMES_VI = {"printer": "máy in", "speaker": "loa", "buttons": "nút bấm", "keypads": "bàn phím",
                   "camera": "camera", "scanner": "máy quét thẻ", "rating_pads": "bộ nút đánh giá"}


@dataclass
class Devices:
    """The output and input devices the office drives (any may be absent)."""

    printer: PrintWorker | None = None
    announcer: Announcer | None = None
    buttons: ButtonPanel | None = None
    keypads: KeypadService | None = None
    camera: Camera | None = None
    scanner: ScannerService | None = None
    pads: RatingPads | None = None

    def close_inputs(self) -> None:
        """Close the keypads, buttons, rating pads, scanner and camera (the printer and speaker are the office's to stop)."""
        for device in (self.keypads, self.buttons, self.pads, self.scanner, self.camera):
            if device is not None:
                try:
                    device.close()
                except Exception:
                    log.exception("closing a device")


class MissingPrinter(Printer):
    """Stands for a printer that could not be opened: always offline, with the fix.

    The office then issues no numbers (the buttons blink, the board says why)
    instead of pretending to print.
    """

    def __init__(self, error: DeviceError, width_dots: int = 576) -> None:
        self.error = error
        self._width = width_dots

    @property
    def width_dots(self) -> int:
        return self._width

    def print_ticket(self, image: Any) -> None:
        raise self.error

    def status(self) -> PrinterStatus:
        return PrinterStatus(PrinterState.OFFLINE, str(self.error))

    def close(self) -> None:
        pass


def open_devices(config: Config, post: Callable[[object], None]) -> tuple[Devices, dict[str, Banner]]:
    """Open every configured device except the board; return them and a banner per device that failed."""
    from drivers.buttons import open_buttons
    from drivers.camera import open_camera
    from drivers.keypad import open_keypads
    from drivers.printer import open_printer
    from drivers.speaker import open_announcer

    devices = Devices()
    problems: dict[str, Banner] = {}
    errors: dict[str, DeviceError] = {}

    def attempt(name: str, opener: Callable[[], Any]) -> Any:
        try:
            return opener()
        except DeviceError as exc:
            log.error("device not available", extra={"device": name, "error": str(exc)})
            # Citizens read the board: the Vietnamese line names the device in
            # Vietnamese; the driver's message and fix (English, for the
            # technician) go on the English line, in the log and in kiosk doctor.
            problems[f"device-{name}"] = Banner(
                "error", f"Lỗi thiết bị: {DEVICE_NAMES_VI[name]} — cần kỹ thuật viên kiểm tra", f"Device error: {exc}"
            )
            errors[name] = exc
            return None

    if config.printer is not None:
        printer = attempt("printer", lambda: open_printer(config.printer))
        devices.printer = PrintWorker(printer or MissingPrinter(errors["printer"]), post)
    if config.speaker is not None:
        devices.announcer = attempt(
            "speaker", lambda: open_announcer(config.speaker, on_error=lambda exc: log.error("speaker: %s", exc))
        )
    if config.buttons is not None:
        devices.buttons = attempt(
            "buttons", lambda: open_buttons(config.buttons, post, rating_levels=len(config.rating.levels))
        )
    if config.rating_pads is not None:
        from drivers.ratingpad import open_rating_pads

        devices.pads = attempt(
            "rating_pads", lambda: open_rating_pads(config.rating_pads, post, scale=len(config.rating.levels))
        )
    if config.keypads is not None:
        devices.keypads = attempt(
            "keypads",
            lambda: open_keypads(
                config.keypads, post, counters=[c.number for c in config.counters], service_count=len(config.services),
                group_count=len(config.priority_groups),
            ),
        )
    if config.scanner is not None or config.counter_scanners:
        from drivers.scanner import open_scanner

        # One service reads the ticket machine's scanner and the counters' (each code says which).
        devices.scanner = attempt(
            "scanner", lambda: open_scanner(config.scanner, post, counter_scanners=config.counter_scanners)
        )
    if config.camera is not None:
        # The simulated frames show the office's time, as the board does, whatever the machine's time zone.
        devices.camera = attempt("camera", lambda: open_camera(config.camera, [c.number for c in config.counters],
                                                               clock=lambda: datetime.now(config.site.tz)))
    return devices, problems
