"""Officers' keypads: synthesized evdev events through the same handler the device reader uses.

CI has no /dev/uinput, so events are built as ``evdev.InputEvent`` objects. The
pure parts (:class:`KeySequenceParser`, :class:`KeyPressTracker`) are driven by
:class:`KeypadHandler.handle_event` with explicit clock readings; the threads
(reader, reconnection, grabbing) run on :class:`SimulatedKeypad` devices, whose
``select()``-able pipe stands in for the device node.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import threading
import tomllib
import time
from pathlib import Path

import pytest
from evdev import InputEvent, ecodes
from pydantic import ValidationError

import drivers.keypad.service as keypad_module
from drivers.base import DeviceError
from drivers.keypad import (
    KeyPressTracker,
    KeypadAction,
    KeypadConfig,
    KeypadConnected,
    KeypadDisconnected,
    KeypadHandler,
    KeypadPaired,
    KeypadRejected,
    KeypadService,
    KeySequenceParser,
    PairingStore,
    list_pairings,
    open_keypads,
    reset_pairings,
)
from drivers.keypad.keycodes import KEY_CODES, KEY_NAMES
from drivers.keypad.keymap import TYPING_KEYS
from drivers.keypad.service import next_backoff
from drivers.keypad.simulated import SimulatedKeypad, SimulatedKeypads
from tests.drivers.service_threads import Events, RecordingEvent, wait_until

DOCS = Path(__file__).resolve().parents[2] / "docs" / "buttons-and-keypads.md"
ROOT = DOCS.parents[1]

KP1 = "/dev/input/by-id/usb-SEM_USB_Keypad_1-event-kbd"
KP2 = "/dev/input/by-id/usb-SEM_USB_Keypad_2-event-kbd"


def make_config(tmp_path: Path, **changes) -> KeypadConfig:
    values = {
        "backend": "simulated",
        "pairing_pin": "2468",
        "pairings_file": tmp_path / "keypads.json",
        "reconnect_min_ms": 10,
        "reconnect_max_ms": 40,
        "scan_interval_ms": 100,
    }
    values.update(changes)
    return KeypadConfig.model_validate(values)


def event(key_name: str, value: int, t: float) -> InputEvent:
    """A key event as the kernel sends it (value 1 down, 0 up, 2 autorepeat)."""
    sec = int(t)
    return InputEvent(sec, int((t - sec) * 1e6), ecodes.EV_KEY, ecodes.ecodes[key_name], value)


class Pad:
    """A handler for one keypad and a clock, with helpers to type on it."""

    def __init__(self, tmp_path: Path, device: str = KP1, counter: int | None = 3, **kwargs) -> None:
        self.config = kwargs.pop("config", None) or make_config(tmp_path)
        self.store = PairingStore(self.config.pairings_file)
        if counter is not None:
            self.store.pair(device, counter)
        self.posted: list = []
        self.handler = KeypadHandler(device, self.config, self.store, self.posted.append, **kwargs)
        self.t = 100.0

    def send(self, key_name: str, value: int) -> None:
        ev = event(key_name, value, 1_700_000_000 + self.t)  # wall-clock stamp: ignored, we use our clock
        self.handler.handle_event(ev, self.t)
        # A real keypad sends SYN_REPORT after each key; the handler must skip it.
        self.handler.handle_event(InputEvent(0, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0), self.t)
        self.handler.handle_event(InputEvent(0, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, 458792), self.t)

    def tap(self, key_name: str, gap: float = 0.15) -> None:
        self.send(key_name, 1)
        self.t += 0.08
        self.send(key_name, 0)
        self.t += gap

    def type(self, text: str) -> list:
        for char in text:
            self.tap(TYPING_KEYS[char])
        return self.take()

    def wait(self, seconds: float) -> list:
        end = self.t + seconds
        while self.t < end:
            self.t = min(end, self.t + 0.1)
            self.handler.tick(self.t)
        return self.take()

    def take(self) -> list:
        out, self.posted[:] = list(self.posted), []
        return out


@pytest.fixture
def pad(tmp_path):
    return Pad(tmp_path, service_count=3, group_count=7, counters={1, 2, 3, 4})


def act(action: str, counter: int = 3, value: str | None = None, pin: str | None = None) -> KeypadAction:
    return KeypadAction(counter, action, value, pin)


def reasons(posted: list) -> list[str]:
    assert all(isinstance(p, KeypadRejected) for p in posted), posted
    return [p.reason for p in posted]


# --------------------------------------------------------------------------
# Every default key action
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keys, expected",
    [
        ("\n", act("next")),
        (".", act("recall")),
        ("-", act("no_show")),
        ("+", act("complete")),
        ("1005*", act("call_number", value="1005")),
        ("0042*", act("call_number", value="42")),
        ("1005+", act("results_ready", value="1005")),
        ("0042+", act("results_ready", value="42")),
        ("/2\n", act("transfer", value="2")),
        ("*3\n", act("set_group", value="3")),
        ("*07\n", act("set_group", value="7")),
        ("*0\n", act("set_group", value="0")),  # the ticket has no priority group
        ("**0123*2580\n", act("sign_in", value="0123", pin="2580")),
        ("**0123\n", act("sign_in", value="0123")),  # no PIN: the app refuses it, saying a PIN is needed
        ("**\n", act("sign_out")),
    ],
)
def test_default_key_actions(pad, keys, expected):
    assert pad.type(keys) == [expected]


def test_full_keyboard_digits_enter_and_numlock_off_codes_work_too(pad):
    for name in ("KEY_1", "KEY_0", "KEY_0", "KEY_5", "KEY_KPASTERISK"):
        pad.tap(name)
    assert pad.take() == [act("call_number", value="1005")]
    pad.tap("KEY_ENTER")
    assert pad.take() == [act("next")]
    # A keypad that decodes NumLock itself sends End/Down/... with NumLock off.
    for name in ("KEY_END", "KEY_INSERT", "KEY_PAGEDOWN", "KEY_KPASTERISK"):
        pad.tap(name)
    assert pad.take() == [act("call_number", value="103")]
    pad.tap("KEY_NUMLOCK")  # ignored, no beep
    assert pad.take() == []


def test_fast_typing_with_overlapping_keys_keeps_the_order(pad):
    # 1 down/up, 0 down, 0 still held when 5 goes down (rollover), then the ups.
    pad.send("KEY_KP1", 1)
    pad.send("KEY_KP1", 0)
    pad.send("KEY_KP0", 1)
    pad.send("KEY_KP5", 1)
    pad.send("KEY_KP0", 0)
    pad.send("KEY_KP5", 0)
    pad.tap("KEY_KPASTERISK")
    assert pad.take() == [act("call_number", value="105")]


def test_autorepeat_of_a_digit_types_it_once(pad):
    pad.send("KEY_KP7", 1)
    for _ in range(10):
        pad.t += 0.05
        pad.send("KEY_KP7", 2)
    pad.send("KEY_KP7", 0)
    assert pad.type("*") == [act("call_number", value="7")]


# --------------------------------------------------------------------------
# Long press: 0 held = pause/resume
# --------------------------------------------------------------------------


def test_holding_zero_pauses_while_still_held(pad):
    pad.send("KEY_KP0", 1)
    assert pad.wait(0.9) == []
    assert pad.wait(0.2) == [act("pause_or_resume")]
    assert pad.wait(3.0) == []  # held on: once only
    pad.send("KEY_KP0", 0)
    assert pad.take() == []
    assert pad.wait(10) == []  # and no half-typed 0 left behind


def test_holding_zero_is_also_seen_through_autorepeat_events(pad):
    pad.send("KEY_KP0", 1)
    for _ in range(25):  # no tick() at all: autorepeat every 40 ms
        pad.t += 0.04
        pad.send("KEY_KP0", 2)
    assert pad.take() == [act("pause_or_resume")]


def test_a_short_zero_is_the_digit(pad):
    pad.send("KEY_KP0", 1)
    pad.t += 0.3
    pad.send("KEY_KP0", 0)
    assert pad.take() == []
    assert pad.type("5*") == [act("call_number", value="5")]


def test_holding_zero_in_the_middle_of_a_number_beeps(pad):
    pad.type("12")
    pad.send("KEY_KP0", 1)
    assert reasons(pad.wait(1.1)) == ["hold 0 only when nothing is typed"]
    pad.send("KEY_KP0", 0)
    assert pad.type("3*") == [act("call_number", value="3")]


# --------------------------------------------------------------------------
# Garbage, over-long input, timeouts
# --------------------------------------------------------------------------


def test_garbage_is_dropped_with_one_beep_and_never_acts(pad):
    assert reasons(pad.type("12-")) == ["a number then -: type * to call it, + to call it for its results"]
    assert pad.type("\n") == [act("next")]  # the sequence ended with -: Enter is Next again
    assert reasons(pad.type("12\n")) == ["a number then enter: type * to call it, + to call it for its results"]
    assert reasons(pad.type("*.")) == ["* then .: sign in with * * code * PIN Enter, or * group Enter"]
    assert pad.type("\n") == [act("next")]
    assert reasons(pad.type("/+")) == ["/ then +: transfer with / service Enter"]
    assert reasons(pad.type("/5\n")) == ["there is no service 5"]
    assert reasons(pad.type("/0\n")) == ["there is no service 0"]
    assert reasons(pad.type("0*")) == ["there is no ticket number 0"]
    pad.tap("KEY_TAB")
    assert reasons(pad.take()) == ["key KEY_TAB is not used"]
    assert all(p.counter == 3 and p.device == KP1 for p in pad.posted)


def test_over_long_numbers_are_dropped_with_one_beep(pad):
    assert reasons(pad.type("1234567")) == ["number longer than 6 digits"]
    assert pad.type("890*") == []  # no call for 890: the whole number is dropped
    assert pad.type("5*") == [act("call_number", value="5")]
    assert reasons(pad.type("**1234567")) == ["officer code longer than 6 digits"]
    assert pad.type("\n") == []
    assert reasons(pad.type("/123")) == ["service position longer than 2 digits"]
    assert pad.type("\n") == []
    assert pad.type("/3\n") == [act("transfer", value="3")]


def test_sign_in_takes_the_code_then_the_pin_and_never_shows_the_pin(pad):
    (signed,) = pad.type("**0123*97531\n")
    assert (signed.action, signed.value, signed.pin) == ("sign_in", "0123", "97531")
    assert "97531" not in repr(signed) and "97531" not in str(signed)  # logs and `python -m drivers.keypad`
    # A code, then * at once, then nothing typed for the PIN: a sign-in with an empty PIN (refused by the app).
    assert pad.type("**42*\n") == [act("sign_in", value="42", pin="")]
    # No code before the PIN's *, a PIN that is too long, a stray key: one beep, no PIN in the reason.
    assert reasons(pad.type("***")) == ["* * then *: sign in with * * code * PIN Enter"]
    assert reasons(pad.type("**7*123456789")) == ["PIN longer than 8 digits"]
    assert pad.type("\n") == []  # the rest of the PIN is ignored up to Enter
    assert reasons(pad.type("**7*12+")) == ["* * code * PIN then +: end the PIN with Enter"]
    # Half-typed PINs time out like anything else, and are forgotten.
    pad.type("**7*13")
    assert reasons(pad.wait(6)) == ["timeout: half-typed input dropped"]
    assert pad.type("**\n") == [act("sign_out")]


def test_very_long_garbage_never_crashes(pad):
    keys = "0123456789.-+*/\n" * 20
    posted = pad.type(keys)
    assert all(isinstance(p, (KeypadAction, KeypadRejected)) for p in posted)
    assert pad.type("\b42*") == [act("call_number", value="42")]


def test_half_typed_input_times_out_with_a_beep(pad):
    pad.type("12")
    assert pad.wait(4.6) == []
    assert reasons(pad.wait(0.5)) == ["timeout: half-typed input dropped"]
    assert pad.type("3*") == [act("call_number", value="3")]  # not 123


def test_a_key_after_a_long_pause_starts_afresh_even_without_ticks(pad):
    pad.type("/")
    pad.t += 30  # the reader was busy: no tick() in between
    assert pad.type("\n") == [KeypadRejected(3, "timeout: half-typed input dropped", KP1), act("next")]


def test_after_garbage_the_ignored_rest_times_out_silently(pad):
    reasons(pad.type("1234567"))
    assert pad.wait(10) == []
    assert pad.type("8*") == [act("call_number", value="8")]


def test_backspace_clears_what_was_typed(pad):
    assert pad.type("12\b3*") == [act("call_number", value="3")]
    assert pad.type("/\b\n") == [act("next")]


# --------------------------------------------------------------------------
# Results ready (number +) and priority groups (* group Enter)
# --------------------------------------------------------------------------


def test_results_ready_follows_the_ticket_number_rules(pad):
    assert reasons(pad.type("0+")) == ["there is no ticket number 0"]
    assert reasons(pad.type("1234567")) == ["number longer than 6 digits"]
    assert pad.type("+") == []  # ends the refused number: no results call for it
    assert pad.type("+") == [act("complete")]  # + alone is still "complete"


def test_a_number_that_times_out_leaves_plus_meaning_complete(pad):
    pad.type("1005")
    assert reasons(pad.wait(6)) == ["timeout: half-typed input dropped"]
    assert pad.type("+") == [act("complete")]


def test_results_ready_on_an_unpaired_keypad_beeps(tmp_path):
    pad = Pad(tmp_path, counter=None)
    assert reasons(pad.type("1005+")) == ["this keypad is not paired: type / / PIN Enter counter Enter"]


def test_a_group_beyond_the_configured_ones_beeps(pad):
    assert reasons(pad.type("*8\n")) == ["there is no priority group 8"]
    assert pad.type("*7\n") == [act("set_group", value="7")]


def test_garbage_in_a_group_position_beeps_once(pad):
    assert reasons(pad.type("*3+")) == ["* group then +: set the priority group with * group Enter"]
    assert pad.type("+") == [act("complete")]  # the sequence ended: + acts again
    assert reasons(pad.type("*123")) == ["priority group position longer than 2 digits"]
    assert pad.type("\n") == []  # the rest of that position is ignored, up to Enter
    assert pad.type("\n") == [act("next")]


def test_a_half_typed_group_times_out_with_a_beep(pad):
    pad.type("*3")
    assert reasons(pad.wait(6)) == ["timeout: half-typed input dropped"]
    assert pad.type("\n") == [act("next")]  # not "group 3"


def test_star_star_is_still_sign_in_not_a_group(pad):
    assert pad.type("**3\n") == [act("sign_in", value="3")]
    assert pad.type("**\n") == [act("sign_out")]


def test_without_a_group_count_the_engine_decides_which_groups_exist():
    parser = KeySequenceParser(2)
    out = [item for key in ("*", "4", "2", "enter") for item in parser.feed(key, 0.0)]
    assert out == [KeypadAction(2, "set_group", "42")]


def test_no_group_is_accepted_when_no_groups_are_configured(tmp_path):
    pad = Pad(tmp_path, group_count=0)
    assert reasons(pad.type("*1\n")) == ["there is no priority group 1"]
    assert pad.type("*0\n") == [act("set_group", value="0")]


# --------------------------------------------------------------------------
# Pairing and its persistence
# --------------------------------------------------------------------------


def test_an_unpaired_keypad_only_beeps_until_paired(tmp_path):
    pad = Pad(tmp_path, counter=None, counters={1, 2, 3})
    posted = pad.type("\n")
    assert posted == [KeypadRejected(None, "this keypad is not paired: type / / PIN Enter counter Enter", KP1)]
    assert reasons(pad.type("1005*")) == ["this keypad is not paired: type / / PIN Enter counter Enter"]


def test_pairing_with_the_pin_binds_the_keypad_and_persists(tmp_path):
    pad = Pad(tmp_path, counter=None, counters={1, 2, 3})
    assert pad.type("//2468\n2\n") == [KeypadPaired(KP1, 2, None)]
    assert pad.type("\n") == [act("next", counter=2)]
    # Stored on disk, atomically (no temp file left), readable by a new process.
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["keypads.json"]
    data = json.loads((tmp_path / "keypads.json").read_text(encoding="utf-8"))
    assert [(k["device"], k["counter"]) for k in data["keypads"]] == [(KP1, 2)]
    assert [(p.device, p.counter) for p in list_pairings(tmp_path / "keypads.json")] == [(KP1, 2)]
    # After a restart the keypad drives counter 2 at once.
    again = KeypadHandler(KP1, pad.config, PairingStore(tmp_path / "keypads.json"), pad.posted.append)
    again.handle_event(event("KEY_KPDOT", 1, 0), 500.0)
    assert pad.take() == [act("recall", counter=2)]


def test_wrong_pin_unknown_counter_and_disabled_pairing_beep(tmp_path):
    pad = Pad(tmp_path, counter=None, counters={1, 2, 3})
    assert reasons(pad.type("//1111\n")) == ["wrong pairing PIN"]
    assert pad.type("2\n") == []  # ignored up to Enter, not a pairing
    assert reasons(pad.type("//2468\n9\n")) == ["there is no counter 9"]
    assert reasons(pad.type("//2468\n\n")) == ["/ / PIN Enter then enter: type the counter number then Enter"]
    assert pad.store.list() == []
    off = Pad(tmp_path / "off", counter=None, config=make_config(tmp_path / "off", pairing_pin=None))
    assert reasons(off.type("//2468\n")) == ["pairing from the keypad is off (no pairing_pin in [keypads])"]
    assert off.type("1\n") == []
    # The PIN itself never appears in what is posted (it goes to the log).
    assert all("2468" not in p.reason for p in pad.posted + off.posted)


def test_pairing_a_second_keypad_to_a_counter_unpairs_the_first(tmp_path):
    first = Pad(tmp_path, device=KP1, counter=3)
    second = KeypadHandler(KP2, first.config, first.store, first.posted.append)
    for char in "//2468\n3\n":
        second.handle_event(event(TYPING_KEYS[char], 1, 0), 200.0)
        second.handle_event(event(TYPING_KEYS[char], 0, 0), 200.1)
    assert first.take() == [KeypadPaired(KP2, 3, previous=KP1)]
    assert first.handler.sync_binding() is None
    assert reasons(first.type("\n")) == ["this keypad is not paired: type / / PIN Enter counter Enter"]
    assert [(p.device, p.counter) for p in first.store.list()] == [(KP2, 3)]


def test_a_paired_keypad_can_be_moved_to_another_counter(pad):
    assert pad.type("//2468\n4\n") == [KeypadPaired(KP1, 4, None)]
    assert pad.type("+") == [act("complete", counter=4)]


def test_list_and_reset_pairings_work_from_another_process(tmp_path):
    path = tmp_path / "keypads.json"
    running = PairingStore(path)  # the kiosk
    running.pair(KP1, 1)
    running.pair(KP2, 2)
    assert [(p.device, p.counter) for p in list_pairings(path)] == [(KP1, 1), (KP2, 2)]
    assert reset_pairings(path) == 2  # `kiosk pair --reset` in another process
    assert running.counter_for(KP1) is None  # the kiosk sees it
    assert list_pairings(path) == []


def test_a_damaged_pairing_file_is_a_device_error_and_reset_repairs_it(tmp_path):
    path = tmp_path / "keypads.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DeviceError, match="pairing file .* is damaged.*kiosk pair --reset"):
        PairingStore(path)
    assert reset_pairings(path) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == {"version": 1, "keypads": []}


def test_a_pairing_that_cannot_be_saved_beeps_and_the_keypad_keeps_working(tmp_path):
    (tmp_path / "not-a-dir").write_text("", encoding="utf-8")
    config = make_config(tmp_path, pairings_file=tmp_path / "not-a-dir" / "keypads.json")
    pad = Pad(tmp_path, counter=None, config=config)
    posted = reasons(pad.type("//2468\n2\n"))
    assert len(posted) == 1 and posted[0].startswith("cannot save the pairing (")
    assert pad.handler.sync_binding() is None and pad.store.list() == []
    assert reasons(pad.type("\n")) == ["this keypad is not paired: type / / PIN Enter counter Enter"]


def test_pairing_file_directory_is_created(tmp_path):
    store = PairingStore(tmp_path / "var" / "lib" / "kiosk" / "keypads.json")
    store.pair(KP1, 1)
    assert (tmp_path / "var" / "lib" / "kiosk" / "keypads.json").exists()


# --------------------------------------------------------------------------
# The pure layers on their own
# --------------------------------------------------------------------------


def test_parser_is_pure_and_needs_only_symbols_and_times():
    parser = KeySequenceParser(5, timeout_s=2.0)
    assert parser.feed("4", 0.0) == []
    assert not parser.idle
    assert parser.feed("*", 0.5) == [KeypadAction(5, "call_number", "4")]
    assert parser.idle
    assert parser.feed("long:0", 1.0) == [KeypadAction(5, "pause_or_resume")]


def test_tracker_flushes_a_held_zero_before_the_next_key():
    tracker = KeyPressTracker(1.0)
    assert tracker.key("0", "down", 0.0) == []
    assert tracker.key("1", "down", 0.1) == ["0", "1"]
    assert tracker.key("0", "up", 0.2) == []
    assert tracker.key("1", "up", 0.2) == []


def test_the_key_code_table_matches_python_evdev():
    """drivers.keypad.keycodes is a copy of evdev's table (so only the real backend needs evdev)."""
    assert KEY_NAMES == {code: names if isinstance(names, tuple) else (names,) for code, names in ecodes.keys.items()}
    evdev_names = {n: c for n, c in ecodes.ecodes.items() if n.startswith(("KEY_", "BTN_"))}
    assert KEY_CODES == {n: c for n, c in evdev_names.items() if n not in ("KEY_MAX", "KEY_CNT")}


