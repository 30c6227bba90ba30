"""The officer attaches the dossier code (mã hồ sơ): typed on the counter's keypad, or scanned at the counter.

The real office (its engine thread over a real store) with the keypads' and
the scanners' real driver threads on their simulated backends: key and scanner
events go through the reader threads, the keypad's sequence parser and the
scanner's decoder, into the office's inbox, and on to ``dossier_attached`` in
the store. The printer and the loudspeaker are the office tests' fakes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.buttons import ServicePressed
from drivers.keypad import KeypadAction, KeypadConfig, KeypadService, PairingStore, open_keypads
from drivers.keypad.simulated import SimulatedKeypad
from drivers.scanner import CounterScannerConfig, ScannerConfig, ScannerService, open_scanner
from drivers.scanner.simulated import SimulatedScanner
from kiosk.cccd import SAMPLE_CARDS
from kiosk.config import Config
from tests.conftest import small_config
from tests.drivers.service_threads import wait_until
from tests.office.conftest import Harness, start_harness

KEYPAD = "/dev/input/by-id/usb-SEM_USB_Keypad_counter1-event-kbd"
MACHINE_SCANNER = "/dev/input/by-id/usb-Honeywell_Ticket_Machine-event-kbd"
COUNTER_SCANNER = "/dev/input/by-path/platform-usb-0:1.3:1.0-event-kbd"
RECEIPT = "000.00.31.H47-241130-0001"
CARD = SAMPLE_CARDS[0]
CARD_ID, _, CARD_NAME, *_ = CARD.split("|")


@dataclass
class Office:
    """The office harness, the counter-1 keypad and the counter-2 scanner (the ticket machine has one too)."""

    harness: Harness
    keypad: SimulatedKeypad
    scanner: SimulatedScanner

    def issue_and_call(self, counter: int) -> None:
        self.harness.office.post(ServicePressed("a"))
        self.harness.office.post(KeypadAction(counter, "next"))
        self.harness.settle()

    def attached(self) -> list[dict]:
        return [e.data for e in self.harness.stored if e.type == "dossier_attached"]

    def tones(self) -> list[str]:
        return [asked[1] for asked in self.harness.announcer.asked if asked[0] == "tone"]


def office_config(tmp_path: Path) -> Config:
    return small_config().model_copy(update={
        "keypads": KeypadConfig(backend="simulated", pairings_file=tmp_path / "keypads.json"),
        "scanner": ScannerConfig(backend="simulated", devices=[MACHINE_SCANNER]),
        "counter_scanners": [CounterScannerConfig(counter=2, backend="simulated", devices=[COUNTER_SCANNER])],
    })


@pytest.fixture
def office(tmp_path) -> Iterator[Office]:
    config = office_config(tmp_path)
    assert config.keypads is not None
    PairingStore(config.keypads.pairings_file).pair(KEYPAD, 1)
    harness_run = start_harness(tmp_path, config)
    harness = next(harness_run)
    keypads: KeypadService = open_keypads(config.keypads, harness.office.post, counters=[1, 2, 3], start=False)
    scanners: ScannerService = open_scanner(config.scanner, harness.office.post,
                                            counter_scanners=config.counter_scanners, start=False)
    try:
        assert keypads.simulated is not None and scanners.simulated is not None
        keypad = keypads.simulated.plug(KEYPAD)
        scanners.simulated.plug(MACHINE_SCANNER)
        scanner = scanners.simulated.plug(COUNTER_SCANNER)
        keypads.scan()
        scanners.refresh()
        wait_until(lambda: keypad.grabbed and scanner.grabbed)
        yield Office(harness, keypad, scanner)
    finally:
        keypads.close()
        scanners.close()
        harness_run.close()


def test_a_code_typed_on_the_keypad_is_attached_to_the_counters_ticket(office):
    office.issue_and_call(1)
    office.keypad.type("/*2411300001\n")
    wait_until(lambda: office.attached())
    ticket = office.harness.office.store.engine.state.tickets
    attached = office.attached()[0]
    assert (attached["counter"], attached["code"], attached["source"]) == (1, "2411300001", "keypad")
    assert attached["ticket_id"] in ticket


def test_an_attached_code_sounds_the_ok_tone(office):
    office.issue_and_call(1)
    office.keypad.type("/*2411300001\n")
    wait_until(lambda: office.tones())
    assert office.tones() == ["ok"]


def test_a_code_typed_with_no_ticket_at_the_counter_is_refused_with_the_reason(office):
    office.keypad.type("/*2411300001\n")
    # The tone sounds first; the officer's beep comes with the next view.
    wait_until(lambda: office.tones() and office.harness.counter(1).beep is not None)
    assert office.tones() == ["error"]
    assert office.harness.counter(1).beep.text_vi == "Quầy 1 không có số nào để gắn mã hồ sơ"
    assert [b.text_vi for b in office.harness.office.view().banners] == ["Quầy 1 không có số nào để gắn mã hồ sơ"]
    assert office.attached() == []


def test_a_receipt_scanned_at_a_counter_is_attached_to_that_counters_ticket(office):
    office.issue_and_call(2)
    office.scanner.scan(RECEIPT)
    wait_until(lambda: office.attached())
    attached = office.attached()[0]
    assert (attached["counter"], attached["code"], attached["source"]) == (2, RECEIPT, "scanner")


def test_whitespace_around_a_scanned_code_is_stripped(office):
    office.issue_and_call(2)
    office.scanner.scan(f"  {RECEIPT} ")
    wait_until(lambda: office.attached())
    assert office.attached()[0]["code"] == RECEIPT


def test_a_cccd_scanned_at_a_counter_is_refused_with_the_error_tone(office):
    office.issue_and_call(2)
    office.scanner.scan(CARD)
    wait_until(lambda: office.tones() and office.harness.counter(2).beep is not None)  # the beep: with the next view
    assert office.tones() == ["error"]
    assert office.harness.counter(2).beep.text_vi == "Mã vừa quét không phải mã hồ sơ"
    assert office.attached() == []


def test_a_cccd_scanned_at_a_counter_greets_nobody_at_the_ticket_machine(office):
    office.scanner.scan(CARD)
    wait_until(lambda: office.tones())
    assert office.harness.office.view().greeting is None


def test_a_cccd_scanned_at_a_counter_is_in_no_event_log_or_store(office, caplog):
    caplog.set_level(logging.DEBUG)
    office.issue_and_call(2)
    office.scanner.scan(CARD)
    wait_until(lambda: office.tones())
    office.harness.settle()
    events = repr([e.data for e in office.harness.stored])
    path = office.harness.office.config.store.path
    connection = sqlite3.connect(path)  # as another process reads it: the tables, and the WAL not yet checkpointed
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        stored = repr([connection.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables])
    finally:
        connection.close()
    logged = repr([vars(record) for record in caplog.records])  # the messages and their extra fields
    files = b"".join(Path(f).read_bytes() for f in (path, f"{path}-wal") if Path(f).exists())
    for secret in (CARD_ID, CARD_NAME):
        assert secret not in events
        assert secret not in logged
        assert secret not in stored
        assert secret.encode() not in files
