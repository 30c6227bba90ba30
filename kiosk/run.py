"""``kiosk run``: the one process of an office, and its main thread.

The main thread owns pygame: it draws the board from the office's latest view,
pings systemd's watchdog while the engine thread is alive, runs the few jobs
that must run on it (saving a board PNG for the simulation API), and handles
signals: SIGHUP re-reads the configuration, SIGTERM stops cleanly (the ticket
being printed is finished, the store flushed, exit 0).
"""

from __future__ import annotations

import errno
import logging
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from datetime import datetime
from typing import Any

from drivers.base import DeviceError
from drivers.board import Banner as BoardBanner
from drivers.board import Board, BoardConfig, BoardState, CounterCall, ServiceQueue, open_board
from kiosk import systemd
from kiosk.app import IDLE_SECONDS, Office
from kiosk.bootconfig import Layers, Note
from kiosk.config import Config, ConfigError
from kiosk.devices import open_devices
from kiosk.messages import Acked, ClearBanner, Message, Reload, ReloadFailed, SetBanner, SyncState
from kiosk.store import Clock, Store, StoredEvent
from kiosk.view import Banner, OfficeView

log = logging.getLogger(__name__)

#: Longest wait between two enrolment attempts at first boot.
ENROL_RETRY_MAX_SECONDS = 300.0
SWITCH_INTERVAL_SECONDS = 0.001


def board_state(view: OfficeView, config: Config, notices: tuple[str, ...] = ()) -> BoardState:
    """What the board shows for ``view``.

    Names arrive already masked as ``[names] board`` says (``CounterView.called_name``,
    the name inside ``OfficeView.greeting``); the board shows them as given.
    """
    greeting_vi, greeting_en = view.greeting or (None, None)
    notice_vi, notice_en = view.privacy_notice or (None, None)
    recording_vi, recording_en = (config.camera and config.camera.notice_shown) or (None, None)
    return BoardState(
        unit_name_vi=view.unit_vi,
        unit_name_en=view.unit_en,
        languages=tuple(config.site.languages.board),
        counters=tuple(
            CounterCall(c.number, c.name_vi, c.name_en, c.last_called, highlighted=c.number == view.newest_call,
                        name=c.called_name, results=c.results, reasons=tuple(vi for vi, _ in c.reasons),
                        reasons_en=tuple(en for _, en in c.reasons))
            for c in view.counters
        ),
        services=tuple(
            ServiceQueue(s.name_vi, s.name_en, s.waiting, s.note_vi or None, s.note_en or None) for s in view.services
        ),
        notices=notices,
        hotline=view.hotline,
        banners=tuple(BoardBanner(b.kind, b.text_vi, b.text_en) for b in view.banners),
        greeting_vi=greeting_vi,
        greeting_en=greeting_en,
        notice_vi=notice_vi,
        notice_en=notice_en,
        recording_vi=recording_vi,
        recording_en=recording_en,
    )


