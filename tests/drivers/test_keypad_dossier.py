"""The dossier code (mã hồ sơ) typed on an officer's keypad: ``/ * digits Enter``.

Synthesized key events go through the same :class:`KeypadHandler` the reader
thread uses (keymap, press tracker, sequence parser); what it posts is what
the app turns into ``AttachDossier(counter, code, "keypad")`` (the office
tests, tests/office/test_dossier_input.py, follow it to the store).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drivers.keypad import KeypadAction, KeypadDossier, KeypadRejected
from drivers.keypad.sequence import MAX_DOSSIER_DIGITS
from tests.drivers.test_keypad import KP1, Pad

DOCS = Path(__file__).resolve().parents[2] / "docs" / "buttons-and-keypads.md"


@pytest.fixture
def pad(tmp_path):
    return Pad(tmp_path, service_count=3, group_count=7, counters={1, 2, 3, 4})


def dossier(code: str, counter: int = 3) -> KeypadDossier:
    return KeypadDossier(counter, code, KP1)


def test_slash_star_digits_enter_is_the_dossier_code_of_the_counter(pad):
    assert pad.type("/*2411300001\n") == [dossier("2411300001")]


def test_leading_zeros_are_part_of_the_code(pad):
    assert pad.type("/*000310001\n") == [dossier("000310001")]


def test_a_code_of_forty_digits_is_taken(pad):
    code = "1234567890" * 4
    assert len(code) == MAX_DOSSIER_DIGITS
    assert pad.type(f"/*{code}\n") == [dossier(code)]


def test_a_code_longer_than_forty_digits_beeps_once_and_attaches_nothing(pad):
    posted = pad.type("/*" + "1" * (MAX_DOSSIER_DIGITS + 5) + "\n")
    assert [type(p) for p in posted] == [KeypadRejected]
    assert posted[0].reason == f"dossier code longer than {MAX_DOSSIER_DIGITS} digits"


def test_enter_without_digits_beeps(pad):
    posted = pad.type("/*\n")
    assert [type(p) for p in posted] == [KeypadRejected]
    assert pad.type("\n") == [KeypadAction(3, "next")]  # the sequence ended: Enter is Next again


def test_another_key_inside_the_code_beeps_and_ends_the_sequence(pad):
    posted = pad.type("/*12.")
    assert [p.reason for p in posted] == ["/ * then .: type the dossier code's digits, then Enter"]
    assert pad.type("\n") == [KeypadAction(3, "next")]


def test_transfer_is_unchanged_by_the_dossier_sequence(pad):
    assert pad.type("/2\n") == [KeypadAction(3, "transfer", "2")]


def test_a_half_typed_code_times_out_with_a_beep(pad):
    assert pad.type("/*1234") == []
    posted = pad.wait(6)
    assert [p.reason for p in posted] == ["timeout: half-typed input dropped"]


def test_backspace_forgets_a_half_typed_code(pad):
    assert pad.type("/*1234\b\n") == [KeypadAction(3, "next")]


def test_an_unpaired_keypad_beeps_instead_of_attaching(tmp_path):
    unpaired = Pad(tmp_path, counter=None)
    posted = unpaired.type("/*2411300001\n")
    assert [type(p) for p in posted] == [KeypadRejected]
    assert "not paired" in posted[0].reason


def test_the_docs_list_the_dossier_sequence():
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(r"\| `/` `\*` (mã hồ sơ|code) `Enter` \|", text)
