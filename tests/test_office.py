"""The kiosk process end to end, in simulate mode: buttons, keypads, printer, board, loudspeaker.

Each test runs the real process in this test's (main) thread, which draws the
board, while a script thread presses the simulated buttons through gpiozero's
mock pins and types on the simulated keypads, as people would.
"""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import threading
import time
import uuid
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from drivers.buttons import ServicePressed
from kiosk.config import load_config
from kiosk.credentials import add_officer
from kiosk.run import Process
from kiosk.simulation import ScaledClock, Simulation, pair_keypads, simulated_config, weekday_morning
from tests.conftest import DEMO

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast


def office_config(tmp_path: Path, **rating):
    config = simulated_config(load_config(DEMO), tmp_path / "office", web_port=0)
    # Officer 1234 (PIN 2580) signs in on the keypad; the credentials file is the test's own, not the checkout's.
    credentials = tmp_path / "credentials.json"
    assert add_officer(credentials, "1234", "Nguyễn Văn An", "2580")[0] == 0
    config = config.model_copy(update={"web": config.web.model_copy(update={"credentials_file": str(credentials)})})
    if rating:
        config = config.model_copy(update={"rating": config.rating.model_copy(update=rating)})
    pair_keypads(config)
    return config


def run_office(config, body: Callable[[Process, Simulation], None], speed: float = 1.0, minutes_in: float = 30):
    """Start the process at a weekday morning, run ``body`` in a thread, stop, re-raise its failure."""
    start = weekday_morning(config.site.tz, 8, 0)
    process = Process(config, None, ScaledClock(start, speed), simulate=True)
    process.start()
    drive(process, lambda: body(process, process.office.simulation))
    return process


def drive(process: Process, body: Callable[[], None]) -> None:
    """Run the started ``process``'s main loop while ``body`` runs in a thread; then stop it, re-raise its failure."""
    failures: list[BaseException] = []

    def script() -> None:
        try:
            body()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)
        finally:
            process.stop_event.set()

    thread = threading.Thread(target=script, daemon=True)
    thread.start()
    assert process.run() == 0
    thread.join(10)
    if failures:
        raise failures[0]


def wait_for(check: Callable[[], object], seconds: float = 8.0) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {check}")


def counter(process: Process, number: int):
    return next(c for c in process.office.view().counters if c.number == number)


def led_states(sim: Simulation, pin: int, seconds: float = 1.3) -> set[bool]:
    """The states a mock LED pin shows over ``seconds`` (blinking shows both)."""
    mock = sim.devices.buttons.pin_factory.pin(pin)
    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(bool(mock.state))
        time.sleep(0.02)
    return seen


def events(process: Process, kind: str) -> list[dict]:
    import sqlite3

    connection = sqlite3.connect(process.config.store.path)
    try:
        rows = connection.execute("SELECT payload FROM events WHERE type = ? ORDER BY seq", [kind]).fetchall()
    finally:
        connection.close()
    import json

    return [json.loads(row[0]) for row in rows]