def test_importing_the_driver_loads_no_device_library():
    code = "import sys, drivers.keypad, drivers.keypad.simulated; print(sorted(m for m in sys.modules if 'evdev' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_backoff_doubles_up_to_the_limit():
    waits = [0.5]
    for _ in range(6):
        waits.append(next_backoff(waits[-1], 10.0))
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------


def test_keymap_changes_apply_over_the_defaults(tmp_path):
    config = make_config(tmp_path, keymap={"KEY_TAB": "clear", "KEY_KPPLUS": "ignore"})
    pad = Pad(tmp_path, config=config)
    pad.type("12")
    pad.tap("KEY_TAB")
    assert pad.type("3*") == [act("call_number", value="3")]
    assert pad.type("+") == []  # + now does nothing at all
    assert pad.type("\n") == [act("next")]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"keymap": {"KEY_NOPE": "enter"}}, "not an evdev key name"),
        ({"keymap": {"KEY_TAB": "next"}}, "use one of"),
        ({"pairing_pin": "12a4"}, "4 to 8 digits"),
        ({"pairing_pin": "123"}, "4 to 8 digits"),
        ({"sequence_timeout_ms": 10}, "greater than or equal to 1000"),
        ({"keypads": []}, "Extra inputs are not permitted"),
    ],
)
def test_bad_keypad_config_is_refused(tmp_path, change, message):
    with pytest.raises(ValidationError, match=message):
        make_config(tmp_path, **change)


