"""The devices' health in the heartbeat (kiosk/health.py): what central's operations room is told.

The printer's state comes from the print worker (a simulated printer run out of
paper), the camera's from the camera (a simulated one, frozen as a loose
cable) or the stream publisher; the heartbeat is checked where central stores
it, through the real sync worker and the real central server (SQLite).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from central.app import create_app
from drivers.base import DeviceError
from drivers.camera import open_camera
from drivers.camera.config import CameraConfig
from drivers.printer import PrinterConfig, PrinterState, open_printer
from kiosk.devices import Devices, MissingPrinter
from kiosk.enrolment import enroll
from kiosk.health import DEVICES, STATES, DeviceHealth, HeartbeatDevices
from kiosk.outbox import mark_acked
from kiosk.printing import PressChecked, PrintWorker
from kiosk.sync import SyncWorker
from tests.central.conftest import Central, LiveServer, kiosk_store, serve_citizens
from tests.central.test_sync import fast_config, wait_for
from tests.conftest import small_config

# --- parts: a real print worker and camera ----------------------------------------------


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[PrintWorker]:
    """A print worker on a simulated printer, started (it polls the printer every 2 s)."""
    printer = open_printer(PrinterConfig(backend="simulated", output_dir=str(tmp_path / "printer")))
    posted: list[object] = []
    worker = PrintWorker(printer, posted.append)
    worker.start()
    yield worker
    worker.stop()
    printer.close()


def press(worker: PrintWorker) -> PressChecked:
    """A citizen's press: the worker reads the printer afresh (as before every number)."""
    answers: list[PressChecked] = []
    done = threading.Event()
    worker.check_press("a", False, lambda answer: (answers.append(answer), done.set()))
    assert done.wait(5), "the print worker did not answer"
    return answers[0]


def camera_section(**changes: Any) -> CameraConfig:
    return CameraConfig(enabled=True, backend="simulated", resolution=(320, 180), frame_rate=10,
                        stall_timeout_s=0.3, **changes)


class Publisher:
    """Stands for drivers.stream's publisher: its status() as agreed (camera, microphone, publishing)."""

    def __init__(self, status: Mapping[str, Any] | Exception) -> None:
        self._status = status

    def status(self) -> Mapping[str, Any]:
        if isinstance(self._status, Exception):
            raise self._status
        return self._status


def health(devices: Devices, config: Any = None, publisher: Any = None) -> DeviceHealth:
    config = config if config is not None else small_config()
    return DeviceHealth(devices, lambda: config, stream=lambda: publisher)


# --- the printer ----------------------------------------------------------------------


def test_a_printer_out_of_paper_is_paper_out_and_a_refill_is_ok(worker: PrintWorker) -> None:
    printer = worker.printer
    assert health(Devices(printer=worker))() == {"printer": "ok"}
    printer.run_out_of_paper()  # type: ignore[attr-defined]
    assert not press(worker).status.can_print  # the citizen gets no number...
    assert health(Devices(printer=worker))() == {"printer": "paper_out"}  # ...and central is told why
    printer.refill_paper()  # type: ignore[attr-defined]
    press(worker)
    assert health(Devices(printer=worker))() == {"printer": "ok"}


@pytest.mark.parametrize("state, told", [(PrinterState.PAPER_LOW, "ok"), (PrinterState.OFFLINE, "lost")])
def test_low_paper_still_prints_and_an_offline_printer_is_lost(worker: PrintWorker, state, told) -> None:
    worker.printer.simulate(state)  # type: ignore[attr-defined]
    press(worker)
    assert health(Devices(printer=worker))() == {"printer": told}


def test_a_printer_that_could_not_be_opened_is_an_error_and_none_is_left_out() -> None:
    missing = PrintWorker(MissingPrinter(DeviceError("printer", "no USB device 0416:5011 found")), lambda _: None)
    missing._check_status()  # what start() does first
    assert health(Devices(printer=missing))() == {"printer": "error"}
    assert health(Devices())() == {}  # no [printer]: nothing to say


# --- the camera and the microphone ------------------------------------------------------


def test_the_camera_is_ok_while_frames_come_lost_when_they_stop_off_when_closed() -> None:
    camera = open_camera(camera_section(), [1])
    assert camera is not None
    config = small_config(camera={"enabled": True, "backend": "simulated"})
    try:
        assert health(Devices(camera=camera), config)() == {"camera": "ok"}
        camera.freeze()  # type: ignore[attr-defined]  # the ribbon cable comes loose
        time.sleep(0.5)
        assert health(Devices(camera=camera), config)() == {"camera": "lost"}
        camera.unfreeze()  # type: ignore[attr-defined]
        wait_for(lambda: health(Devices(camera=camera), config)() == {"camera": "ok"}, 5, "frames again")
    finally:
        camera.close()
    assert health(Devices(camera=camera), config)() == {"camera": "off"}