def test_a_full_ticket_life(tmp_path):
    config = office_config(tmp_path)
    spoken: list[str] = []

    def body(process: Process, sim: Simulation) -> None:
        view = process.office.view()
        assert [s.waiting for s in view.services] == [0, 0, 0]
        assert led_states(sim, 27, 0.2) == {True}  # the car-registration button is lit: open
        sim.type_keys(1, "**1234*2580E")  # the officer signs in at counter 1 with their code and PIN
        sim.press_service("oto")
        wait_for(lambda: sim.last_ticket_png())
        ticket = Image.open(io.BytesIO(sim.last_ticket_png()))
        assert ticket.width == 576 and ticket.height > 600  # 80 mm paper, a whole ticket
        assert process.office.view().services[0].waiting == 1

        sim.type_keys(1, "E")  # next
        wait_for(lambda: counter(process, 1).ticket == "1001")
        board = Image.open(io.BytesIO(sim.board_png())).convert("RGB")
        assert board.size == (1920, 1080)
        wav = wait_for(lambda: sim.last_announcement_wav())
        with wave.open(io.BytesIO(wav)) as audio:
            assert audio.getnframes() / audio.getframerate() > 4  # chime and the call
        text_files = sorted(Path(config.speaker.output_dir).glob("announce-*.txt"))
        spoken.append(text_files[-1].read_text(encoding="utf-8").strip())

        sim.type_keys(1, "+")  # complete: car registration hands the papers over later, no rating yet
        wait_for(lambda: counter(process, 1).ticket is None)
        assert not counter(process, 1).rating_open
        sim.type_keys(1, "1001+")  # the papers are ready: the citizen is called back
        wait_for(lambda: counter(process, 1).results)
        sim.type_keys(1, "+")  # handed over: the rating prompt and the rating LEDs
        wait_for(lambda: counter(process, 1).rating_open)
        assert led_states(sim, 12) == {True, False}  # blinking
        wait_for(lambda: len(sorted(Path(config.speaker.output_dir).glob("announce-*.txt"))) >= 3)
        for path in sorted(Path(config.speaker.output_dir).glob("announce-*.txt"))[1:3]:
            spoken.append(path.read_text(encoding="utf-8").strip())
        sim.press_rating(1, 1)
        wait_for(lambda: not counter(process, 1).rating_open)
        assert led_states(sim, 12, 0.3) == {False}
        assert any(b.text_vi == "Cảm ơn công dân đã đánh giá" for b in process.office.view().banners)

    process = run_office(config, body)
    assert spoken[0] == "Mời công dân có số thứ tự một nghìn không trăm linh một đến quầy số một"
    assert spoken[1] == "Mời công dân có số thứ tự một nghìn không trăm linh một đến quầy số một nhận kết quả"
    assert spoken[2] == "Kính mời công dân đánh giá mức độ hài lòng"
    (rating,) = events(process, "rating_recorded")
    assert (rating["level"], rating["service"], rating["counter"], rating["officer"]) == (1, "oto", 1, "1234")
    (issued,) = events(process, "ticket_issued")
    assert uuid.UUID(issued["ticket_id"]).version == 7  # kiosk.ids: central's indexes grow at their end
    figures = process.office.view().figures
    assert (figures.issued, figures.served, figures.ratings[0]) == (1, 1, 1)