class MainThread:
    """Jobs that must run on the main thread (pygame), handed over from other threads."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Callable[[], Any], Future]] = queue.Queue()

    def call(self, job: Callable[[], Any], timeout: float = 10.0) -> Any:
        future: Future = Future()
        self.jobs.put((job, future))
        return future.result(timeout)

    def run_pending(self) -> None:
        while True:
            try:
                job, future = self.jobs.get_nowait()
            except queue.Empty:
                return
            try:
                future.set_result(job())
            except BaseException as exc:
                future.set_exception(exc)


class Process:
    """The office process: the office, its board and the main loop."""

    def __init__(
        self,
        config: Config,
        config_path: Path | None,
        clock: Clock,
        simulate: bool = False,
        boot_path: Path | None = None,
        startup_problem: str | None = None,
        on_events: Callable[[list[StoredEvent]], None] | None = None,
        layers: Layers | None = None,
    ) -> None:
        """``on_events``: also called on the engine thread with every batch of stored events
        (benchmarks time commits with it). ``layers``: where ``config`` came from
        (:func:`kiosk.bootconfig.load_at_boot`), to lay it again at SIGHUP and when the
        central server pushes a configuration; by default ``config`` is the local layer."""
        self.config = config
        self.config_path = config_path
        self.boot_path = boot_path  # the SD card's kiosk.toml, laid over config_path
        self.startup_problem = startup_problem  # why the boot file was refused at start
        if layers is None:
            defaults = config_path if boot_path is not None else None
            layers = Layers.of_config(config, defaults, boot_path or config_path)
        self.layers = layers
        self.clock = clock
        self.stop_event = threading.Event()
        self.main = MainThread()
        self.board: Board | None = None
        self.office: Office | None = None
        self.web: Any = None
        self.sync: Any = None
        self.stream: Any = None  # the drivers.stream Publisher while [stream] is on
        self.simulate = simulate
        self._on_events = on_events
        self._enrol_delay = 5.0  # first wait between enrolment attempts; doubles up to the maximum

    def start(self) -> Office:
        """Open the devices and the store and start the engine thread (call on the main thread)."""
        # The engine, printer, board, camera and web threads share the GIL. A
        # thread that wants it waits up to the switch interval (5 ms by default)
        # for one that computes; 1 ms keeps a ticket's printing from queueing
        # behind a board redraw or a view being built (bench_office: p99 -3 ms).
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        config = self.config
        store_path = Path(config.store.path)
        inbox: queue.Queue[Message] = queue.Queue()
        devices, banners = open_devices(config, inbox.put)
        if self.startup_problem:
            banners["config"] = Banner(
                "error",
                f"kiosk.toml không hợp lệ, đang dùng cấu hình tốt gần nhất: {self.startup_problem}",
                f"kiosk.toml is invalid; running on the last good configuration: {self.startup_problem}",
            )
        if self.layers.notes:
            banners["layers"] = _notes_banner(self.layers.notes)
        simulation = None
        if self.simulate:
            from kiosk.simulation import Simulation

            simulation = Simulation(devices, config, inbox.put, self.main.call, self._board_png)
        office = Office(
            config, lambda: Store(store_path, config, self.clock), self.clock, devices, inbox,
            banners=banners, simulation=simulation, on_events=self._events_stored,
        )
        if config.board is not None:
            try:
                self.board = open_board(config.board)
            except DeviceError as exc:
                log.error("board not available", extra={"error": str(exc)})
        if devices.printer is not None:
            devices.printer.start()
        office.start()
        self.office = office
        self.sync = self._start_sync(office)
        self.stream = self._start_stream(office)
        if config.web is not None and config.web.enabled:
            from kiosk.web.server import start_server

            try:
                self.web = start_server(office, config.web)
                log.info("pages served", extra={"url": self.web.url})
            except OSError as exc:  # the port is taken: the office still runs, the board says so
                port = config.web.port
                log.error("web pages not served", extra={"error": str(exc), "bind": config.web.bind, "port": port})
                if exc.errno == errno.EADDRINUSE:
                    why_vi, why_en = "cổng đang bị chương trình khác sử dụng", "the port is used by another program"
                else:
                    why_vi = why_en = str(exc.strerror or exc)
                office.post(SetBanner("web", Banner(
                    "error", f"Trang web không chạy được trên cổng {port} ({config.web.bind}): {why_vi}",
                    f"Web pages not served on port {port} ({config.web.bind}): {why_en}")))
        return office

    def _events_stored(self, events: list[StoredEvent]) -> None:
        """On the engine thread, after each batch of events: the sync worker uploads them now."""
        if self.sync is not None:
            self.sync.wake()
        if self._on_events is not None:
            self._on_events(events)

    def _start_sync(self, office: Office) -> Any:
        """The sync worker, when a central server is configured and this kiosk is enrolled."""
        from kiosk.enrolment import SyncError
        from kiosk.health import DeviceHealth
        from kiosk.sync import SyncWorker

        sync = self.config.sync
        if sync is None or not sync.server_url:
            return None
        if not Path(sync.token_file).exists():
            if not sync.enrolment_code:
                banner = Banner(
                    "error", "Chưa đăng ký với máy chủ trung tâm: cần mã đăng ký (sync.enrolment_code)",
                    "Not enrolled with the central server: set sync.enrolment_code",
                )
                office.post(SetBanner("enrol", banner))
                return None
            threading.Thread(target=self._enrol, args=(office,), name="enrol", daemon=True).start()
            return None
        try:
            worker = SyncWorker(
                self.config.store.path,
                sync,
                on_acked=lambda seq: office.post(Acked(seq)),
                on_config=lambda version, config: self._central(office, version),
                clock=self.clock,
                office_config=lambda: office.config,  # the current one, pushed configs included
                on_state=lambda online, since: office.post(SyncState(online, since)),
                # Printer, camera and microphone for central's alerts; the stream publisher is read at each
                # heartbeat, so it may start after the sync worker.
                device_health=DeviceHealth(office.devices, lambda: office.config,
                                           stream=lambda: getattr(self, "stream", None)),
            )
        except SyncError as exc:
            log.error("sync not started", extra={"error": str(exc)})
            return None
        worker.start()
        return worker

    def _start_stream(self, office: Office) -> Any:
        """The camera and microphone pushed to central, when ``[stream]`` is on (drivers/stream)."""
        config = self.config
        if config.stream is None or not config.stream.enabled or config.camera is None or config.sync is None:
            return None
        from drivers.stream.keys import CentralKeys
        from drivers.stream.publisher import open_publisher
        from drivers.stream.settings import EncoderSettings
        from kiosk.enrolment import SyncError, read_token, tls_verify

        sync = config.sync
        try:
            # The token is read at each attempt: a kiosk enrolled after its start streams once it is.
            keys = CentralKeys(sync.server_url or "", lambda: read_token(sync.token_file)["token"],
                               tls_verify(sync.ca_file))
            publisher = open_publisher(config.stream, office.devices.camera, keys, config.camera.backend,
                                       EncoderSettings.of(config.stream, config.camera))
        except (DeviceError, SyncError) as exc:
            log.error("stream to central not started", extra={"error": str(exc)})
            office.post(SetBanner("stream", Banner(
                "error", f"Không gửi được hình ảnh về trung tâm: {exc}", f"Camera not sent to central: {exc}")))
            return None
        publisher.start()
        return publisher

    def _enrol(self, office: Office) -> None:
        """First boot: use the enrolment code as soon as the network is up, retrying; then sync."""
        from kiosk.bootconfig import remove_enrolment_code
        from kiosk.enrolment import enroll_with, SyncError

        delay = self._enrol_delay
        while not self.stop_event.is_set():
            office.post(SetBanner("enrol", Banner(
                "info", "Đang đăng ký với máy chủ trung tâm...", "Enrolling with the central server...")))
            try:
                enroll_with(self.config.sync)
            except SyncError as exc:
                log.warning("enrolment failed; retrying", extra={"error": str(exc), "retry_s": delay})
                message = str(exc)
                office.post(SetBanner("enrol", Banner(
                    "offline", f"Chưa đăng ký được với máy chủ trung tâm, đang thử lại: {message}",
                    f"Not enrolled yet, retrying: {message}")))
                self.stop_event.wait(delay)
                delay = min(delay * 2, ENROL_RETRY_MAX_SECONDS)
                continue
            office.post(ClearBanner("enrol"))
            if self.boot_path is not None and remove_enrolment_code(self.boot_path, self.clock.now()):
                log.info("enrolment code removed from the boot file", extra={"path": str(self.boot_path)})
            self.sync = self._start_sync(office)
            return

    def _board_png(self) -> bytes:
        if self.board is None:
            raise KeyError("no board")
        folder = Path(self.config.store.path).parent
        path = self.board.save_png(folder / "board-now.png")
        return Path(path).read_bytes()

    def _central(self, office: Office, version: int) -> None:
        """On the sync thread: the worker stored central's configuration ``version``; lay it over the local one."""
        try:
            applied = self.layers.receive()
        except (ConfigError, OSError) as exc:  # the local layers were good at start; a disk error, say
            log.error("central configuration not applied", extra={"version": version, "error": str(exc)})
            return
        self._show_notes(office, applied.notes)
        if applied.central == version:
            office.post(Reload(self._as_running(applied.config), str(version), "central"))

    def _as_running(self, config: Config) -> Config:
        """``config`` with what only a restart changes kept as started: the store, the link to central, the pages.

        And the camera: it runs as opened until a restart, so the board and the tickets keep its recording
        notice until then (a camera switched off in the file still records until the restart).
        """
        return config.model_copy(update={"store": self.config.store, "sync": self.config.sync, "web": self.config.web,
                                         "camera": self.config.camera})

    @staticmethod
    def _show_notes(office: Office, notes: tuple[Note, ...]) -> None:
        office.post(SetBanner("layers", _notes_banner(notes)) if notes else ClearBanner("layers"))

    def reload(self) -> None:
        """SIGHUP: read the config files again (central's over them); refuse an invalid one and keep the old.

        An applied one becomes the last good configuration.
        """
        assert self.office is not None
        if self.layers.defaults is None and self.layers.boot is None:
            return
        try:
            applied = self.layers.reload()
        except ConfigError as exc:
            message = "; ".join(str(p) for p in exc.problems[:3])
            log.error("configuration refused", extra={"problems": [str(p) for p in exc.problems]})
            self.office.post(ReloadFailed(message))
            return
        except OSError as exc:
            self.office.post(ReloadFailed(str(exc)))
            return
        source = str(self.layers.boot or self.layers.defaults)
        if applied.central is not None:
            source += f" + central v{applied.central}"
        self._show_notes(self.office, applied.notes)
        self.office.post(Reload(self._as_running(applied.config), applied.version, source))

    def run(self, until: Callable[[], bool] | None = None) -> int:
        """The main loop: board, watchdog, main-thread jobs; returns the exit status."""
        assert self.office is not None
        office = self.office
        interval = systemd.watchdog_interval()
        # The engine loops at least every IDLE_SECONDS; older than this, it is stuck.
        stale_after = max(3 * IDLE_SECONDS, interval or 0.0)
        watchdog = systemd.Watchdog(lambda: office.heartbeat, interval, stale_after=stale_after)
        systemd.notify("READY=1")
        shown = -1
        notices = tuple(self.config.board.notices) if self.config.board else ()
        frame = self.board.frame_interval if self.board is not None else 0.2
        while not self.stop_event.is_set() and not (until and until()):
            view = office.view()
            if self.board is not None:
                if view.version != shown:
                    self.board.show(board_state(view, office.config, notices))
                    shown = view.version
                self.board.tick(self.clock.now().astimezone(office.config.site.tz).replace(tzinfo=None))
            self.main.run_pending()
            watchdog.poll()
            time.sleep(min(frame, 0.1))
        systemd.notify("STOPPING=1")
        self.shutdown()
        return 0

    def shutdown(self) -> None:
        """Stop the web server, the office (finishing the ticket being printed) and the devices."""
        if self.web is not None:
            self.web.stop()
        if getattr(self, "stream", None) is not None:
            self.stream.stop()  # ends ffmpeg; the camera is closed with the devices
        if getattr(self, "sync", None) is not None:
            self.sync.stop()
        if self.office is not None:
            self.office.stop()
            self.office.devices.close_inputs()
        if self.board is not None:
            self.board.close()

    def install_signals(self) -> None:
        """SIGTERM/SIGINT stop; SIGHUP reloads the configuration."""
        signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload())


