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

The banners, the LEDs and the citizens' names are kept by :mod:`kiosk.banners`,
:mod:`kiosk.lights` and :mod:`kiosk.citizens`. This module is about 600 lines
because every message the engine thread handles, and what it does to the
devices, is here, in the one place that owns the engine thread's state.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from drivers.buttons import ButtonHeld, PriorityArmed, PriorityExpired, RatingPressed, ServicePressed
from drivers.keypad import (
    KeypadAction,
    KeypadConnected,
    KeypadDisconnected,
    KeypadDossier,
    KeypadPaired,
    KeypadRejected,
)
from drivers.printer import PrinterStatus
from drivers.ratingpad import RatingPadConnected, RatingPadDisconnected
from drivers.scanner import CodeScanned, ScannerConnected, ScannerDisconnected, ScanRejected
from kiosk import commands as cmd
from kiosk.banners import Banners
from kiosk.citizens import Citizens
from kiosk.config import Config
from kiosk.credentials import Credentials, LoginRefused, credentials_for
from kiosk.devices import Devices
from kiosk.engine import DOSSIER_CODE
from kiosk.errors import DomainError
from kiosk.ids import time_ordered_uuid
from kiosk.lights import Lights
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
from kiosk.personal import Person
from kiosk.printing import PressChecked, PrintJob, Printed, PrinterReport, ticket_view
from kiosk.state import Ticket
from kiosk.store import Clock, Store, StoredEvent
from kiosk.view import Banner, Beep, OfficeView, build_view

log = logging.getLogger(__name__)

