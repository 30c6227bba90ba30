"""Without paper no number is issued; the press is recorded and every counter's page beeps.

A number is committed only once the printer, asked afresh, says it can print;
a ticket whose print was never reported (a crash between issuing and printing)
is shown as not printed after a start and can be reprinted.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

import pytest

from drivers.buttons import ServicePressed
from drivers.printer import PrinterConfig, PrinterState, PrinterStatus
from drivers.printer.simulated import SimulatedPrinter
from kiosk import commands as cmd
from kiosk import printing
from kiosk.app import UNKNOWN_PRINT, Office
from kiosk.clock import FakeClock
from kiosk.devices import Devices
from kiosk.printing import Printed, PrintWorker
from kiosk.store import Store, StoredEvent
from tests.conftest import at, small_config
from tests.office.conftest import FakePrintWorker


def test_no_number_without_paper(harness):
    harness.printer.status = PrinterStatus(PrinterState.PAPER_OUT, "out of paper")
    harness.office.post(ServicePressed("a"))
    harness.settle()
    assert harness.printer.jobs == []
    assert harness.office.view().figures.issued == 0
    assert [e.data["state"] for e in harness.stored if e.type == "device_status"] == ["paper_out"]
    beeps = [c.beep for c in harness.office.view().counters]
    assert all(b is not None and b.text_vi == "Máy in không in được: chưa cấp số" for b in beeps)


def test_the_printer_is_asked_afresh_before_a_number_is_given(harness):
    # The worker's last poll said "ready"; reading the printer now says the roll ran out.
    harness.printer.fresh = PrinterStatus(PrinterState.PAPER_OUT, "out of paper")
    harness.office.post(ServicePressed("a"))
    harness.settle()
    assert harness.printer.jobs == []
    assert harness.office.view().figures.issued == 0
    assert [e.data["message"] for e in harness.stored if e.type == "device_status"] == [
        "press refused (a): out of paper"
    ]
    assert all(c.beep.text_vi == "Máy in không in được: chưa cấp số" for c in harness.office.view().counters)


def wait_for(check: Callable[[], object], seconds: float = 5.0) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {check}")


def test_paper_running_out_right_before_a_press_issues_no_number(tmp_path, monkeypatch):
    """The real print worker over the simulated printer: the roll runs out between two polls."""
    monkeypatch.setattr(printing, "STATUS_POLL_SECONDS", 60.0)  # no poll can come to the rescue
    config = small_config()
    clock = FakeClock(at("2026-11-24 08:00"))
    inbox: queue.Queue = queue.Queue()
    printer = SimulatedPrinter(PrinterConfig(backend="simulated", output_dir=str(tmp_path / "printer")))
    worker = PrintWorker(printer, inbox.put)
    stored: list[StoredEvent] = []
    office = Office(config, lambda: Store(tmp_path / "k.db", config, clock), clock, Devices(printer=worker), inbox,
                    on_events=stored.extend)
    worker.start()
    office.start()
    try:
        office.post(ServicePressed("a"))
        wait_for(lambda: printer.last_ticket is not None)  # paper in: printed
        printer.run_out_of_paper()  # the worker still holds "ready" from its last read
        assert worker.status.can_print
        office.post(ServicePressed("b"))
        wait_for(lambda: any("press refused" in e.data.get("message", "") for e in stored))
        view = office.view()
        assert view.figures.issued == 1 and [t.number for t in view.queue] == ["1001"]
        assert sorted(p.name for p in (tmp_path / "printer").glob("*.bin")) == ["ticket-0001.bin"]
        assert [(e.data["ok"]) for e in stored if e.type == "ticket_printed"] == [True]
        assert any(b.text_vi == "Máy in hết giấy" for b in view.banners)
        assert all(c.beep.text_vi == "Máy in không in được: chưa cấp số" for c in view.counters)
    finally:
        office.stop()


class SilentPrinter(FakePrintWorker):
    """Takes jobs and never reports on them: the process dies before the printer answers."""


def open_office(tmp_path, printer: FakePrintWorker, stored: list[StoredEvent]) -> Office:
    config = small_config()
    clock = FakeClock(at("2026-11-24 08:00"))
    office = Office(config, lambda: Store(tmp_path / "k.db", config, clock), clock, Devices(printer=printer),  # type: ignore[arg-type]
                    on_events=stored.extend)
    office.start()
    return office


def test_a_ticket_whose_print_was_never_reported_is_offered_for_reprint_after_a_start(tmp_path):
    stored: list[StoredEvent] = []
    first = SilentPrinter(PrinterStatus(PrinterState.OK, "ready"))
    office = open_office(tmp_path, first, stored)
    office.post(ServicePressed("a"))
    office.post(ServicePressed("b"))
    office.submit(cmd.Tick())
    # While the worker has the jobs, the tickets count as being printed.
    assert [(t.number, t.printed) for t in office.view().queue] == [("1001", True), ("B001", True)]
    office.post(Printed(first.jobs[1].ticket_id, True))  # B001 came out; the crash comes before 1001's report
    office.submit(cmd.Tick())
    office.stop()

    again = FakePrintWorker(PrinterStatus(PrinterState.OK, "ready"))
    stored.clear()
    office = open_office(tmp_path, again, stored)
    try:
        view = office.view()
        assert [(t.number, t.printed) for t in view.queue] == [("1001", False), ("B001", True)]
        (unknown,) = [e.data for e in stored if e.type == "ticket_printed"]
        assert (unknown["ok"], unknown["reason"]) == (False, UNKNOWN_PRINT)
        assert all(c.beep.text_vi == "Chưa rõ phiếu số 1001 đã in hay chưa (kiosk vừa khởi động lại): "
                                     "in lại nếu công dân chưa có phiếu" for c in view.counters)
        office.submit(cmd.Reprint("1001", 1))
        assert [job.view.number for job in again.jobs] == ["1001"]
        assert [t.printed for t in office.view().queue] == [True, True]  # being printed again
    finally:
        office.stop()


@pytest.mark.parametrize("ok", [True, False])
def test_a_reported_print_is_shown_as_reported(harness, ok):
    harness.office.post(ServicePressed("a"))
    harness.settle()
    harness.office.post(Printed(harness.printer.jobs[0].ticket_id, ok, "" if ok else "out of paper"))
    harness.settle()
    assert [t.printed for t in harness.office.view().queue] == [ok]