def test_the_example_in_the_docs_is_a_valid_config():
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    config = KeypadConfig.model_validate(tomllib.loads("\n".join(blocks))["keypads"])
    assert config.pairing_pin == "2468"
    assert config.key_codes()[ecodes.KEY_TAB] == "clear"


# --------------------------------------------------------------------------
# Threads: reading, grabbing, reconnecting (simulated devices)
# --------------------------------------------------------------------------


def test_reader_retries_until_the_keypad_opens_then_reconnects_after_unplugging(tmp_path):
    events = Events()
    config = make_config(tmp_path)
    PairingStore(config.pairings_file).pair(KP1, 3)
    bus = SimulatedKeypads()
    attempts: list[float] = []  # times of the open attempts

    def flaky_opener(path: str) -> SimulatedKeypad:
        attempts.append(time.monotonic())
        if len(attempts) <= 3:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return bus.open(path)

    keypad = bus.plug(KP1)
    service = KeypadService(config, events.post, lister=bus.list_paths, opener=flaky_opener)
    service.stopping = RecordingEvent("keypad /")
    service.start()
    try:
        down = events.next()
        assert isinstance(down, KeypadDisconnected) and down.counter == 3
        assert "not plugged in" in down.reason and "ls /dev/input/by-id/" in down.reason
        assert events.next() == KeypadConnected(KP1, 3)  # one Disconnected for three failures
        assert len(attempts) == 4
        assert service.stopping.waits == [0.01, 0.02, 0.04]  # doubling up to reconnect_max_ms
        assert keypad.grabbed  # paired: its keys never reach the board window
        assert keypad.leds == {ecodes.LED_NUML: 1}

        keypad.type("1005*")
        assert events.next() == KeypadAction(3, "call_number", "1005")

        bus.unplug(KP1)
        down = events.next()
        assert isinstance(down, KeypadDisconnected) and "unplugged" in down.reason
        assert events.none_within(0.2)  # still absent: not reported again
        # after a drop the waits start short again
        assert service.stopping.waits[3:6] == [0.01, 0.02, 0.04]

        keypad = bus.plug(KP1)
        assert events.next() == KeypadConnected(KP1, 3)
        keypad.type("\n")
        assert events.next() == KeypadAction(3, "next")
        assert keypad.grabbed
    finally:
        service.close()
    assert not keypad.grabbed  # closed on stop


