"""Signing in on the keypad: the officer's code and PIN, checked against the pages' credentials file.

The keys go through the real key-sequence parser into the office's engine
thread, which checks them with :mod:`kiosk.credentials` and signs the officer in
through the engine; refusals beep on the counter page and leave a note on the board.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.buttons import ServicePressed
from drivers.keypad import KeySequenceParser
from drivers.printer import PrinterState, PrinterStatus
from kiosk import commands as cmd
from kiosk.app import Office
from kiosk.clock import FakeClock
from kiosk.credentials import MAX_TRIES, LoginRefused, add_officer, credentials_for
from kiosk.devices import Devices
from kiosk.store import Store, StoredEvent
from kiosk.web.config import WebConfig
from tests.conftest import at, small_config
from tests.office.conftest import FakeAnnouncer, FakeButtons, FakePrintWorker

PIN = "2580"


class Keypads:
    """An office with a credentials file, and a keypad per counter typed on through the real parser."""

    def __init__(self, office: Office, stored: list[StoredEvent], credentials: Path) -> None:
        self.office, self.stored, self.credentials = office, stored, credentials
        self._parsers: dict[int, KeySequenceParser] = {}
        self._t = 0.0

    def type(self, counter: int, keys: str) -> None:
        """Type ``keys`` (E = Enter) on the counter's keypad and wait until the office has handled them."""
        parser = self._parsers.setdefault(counter, KeySequenceParser(counter))
        for key in _symbols(keys):
            self._t += 0.2
            for out in parser.feed(key, self._t):
                self.office.post(out)
        self.office.submit(cmd.Tick())  # the inbox is FIFO: everything posted before is handled

    def counter(self, number: int):
        return next(c for c in self.office.view().counters if c.number == number)

    def notes(self) -> list[str]:
        return [b.text_vi for b in self.office.view().banners]


def _symbols(keys: str) -> list[str]:
    return ["enter" if k == "E" else k for k in keys]


@pytest.fixture
def make_office(tmp_path: Path) -> Iterator[Callable[..., Keypads]]:
    offices: list[Office] = []

    def make(web: bool = True, **changes: object) -> Keypads:
        credentials = tmp_path / f"credentials-{len(offices)}.json"
        assert add_officer(credentials, "1234", "Nguyễn Văn An", PIN)[0] == 0
        config = small_config(**changes)
        if web:
            config = config.model_copy(update={"web": WebConfig(credentials_file=str(credentials))})
        clock = FakeClock(at("2026-11-24 08:00"))
        stored: list[StoredEvent] = []
        devices = Devices(printer=FakePrintWorker(PrinterStatus(PrinterState.OK, "ready")),  # type: ignore[arg-type]
                          announcer=FakeAnnouncer(), buttons=FakeButtons())  # type: ignore[arg-type]
        office = Office(config, lambda: Store(tmp_path / f"k{len(offices)}.db", config, clock), clock, devices,
                        on_events=stored.extend)
        office.start()
        offices.append(office)
        return Keypads(office, stored, credentials)

    yield make
    for office in offices:
        office.stop()


def test_an_unknown_officer_or_a_wrong_pin_is_refused_with_a_beep_and_a_board_note(make_office):
    pads = make_office()
    for keys in ("**99999E", "**99999*2580E", "**1234*1111E", "**1234E"):
        pads.type(1, keys)
        assert pads.counter(1).officer is None, keys
        assert "Quầy 1: đăng nhập không thành công" in pads.notes()
    assert not [e for e in pads.stored if e.type == "officer_signed_in"]
    # The counter page shows why: the last one had no PIN at all.
    beep = pads.counter(1).beep
    assert (beep.count, beep.text_vi) == (4, "Đăng nhập cần cả mã PIN: * * mã cán bộ * mã PIN Enter.")
    pads.type(1, "**99999*2580E")
    assert pads.counter(1).beep.text_vi == "Mã cán bộ hoặc mã PIN không đúng."
    assert pads.counter(2).beep is None  # only that counter beeps
    # The right code and PIN sign in, and the note goes.
    pads.type(1, "**1234*2580E")
    assert pads.counter(1).officer == "1234"
    assert "Quầy 1: đăng nhập không thành công" not in pads.notes()
    (signed,) = [e.data for e in pads.stored if e.type == "officer_signed_in"]
    assert signed["officer"] == "1234" and signed["counter"] == 1


def test_the_pin_reaches_no_log_line_and_no_event(make_office, caplog):
    pads = make_office()
    caplog.set_level(logging.DEBUG)
    pads.type(2, "**1234*97531E")  # wrong
    pads.type(2, "**1234*2580E")  # right
    pads.type(2, "**97531E")  # a PIN typed where the code goes
    assert pads.counter(2).officer == "1234"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "keypad sign-in refused" in logged
    for secret in ("2580", "97531"):
        assert secret not in logged
        assert all(secret not in json.dumps(e.data) for e in pads.stored)
    assert all("97531" not in b.text_vi + b.text_en for b in pads.office.view().banners)


def test_a_pin_typed_as_the_code_until_the_lock_reaches_no_log_line(make_office, caplog):
    pads = make_office()
    caplog.set_level(logging.DEBUG)
    for _ in range(MAX_TRIES):
        pads.type(2, "**97531*2580E")  # the PIN where the code goes, the code where the PIN goes
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "locked" in logged
    assert "97531" not in logged and "2580" not in logged


def test_wrong_pins_on_the_keypad_lock_the_account_for_the_pages_too(make_office):
    pads = make_office()
    for _ in range(MAX_TRIES):
        pads.type(3, "**1234*1111E")
    pads.type(3, "**1234*2580E")  # the right PIN, too late
    assert pads.counter(3).officer is None
    assert pads.counter(3).beep.text_vi.startswith(f"Sai quá {MAX_TRIES} lần: tài khoản bị khóa")
    # The counter page asks the same credentials (kiosk.web uses credentials_for too).
    with pytest.raises(LoginRefused) as refused:
        credentials_for(pads.credentials).check_officer("1234", PIN, client="192.168.1.30")
    assert refused.value.code == "locked"


def test_without_a_credentials_file_nobody_signs_in_on_the_keypad(make_office):
    pads = make_office(web=False)
    pads.type(1, "**1234*2580E")
    assert pads.counter(1).officer is None
    assert pads.counter(1).beep.text_vi == "Chưa đăng ký cán bộ nào: trên máy kiosk, chạy kiosk users add-officer."


def test_an_office_that_requires_an_officer_calls_nobody_from_an_empty_counter(make_office):
    pads = make_office(queue__require_officer=True)
    pads.office.post(ServicePressed("a"))
    pads.type(1, "E")  # next, with nobody signed in
    assert pads.counter(1).ticket is None
    assert pads.counter(1).beep.text_vi == "Chưa có cán bộ đăng nhập tại quầy 1"
    pads.type(1, "**1234*2580E")
    pads.type(1, "E")  # typed right after signing in: handled after it, in order
    assert pads.counter(1).ticket == "1001"
    (called,) = [e.data for e in pads.stored if e.type == "ticket_called"]
    assert called["officer"] == "1234"


def test_by_default_a_counter_with_nobody_signed_in_may_call(make_office):
    pads = make_office()
    pads.office.post(ServicePressed("a"))
    pads.type(1, "E")
    assert pads.counter(1).ticket == "1001"
