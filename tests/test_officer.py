"""One vocabulary for officers: the keypad, the counter page and the CLI name the same actions."""

from __future__ import annotations

import typing

import pytest

from drivers.keypad.events import ActionKind
from kiosk import commands as cmd
from kiosk.cli import QUEUE_COMMANDS
from kiosk.officer import ACTIONS, BadAction, officer_command
from kiosk.web.app import PAGE_ACTIONS


def test_every_keypad_action_is_an_officer_action():
    assert set(typing.get_args(ActionKind)) - {"pair"} <= set(ACTIONS)


def test_every_page_action_is_an_officer_action():
    assert PAGE_ACTIONS <= set(ACTIONS)
    assert {"sign_in", "sign_out"}.isdisjoint(PAGE_ACTIONS)  # the page signs in with the PIN


def test_the_cli_has_a_command_for_every_officer_action():
    assert {name.replace("-", "_") for name in QUEUE_COMMANDS} >= set(ACTIONS)


@pytest.mark.parametrize(
    ("action", "value", "command"),
    [
        ("next", None, cmd.CallNext(3)),
        ("call_number", " 1005 ", cmd.CallNumber(3, "1005")),
        ("transfer", "2", cmd.Transfer(3, "2")),
        ("pause_or_resume", None, cmd.PauseOrResume(3)),
        ("sign_in", "0123", cmd.SignIn(3, "0123")),
        ("call_name", "Nguyễn  Văn An", cmd.CallByName(3, "Nguyễn  Văn An")),
        ("reactivate", "A001", cmd.Reactivate("A001", 3)),
    ],
)
def test_an_action_becomes_its_command(action, value, command):
    assert officer_command(action, 3, value) == command


def test_a_name_is_stored_nfc():
    decomposed = "Nguye\u0302\u0303n"
    assert officer_command("call_name", 1, decomposed) == cmd.CallByName(1, "Nguyễn")


@pytest.mark.parametrize(("action", "value", "code"), [
    ("dance", None, "unknown_action"),
    ("call_number", "", "bad_number"),
    ("call_number", "10-05", "bad_number"),
    ("transfer", "  ", "bad_service"),
    ("sign_in", None, "bad_officer"),
])
def test_a_bad_action_says_what_is_missing(action, value, code):
    with pytest.raises(BadAction) as refused:
        officer_command(action, 1, value)
    assert refused.value.code == code
    assert refused.value.vi and refused.value.en