def test_a_new_keypad_is_found_paired_by_typing_and_then_grabbed(tmp_path):
    events = Events()
    bus = SimulatedKeypads()
    service = open_keypads(make_config(tmp_path), events.post, simulated=bus, counters={1, 2})
    try:
        assert service.simulated is bus
        assert events.none_within(0.15)
        keypad = bus.plug(KP2)
        assert events.next() == KeypadConnected(KP2, None)
        assert not keypad.grabbed  # unpaired: might be the technician's keyboard
        keypad.type("//2468\n1\n")
        assert events.next() == KeypadPaired(KP2, 1, None)
        wait_until(lambda: keypad.grabbed)
        keypad.type("-")
        assert events.next() == KeypadAction(1, "no_show")
        assert [(p.device, p.counter) for p in service.list_pairings()] == [(KP2, 1)]
        assert service.reset_pairings() == 1
        wait_until(lambda: not keypad.grabbed)
        keypad.type("\n")
        rejected = events.next()
        assert isinstance(rejected, KeypadRejected) and rejected.counter is None
    finally:
        service.close()


def test_the_group_count_reaches_the_reader_threads(tmp_path):
    events = Events()
    bus = SimulatedKeypads()
    config = make_config(tmp_path)
    PairingStore(config.pairings_file).pair(KP1, 2)
    keypad = bus.plug(KP1)
    service = open_keypads(config, events.post, simulated=bus, group_count=2)
    try:
        assert events.next() == KeypadConnected(KP1, 2)
        keypad.type("*3\n")
        assert events.next() == KeypadRejected(2, "there is no priority group 3", KP1)
        keypad.type("*2\n1005+")
        assert events.next() == KeypadAction(2, "set_group", "2")
        assert events.next() == KeypadAction(2, "results_ready", "1005")
    finally:
        service.close()


