"""Keypad actions run through the officers' vocabulary; a refused or malformed one beeps at that counter only."""

from drivers.buttons import ServicePressed
from drivers.keypad import KeypadAction, KeypadRejected


def test_next_calls_the_ticket_on_the_loudspeaker(harness):
    harness.office.post(ServicePressed("a"))
    harness.office.post(KeypadAction(1, "next"))
    harness.settle()
    assert harness.announcer.said == [("call", "1001", 1)]
    assert harness.counter(1).ticket == "1001"


def test_a_transfer_to_a_service_that_does_not_exist_beeps(harness):
    harness.office.post(ServicePressed("a"))
    harness.office.post(KeypadAction(2, "next"))
    harness.office.post(KeypadAction(2, "transfer", "9"))
    harness.settle()
    beep = harness.counter(2).beep
    assert beep is not None and beep.text_vi == "Không có dịch vụ số 9 (có 2 dịch vụ)"
    assert harness.counter(1).beep is None
    assert harness.counter(2).ticket == "1001"  # still at the counter


def test_a_transfer_by_position_moves_the_ticket(harness):
    harness.office.post(ServicePressed("a"))
    harness.office.post(KeypadAction(2, "next"))
    harness.office.post(KeypadAction(2, "transfer", "2"))
    harness.settle()
    moved = [e.data for e in harness.stored if e.type == "ticket_transferred"]
    assert [(m["from_service"], m["to_service"]) for m in moved] == [("a", "b")]


def test_the_pause_key_pauses_then_resumes(harness):
    harness.office.post(KeypadAction(3, "pause_or_resume"))
    harness.settle()
    assert harness.counter(3).mode == "paused"
    harness.office.post(KeypadAction(3, "pause_or_resume"))
    harness.settle()
    assert harness.counter(3).mode == "open"


def test_a_sign_in_without_a_code_beeps(harness):
    harness.office.post(KeypadAction(1, "sign_in", ""))
    harness.settle()
    assert harness.counter(1).officer is None
    assert harness.counter(1).beep.text_en == "Enter the officer's code (digits)."


def test_dropped_keypad_input_beeps_and_counts(harness):
    for _ in range(3):
        harness.office.post(KeypadRejected(3, "unknown key"))
    harness.settle()
    beep = harness.counter(3).beep
    assert (beep.count, beep.text_vi) == (3, "Bàn phím: thao tác không hợp lệ")


def test_an_unpaired_keypad_beeps_at_no_counter(harness):
    harness.office.post(KeypadRejected(None, "keypad not paired"))
    harness.settle()
    assert all(c.beep is None for c in harness.office.view().counters)