def test_the_camera_switched_off_failed_or_absent() -> None:
    assert health(Devices(), small_config(camera={"enabled": False}))() == {"camera": "off"}
    # Enabled, but it could not be opened at start (devices.camera stays None).
    assert health(Devices(), small_config(camera={"enabled": True, "backend": "simulated"}))() == {"camera": "error"}
    assert health(Devices(), small_config())() == {}  # no [camera]


def test_the_stream_publisher_speaks_for_camera_and_microphone() -> None:
    camera = open_camera(camera_section(), [1])
    config = small_config(camera={"enabled": True, "backend": "simulated"})
    try:
        publisher = Publisher({"camera": "lost", "microphone": "ok", "publishing": False})
        assert health(Devices(camera=camera), config, publisher)() == {"camera": "lost", "microphone": "ok"}
        # A value central would refuse (422) is left out, never sent; the local camera then speaks.
        odd = Publisher({"camera": "exploded", "microphone": "off", "speaker": "ok"})
        assert health(Devices(camera=camera), config, odd)() == {"microphone": "off", "camera": "ok"}
    finally:
        camera.close()


# --- a probe that fails -----------------------------------------------------------------


class BrokenWorker:
    """A print worker whose status cannot be read (a driver bug)."""

    printer = None

    @property
    def status(self) -> Any:
        raise RuntimeError("driver bug")


def test_a_probe_that_raises_leaves_out_only_its_device_and_is_logged_once(caplog) -> None:
    publisher = Publisher({"camera": "ok", "microphone": "lost"})
    probe = health(Devices(printer=BrokenWorker()), publisher=publisher)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="kiosk.health"):
        assert probe() == {"camera": "ok", "microphone": "lost"}
        assert probe() == {"camera": "ok", "microphone": "lost"}
    assert [r.getMessage() for r in caplog.records].count("device health: the printer probe failed: "
                                                          "RuntimeError('driver bug')") == 1
    broken_stream = health(Devices(), publisher=Publisher(OSError("gone")))
    assert broken_stream() == {}  # no [camera] here: nothing else speaks for it


def test_the_heartbeat_keeps_known_devices_and_states_and_survives_a_raising_health(caplog) -> None:
    assert HeartbeatDevices(lambda: {"printer": "paper_out", "camera": "ok", "scanner": "ok", "microphone": "?"})() == {
        "printer": "paper_out", "camera": "ok"}
    assert HeartbeatDevices(lambda: {})() is None and HeartbeatDevices(None)() is None

    def boom() -> dict[str, str]:
        raise RuntimeError("boom")

    devices = HeartbeatDevices(boom)
    assert devices() is None and devices() is None
    logged = [r for r in caplog.records if r.getMessage().startswith("device health not reported")]
    assert len(logged) == 1  # once, not with every heartbeat
    assert set(DEVICES) == {"printer", "camera", "microphone"}
    assert STATES == {"ok", "paper_out", "lost", "off", "error"}  # what central's HeartbeatIn takes


# --- the heartbeat, through the real sync worker and central ----------------------------


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    app = create_app(f"sqlite:///{tmp_path / 'central.db'}")
    c = Central(str(tmp_path / "central.db"), app, app.state.engine)
    c.site()
    yield c
    c.engine.dispose()


@pytest.fixture
def live(central: Central) -> Iterator[LiveServer]:
    server = LiveServer(central.app).start()
    yield server
    server.stop()


def stored_heartbeat(central: Central) -> dict[str, Any] | None:
    text = central.scalar("SELECT heartbeat_json FROM devices")
    return json.loads(text) if text else None


def stored_devices(central: Central) -> dict[str, str] | None:
    """The heartbeat's ``devices`` as central keeps them, without the devices it was not told about."""
    devices = (stored_heartbeat(central) or {}).get("devices")
    return None if devices is None else {name: state for name, state in devices.items() if state is not None}


def run_kiosk(central: Central, live: LiveServer, tmp_path: Path,
              device_health: Callable[[], Mapping[str, str]] | None) -> SyncWorker:
    db = tmp_path / "kiosk.db"
    store = kiosk_store(db)
    serve_citizens(store, 1)
    store.close()
    config = fast_config(live.url, tmp_path, heartbeat_seconds=0.1)
    enroll(live.url, central.code(), "pi-0001", config.token_file)
    sync = SyncWorker(db, config, on_acked=lambda seq: mark_acked(db, seq), device_health=device_health)
    sync.start()
    return sync


def test_central_stores_paper_out_from_the_heartbeat(central: Central, live: LiveServer, worker: PrintWorker,
                                                     tmp_path: Path) -> None:
    camera = open_camera(camera_section(), [1])
    config = small_config(camera={"enabled": True, "backend": "simulated"})
    publisher = Publisher({"camera": "ok", "microphone": "lost", "publishing": True})
    sync = run_kiosk(central, live, tmp_path, health(Devices(printer=worker, camera=camera), config, publisher))
    try:
        wait_for(lambda: stored_devices(central) == {"printer": "ok", "camera": "ok", "microphone": "lost"}, 15,
                 "the first heartbeat with devices")
        worker.printer.run_out_of_paper()  # type: ignore[attr-defined]
        press(worker)
        wait_for(lambda: stored_devices(central)["printer"] == "paper_out", 15, "paper_out at central")
        assert sync.last_error is None
    finally:
        sync.stop()
        camera.close()