def test_half_typed_input_times_out_in_the_reader_thread(tmp_path):
    events = Events()
    bus = SimulatedKeypads()
    config = make_config(tmp_path, sequence_timeout_ms=1000)
    PairingStore(config.pairings_file).pair(KP1, 2)
    keypad = bus.plug(KP1)
    service = open_keypads(config, events.post, simulated=bus)
    try:
        assert events.next() == KeypadConnected(KP1, 2)
        keypad.type("12")
        assert events.next(timeout=3) == KeypadRejected(2, "timeout: half-typed input dropped", KP1)
    finally:
        service.close()


def test_a_paired_keypad_that_is_missing_at_start_is_reported(tmp_path):
    events = Events()
    config = make_config(tmp_path)
    PairingStore(config.pairings_file).pair(KP1, 4)
    service = open_keypads(config, events.post)
    try:
        down = events.next()
        assert down.device == KP1 and down.counter == 4 and "not plugged in" in down.reason
        assert service.watched() == [KP1]
    finally:
        service.close()


def test_a_keypad_grabbed_by_another_program_is_reported_with_a_fix(tmp_path):
    events = Events()
    bus = SimulatedKeypads()
    config = make_config(tmp_path)
    PairingStore(config.pairings_file).pair(KP1, 1)
    keypad = bus.plug(KP1)
    keypad.grab_error = OSError(errno.EBUSY, "Device or resource busy")
    service = open_keypads(config, events.post, simulated=bus)
    try:
        down = events.next()
        assert isinstance(down, KeypadDisconnected)
        assert "another program has grabbed it" in down.reason
        keypad.grab_error = None  # the other program quits
        assert events.next() == KeypadConnected(KP1, 1)
    finally:
        service.close()