def _notes_banner(notes: tuple[Note, ...]) -> Banner:
    """The board's banner for what the configuration layers left out."""
    return Banner("error", " · ".join(n.vi for n in notes), " · ".join(n.en for n in notes))


def show_error_screen(problem: str, stop: threading.Event, board_config: Any = None) -> int:
    """No good configuration at all: the board shows the error, no ticket is issued.

    Runs until stopped (systemd restarts the kiosk after the technician fixes
    kiosk.toml and reboots); pings the watchdog while it runs.
    """
    try:
        board = open_board(board_config or BoardConfig())
    except DeviceError as exc:
        log.error("no board to show the configuration error on", extra={"error": str(exc)})
        board = None
    state = BoardState(
        unit_name_vi="Hệ thống xếp hàng - chưa có cấu hình",
        unit_name_en="Queue system - no configuration",
        banners=(BoardBanner("error", f"kiosk.toml không hợp lệ, chưa cấp số: {problem}",
                             f"kiosk.toml is invalid, no tickets: {problem}"),),
    )
    systemd.notify("READY=1")
    watchdog = systemd.Watchdog(time.monotonic, systemd.watchdog_interval())
    shown = False
    while not stop.is_set():
        if board is not None:
            if not shown:
                board.show(state)
                shown = True
            board.tick(datetime.now())
        watchdog.poll()
        time.sleep(0.2)
    if board is not None:
        board.close()
    return 0
