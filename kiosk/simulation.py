"""The simulated office: every device simulated, driven through its own driver.

``kiosk run --simulate`` and ``kiosk demo`` switch every device section to its
simulated backend (writing under one output folder), and :class:`Simulation`
presses the buttons through gpiozero's mock pins and types on the simulated
keypads, so a simulated press takes exactly the path of a real one: pin edge,
debounce, callback, queue, engine, printer worker.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from drivers.board import BoardConfig
from drivers.buttons import ServicePressed
from drivers.camera import CameraConfig
from drivers.keypad import KeypadConfig, PairingStore
from drivers.printer import PrinterConfig
from drivers.printer.simulated import SimulatedPrinter
from drivers.speaker import SpeakerConfig
from kiosk.config import Config
from kiosk.devices import Devices
from kiosk.web.config import WebConfig

#: How long a simulated press waits for the office to issue or refuse.
PRESS_ANSWER_SECONDS = 5.0


def simulated_config(
    config: Config, out: Path, headless: bool = True, web_port: int | None = None, pages: bool = True
) -> Config:
    """``config`` with every device simulated, writing under ``out``.

    The pages are served on 127.0.0.1:``web_port``; None: the config's
    ``[web] port`` (8080 without a ``[web]`` section); 0: any free port. Without
    ``pages`` none are served, but the ``[web]`` section stays: its credentials
    file holds the officers' codes and PINs, which the keypads' sign-in checks.

    Sections the config lacks get defaults (the buttons only if configured:
    without pins, simulated presses go straight to the queue).
    """
    out = out.resolve()

    def section(model: Any, default: Any, **changes: Any) -> Any:
        base = model if model is not None else default
        return base.model_copy(update={"backend": "simulated", **changes})

    board_changes: dict[str, Any] = {"frames_dir": out / "board"}
    if not headless:
        board_changes = {"backend": "real", "fullscreen": False}
    board = (config.board or BoardConfig(width=1366, height=768)).model_copy(update=board_changes)
    if headless:
        board = board.model_copy(update={"backend": "simulated"})
        if not board.width:
            board = board.model_copy(update={"width": 1920, "height": 1080})
    # A small, slow picture is enough for the kiosk's own page; a camera streamed to central keeps the
    # config's size and rate, so that a simulated office sends what a real one does (720p).
    streamed = config.stream is not None and config.stream.enabled
    camera_size: dict[str, Any] = {} if streamed else {"resolution": (640, 360), "frame_rate": 5}
    updates: dict[str, Any] = {
        "store": config.store.model_copy(update={"path": str(out / "kiosk.db")}),
        "printer": section(config.printer, PrinterConfig(), output_dir=out / "printer"),
        "board": board,
        "speaker": section(config.speaker, SpeakerConfig(languages=["vi"]), output_dir=out / "speaker"),
        "keypads": section(
            config.keypads, KeypadConfig(), pairings_file=out / "keypads.json",
            pairing_pin=(config.keypads.pairing_pin if config.keypads else None) or "2468",
        ),
        "camera": section(config.camera, CameraConfig(), enabled=True, snapshot_dir=out / "snapshots", **camera_size),
    }
    if config.buttons is not None:
        updates["buttons"] = config.buttons.model_copy(update={"backend": "simulated"})
    if config.scanner is not None:
        updates["scanner"] = config.scanner.model_copy(update={"backend": "simulated"})
    if config.counter_scanners:
        updates["counter_scanners"] = [s.model_copy(update={"backend": "simulated"}) for s in config.counter_scanners]
    if config.rating_pads is not None:
        updates["rating_pads"] = config.rating_pads.model_copy(update={"backend": "simulated"})
    # The pages, on this machine only: the simulation API has no login.
    web = config.web or WebConfig(credentials_file=str(out / "credentials.json"))
    port = web.port if web_port is None else web_port
    updates["web"] = web.model_copy(update={"bind": "127.0.0.1", "port": port, "enabled": pages})
    return config.model_copy(update=updates)


def keypad_path(counter: int) -> str:
    """The stable path of the simulated keypad of ``counter``."""
    return f"/dev/input/by-id/usb-Simulated_Keypad_counter{counter}-event-kbd"


def counter_scanner_path(counter: int) -> str:
    """The stable path of the simulated barcode scanner of ``counter``."""
    return f"/dev/input/by-id/usb-Simulated_Counter{counter}_Scanner-event-kbd"


def pair_keypads(config: Config) -> None:
    """Pair one simulated keypad to each counter (before the keypads start)."""
    assert config.keypads is not None
    store = PairingStore(config.keypads.pairings_file)
    for counter in config.counters:
        store.pair(keypad_path(counter.number), counter.number)


class ScaledClock:
    """A clock that starts at ``start`` and runs ``speed`` times faster than real time."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self.start = start
        self.speed = speed
        self._mono0 = time.monotonic()
        self.boot_id = f"sim-{uuid.uuid4()}"

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._mono0) * self.speed)

    def monotonic_ns(self) -> int:
        # The simulated device's monotonic clock runs as fast as its wall clock (a scan's window, say).
        return int((time.monotonic() - self._mono0) * self.speed * 1e9) + 1

    def synced(self) -> bool:
        return True

    def sleep_until(self, moment: datetime) -> None:
        """Sleep (in real time) until the simulated clock reads ``moment``."""
        ahead = (moment - self.now()).total_seconds() / self.speed
        if ahead > 0:
            time.sleep(ahead)