def test_an_unexpected_error_in_the_reader_is_reported_and_the_keypad_reopened(tmp_path):
    events = Events()
    bus = SimulatedKeypads()
    config = make_config(tmp_path)
    PairingStore(config.pairings_file).pair(KP1, 1)
    keypad = bus.plug(KP1)
    keypad._events.append(object())  # not an InputEvent: the handler fails on it
    service = open_keypads(config, events.post, simulated=bus)
    try:
        keypad._open()
        os.write(keypad._w, b"x")
        assert events.next() == KeypadConnected(KP1, 1)
        down = events.next()
        assert isinstance(down, KeypadDisconnected) and "unexpected error" in down.reason
        assert events.next() == KeypadConnected(KP1, 1)
        keypad.type(".")
        assert events.next() == KeypadAction(1, "recall")
    finally:
        service.close()


def test_only_the_configured_paths_are_opened(tmp_path):
    config = make_config(
        tmp_path,
        devices=["/dev/input/by-id/*-event-kbd"],
        ignore=["*Logitech*"],
    )
    service = KeypadService(config, print, lister=list, opener=SimulatedKeypads().open)
    assert service.wanted(KP1)
    assert not service.wanted("/dev/input/by-id/usb-Logitech_K120-event-kbd")
    assert not service.wanted("/dev/input/by-id/usb-Logitech_Mouse-event-mouse")
    assert not service.wanted("/dev/input/event3")


