"""Citizens called by name: a CCCD scanned at the ticket machine, named tickets and calls, results calls.

Through the Office with fake devices: what the board greets, the ticket prints
and the loudspeaker is asked to say.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from drivers.buttons import ServicePressed
from drivers.keypad import KeypadAction
from drivers.scanner import CodeScanned, ScanRejected
from drivers.scanner.config import ScannerConfig
from kiosk.cccd import SAMPLE_CARDS, parse_cccd
from kiosk.clock import FakeClock
from kiosk.commands import Tick
from tests.conftest import at
from tests.office.conftest import Harness, start_harness
from tests.test_results import results_config

CARD = SAMPLE_CARDS[0]
NAME = parse_cccd(CARD).name


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("2026-11-24 08:00"))


@pytest.fixture
def office(tmp_path, clock) -> Iterator[Harness]:
    config = results_config().model_copy(update={"scanner": ScannerConfig(backend="simulated")})
    yield from start_harness(tmp_path, config, clock)


def kept_names(office: Harness) -> list[str]:
    """The names in the store's personal table, read as another process would."""
    connection = sqlite3.connect(office.office.config.store.path)
    try:
        return [row[0] for row in connection.execute("SELECT name FROM personal")]
    finally:
        connection.close()


def scan(office: Harness, code: str = CARD) -> None:
    office.office.post(CodeScanned("/dev/input/by-id/scanner", code))
    office.settle()


def test_a_scan_greets_the_citizen_by_the_masked_name(office):
    scan(office)
    family, *rest = NAME.split()
    masked = " ".join([family] + [w[0] + "." for w in rest])
    assert office.office.view().greeting == (f"Xin chào {masked} Mời chọn dịch vụ",
                                             f"Hello {masked} Please choose a service")
    assert ("tone", "ok") in office.announcer.asked


def test_a_press_after_a_scan_gives_a_named_ticket_that_prints_the_name(office):
    scan(office)
    office.office.post(ServicePressed("a"))
    office.settle()
    issued = [e for e in office.stored if e.type == "ticket_issued"][0]
    assert issued.data["named"] is True and NAME not in str(issued.data)
    job = office.printer.jobs[-1]
    assert job.view.citizen_name == NAME
    assert job.view.notice_vi.startswith("Họ tên trên CCCD chỉ dùng để gọi công dân")
    assert office.office.view().greeting is None
    # Rendered at the scan, while the citizen reaches for a button: ready at "next".
    assert ("prepare", NAME) in office.announcer.asked


def test_the_call_of_a_named_ticket_says_the_name_and_the_board_shows_it_masked(office):
    scan(office)
    office.office.post(ServicePressed("a"))
    office.office.post(KeypadAction(1, "next"))
    office.settle()
    assert office.announcer.said[-1] == ("call", "1001", 1, NAME)
    counter = office.counter(1)
    assert counter.held_name == NAME and counter.called_name.startswith(NAME.split()[0] + " ")
    assert counter.called_name != NAME


def test_a_press_without_a_scan_gives_an_unnamed_ticket(office):
    office.office.post(ServicePressed("b"))
    office.settle()
    assert office.printer.jobs[-1].view.citizen_name is None
    assert office.printer.jobs[-1].view.notice_vi == ""


def test_a_code_that_is_not_a_cccd_is_ignored_with_a_sound_and_a_note(office):
    scan(office, "8935049501234")
    view = office.office.view()
    assert view.greeting is None
    assert any(b.kind == "info" and "căn cước" in b.text_vi.lower() for b in view.banners)
    assert ("tone", "error") in office.announcer.asked
    office.office.post(ServicePressed("a"))
    office.settle()
    assert office.printer.jobs[-1].view.citizen_name is None


def test_a_burst_the_scanner_refused_is_noted_on_the_board(office):
    office.office.post(ScanRejected("/dev/input/by-id/scanner", "longer than 1024 characters"))
    office.settle()
    assert any(b.text_vi == "Không đọc được mã vừa quét" for b in office.office.view().banners)
    assert [e for e in office.stored if e.type == "ticket_issued"] == []


def test_a_scan_with_no_press_expires_with_a_sound_and_a_note(office, clock):
    scan(office)
    clock.advance(seconds=21)
    # The engine thread's idle pass (every half second with nothing to do) drops the scan.
    view = office.office.wait_for_change(office.office.view().version, 3.0)
    assert view.greeting is None
    assert any(b.text_vi.startswith("Chưa chọn dịch vụ") for b in view.banners)
    office.office.post(ServicePressed("a"))
    office.settle()
    assert office.printer.jobs[-1].view.citizen_name is None


def test_results_ready_calls_the_citizen_by_name_then_the_rating_follows(office):
    scan(office)
    office.office.post(ServicePressed("a"))
    for action in ("next", "complete"):
        office.office.post(KeypadAction(1, action))
    office.office.post(KeypadAction(2, "results_ready", "1001"))
    office.settle()
    assert office.announcer.said[-1] == ("results_ready", 2, NAME, "1001")
    assert office.counter(2).results and office.counter(2).held_name == NAME
    office.office.post(KeypadAction(2, "complete"))
    office.settle()
    assert office.announcer.said[-1] == ("rating_prompt",)
    assert office.counter(2).rating_open
    assert kept_names(office) == []  # handed over: the name is gone


def test_results_of_an_unnamed_ticket_are_called_by_number(office):
    office.office.post(ServicePressed("a"))
    office.office.post(KeypadAction(1, "next"))
    office.office.post(KeypadAction(1, "complete"))
    office.office.post(KeypadAction(1, "results_ready", "1001"))
    office.settle()
    assert office.announcer.said[-1] == ("results_ready", 1, None, "1001")


def test_a_group_button_gives_a_priority_ticket_of_its_group(office):
    office.office.post(ServicePressed("a", True, "cao_tuoi"))
    office.settle()
    job = office.printer.jobs[-1]
    assert job.view.priority and job.view.group_vi == "Người cao tuổi"


def test_the_officer_records_the_group_from_the_keypad(office):
    office.office.post(ServicePressed("a"))
    office.office.post(KeypadAction(1, "next"))
    office.office.post(KeypadAction(1, "set_group", "6"))
    office.settle()
    assert office.counter(1).group == "khuyet_tat"
    assert office.office.view().queue[0].group == "khuyet_tat"


def test_the_next_day_forgets_the_names(office, clock):
    scan(office)
    office.office.post(ServicePressed("b"))
    office.settle()
    clock.advance(days=1)
    office.office.submit(Tick())
    assert kept_names(office) == []
    assert ("forget_names",) in office.announcer.asked


def test_a_refused_press_keeps_the_scan_for_another_button(office):
    scan(office)
    office.office.post(ServicePressed("a", group="vip"))  # no such group: no ticket
    office.settle()
    assert office.office.view().greeting is not None  # still greeted: press another button
    office.office.post(ServicePressed("b"))
    office.settle()
    assert office.printer.jobs[-1].view.citizen_name == NAME