#: The engine thread wakes at least this often when idle (ticks, heartbeat).
IDLE_SECONDS = 0.5
#: While items keep coming, a new view at least this often (else once the inbox is empty).
PUBLISH_EVERY_SECONDS = 0.1
#: Checkpoint the WAL after this long with nothing to do.
CHECKPOINT_IDLE_SECONDS = 5.0
#: How long the board thanks a citizen for a rating.
THANKS_SECONDS = 5.0
#: The board's thanks for a rating, and for the reason a dissatisfied citizen gave.
RATING_THANKS = Banner("info", "Cảm ơn công dân đã đánh giá", "Thank you for your rating")
REASON_THANKS = Banner("info", "Cảm ơn ý kiến của công dân", "Thank you for your feedback")
#: The reason recorded for a ticket whose print was never reported (``ticket_printed``, ok false).
UNKNOWN_PRINT = "print state unknown: the kiosk stopped before the printer reported"
#: How long the board notes a refused keypad sign-in.
SIGN_IN_NOTE_SECONDS = 15.0
#: How long the board says why a press gave no ticket (closed, daily cap).
PRESS_REFUSED_SECONDS = 15.0
#: How long the board says why a scanned card gave no name.
SCAN_NOTE_SECONDS = 10.0
#: How long the board says why a counter's dossier code was not attached.
DOSSIER_NOTE_SECONDS = 10.0


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
        self._banners = Banners()
        for key, banner in (banners or {}).items():
            self._banners.set(key, banner)
        self._version = 0
        self._view_lock = threading.Condition()
        self._view: OfficeView | None = None
        self._published_at = 0.0  # monotonic time of the last view built
        self._lights = Lights(devices.buttons, devices.pads)
        self._citizens = Citizens(config.names)  # the names are loaded with the store
        # Print jobs handed to the print worker in this run and not yet reported, per ticket (a reprint adds one).
        self._printing: collections.Counter[str] = collections.Counter()
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
            self._citizens.people = self.store.people()
            self._unknown_prints()
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
            version = self._version
            try:
                self._handle(item)
            except Exception:  # one bad item must not stop the office
                log.exception("could not handle an item", extra={"item": repr(item)})
            self._idle_since = time.monotonic()
            self._checkpointed = False
            # Under a burst the view is built once the inbox is drained (or every PUBLISH_EVERY_SECONDS),
            # not after every item: building it grows with the day's tickets. A request's handling
            # has built it already.
            due = self.inbox.empty() or time.monotonic() - self._published_at >= PUBLISH_EVERY_SECONDS
            if due and self._version == version:
                self._publish()

    # -- the engine thread ------------------------------------------------

    def _unknown_prints(self) -> None:
        """At a start: the live tickets whose print was never reported (a crash or power cut between
        issuing and printing) are recorded as not printed, and the officers are asked to reprint them
        if the citizen has no ticket."""
        if self.devices.printer is None:
            return  # no printer: nothing was ever sent

        def unknown() -> list[Ticket]:
            tickets = self.store.engine.state.tickets.values()
            live = (t for t in tickets if t.printed is None and t.state in ("waiting", "called", "serving"))
            return sorted(live, key=lambda t: t.queue_seq)

        if not unknown():
            return
        self._execute(cmd.Tick())  # a start on a later day expires them instead
        tickets = unknown()
        for ticket in tickets:
            self._execute(cmd.PrintResult(ticket.id, False, UNKNOWN_PRINT))
        if not tickets:
            return
        numbers = ", ".join(t.display for t in tickets)
        log.warning("print state unknown after a start", extra={"tickets": numbers})
        self._beep(None, f"Chưa rõ phiếu số {numbers} đã in hay chưa (kiosk vừa khởi động lại): "
                         "in lại nếu công dân chưa có phiếu",
                   f"Not known whether tickets {numbers} were printed (the kiosk restarted): "
                   "reprint them if the citizen has none")

    def _execute(self, command: cmd.Command, person: Person | None = None) -> list[StoredEvent]:
        events = self.store.execute(command, self.clock.now(), person)
        if person is not None:
            for event in events:
                if event.type == "ticket_issued":
                    self._citizens.people[event.data["ticket_id"]] = person
        self._effects(events)
        if isinstance(command, cmd.CallByName) and self.devices.announcer is not None:
            # A typed name is announced from the command: it is never stored.
            self.devices.announcer.results_ready(command.counter, name=command.name)
        return events

    def _handle(self, item: Message) -> None:
        if isinstance(item, Request):
            try:
                events = self._execute(item.command)
            except BaseException as exc:
                self._publish()
                item.future.set_exception(exc)
            else:
                self._publish()  # whoever submitted it reads a view that holds its effects
                item.future.set_result(events)
        elif isinstance(item, ServicePressed):
            self._issue(item.service_id, item.priority, item.group)
        elif isinstance(item, CodeScanned) and item.counter is not None:
            self._dossier_scanned(item.counter, item.code)
        elif isinstance(item, CodeScanned):
            self._scanned(item.code)
        elif isinstance(item, ScanRejected) and item.counter is not None:
            self._dossier_refused(item.counter, "Không đọc được mã vừa quét", f"Scan not read: {item.reason}")
        elif isinstance(item, ScanRejected):
            self._scan_refused("Không đọc được mã vừa quét", f"Scan not read: {item.reason}")
        elif isinstance(item, KeypadDossier):
            if item.counter is not None:  # the keypad driver refuses it on an unpaired keypad
                self._attach_dossier(item.counter, item.code, "keypad")
        elif isinstance(item, RatingPressed):
            self._try(cmd.Rate(item.counter, item.level), beep_at=None)
        elif isinstance(item, KeypadAction):
            self._keypad(item)
        elif isinstance(item, KeypadRejected):
            log.info("keypad input dropped", extra={"counter": item.counter, "reason": item.reason})
            if item.counter is not None:  # an unpaired keypad is nobody's counter
                self._beep(item.counter, "Bàn phím: thao tác không hợp lệ", "Keypad: not a valid entry")
        elif isinstance(item, (KeypadPaired, KeypadConnected, KeypadDisconnected, ButtonHeld,
                               ScannerConnected, ScannerDisconnected)):
            name = type(item).__name__
            state = {"KeypadPaired": "paired", "KeypadConnected": "connected", "KeypadDisconnected": "disconnected",
                     "ButtonHeld": "held", "ScannerConnected": "connected",
                     "ScannerDisconnected": "disconnected"}[name]
            device = {"K": "keypad", "B": "button", "S": "scanner"}[name[0]]
            self._execute(cmd.DeviceStatus(device, state, repr(item)))
        elif isinstance(item, (RatingPadConnected, RatingPadDisconnected)):
            state = "connected" if isinstance(item, RatingPadConnected) else "disconnected"
            self._execute(cmd.DeviceStatus("rating_pad", state, repr(item)))
        elif isinstance(item, PriorityArmed):
            self._lights.set(("group", item.group) if item.group else ("priority", None), "blink")
        elif isinstance(item, PriorityExpired):
            self._lights.forget(("group", item.group) if item.group else ("priority", None))
            self._refresh_outputs()
        elif isinstance(item, PressChecked):
            self._press_checked(item)
        elif isinstance(item, Printed):
            self._printing[item.ticket_id] -= 1
            self._printing += collections.Counter()  # drops the ones at zero
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

    def _issue(self, service_id: str, priority: bool, group: str | None = None) -> None:
        """A service press: a number only if the printer can print it (see _press_checked)."""
        printer = self.devices.printer
        status = printer.status if printer is not None else None
        if status is not None and not status.can_print:
            self._refuse_without_paper(service_id, status)
            return
        if printer is not None:
            # The status above may be a poll old (the paper can run out in
            # between): the print worker reads a fresh one and answers with
            # PressChecked. The engine thread never waits for it.
            printer.check_press(service_id, priority, self._press_answer, group)
            return
        self._issue_number(service_id, priority, group)

    def _press_answer(self, answer: PressChecked) -> None:
        """The print worker's answer to a press: through the inbox from its thread, at once from ours."""
        if threading.current_thread() is self._thread:
            self._press_checked(answer)
        else:
            self.post(answer)

    def _press_checked(self, item: PressChecked) -> None:
        """The print worker's fresh status for a press: issue the number, or refuse it without paper."""
        if not item.status.can_print:
            self._refuse_without_paper(item.service_id, item.status)
            return
        self._issue_number(item.service_id, item.priority, item.group)

    def _refuse_without_paper(self, service_id: str, status: PrinterStatus) -> None:
        # No number without paper: the press is recorded, officers are told.
        self._execute(cmd.DeviceStatus("printer", status.state.value, f"press refused ({service_id}): {status.message}"))
        self._beep(None, "Máy in không in được: chưa cấp số", f"Printer cannot print: {status.message}")
        self._press_done(service_id, None, ("printer", "Máy in không in được: chưa cấp số",
                                            f"Printer cannot print: {status.message}"))

    def _issue_number(self, service_id: str, priority: bool, group: str | None = None) -> None:
        person = self._citizens.take(self._seconds())
        issue = cmd.Issue(service_id, time_ordered_uuid(), priority, group, named=person is not None)
        try:
            events = self._execute(issue, person)
        except DomainError as exc:
            if person is not None:
                self._citizens.give_back(person, self._seconds())
            log.info("press refused", extra={"service": service_id, "reason": exc.text("en")})
            # The citizen at the button reads why on the board, e.g. "... chưa mở cửa; mở lúc 07:30".
            self._banners.set("press", Banner("closed", exc.text("vi"), exc.text("en")), PRESS_REFUSED_SECONDS)
            self._press_done(service_id, None, (exc.code, exc.text("vi"), exc.text("en")))
            return
        self._banners.clear("press")
        issued = next((e.data["display"] for e in events if e.type == "ticket_issued"), None)
        self._press_done(service_id, issued, None)

    def _seconds(self) -> float:
        """The office clock's monotonic seconds (a simulated office's clock may run faster than real time)."""
        return self.clock.monotonic_ns() / 1e9

    def _scanned(self, code: str) -> None:
        """A code read at the ticket machine: greet the citizen (the board) or say it is not a CCCD."""
        refused = self._citizens.scanned(code, self._seconds())
        if refused is not None:
            self._scan_refused(refused.vi, refused.en)
            return
        self._banners.clear("scan")
        if self.devices.announcer is not None:
            self.devices.announcer.tone("ok")
            # The name's speech is rendered while the citizen reaches for a button: ready
            # at "next", and espeak-ng never competes with printing the ticket.
            self.devices.announcer.prepare(self._citizens.pending_name() or "")

    def _scan_refused(self, text_vi: str, text_en: str) -> None:
        """A scan gave no name: a sound and a note on the board; nothing is issued or kept."""
        log.info("scan ignored", extra={"reason": text_en})  # the reason, never the code
        self._banners.set("scan", Banner("info", text_vi, text_en), SCAN_NOTE_SECONDS)
        if self.devices.announcer is not None:
            self.devices.announcer.tone("error")

    def _dossier_scanned(self, counter: int, code: str) -> None:
        """A code read by the scanner at ``counter``: the receipt's dossier code, or something else.

        Anything that is no dossier code (a CCCD scanned by mistake holds an ID
        number, a name and an address) is refused here, before the engine: it
        is never stored, logged or shown.
        """
        code = code.strip()
        if not DOSSIER_CODE.fullmatch(code):
            self._dossier_refused(counter, "Mã vừa quét không phải mã hồ sơ", "The code scanned is no dossier code")
            return
        self._attach_dossier(counter, code, "scanner")

    def _attach_dossier(self, counter: int, code: str, source: str) -> None:
        """Attach an officer's dossier code to the counter's ticket: a short tone says it was, or why not."""
        try:
            self._execute(cmd.AttachDossier(counter, code, source))
        except DomainError as exc:
            self._dossier_refused(counter, exc.text("vi"), exc.text("en"), exc.code)
            return
        self._banners.clear(f"dossier:{counter}")
        if self.devices.announcer is not None:
            self.devices.announcer.tone("ok")

    def _dossier_refused(self, counter: int, text_vi: str, text_en: str, code: str = "not_a_dossier_code") -> None:
        """No dossier code attached at ``counter``: the error tone, the reason on the counter's page and the board."""
        log.info("dossier code refused", extra={"counter": counter, "reason": code})  # never the code
        self._beep(counter, text_vi, text_en)
        # The hall reads which counter it is about (the engine's reasons may name it already).
        note = Banner("info", text_vi, text_en)
        if not text_vi.startswith(f"Quầy {counter}"):
            note = Banner("info", f"Quầy {counter}: {text_vi}", f"Counter {counter}: {text_en}")
        self._banners.set(f"dossier:{counter}", note, DOSSIER_NOTE_SECONDS)
        if self.devices.announcer is not None:
            self.devices.announcer.tone("error")

    def _press_done(self, service_id: str, ticket: str | None, refusal: tuple[str, str, str] | None) -> None:
        """Tell the simulation (simulate mode) how a press ended: the number issued, or (code, vi, en)."""
        if self.simulation is not None:
            self.simulation.press_handled(service_id, ticket, refusal)

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
        if action.action == "sign_in" and not self._pin_accepted(action.counter, action.value or "", action.pin):
            return
        self._try(command, beep_at=action.counter)

    def _pin_accepted(self, counter: int, code: str, pin: str | None) -> bool:
        """Whether ``code`` and ``pin`` typed on counter's keypad are an officer's; else beep and note it on the board.

        The same credentials and lockouts as the counter page (:mod:`kiosk.credentials`).
        The check runs here, on the engine thread: one scrypt hash, about 0.03 s on a PC
        and 0.1 s on a Pi 4, bounded by the lockouts (a locked code or keypad answers
        without hashing). Checking elsewhere would let the officer's next key (``Enter``
        right after signing in) be handled before the sign-in. Neither the code of a
        refused sign-in nor the PIN is logged: either may be a PIN typed in the wrong place.
        """
        try:
            if not pin:
                raise LoginRefused(401, "pin_needed", "Đăng nhập cần cả mã PIN: * * mã cán bộ * mã PIN Enter.",
                                   "Signing in needs the PIN too: * * code * PIN Enter.")
            credentials = self._credentials()
            if credentials is None or not credentials.officer_names():
                raise LoginRefused(403, "no_officers",
                                   "Chưa đăng ký cán bộ nào: trên máy kiosk, chạy kiosk users add-officer.",
                                   "No officers are registered: on the kiosk, run kiosk users add-officer.")
            credentials.check_officer(code, pin, client=f"keypad:{counter}")
        except LoginRefused as exc:
            log.info("keypad sign-in refused", extra={"counter": counter, "reason": exc.code})
            self._beep(counter, exc.vi, exc.en)
            self._banners.set(f"sign_in:{counter}", Banner("info", f"Quầy {counter}: đăng nhập không thành công",
                                                           f"Counter {counter}: sign-in refused"), SIGN_IN_NOTE_SECONDS)
            return False
        self._banners.clear(f"sign_in:{counter}")
        return True

    def _credentials(self) -> Credentials | None:
        """The officers' codes and PINs: the file of ``[web] credentials_file`` (None without a [web] section)."""
        web = self.config.web
        return credentials_for(web.credentials_file) if web is not None else None

    def _beep(self, counter: int | None, text_vi: str, text_en: str) -> None:
        """A keypad has no buzzer: the counter's page (every counter's for None) shows the reason and beeps."""
        self._beep_seq += 1
        previous = self._beeps.get(counter)
        self._beeps[counter] = Beep(self._beep_seq, previous.count + 1 if previous else 1, text_vi, text_en)
        log.info("beep", extra={"counter": counter, "reason": text_en})

    def _idle(self) -> None:
        now = self.clock.now()
        engine = self.store.engine
        # Synchronised: the day may also move back (a clock that ran ahead was corrected).
        due = bool(engine.roll(now, self.clock.synced())) or any(
            (c.rating_until and now >= datetime.fromisoformat(c.rating_until))
            or (c.reason_until and now >= datetime.fromisoformat(c.reason_until))
            for c in engine.state.counters.values()
        )
        if due:
            self._execute(cmd.Tick())
            self._publish()
        if self._citizens.expire(self._seconds()):
            self._scan_refused("Chưa chọn dịch vụ: mời quét lại thẻ CCCD rồi bấm nút dịch vụ",
                               "No service chosen: scan the ID card again, then press a service button")
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
        self._citizens.config = item.config.names
        self._execute(cmd.ConfigApplied(item.version, item.source))
        self._banners.clear("config")
        for section in ("printer", "board", "speaker", "buttons", "rating_pads", "keypads", "scanner", "camera"):
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
            person = self._citizens.people.get(data.get("ticket_id", ""))
            name = person.name if person is not None else None
            if kind in ("ticket_issued", "ticket_reprint") and ticket is not None and self.devices.printer:
                self.devices.printer.submit(PrintJob(ticket.id, ticket_view(self.config, ticket, person)))
                self._printing[ticket.id] += 1
            elif kind in ("ticket_called", "ticket_recalled") and ticket is not None and announcer:
                announcer.call(ticket.display, data["counter"], name=name)
            elif kind in ("results_called", "results_recalled") and announcer:
                result = engine.state.results[data["ticket_id"]]
                announcer.results_ready(data["counter"], name=name, number=result.display)
            elif kind in ("results_handed_over", "results_expired"):
                self._citizens.people.pop(data["ticket_id"], None)  # deleted from the store too
            elif kind in ("day_started", "day_returned"):
                self._citizens.people = self.store.people()  # the store purged the day's names
                if announcer:
                    announcer.forget_names()
                if kind == "day_started" and self.camera and self.clock.synced():
                    self._purge_snapshots()
            elif kind == "rating_window_opened":
                if announcer:
                    announcer.rating_prompt()
                self._lights.set(("rating", data["counter"]), "blink")
            elif kind == "rating_window_closed":
                self._lights.set(("rating", data["counter"]), "off")
            elif kind == "rating_recorded":
                if any(e.type == "rating_reason_window_opened" for e in events):
                    continue  # a dissatisfied press: the reasons are asked first, the thanks follow them
                if announcer:
                    announcer.rating_thanks()
                self._banners.set("thanks", RATING_THANKS, THANKS_SECONDS)
            elif kind == "rating_reason_window_opened":
                # The counter's card asks (the view), the loudspeaker reads the reasons, the buttons flash fast.
                if announcer:
                    reasons = self.config.rating.reasons
                    announcer.reason_prompt({"vi": [r.vi for r in reasons], "en": [r.get("en") for r in reasons]})
                self._lights.set(("rating", data["counter"]), "fast")
            elif kind == "rating_reason_window_closed":
                self._lights.set(("rating", data["counter"]), "off")
                if data["reason"] == "timeout":  # no answer is fine: thanked for the rating, silently
                    self._banners.set("thanks", RATING_THANKS, THANKS_SECONDS)
            elif kind == "rating_reason_recorded":
                if announcer:
                    announcer.reason_thanks()
                self._banners.set("thanks", REASON_THANKS, THANKS_SECONDS)
            elif kind in ("service_started", "ticket_completed") and ticket is not None and self.camera:
                self._snapshot(data["counter"], ticket.display, "start" if kind == "service_started" else "complete")
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

    def _refresh_outputs(self) -> None:
        """The service and priority LEDs for now (open, full, printer fault)."""
        printer = self.devices.printer
        fault = printer is not None and printer.status is not None and not printer.status.can_print
        self._lights.refresh(self.config, self.store.engine, self.clock.now(), fault)

    def _privacy_notice(self) -> tuple[str, str] | None:
        """The personal-data notice, on the board wherever names are collected (a scanner is fitted)."""
        if self.config.scanner is None:
            return None
        notice = self.config.names.notice
        return (notice.vi, notice.en or "")

    def _publish(self) -> None:
        """Build and publish a new view for the board and the pages."""
        printer = self.devices.printer
        status = printer.status if printer is not None else None
        self._published_at = time.monotonic()
        self._version += 1
        view = build_view(
            self.store.engine,
            self.clock.now(),
            self._version,
            banners=self._banners.current(),
            printer=str(status) if status is not None else "",
            printing=frozenset(self._printing),  # the keys with a count above zero
            beeps=dict(self._beeps),
            people=self._citizens.people,
            greeting=self._citizens.greeting(),
            privacy_notice=self._privacy_notice(),
        )
        with self._view_lock:
            self._view = view
            self._view_lock.notify_all()