@dataclass(frozen=True)
class PressOutcome:
    """How the office answered a simulated press: the number issued, or why none was."""

    service_id: str
    ticket: str | None  # the number issued; None when refused
    code: str = ""  # why not: the engine's DomainError code ("not_open_yet", "daily_cap", ...) or "printer"
    text_vi: str = ""  # the sentence the board shows
    text_en: str = ""

    @property
    def refused(self) -> bool:
        return self.ticket is None


class Simulation:
    """Drive the simulated hardware of a running office, as people would."""

    def __init__(
        self,
        devices: Devices,
        config: Config,
        post: Callable[[Any], None],
        main_thread_call: Callable[[Callable[[], Any]], Any],
        board_png: Callable[[], bytes],
    ) -> None:
        """Drive ``devices`` (opened with their simulated backends); ``post`` is the office's inbox;
        ``board_png`` draws the board's frame and must run on the main thread, through ``main_thread_call``."""
        self.devices = devices
        self.config = config
        self._post = post
        self._main = main_thread_call
        self._board_png = board_png
        # Presses one at a time, each waiting for the office's answer (press_handled), so the
        # n-th outcome is the n-th press's.
        self._press_lock = threading.Lock()
        self._outcomes = threading.Condition()
        self._handled = 0
        self._last: PressOutcome | None = None
        keypads = devices.keypads
        if keypads is not None and keypads.simulated is not None:
            plugged = [keypads.simulated.plug(keypad_path(c.number)) for c in config.counters]
            keypads.scan()  # one keypad per counter, paired by pair_keypads: opened and grabbed at once
            deadline = time.monotonic() + 10
            while not all(k.grabbed for k in plugged) and time.monotonic() < deadline:
                time.sleep(0.01)
        self._wait_for_usb_pads()
        scanner = devices.scanner
        #: The simulated scanner of each counter that has one ([[counter_scanners]]), by counter.
        self._counter_scanners: dict[int, str] = {}
        if scanner is not None and scanner.simulated is not None:
            if config.scanner is not None:
                scanner.simulated.plug_for(config.scanner)  # the one the [scanner] section describes
            for entry in config.counter_scanners:
                plugged = scanner.simulated.plug_for(entry, counter_scanner_path(entry.counter))
                self._counter_scanners[entry.counter] = plugged.path
            scanner.refresh()

    # -- inputs ------------------------------------------------------------------

    def _press_pin(self, pin: int) -> None:
        buttons = self.devices.buttons
        mock = buttons.pin_factory.pin(pin)
        hold = (self.config.buttons.debounce_ms + 40) / 1000
        mock.drive_low()  # buttons pull up: pressed is low
        time.sleep(hold)
        mock.drive_high()
        time.sleep(hold)

    def press_service(self, service_id: str, priority: bool = False, group: str | None = None) -> PressOutcome | None:
        """Press a service's button (after the priority button when ``priority``, after the group's button
        for a ``group``) and wait for the office.

        Returns the number issued or, when the office gave none (closed, daily
        cap, no paper), why, in the board's words; None if the office did not
        answer in :data:`PRESS_ANSWER_SECONDS`.
        """
        self.config.service(service_id)  # KeyError for an unknown service
        with self._press_lock:
            with self._outcomes:
                before = self._handled
            buttons = self.config.buttons
            if buttons is None or self.devices.buttons is None or service_id not in buttons.services or (
                group is not None and group not in buttons.groups
            ):
                self._post(ServicePressed(service_id, priority or group is not None, group))  # no pins configured
            else:
                if group is not None:
                    self._press_pin(buttons.groups[group].button)
                elif priority and buttons.priority is not None:
                    self._press_pin(buttons.priority.button)
                self._press_pin(buttons.services[service_id].button)
            with self._outcomes:
                if not self._outcomes.wait_for(lambda: self._handled > before, PRESS_ANSWER_SECONDS):
                    return None
                assert self._last is not None
                return self._last

    def press_handled(self, service_id: str, ticket: str | None, refusal: tuple[str, str, str] | None) -> None:
        """Called by the office (engine thread) when it has handled a press: the number, or (code, vi, en)."""
        with self._outcomes:
            self._handled += 1
            self._last = PressOutcome(service_id, ticket, *refusal) if refusal else PressOutcome(service_id, ticket)
            self._outcomes.notify_all()

    def scan(self, code: str) -> None:
        """Scan ``code`` (a CCCD's QR text, or anything) on the simulated scanner, key by key.

        Raises LookupError when the office has no scanner.
        """
        scanner = self.devices.scanner
        if scanner is None or scanner.simulated is None or self.config.scanner is None:
            raise LookupError("this office has no card scanner ([scanner] in the config)")
        scanner.simulated.get().scan(code)

    def scan_at_counter(self, counter: int, code: str) -> None:
        """Scan ``code`` (a receipt's dossier code, or anything) on the simulated scanner of ``counter``.

        Raises LookupError when the counter has no scanner ([[counter_scanners]]).
        """
        scanner = self.devices.scanner
        path = self._counter_scanners.get(counter)
        if scanner is None or scanner.simulated is None or path is None:
            raise LookupError(f"counter {counter} has no scanner ([[counter_scanners]] in the config)")
        scanner.simulated.get(path).scan(code)

    def _wait_for_usb_pads(self) -> None:
        """Wait until the USB rating pads (plugged in by the simulated backend) are found and grabbed."""
        from drivers.ratingpad.usb import UsbPads

        usb = self.devices.pads.driver(UsbPads) if self.devices.pads is not None else None
        if not isinstance(usb, UsbPads) or usb.simulated is None:
            return
        usb.refresh()
        plugged = [usb.simulated.get(path) for path in usb.simulated.list_paths()]
        deadline = time.monotonic() + 10
        while not all(pad.grabbed for pad in plugged) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _press_pad(self, counter: int, level: int) -> None:
        """Press button ``level`` of the rating pad of ``counter``: a chip pin pulled low, or a USB key."""
        from drivers.ratingpad.usb import UsbPads

        assert self.config.rating_pads is not None and self.devices.pads is not None
        pad = next(p for p in self.config.rating_pads.pads if p.counter == counter)
        if not 1 <= level <= len(self.config.rating.levels):
            raise KeyError(f"there is no rating level {level}")
        if pad.expander is not None:
            expander = next(e for e in self.config.rating_pads.expanders if e.id == pad.expander)
            chip = self.devices.pads.simulated_i2c.chip(expander.bus, expander.address)
            settings = self.config.rating_pads
            hold = (settings.debounce_ms + 2 * settings.poll_ms + 40) / 1000
            # Held as a finger holds it: long enough, and read by the poller often enough, to count (a
            # busy machine may poll late), then released as long.
            reads = 3 + settings.debounce_ms // settings.poll_ms
            for change in (chip.press, chip.release):
                change(pad.buttons[level - 1])
                start, seen = time.monotonic(), chip.port_reads
                while time.monotonic() - start < hold or (chip.port_reads - seen < reads and time.monotonic() - start < 5):
                    time.sleep(settings.poll_ms / 1000)
        else:
            usb = self.devices.pads.driver(UsbPads)
            assert isinstance(usb, UsbPads) and usb.simulated is not None
            held = usb.held()
            if counter not in held:
                raise KeyError(f"the USB rating pad of counter {counter} is not connected")
            usb.simulated.get(held[counter]).tap(pad.level_keys(len(self.config.rating.levels))[level - 1][0])

    def press_rating(self, counter: int, level: int) -> None:
        """Press rating button ``level`` (1 = best) at ``counter``: its rating pad's, or its GPIO button."""
        if self.devices.pads is not None and counter in self.devices.pads.counters:
            self._press_pad(counter, level)
            return
        buttons = self.config.buttons
        if buttons is None or counter not in buttons.rating:
            raise KeyError(f"counter {counter} has no rating buttons")
        pins = buttons.rating[counter].buttons
        if not 1 <= level <= len(pins):
            raise KeyError(f"there is no rating level {level}")
        self._press_pin(pins[level - 1])

    def type_keys(self, counter: int, keys: str) -> None:
        """Type on the counter's keypad: digits . - + * / and "E" (or a newline) for Enter."""
        keypads = self.devices.keypads
        allowed = set("0123456789.-+*/E\n")
        if keypads is None or keypads.simulated is None:
            raise KeyError("no simulated keypads")
        if not keys or set(keys) - allowed:
            raise ValueError("keys: use digits . - + * / and E for Enter")
        keypad = keypads.simulated.get(keypad_path(counter))
        for char in keys.replace("E", "\n"):
            keypad.type(char)
            time.sleep(0.01)

    def set_paper(self, present: bool) -> None:
        """Run the simulated printer out of paper, or refill it."""
        printer = self._printer()
        if present:
            printer.refill_paper()
        else:
            printer.run_out_of_paper()

    # -- outputs -----------------------------------------------------------------

    def _printer(self) -> SimulatedPrinter:
        worker = self.devices.printer
        if worker is None or not isinstance(worker.printer, SimulatedPrinter):
            raise KeyError("no simulated printer")
        return worker.printer

    def last_ticket_png(self) -> bytes | None:
        """The last printed ticket, decoded back from the printer's bytes."""
        last = self._printer().last_ticket
        return last.with_suffix(".png").read_bytes() if last is not None else None

    def board_png(self) -> bytes:
        """The board's current frame (drawn by the main thread)."""
        return self._main(self._board_png)

    def last_announcement_wav(self) -> bytes | None:
        """The last announcement the simulated speaker played."""
        folder = self.config.speaker.output_dir if self.config.speaker else None
        if folder is None:
            return None
        files = sorted(Path(folder).glob("announce-*.wav"))
        return files[-1].read_bytes() if files else None


def weekday_morning(tz: Any, hour: int = 7, minute: int = 30) -> datetime:
    """The demo's start: Tuesday 24 November 2026, 07:30 at the office (a working day)."""
    return datetime(2026, 11, 24, hour, minute, tzinfo=tz).astimezone(timezone.utc)