def test_a_failing_health_callable_never_stops_the_heartbeat(central: Central, live: LiveServer,
                                                             tmp_path: Path, caplog) -> None:
    calls: list[int] = []

    def broken() -> dict[str, str]:
        calls.append(1)
        raise RuntimeError("probe bug")

    sync = run_kiosk(central, live, tmp_path, broken)
    try:
        wait_for(lambda: len(calls) >= 2 and stored_heartbeat(central) is not None, 15, "heartbeats")
        beat = stored_heartbeat(central)
        assert beat.get("devices") is None and beat["software_version"]  # the rest of the heartbeat went
        wait_for(lambda: sync.acked_seq > 0, 15, "events uploaded too")
    finally:
        sync.stop()
    logged = [r for r in caplog.records if r.name == "kiosk.health"]
    assert len(logged) == 1 and "probe bug" in logged[0].exc_text  # once, not with every heartbeat


# --- the whole office process: central told, the notice shown and printed ---------------


def find_line(paper: Any, line: Any) -> int | None:
    """The row where ``line`` (a TicketLayout line) is printed on ``paper``, centred as the ticket centres it."""
    from drivers.printer.ticket import draw_line

    want = draw_line(line.text, line.size, line.bold).convert("L")
    x = (paper.width - want.width) // 2
    page = paper.convert("L")
    for y in range(0, paper.height - want.height + 1):
        if ImageChops.difference(page.crop((x, y, x + want.width, y + want.height)), want).getbbox() is None:
            return y
    return None


@pytest.mark.process
def test_the_office_tells_central_about_its_paper_and_shows_and_prints_the_recording_notice(
        tmp_path: Path, central: Central, live: LiveServer) -> None:
    import io

    import pygame

    from drivers.board.layout import compute_layout
    from drivers.board.render import draw
    from drivers.camera.config import RECORDING_NOTICE_EN, RECORDING_NOTICE_VI
    from drivers.printer.ticket import layout_ticket, sample_view
    from kiosk.config import SyncConfig
    from kiosk.enrolment import enroll_with
    from kiosk.run import board_state
    from tests.test_office import office_config, run_office
    from tests.test_office import wait_for as office_wait

    sync = SyncConfig(server_url=live.url, enrolment_code=central.code(), token_file=str(tmp_path / "token.json"),
                      config_cache=str(tmp_path / "central-config.json"), interval_seconds=0.3,
                      heartbeat_seconds=0.3, backoff_base_seconds=0.2, backoff_max_seconds=0.5)
    config = office_config(tmp_path).model_copy(update={"sync": sync})  # simulated devices, the camera on
    enroll_with(sync)
    seen: dict[str, Any] = {}

    def body(process: Any, sim: Any) -> None:
        office_wait(lambda: stored_devices(central) == {"printer": "ok", "camera": "ok"}, 15)  # no microphone
        sim.press_service("oto")
        seen["ticket"] = office_wait(lambda: sim.last_ticket_png())
        seen["board"] = sim.board_png()
        seen["state"] = board_state(process.office.view(), process.office.config)
        sim.set_paper(False)  # the roll runs out
        office_wait(lambda: stored_devices(central) == {"printer": "paper_out", "camera": "ok"}, 15)
        sim.set_paper(True)
        office_wait(lambda: stored_devices(central) == {"printer": "ok", "camera": "ok"}, 15)

    run_office(config, body)
    # The board, as the office drew it: the recording strip, exactly as the board draws the notice.
    board = Image.open(io.BytesIO(seen["board"])).convert("RGB")
    state = seen["state"]
    assert (state.recording_vi, state.recording_en) == (RECORDING_NOTICE_VI, RECORDING_NOTICE_EN)
    strip = compute_layout(board.size, state).recording
    assert strip.height > 0
    surface = pygame.Surface(board.size)
    draw(surface, state, datetime(2026, 11, 24, 8, 0))  # the strip does not depend on the time
    expected = Image.frombytes("RGB", board.size, pygame.image.tobytes(surface, "RGB"))
    box = (strip.left, strip.top, strip.right, strip.bottom)
    assert ImageChops.difference(board.crop(box), expected.crop(box)).getbbox() is None
    # The ticket, as the printer got it: the notice's lines, word for word, in both languages.
    paper = Image.open(io.BytesIO(seen["ticket"]))
    wanted = layout_ticket(sample_view(recording_vi=RECORDING_NOTICE_VI, recording_en=RECORDING_NOTICE_EN),
                           paper.width)
    lines = [line for line in wanted.lines if line.kind == "recording"]
    assert [line.lang for line in lines][0] == "vi" and "en" in [line.lang for line in lines]
    rows = [find_line(paper, line) for line in lines]
    assert None not in rows and rows == sorted(rows), rows