def test_paper_out_issues_no_number_and_refill_resumes(tmp_path):
    config = office_config(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        sim.set_paper(False)
        wait_for(lambda: any(b.kind == "paper" for b in process.office.view().banners))
        banner = next(b for b in process.office.view().banners if b.kind == "paper")
        assert (banner.text_vi, banner.text_en) == ("Máy in hết giấy", "Printer out of paper")
        assert led_states(sim, 27) == {True, False}  # service buttons blink
        sim.press_service("oto")
        wait_for(lambda: any("press refused" in e["message"] for e in events(process, "device_status")))
        assert process.office.view().figures.issued == 0
        assert sim.last_ticket_png() is None
        # The officers are told: the beep comes just after the refusal is stored, with the next view.
        wait_for(lambda: all(c.beep is not None for c in process.office.view().counters))
        sim.set_paper(True)
        wait_for(lambda: not any(b.kind == "paper" for b in process.office.view().banners))
        assert led_states(sim, 27, 0.3) == {True}
        sim.press_service("oto")
        wait_for(lambda: sim.last_ticket_png())
        assert process.office.view().services[0].waiting == 1

    run_office(config, body)


def test_a_print_failing_midway_marks_the_ticket_unprinted_and_it_can_be_reprinted(tmp_path):
    from kiosk import commands as cmd

    config = office_config(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        printer = sim._printer()
        real_print = printer.print_ticket

        def jam(image):  # the paper runs out while this ticket prints
            printer.run_out_of_paper()
            real_print(image)

        printer.print_ticket = jam
        sim.press_service("xemay")
        wait_for(lambda: process.office.view().queue and not process.office.view().queue[0].printed)
        printer.print_ticket = real_print
        sim.set_paper(True)
        wait_for(lambda: not any(b.kind == "paper" for b in process.office.view().banners))
        process.office.submit(cmd.Reprint("2001", 3))
        wait_for(lambda: process.office.view().queue[0].printed and sim.last_ticket_png())

    process = run_office(config, body)
    printed = events(process, "ticket_printed")
    assert [p["ok"] for p in printed] == [False, True]


def test_rating_window_times_out(tmp_path):
    config = office_config(tmp_path, window_seconds=5)

    def body(process: Process, sim: Simulation) -> None:
        sim.press_service("oto")
        wait_for(lambda: process.office.view().services[0].waiting == 1)
        sim.type_keys(1, "E")
        wait_for(lambda: counter(process, 1).ticket)
        sim.type_keys(1, "+")  # papers handed over later: the rating follows the handover
        wait_for(lambda: counter(process, 1).ticket is None)
        sim.type_keys(1, "1001+")
        wait_for(lambda: counter(process, 1).results)
        sim.type_keys(1, "+")
        wait_for(lambda: counter(process, 1).rating_open)
        wait_for(lambda: not counter(process, 1).rating_open, seconds=5)  # 5 s at 4x speed
        assert led_states(sim, 12, 0.3) == {False}
        sim.press_rating(1, 2)
        wait_for(lambda: events(process, "rating_ignored"))

    process = run_office(config, body, speed=4.0)
    assert events(process, "rating_recorded") == []
    assert events(process, "rating_ignored")[0]["reason"] == "no_window"
    assert events(process, "rating_window_closed")[0]["reason"] == "timeout"


def test_keypad_garbage_beeps_and_changes_nothing(tmp_path):
    config = office_config(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        before = process.office.view()
        sim.type_keys(2, "1234567*")  # over-long number
        sim.type_keys(2, "/9E")  # no service 9
        sim.type_keys(2, "E")  # next with nobody waiting
        wait_for(lambda: (beep := counter(process, 2).beep) is not None and beep.count >= 3)
        after = process.office.view()
        quiet = [dataclasses.replace(c, beep=None) for c in after.counters]  # the beep is the only change
        assert quiet == list(before.counters) and after.figures == before.figures

    run_office(config, body)


def test_config_reload_refuses_a_bad_file_and_applies_a_good_one(tmp_path):
    from kiosk.config import load_config as load

    folder = tmp_path / "config"
    folder.mkdir()
    path = folder / "kiosk.toml"
    path.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    config = simulated_config(load(path), tmp_path / "office", web_port=0)
    pair_keypads(config)
    start = weekday_morning(config.site.tz, 8, 0)
    process = Process(config, path, ScaledClock(start), simulate=True)
    process.start()
    results = {}

    def body() -> None:
        path.write_text(DEMO.read_text(encoding="utf-8").replace("daily_cap = 300", "daly_cap = 300"), "utf-8")
        process.main.call(process.reload)
        wait_for(lambda: any(b.kind == "error" for b in process.office.view().banners))
        results["refused"] = next(b for b in process.office.view().banners if b.kind == "error").text_vi
        results["old_window"] = process.office.config.rating.window_seconds
        path.write_text(DEMO.read_text(encoding="utf-8").replace("window_seconds = 30", "window_seconds = 45"), "utf-8")
        process.main.call(process.reload)
        wait_for(lambda: process.office.config.rating.window_seconds == 45)
        wait_for(lambda: not any(b.kind == "error" for b in process.office.view().banners))

    drive(process, body)
    assert results["refused"] == (
        "Cấu hình mới bị từ chối: services[1].daly_cap: unknown key (did you mean 'daily_cap'?)"
    )
    assert results["old_window"] == 30
    applied = events(process, "config_applied")
    assert len(applied) == 1 and len(applied[0]["version"]) == 12


def test_a_slow_printer_never_delays_a_call(tmp_path):
    config = office_config(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        printer = sim._printer()
        real_print = printer.print_ticket
        release = threading.Event()

        def jammed(image):
            release.wait(20)
            real_print(image)

        printer.print_ticket = jammed
        sim.press_service("oto")
        wait_for(lambda: process.office.view().services[0].waiting == 1)
        began = time.monotonic()
        sim.type_keys(1, "E")
        wait_for(lambda: counter(process, 1).ticket == "1001")
        assert time.monotonic() - began < 2  # called while the ticket is still "printing"
        release.set()
        wait_for(lambda: sim.last_ticket_png())

    run_office(config, body)


def test_watchdog_pings_only_while_the_engine_runs(tmp_path, monkeypatch):
    import socket

    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(tmp_path / "notify.sock")
    server.bind(address)
    server.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # ping every 0.5 s; stale after 0.5 s
    config = office_config(tmp_path)
    received: list[tuple[float, str]] = []

    def drain(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                received.append((time.monotonic(), server.recv(64).decode()))
            except TimeoutError:
                pass

    def body(process: Process, sim: Simulation) -> None:
        drain(2.0)
        # The engine hangs on its store, as on a stalled disk: another connection
        # holds SQLite's write lock, so issuing a ticket waits (busy timeout 5 s).
        blocker = sqlite3.connect(process.config.store.path, timeout=0, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        process.office.post(ServicePressed(process.config.services[0].id))
        hung_at = time.monotonic()
        drain(3.5)
        blocker.execute("ROLLBACK")
        blocker.close()
        received.append((hung_at, "HUNG"))

    run_office(config, body)
    server.close()
    messages = [m for _, m in received]
    assert messages[0] == "READY=1"
    hung_at = next(t for t, m in received if m == "HUNG")
    before = [t for t, m in received if m == "WATCHDOG=1" and t < hung_at]
    during = [t for t, m in received if m == "WATCHDOG=1" and hung_at + 2.0 < t < hung_at + 3.4]
    assert len(before) >= 3
    assert during == []


def test_stopping_finishes_the_ticket_being_printed(tmp_path):
    config = office_config(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        printer = sim._printer()
        real_print = printer.print_ticket
        started = threading.Event()

        def slow(image):
            started.set()
            time.sleep(1.5)  # a slow printer, still printing when SIGTERM comes
            real_print(image)

        printer.print_ticket = slow
        sim.press_service("oto")
        assert started.wait(5)
        # body returns: run_office sets the stop event, as SIGTERM does

    process = run_office(config, body)
    assert len(list((tmp_path / "office" / "printer").glob("ticket-*.png"))) == 1
    assert [p["ok"] for p in events(process, "ticket_printed")] == [True]  # and recorded before the store closed


def test_the_board_says_when_the_clock_is_not_synchronised(tmp_path):
    config = office_config(tmp_path)
    start = weekday_morning(config.site.tz, 8, 0)
    clock = ScaledClock(start)
    clock.synced = lambda: False  # a Pi before NTP has set its clock
    process = Process(config, None, clock, simulate=True)
    process.start()
    seen = {}

    def body() -> None:
        wait_for(lambda: any(b.text_vi.startswith("Đồng hồ chưa được đồng bộ") for b in process.office.view().banners))
        clock.synced = lambda: True
        seen["cleared"] = True

    drive(process, body)
    assert seen.get("cleared")


def test_a_printer_that_cannot_be_opened_is_shown_and_no_number_is_issued(tmp_path):
    from drivers.printer import PrinterConfig

    config = office_config(tmp_path)
    config = config.model_copy(update={"printer": PrinterConfig(backend="real", connection="usb")})  # none here

    def body(process: Process, sim: Simulation) -> None:
        banners = process.office.view().banners
        error = next(b for b in banners if b.kind == "error")
        assert error.text_vi == "Lỗi thiết bị: máy in — cần kỹ thuật viên kiểm tra"  # citizens read Vietnamese
        assert error.text_en.startswith("Device error: printer: not found on USB 0416:5011")  # the technician's fix
        wait_for(lambda: any(b.kind == "paper" for b in process.office.view().banners))  # the printer is offline
        sim.press_service("oto")
        wait_for(lambda: any("press refused" in e["message"] for e in events(process, "device_status")))
        assert process.office.view().figures.issued == 0

    run_office(config, body)
