"""The office: one process drives every device of an office.

Data flows one way::

    device callbacks, web requests, workers
        -> Office.post / Office.submit  (one inbox of typed messages, any thread:
                                         kiosk.messages)
        -> the engine thread            (alone owns the engine and the SQLite store)
        -> outputs                      (print jobs, announcements, LEDs, camera
                                         snapshots, and a new OfficeView for the
                                         board and the pages)

The engine thread never waits on a device: printing, speaking and snapshots
run in their own workers, so a jammed printer cannot delay a call. pygame runs
in the main thread (see :mod:`kiosk.run`), which reads the latest view.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from drivers.buttons import ButtonHeld, PriorityArmed, PriorityExpired, RatingPressed, ServicePressed
from drivers.keypad import KeypadAction, KeypadConnected, KeypadDisconnected, KeypadPaired, KeypadRejected
from kiosk import commands as cmd
from kiosk import days
from kiosk.config import Config
from kiosk.devices import Devices
from kiosk.errors import DomainError
from kiosk.messages import (
    Acked,
    ClearBanner,
    Message,
    Reload,
    ReloadFailed,
    Request,
    SetBanner,
    Stop,
    SyncState,
)
from kiosk.officer import BadAction, officer_command
from kiosk.printing import PrintJob, Printed, PrinterReport, ticket_view
from kiosk.store import Clock, Store, StoredEvent
from kiosk.view import Banner, Beep, OfficeView, build_view

log = logging.getLogger(__name__)

#: The engine thread wakes at least this often when idle (ticks, heartbeat).
IDLE_SECONDS = 0.5
#: Checkpoint the WAL after this long with nothing to do.
CHECKPOINT_IDLE_SECONDS = 5.0
#: How long the board thanks a citizen for a rating.
THANKS_SECONDS = 5.0


@dataclass
class _Banners:
    """Banners the office itself raises, by key."""

    items: dict[str, tuple[Banner, float | None]] = field(default_factory=dict)  # key -> (banner, expires)

    def set(self, key: str, banner: Banner, seconds: float | None = None) -> None:
        self.items[key] = (banner, None if seconds is None else time.monotonic() + seconds)

    def clear(self, key: str) -> None:
        self.items.pop(key, None)

    def current(self) -> tuple[Banner, ...]:
        now = time.monotonic()
        for key in [k for k, (_, expires) in self.items.items() if expires is not None and expires < now]:
            del self.items[key]
        order = {"error": 0, "paper": 1, "offline": 2, "closed": 3, "info": 4}
        return tuple(sorted((b for b, _ in self.items.values()), key=lambda b: order.get(b.kind, 9)))


class Office:
    """One office: the engine thread and what it drives."""

    def __init__(
        self,
        config: Config,
        open_store: Callable[[], Store],
        clock: Clock,
        devices: Devices,
        inbox: queue.Queue[Message] | None = None,
        *,
        banners: dict[str, Banner] | None = None,
        simulation: Any = None,
        on_events: Callable[[list[StoredEvent]], None] | None = None,
    ) -> None:
        """``inbox``: the queue the devices were opened to post into; ``banners``: shown from the start
        (devices that failed to open); ``simulation``: the simulated devices' driver in simulate mode
        (:class:`kiosk.simulation.Simulation`); ``on_events``: called on the engine thread with every
        batch of stored events (the sync worker's wake-up). Nothing else is set from outside.
        """
        self.config = config
        self._open_store = open_store
        self.store: Store  # opened by the engine thread, which alone uses it
        self.clock = clock
        self.devices = devices
        self.camera = devices.camera
        self.simulation = simulation
        self._on_events = on_events
        # Devices opened before the office post into the same queue.
        self.inbox: queue.Queue[Message] = inbox if inbox is not None else queue.Queue()
        self.heartbeat = time.monotonic()
        self._beeps: dict[int | None, Beep] = {}  # the latest per counter; None: for every counter
        self._beep_seq = 0
        self._banners = _Banners()
        for key, banner in (banners or {}).items():
            self._banners.set(key, banner)
        self._version = 0
        self._view_lock = threading.Condition()
        self._view: OfficeView | None = None
        self._leds: dict[tuple[str, Any], str] = {}
        self._last_minute = ""
        self._idle_since = time.monotonic()
        self._checkpointed = True
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None

    # -- for other threads ------------------------------------------------

    def post(self, item: Message) -> None:
        """Hand a message to the engine thread (device callbacks, the process and workers call this)."""
        self.inbox.put(item)

    def submit(self, command: cmd.Command, timeout: float = 5.0) -> list[StoredEvent]:
        """Run ``command`` on the engine thread and wait for its events.

        Raises :class:`DomainError` when refused, ``TimeoutError`` when the engine
        does not answer in ``timeout`` seconds.
        """
        future: Future = Future()
        self.inbox.put(Request(command, future))
        try:
            return future.result(timeout)
        except TimeoutError:
            raise TimeoutError("the kiosk engine did not answer in time") from None

    def view(self) -> OfficeView:
        """The latest snapshot of the office."""
        with self._view_lock:
            assert self._view is not None, "the office has not started"
            return self._view

    def wait_for_change(self, version: int, timeout: float) -> OfficeView:
        """Block until the view is newer than ``version`` (or ``timeout``); return the latest."""
        with self._view_lock:
            self._view_lock.wait_for(lambda: self._view is not None and self._view.version > version, timeout)
            assert self._view is not None
            return self._view

    # -- life cycle -------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Start the engine thread, which opens the store; raise what opening it raised."""
        self._thread = threading.Thread(target=self._run_engine, name="engine", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the kiosk engine did not start")
        if self._start_error is not None:
            raise self._start_error

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the ticket being printed (and record how it went), then close the store."""
        if self.devices.printer is not None:
            self.devices.printer.stop()  # its last Printed report is queued before Stop
        self.inbox.put(Stop())
        if self._thread is not None:
            self._thread.join(timeout)
        if self.devices.announcer is not None:
            self.devices.announcer.close()

    def _run_engine(self) -> None:
        """The engine thread: open the store, then take items until Stop."""
        try:
            self.store = self._open_store()
            self._refresh_outputs()
            self._publish()
        except BaseException as exc:
            self._start_error = exc
            self._ready.set()
            return
        self._ready.set()
        while True:
            self.heartbeat = time.monotonic()
            try:
                item = self.inbox.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                self._idle()
                continue
            if isinstance(item, Stop):
                self.store.checkpoint()
                self.store.close()
                return
            try:
                self._handle(item)
            except Exception:  # one bad item must not stop the office
                log.exception("could not handle an item", extra={"item": repr(item)})
            self._idle_since = time.monotonic()
            self._checkpointed = False
            self._publish()

    # -- the engine thread ------------------------------------------------

    def _execute(self, command: cmd.Command) -> list[StoredEvent]:
        events = self.store.execute(command, self.clock.now())
        self._effects(events)
        return events

    def _handle(self, item: Message) -> None:
        if isinstance(item, Request):
            try:
                item.future.set_result(self._execute(item.command))
            except BaseException as exc:
                item.future.set_exception(exc)
        elif isinstance(item, ServicePressed):
            self._issue(item.service_id, item.priority)
        elif isinstance(item, RatingPressed):
            self._try(cmd.Rate(item.counter, item.level), beep_at=None)
        elif isinstance(item, KeypadAction):
            self._keypad(item)
        elif isinstance(item, KeypadRejected):
            log.info("keypad input dropped", extra={"counter": item.counter, "reason": item.reason})
            if item.counter is not None:  # an unpaired keypad is nobody's counter
                self._beep(item.counter, "Bàn phím: thao tác không hợp lệ", "Keypad: not a valid entry")
        elif isinstance(item, (KeypadPaired, KeypadConnected, KeypadDisconnected, ButtonHeld)):
            name = type(item).__name__
            state = {"KeypadPaired": "paired", "KeypadConnected": "connected", "KeypadDisconnected": "disconnected",
                     "ButtonHeld": "held"}[name]
            device = "keypad" if name.startswith("Keypad") else "button"
            self._execute(cmd.DeviceStatus(device, state, repr(item)))
        elif isinstance(item, PriorityArmed):
            self._set_led(("priority", None), "blink")
        elif isinstance(item, PriorityExpired):
            self._leds.pop(("priority", None), None)
            self._refresh_outputs()
        elif isinstance(item, Printed):
            self._execute(cmd.PrintResult(item.ticket_id, item.ok, item.reason))
            if not item.ok:
                self._beep(None, "Phiếu không in được", f"Ticket not printed: {item.reason}")
        elif isinstance(item, PrinterReport):
            self._printer_changed(item)
        elif isinstance(item, Acked):
            self.store.mark_acked(item.seq)
        elif isinstance(item, SyncState):
            self._sync_changed(item)
        elif isinstance(item, Reload):
            self._reload(item)
        elif isinstance(item, ReloadFailed):
            self._banners.set("config", Banner("error", f"Cấu hình mới bị từ chối: {item.message}",
                                               f"New configuration refused: {item.message}"), 600)
        elif isinstance(item, SetBanner):
            self._banners.set(item.key, item.banner, item.seconds)
        elif isinstance(item, ClearBanner):
            self._banners.clear(item.key)
        else:
            log.warning("unknown item", extra={"item": repr(item)})

    def _try(self, command: cmd.Command, beep_at: int | None) -> list[StoredEvent]:
        """Execute; a refusal is logged, never raised, and beeps at counter ``beep_at`` (an officer's action)."""
        try:
            return self._execute(command)
        except DomainError as exc:
            log.info("refused", extra={"command": repr(command), "reason": exc.text("en")})
            if beep_at is not None:
                self._beep(beep_at, exc.text("vi"), exc.text("en"))
            return []

    def _issue(self, service_id: str, priority: bool) -> None:
        printer = self.devices.printer
        status = printer.status if printer is not None else None
        if status is not None and not status.can_print:
            # No number without paper: the press is recorded, officers are told.
            self._execute(cmd.DeviceStatus("printer", status.state.value, f"press refused ({service_id}): {status.message}"))
            self._beep(None, "Máy in không in được: chưa cấp số", f"Printer cannot print: {status.message}")
            return
        self._try(cmd.Issue(service_id, str(uuid.uuid4()), priority), beep_at=None)

    def _keypad(self, action: KeypadAction) -> None:
        """An officer's keypad action: the same vocabulary as the counter page and the CLI."""
        if action.counter is None or action.action == "pair":  # pairing is the keypad driver's own
            return
        try:
            command = officer_command(action.action, action.counter, action.value)
        except BadAction as exc:
            log.info("keypad action refused", extra={"counter": action.counter, "reason": exc.en})
            self._beep(action.counter, exc.vi, exc.en)
            return
        self._try(command, beep_at=action.counter)

    def _beep(self, counter: int | None, text_vi: str, text_en: str) -> None:
        """A keypad has no buzzer: the counter's page (every counter's for None) shows the reason and beeps."""
        self._beep_seq += 1
        previous = self._beeps.get(counter)
        self._beeps[counter] = Beep(self._beep_seq, previous.count + 1 if previous else 1, text_vi, text_en)
        log.info("beep", extra={"counter": counter, "reason": text_en})

    def _idle(self) -> None:
        now = self.clock.now()
        engine = self.store.engine
        due = bool(engine.roll(now)) or any(
            c.rating_until and now >= datetime.fromisoformat(c.rating_until) for c in engine.state.counters.values()
        )
        if due:
            self._execute(cmd.Tick())
            self._publish()
        minute = now.strftime("%Y-%m-%d %H:%M")
        if minute != self._last_minute:  # opening hours change the LEDs and notes
            self._last_minute = minute
            self._clock_banner()
            self._refresh_outputs()
            self._publish()
        elif self._banners.items and any(e is not None for _, e in self._banners.items.values()):
            before = len(self._banners.items)
            if len(self._banners.current()) != before:
                self._publish()
        if not self._checkpointed and time.monotonic() - self._idle_since > CHECKPOINT_IDLE_SECONDS:
            self.store.checkpoint()
            self._checkpointed = True

    def _clock_banner(self) -> None:
        """Until NTP has set the clock, the board says so (times on tickets may be off)."""
        if self.clock.synced():
            self._banners.clear("clock")
        else:
            self._banners.set("clock", Banner("info", "Đồng hồ chưa được đồng bộ (đang chờ mạng)",
                                              "The clock is not synchronised yet (waiting for the network)"))

    def _printer_changed(self, report: PrinterReport) -> None:
        status = report.status
        self._execute(cmd.DeviceStatus("printer", status.state.value, status.message))
        if status.state.value == "paper_out":
            self._banners.set("printer", Banner("paper", "Máy in hết giấy", "Printer out of paper"))
        elif not status.can_print:
            self._banners.set("printer", Banner("paper", "Máy in không hoạt động", "Printer offline"))
        else:
            self._banners.clear("printer")
        self._refresh_outputs()

    def _sync_changed(self, state: SyncState) -> None:
        if state.online:
            self._banners.clear("offline")
            return
        since = state.since.astimezone(self.config.site.tz).strftime("%H:%M") if state.since else "?"
        self._banners.set("offline", Banner("offline", f"Mất kết nối từ {since}", f"Offline since {since}"))

    def _reload(self, item: Reload) -> None:
        old = self.config
        self.config = item.config
        self.store.engine.reconfigure(item.config)
        self._execute(cmd.ConfigApplied(item.version, item.source))
        self._banners.clear("config")
        for section in ("printer", "board", "speaker", "buttons", "keypads", "camera"):
            if getattr(old, section) != getattr(item.config, section):
                log.warning("device settings change at the next restart", extra={"section": section})
        log.info("configuration applied", extra={"version": item.version})
        self._refresh_outputs()

    # -- outputs ------------------------------------------------------------

    def _effects(self, events: list[StoredEvent]) -> None:
        """Tell the devices what the events mean (never waiting on a device)."""
        engine = self.store.engine
        announcer = self.devices.announcer
        for event in events:
            data = event.data
            kind = event.type
            ticket = engine.state.tickets.get(data.get("ticket_id", ""))
            if kind in ("ticket_issued", "ticket_reprint") and ticket is not None and self.devices.printer:
                self.devices.printer.submit(PrintJob(ticket.id, ticket_view(self.config, ticket)))
            elif kind in ("ticket_called", "ticket_recalled") and ticket is not None and announcer:
                announcer.call(ticket.display, data["counter"])
            elif kind == "rating_window_opened":
                if announcer:
                    announcer.rating_prompt()
                self._set_led(("rating", data["counter"]), "blink")
            elif kind == "rating_window_closed":
                self._set_led(("rating", data["counter"]), "off")
            elif kind == "rating_recorded":
                if announcer:
                    announcer.rating_thanks()
                self._banners.set("thanks", Banner("info", "Cảm ơn công dân đã đánh giá", "Thank you for your rating"),
                                  THANKS_SECONDS)
            elif kind == "name_called" and announcer:
                announcer.results_ready(data["name"], data["counter"])
            elif kind in ("service_started", "ticket_completed") and ticket is not None and self.camera:
                self._snapshot(data["counter"], ticket.display, "start" if kind == "service_started" else "complete")
            elif kind == "day_started" and self.camera and self.clock.synced():
                self._purge_snapshots()
        if self._on_events is not None:
            self._on_events(events)
        if events:
            self._refresh_outputs()

    def _snapshot(self, counter: int, display: str, kind: str) -> None:
        camera, now = self.camera, self.clock.now().astimezone(self.config.site.tz)

        def take() -> None:
            try:
                camera.snapshot(counter, display, kind, now)
            except Exception:
                log.exception("snapshot failed")

        threading.Thread(target=take, name="snapshot", daemon=True).start()

    def _purge_snapshots(self) -> None:
        camera, now = self.camera, self.clock.now().astimezone(self.config.site.tz)
        threading.Thread(target=lambda: camera.purge(now), name="purge", daemon=True).start()

    def _set_led(self, key: tuple[str, Any], state: str) -> None:
        if self._leds.get(key) == state:
            return
        self._leds[key] = state
        buttons = self.devices.buttons
        if buttons is None:
            return
        try:
            kind, target = key
            if kind == "service":
                buttons.set_service_led(target, state)
            elif kind == "rating":
                buttons.set_rating_leds(target, state)
            elif kind == "priority":
                buttons.set_priority_led(state)
        except (KeyError, ValueError):
            pass  # no LED wired for it

    def _refresh_outputs(self) -> None:
        """Service LEDs: steady when open, off when closed or full, blinking on a printer fault."""
        printer = self.devices.printer
        fault = printer is not None and printer.status is not None and not printer.status.can_print
        engine = self.store.engine
        now = self.clock.now()
        day = date.fromisoformat(engine.state.day) if engine.state.day else engine.business_day(now)
        local = now.astimezone(self.config.site.tz).time()
        any_open = False
        for service in self.config.services:
            full = engine.state.services[service.id].issued_today >= service.effective_cap
            open_now = days.opening(service, day, local).open
            state = "blink" if fault else ("steady" if open_now and not full else "off")
            any_open |= state == "steady"
            self._set_led(("service", service.id), state)
        if self._leds.get(("priority", None)) != "blink" or fault:
            self._set_led(("priority", None), "blink" if fault else ("steady" if any_open else "off"))

    def _publish(self) -> None:
        """Build and publish a new view for the board and the pages."""
        printer = self.devices.printer
        status = printer.status if printer is not None else None
        self._version += 1
        view = build_view(
            self.store.engine,
            self.clock.now(),
            self._version,
            banners=self._banners.current(),
            printer=str(status) if status is not None else "",
            beeps=dict(self._beeps),
        )
        with self._view_lock:
            self._view = view
            self._view_lock.notify_all()