def test_real_backend_reads_through_evdev_and_reports_what_it_cannot_open(tmp_path, monkeypatch):
    """The real opener is evdev.InputDevice: on a file that is no input device it
    fails, and the reader reports it instead of crashing."""
    fake_node = tmp_path / "usb-Fake_Keypad-event-kbd"
    fake_node.write_bytes(b"")
    events = Events()
    config = make_config(tmp_path, backend="real", devices=[str(tmp_path / "*-event-kbd")])
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda p: True if p == "/dev/input" else real_isdir(p))
    service = open_keypads(config, events.post)
    try:
        down = events.next()
        assert isinstance(down, KeypadDisconnected) and down.device == str(fake_node)
        assert "cannot read it" in down.reason
    finally:
        service.close()


def test_real_backend_without_dev_input_says_so(tmp_path, monkeypatch):
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda p: False if p == "/dev/input" else real_isdir(p))
    with pytest.raises(DeviceError, match='no /dev/input.*backend = "simulated"'):
        open_keypads(make_config(tmp_path, backend="real"), print)


def test_service_threads_stop_on_close(tmp_path, monkeypatch):
    """close() wakes the readers even when they sleep long between keys (they would outlast its join)."""
    monkeypatch.setattr(keypad_module, "_IDLE_POLL_S", 60.0)
    bus = SimulatedKeypads()
    bus.plug(KP1)
    events = Events()
    service = open_keypads(make_config(tmp_path), events.post, simulated=bus)
    wait_until(lambda: service.watched() == [KP1])
    assert isinstance(events.next(), KeypadConnected)  # the reader is in its long sleep now
    service.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("keypad")]


def test_a_held_zero_pauses_in_the_reader_thread_although_it_sleeps_long_between_keys(tmp_path, monkeypatch):
    """Between keys a reader sleeps long; while a key press is timing it wakes often enough."""
    monkeypatch.setattr(keypad_module, "_IDLE_POLL_S", 60.0)
    events = Events()
    bus = SimulatedKeypads()
    config = make_config(tmp_path)
    PairingStore(config.pairings_file).pair(KP1, 2)
    keypad = bus.plug(KP1)
    service = open_keypads(config, events.post, simulated=bus)
    try:
        assert events.next() == KeypadConnected(KP1, 2)
        keypad.send(ecodes.KEY_KP0, 1)  # held down, no autorepeat
        assert events.next(timeout=3) == KeypadAction(2, "pause_or_resume")
        keypad.send(ecodes.KEY_KP0, 0)
    finally:
        service.close()


def test_the_technicians_check_lists_the_pairings(tmp_path, capsys):
    from drivers.keypad.__main__ import main

    PairingStore(tmp_path / "keypads.json").pair(KP1, 2)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[keypads]\nbackend = "simulated"\npairings_file = "{tmp_path / "keypads.json"}"\n', encoding="utf-8"
    )
    assert main([str(config), "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"paired: counter 2 <- {KP1}", "type on the keypads (0 s)..."]
