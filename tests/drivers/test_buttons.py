"""Citizens' buttons and LEDs: debounce (pure, fake clock) and the gpiozero panel on MockFactory.

gpiozero's MockFactory does not bounce, so these tests make the bounce edges
themselves with ``drive_low()``/``drive_high()`` and move a fake clock between
them; the panel's ticker thread is off and the test calls ``poll()``.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import threading
import time
import tomllib
import types
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.buttons import (
    ButtonHeld,
    ButtonsConfig,
    ButtonsConfigError,
    PriorityArmed,
    PriorityExpired,
    RatingPressed,
    ServicePressed,
    open_buttons,
    validate_buttons,
)
from drivers.buttons.debounce import Debouncer, LongPress, Press, Release

DOCS = Path(__file__).resolve().parents[2] / "docs" / "buttons-and-keypads.md"

# --------------------------------------------------------------------------
# Debouncer, directly
# --------------------------------------------------------------------------

DEB = 0.030
LONG = 3.0


def feed(deb: Debouncer, edges: list[tuple[float, bool]]) -> list:
    out = []
    for t, level in edges:
        out += deb.edge(level, t)
    return out


def test_contact_bounce_gives_exactly_one_press_when_the_contact_settles():
    deb = Debouncer(DEB, LONG)
    # 7 edges in 3 ms, ending closed at t=1.003.
    edges = [(1.000, True), (1.0005, False), (1.001, True), (1.0015, False), (1.002, True), (1.0025, False)]
    edges.append((1.003, True))
    assert feed(deb, edges) == []
    assert deb.poll(1.003 + DEB - 0.001) == []  # not yet steady long enough
    assert deb.poll(1.003 + DEB) == [Press(pytest.approx(1.033))]
    assert deb.poll(2.0) == []  # and only once


def test_release_bounce_gives_one_release_with_the_time_held():
    deb = Debouncer(DEB, LONG)
    deb.edge(True, 0.0)
    assert deb.poll(0.05) == [Press(pytest.approx(0.03))]
    out = feed(deb, [(0.500, False), (0.501, True), (0.502, False), (0.5025, True), (0.503, False)])
    assert out == []
    assert deb.poll(0.6) == [Release(pytest.approx(0.533), held=pytest.approx(0.503))]
    assert not deb.pressed


def test_a_noise_spike_shorter_than_the_debounce_time_is_no_press():
    deb = Debouncer(DEB, LONG)
    out = feed(deb, [(5.0, True), (5.004, False)])
    assert out + deb.poll(10.0) == []


def test_a_late_poll_still_reports_the_true_times():
    deb = Debouncer(DEB, LONG)
    assert deb.edge(True, 10.0) == []
    # Nobody polled in between: each edge first settles what came before it.
    assert deb.edge(False, 10.2) == [Press(pytest.approx(10.03))]
    assert deb.edge(True, 11.0) == [Release(pytest.approx(10.23), held=pytest.approx(0.2))]


def test_long_press_is_reported_once_while_still_held():
    deb = Debouncer(DEB, LONG)
    deb.edge(True, 0.0)
    assert deb.poll(0.1) == [Press(pytest.approx(0.03))]
    assert deb.deadline() == pytest.approx(LONG)
    assert deb.poll(2.9) == []
    assert deb.poll(3.0) == [LongPress(pytest.approx(3.0))]
    assert deb.poll(60.0) == []  # held on: still only one
    assert deb.deadline() is None
    deb.edge(False, 61.0)
    assert deb.poll(61.1) == [Release(pytest.approx(61.03), held=pytest.approx(61.0))]


def test_a_press_released_just_before_the_long_press_time_is_short():
    deb = Debouncer(DEB, LONG)
    deb.edge(True, 0.0)
    deb.poll(0.1)
    deb.edge(False, 2.99)  # released; the release settles after 3.0
    assert deb.poll(3.05) == [Release(pytest.approx(3.02), held=pytest.approx(2.99))]


def test_a_button_held_at_start_up_is_no_press_but_reports_a_long_press():
    deb = Debouncer(DEB, LONG, pressed=True, now=100.0)
    assert deb.poll(100.5) == []
    assert deb.poll(103.0) == [LongPress(pytest.approx(103.0))]


def test_debounce_times_must_make_sense():
    with pytest.raises(ValueError):
        Debouncer(0.0, 1.0)
    with pytest.raises(ValueError):
        Debouncer(0.05, 0.04)


@settings(max_examples=200, deadline=None)
@given(
    press_bounce=st.lists(st.floats(min_value=0.0001, max_value=0.004), max_size=12),
    hold=st.floats(min_value=0.05, max_value=2.5),
    release_bounce=st.lists(st.floats(min_value=0.0001, max_value=0.004), max_size=12),
    poll_every=st.floats(min_value=0.001, max_value=0.5),
)
def test_any_bouncy_press_is_exactly_one_press_and_one_release(press_bounce, hold, release_bounce, poll_every):
    """Bursts of edges closer together than the debounce time, whatever their
    number, around a real press: one Press, one Release, no LongPress."""
    deb = Debouncer(DEB, LONG)
    events: list = []
    t = 1.0
    level = True
    events += deb.edge(level, t)
    for gap in press_bounce:  # each gap flips the level
        t += gap
        level = not level
        events += deb.edge(level, t)
    if not level:  # the burst must end closed
        t += 0.0005
        level = True
        events += deb.edge(level, t)
    end = t + hold
    while t < end:  # polls at arbitrary times while held
        t = min(end, t + poll_every)
        events += deb.poll(t)
    level = False
    events += deb.edge(level, t)
    for gap in release_bounce:
        t += gap
        level = not level
        events += deb.edge(level, t)
    if level:
        t += 0.0005
        events += deb.edge(False, t)
    events += deb.poll(t + 1.0)
    kinds = [type(e) for e in events]
    assert kinds == [Press, Release]


# --------------------------------------------------------------------------
# The panel on gpiozero's MockFactory
# --------------------------------------------------------------------------

CONFIG = {
    "backend": "simulated",
    "debounce_ms": 30,
    "long_press_ms": 3000,
    "blink_ms": 50,
    "services": {"car": {"button": 17, "led": 27}, "moto": {"button": 22, "led": 23}, "fines": {"button": 26}},
    "priority": {"button": 5, "led": 6, "window_ms": 10000},
    "rating": {
        "1": {"buttons": [20, 21, 16, 12], "leds": [13]},
        "2": {"buttons": [24, 25, 8, 7], "leds": [9, 10, 11, 19]},
    },
}


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def rig():
    factory = MockFactory()
    clock = Clock()
    events: list = []
    panel = open_buttons(
        ButtonsConfig.model_validate(CONFIG), events.append, pin_factory=factory, clock=clock, background=False
    )
    yield types.SimpleNamespace(factory=factory, clock=clock, events=events, panel=panel)
    panel.close()


def bouncy_press(rig, pin_number: int, hold: float = 0.2) -> None:
    """Press a button the way a real contact does: a burst of edges, a hold, a burst on release."""
    pin = rig.factory.pin(pin_number)
    for _ in range(4):
        pin.drive_low()
        rig.clock.advance(0.001)
        pin.drive_high()
        rig.clock.advance(0.0007)
    pin.drive_low()
    rig.clock.advance(hold)
    rig.panel.poll()
    for _ in range(3):
        pin.drive_high()
        rig.clock.advance(0.0008)
        pin.drive_low()
        rig.clock.advance(0.001)
    pin.drive_high()
    rig.clock.advance(0.1)
    rig.panel.poll()


def test_a_bouncing_service_button_gives_one_ticket_request(rig):
    bouncy_press(rig, 17)
    assert rig.events == [ServicePressed("car", priority=False)]
    bouncy_press(rig, 22)
    bouncy_press(rig, 26)
    assert rig.events[1:] == [ServicePressed("moto"), ServicePressed("fines")]


def test_the_press_is_posted_after_the_debounce_time_not_before(rig):
    pin = rig.factory.pin(17)
    pin.drive_low()
    rig.clock.advance(0.029)
    rig.panel.poll()
    assert rig.events == []
    rig.clock.advance(0.0015)
    rig.panel.poll()
    assert rig.events == [ServicePressed("car")]


def test_holding_a_service_button_gives_one_ticket_and_a_held_notice(rig):
    pin = rig.factory.pin(17)
    pin.drive_low()
    for _ in range(100):  # 10 s of polling while held
        rig.clock.advance(0.1)
        rig.panel.poll()
    assert rig.panel.pressed_buttons() == ["services.car"]
    pin.drive_high()
    rig.clock.advance(0.1)
    rig.panel.poll()
    assert rig.events == [ServicePressed("car"), ButtonHeld("services.car")]
    assert rig.panel.pressed_buttons() == []


def test_a_held_rating_button_is_named_by_its_position_from_1(rig):
    pin = rig.factory.pin(20)  # counter 1's first button, buttons[1] in `kiosk wiring` too
    pin.drive_low()
    rig.clock.advance(3.1)
    rig.panel.poll()
    assert rig.events == [RatingPressed(1, 1), ButtonHeld("rating.1.buttons[1]")]


def test_rating_buttons_post_their_level_best_first(rig):
    for pin in (20, 21, 16, 12):
        bouncy_press(rig, pin)
    bouncy_press(rig, 7)
    assert rig.events == [
        RatingPressed(1, 1),
        RatingPressed(1, 2),
        RatingPressed(1, 3),
        RatingPressed(1, 4),
        RatingPressed(2, 4),
    ]


def test_priority_then_service_gives_one_priority_ticket(rig):
    bouncy_press(rig, 5)
    bouncy_press(rig, 22)
    bouncy_press(rig, 22)  # the next citizen: no longer priority
    assert rig.events == [PriorityArmed(10.0), ServicePressed("moto", priority=True), ServicePressed("moto")]


def test_an_unused_priority_press_expires(rig):
    bouncy_press(rig, 5)
    rig.clock.advance(9.0)
    rig.panel.poll()
    assert rig.events == [PriorityArmed(10.0)]
    rig.clock.advance(1.0)
    rig.panel.poll()
    bouncy_press(rig, 17)
    assert rig.events == [PriorityArmed(10.0), PriorityExpired(), ServicePressed("car", priority=False)]


def test_a_priority_button_bound_to_a_service_gives_its_ticket_at_once():
    config = ButtonsConfig.model_validate({**CONFIG, "priority": {"button": 5, "service": "car"}})
    factory, clock, events = MockFactory(), Clock(), []
    panel = open_buttons(config, events.append, pin_factory=factory, clock=clock, background=False)
    try:
        rig = types.SimpleNamespace(factory=factory, clock=clock, events=events, panel=panel)
        bouncy_press(rig, 5)
        assert events == [ServicePressed("car", priority=True)]
    finally:
        panel.close()


# Priority groups' buttons (free pins of CONFIG): one armed as the priority button,
# one with its own window, one bound to a service.
GROUPS = {
    "cao_tuoi": {"button": 2, "led": 3},
    "mang_thai": {"button": 4, "window_ms": 5000},
    "benh": {"button": 14, "led": 15, "service": "car"},
}


@pytest.fixture
def group_rig():
    factory = MockFactory()
    clock = Clock()
    events: list = []
    config = ButtonsConfig.model_validate({**CONFIG, "groups": GROUPS})
    panel = open_buttons(config, events.append, pin_factory=factory, clock=clock, background=False)
    yield types.SimpleNamespace(factory=factory, clock=clock, events=events, panel=panel)
    panel.close()


def test_a_group_button_then_a_service_gives_one_priority_ticket_of_that_group(group_rig):
    bouncy_press(group_rig, 2)
    bouncy_press(group_rig, 22)
    bouncy_press(group_rig, 22)  # the next citizen: no priority, no group
    assert group_rig.events == [
        PriorityArmed(10.0, group="cao_tuoi"),
        ServicePressed("moto", priority=True, group="cao_tuoi"),
        ServicePressed("moto"),
    ]


def test_an_unused_group_press_expires_after_its_own_window(group_rig):
    bouncy_press(group_rig, 4)
    group_rig.clock.advance(4.0)
    group_rig.panel.poll()
    assert group_rig.events == [PriorityArmed(5.0, group="mang_thai")]
    group_rig.clock.advance(1.0)
    group_rig.panel.poll()
    bouncy_press(group_rig, 17)
    assert group_rig.events[1:] == [PriorityExpired(group="mang_thai"), ServicePressed("car")]


def test_a_group_button_bound_to_a_service_gives_its_ticket_at_once(group_rig):
    bouncy_press(group_rig, 14)
    assert group_rig.events == [ServicePressed("car", priority=True, group="benh")]


def test_the_latest_priority_press_decides_the_group(group_rig):
    bouncy_press(group_rig, 5)  # the plain priority button
    bouncy_press(group_rig, 2)  # then changes their mind: Người cao tuổi
    bouncy_press(group_rig, 26)
    assert group_rig.events == [
        PriorityArmed(10.0),
        PriorityExpired(),
        PriorityArmed(10.0, group="cao_tuoi"),
        ServicePressed("fines", priority=True, group="cao_tuoi"),
    ]


def test_a_bound_group_press_closes_an_open_priority_window(group_rig):
    bouncy_press(group_rig, 2)
    bouncy_press(group_rig, 14)
    bouncy_press(group_rig, 22)  # the window closed with that ticket: an ordinary press
    assert group_rig.events == [
        PriorityArmed(10.0, group="cao_tuoi"),
        PriorityExpired(group="cao_tuoi"),
        ServicePressed("car", priority=True, group="benh"),
        ServicePressed("moto"),
    ]


def test_pressing_the_same_group_again_restarts_its_window(group_rig):
    bouncy_press(group_rig, 2)
    group_rig.clock.advance(8.0)
    bouncy_press(group_rig, 2)
    group_rig.clock.advance(8.0)  # 16 s after the first press, 8 s after the second
    group_rig.panel.poll()
    bouncy_press(group_rig, 17)
    assert group_rig.events == [
        PriorityArmed(10.0, group="cao_tuoi"),
        PriorityArmed(10.0, group="cao_tuoi"),
        ServicePressed("car", priority=True, group="cao_tuoi"),
    ]


def test_holding_a_group_button_arms_once_and_is_reported_held(group_rig):
    pin = group_rig.factory.pin(4)
    pin.drive_low()
    for _ in range(40):  # 4 s held: longer than long_press_ms, shorter than the window
        group_rig.clock.advance(0.1)
        group_rig.panel.poll()
    assert group_rig.panel.pressed_buttons() == ["groups.mang_thai"]
    pin.drive_high()
    group_rig.clock.advance(0.1)
    group_rig.panel.poll()
    assert group_rig.events == [PriorityArmed(5.0, group="mang_thai"), ButtonHeld("groups.mang_thai")]


def test_group_leds(group_rig):
    group_rig.panel.set_group_led("cao_tuoi", "steady")
    assert group_rig.factory.pin(3).state is True
    assert group_rig.factory.pin(15).state is False  # benh's LED is untouched
    group_rig.panel.set_group_led("cao_tuoi", "off")
    assert group_rig.factory.pin(3).state is False
    group_rig.panel.set_group_led("mang_thai", "blink")  # no LED wired: nothing to do, no error
    with pytest.raises(ValueError, match="priority group 'vay_von'"):
        group_rig.panel.set_group_led("vay_von", "off")


def test_events_are_frozen_dataclasses(rig):
    bouncy_press(rig, 17)
    event = rig.events[0]
    assert dataclasses.is_dataclass(event)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.service_id = "moto"


def test_service_leds_steady_off(rig):
    led = rig.factory.pin(27)
    rig.panel.set_service_led("car", "steady")
    assert led.state is True
    rig.panel.set_service_led("car", "off")
    assert led.state is False
    rig.panel.set_service_led("car", "on")
    assert led.state is True
    assert rig.factory.pin(23).state is False  # the other service's LED is untouched
    rig.panel.set_service_led("fines", "steady")  # no LED wired: nothing to do, no error


def wait_for_toggles(pin, count: int, timeout: float = 3.0) -> list:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(pin.states) > count:
            break
        time.sleep(0.01)
    return [s.state for s in pin.states]


def test_blinking_leds_toggle_and_stop_when_set_steady(rig):
    led = rig.factory.pin(27)
    led.clear_states()
    rig.panel.set_service_led("car", "blink")
    states = wait_for_toggles(led, 5)
    assert states[:6] == [False, True, False, True, False, True]
    rig.panel.set_service_led("car", "steady")
    assert led.state is True
    led.clear_states()
    time.sleep(0.2)  # blink_ms is 50: a running blink would have toggled by now
    assert [s.state for s in led.states] == [True]


def test_rating_leds_of_a_counter_blink_together(rig):
    pins = [rig.factory.pin(n) for n in (9, 10, 11, 19)]
    rig.panel.set_rating_leds(2, "blink")
    for pin in pins:
        assert wait_for_toggles(pin, 3)[:4] == [False, True, False, True]
    rig.panel.set_rating_leds(2, "off")
    assert [p.state for p in pins] == [False] * 4
    rig.panel.set_rating_leds(1, "on")  # one pin lights all four of counter 1
    assert rig.factory.pin(13).state is True


def test_rating_leds_blink_fast_while_the_reasons_are_asked(rig):
    pin = rig.factory.pin(9)
    pin.clear_states()
    rig.panel.set_rating_leds(2, "fast")
    states = wait_for_toggles(pin, 8)
    rig.panel.set_rating_leds(2, "off")
    gaps = [b.timestamp - a.timestamp for a, b in zip(pin.states[1:], pin.states[2:8])]
    # blink_ms is 50: a plain blink never toggles sooner than 50 ms; "fast" every 12.5 ms.
    assert states[1:5] == [True, False, True, False]
    assert min(gaps) < 0.04


def test_priority_led(rig):
    rig.panel.set_priority_led("steady")
    assert rig.factory.pin(6).state is True
    rig.panel.set_priority_led("off")
    assert rig.factory.pin(6).state is False


def test_bad_led_calls_say_what_is_wrong(rig):
    with pytest.raises(ValueError, match="state"):
        rig.panel.set_service_led("car", "bright")
    with pytest.raises(ValueError, match="tax"):
        rig.panel.set_service_led("tax", "off")
    with pytest.raises(ValueError, match="counter 7"):
        rig.panel.set_rating_leds(7, "off")


def test_the_ticker_thread_posts_presses_from_gpio_threads():
    """As on a Pi: edges arrive on other threads (lgpio's), the ticker posts when due."""
    factory = MockFactory()
    events: list = []
    lock = threading.Lock()

    def post(event) -> None:
        with lock:
            events.append(event)

    config = ButtonsConfig.model_validate({**CONFIG, "debounce_ms": 10})
    panel = open_buttons(config, post, pin_factory=factory)
    try:

        def press(pin_number: int) -> None:
            pin = factory.pin(pin_number)
            for _ in range(5):
                pin.drive_low()
                pin.drive_high()
            pin.drive_low()
            time.sleep(0.1)
            pin.drive_high()

        threads = [threading.Thread(target=press, args=(n,)) for n in (24, 25, 8, 7)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        end = time.monotonic() + 3
        while time.monotonic() < end and len(events) < 4:
            time.sleep(0.01)
        time.sleep(0.1)
        assert sorted(events, key=lambda e: e.level) == [RatingPressed(2, level) for level in (1, 2, 3, 4)]
    finally:
        panel.close()
    assert not any(t.name == "buttons-ticker" and t.is_alive() for t in threading.enumerate())


def test_simulated_backend_makes_its_own_mock_factory_and_frees_pins_on_close():
    events: list = []
    panel = open_buttons(ButtonsConfig.model_validate(CONFIG), events.append, background=False)
    assert isinstance(panel.pin_factory, MockFactory)
    factory = MockFactory()
    first = open_buttons(ButtonsConfig.model_validate(CONFIG), events.append, pin_factory=factory, background=False)
    first.close()
    again = open_buttons(ButtonsConfig.model_validate(CONFIG), events.append, pin_factory=factory, background=False)
    again.close()
    panel.close()


# --------------------------------------------------------------------------
# Configuration and its checks
# --------------------------------------------------------------------------


def test_valid_config_has_no_problems():
    config = ButtonsConfig.model_validate(CONFIG)
    assert validate_buttons(config, rating_levels=4, service_ids=["car", "moto", "fines"], counters=[1, 2, 3]) == []


def test_a_pin_used_twice_names_both_keys():
    config = ButtonsConfig.model_validate({**CONFIG, "services": {"car": {"button": 17, "led": 20}}})
    assert validate_buttons(config) == [
        ("buttons.rating.1.buttons[1]", "GPIO 20 is already used by buttons.services.car.led"),
    ]


def test_reserved_pins_are_refused_with_the_reason():
    config = ButtonsConfig.model_validate(
        {**CONFIG, "services": {"car": {"button": 0, "led": 1}}, "extra_reserved_pins": [18, 22]}
    )
    problems = dict(validate_buttons(config))
    assert "HAT ID EEPROM" in problems["buttons.services.car.button"]
    assert "HAT ID EEPROM" in problems["buttons.services.car.led"]
    # extra_reserved_pins also count (22 is moto's button in CONFIG, but moto was replaced here)
    config = ButtonsConfig.model_validate({**CONFIG, "extra_reserved_pins": [22]})
    assert dict(validate_buttons(config))["buttons.services.moto.button"].startswith(
        "GPIO 22 is listed in buttons.extra_reserved_pins"
    )


def test_rating_pins_must_match_the_number_of_levels():
    config = ButtonsConfig.model_validate(CONFIG)
    problems = dict(validate_buttons(config, rating_levels=5))
    assert problems["buttons.rating.1.buttons"] == "4 rating buttons but there are 5 rating levels"
    assert problems["buttons.rating.2.buttons"] == "4 rating buttons but there are 5 rating levels"
    config = ButtonsConfig.model_validate(
        {**CONFIG, "rating": {"3": {"buttons": [20, 21, 16], "leds": [13, 9]}}}
    )
    problems = dict(validate_buttons(config, rating_levels=3))
    assert problems == {"buttons.rating.3.leds": "give no LED pin, one for all buttons, or 3 (one per button)"}


def test_unknown_services_and_counters_are_named():
    config = ButtonsConfig.model_validate({**CONFIG, "priority": {"button": 5, "service": "tax"}})
    problems = dict(validate_buttons(config, service_ids=["car", "moto"], counters=[1]))
    assert problems == {
        "buttons.services.fines": "no service 'fines' in [services]",
        "buttons.priority.service": "no service 'tax' in [services]",
        "buttons.rating.2": "no counter 2",
    }


def test_group_buttons_of_unknown_groups_or_services_are_named():
    groups = {"cao_tuoi": {"button": 2}, "tre_em": {"button": 4}, "benh": {"button": 14, "service": "tax"}}
    config = ButtonsConfig.model_validate({**CONFIG, "groups": groups})
    problems = validate_buttons(config, service_ids=["car", "moto", "fines"], group_ids=["cao_tuoi", "benh"])
    assert problems == [
        ("buttons.groups.benh.service", "no service 'tax' in [services]"),
        ("buttons.groups.tre_em", "no priority group 'tre_em' in [[priority_groups]]"),
    ]
    assert validate_buttons(config) == []  # without the lists, nothing to check them against


def test_group_pins_clash_with_every_other_pin_and_reserved_pins():
    groups = {"cao_tuoi": {"button": 5, "led": 3}, "mang_thai": {"button": 3, "led": 13}, "benh": {"button": 0}}
    config = ButtonsConfig.model_validate({**CONFIG, "groups": groups})
    assert validate_buttons(config) == [
        ("buttons.groups.cao_tuoi.button", "GPIO 5 is already used by buttons.priority.button"),
        ("buttons.groups.mang_thai.button", "GPIO 3 is already used by buttons.groups.cao_tuoi.led"),
        ("buttons.groups.benh.button", "GPIO 0 (ID_SD) belongs to the HAT ID EEPROM that the Pi firmware reads at "
         "boot; choose another pin"),
        ("buttons.rating.1.leds[1]", "GPIO 13 is already used by buttons.groups.mang_thai.led"),
    ]


def test_open_buttons_refuses_a_config_with_problems():
    config = ButtonsConfig.model_validate({**CONFIG, "services": {"car": {"button": 1}}})
    with pytest.raises(ButtonsConfigError) as info:
        open_buttons(config, print, pin_factory=MockFactory(), background=False)
    assert info.value.problems[0][0] == "buttons.services.car.button"
    assert "buttons.services.car.button" in str(info.value)


@pytest.mark.parametrize(
    "change, where",
    [
        ({"services": {"car": {"button": 28}}}, ("services", "car", "button")),
        ({"rating": {"1": {"buttons": [20, 21, 16, 40]}}}, ("rating", "1", "buttons")),
        ({"debounce_ms": 0}, ("debounce_ms",)),
        ({"colour": "red"}, ("colour",)),
        ({"services": {"car": {"button": 17, "lamp": 3}}}, ("services", "car", "lamp")),
        ({"rating": {"0": {"buttons": [20, 21, 16, 12]}}}, ("rating",)),
        ({"groups": {"cao_tuoi": {"button": 28}}}, ("groups", "cao_tuoi", "button")),
        ({"groups": {"cao_tuoi": {"button": 2, "window_ms": 100}}}, ("groups", "cao_tuoi", "window_ms")),
        ({"groups": {"": {"button": 2}}}, ("groups",)),
    ],
)
def test_bad_values_are_refused_at_their_key(change, where):
    with pytest.raises(ValidationError) as info:
        ButtonsConfig.model_validate({**CONFIG, **change})
    assert [tuple(e["loc"]) for e in info.value.errors()] == [where]


def test_the_example_in_the_docs_is_a_valid_config():
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert blocks, "the docs should show an example [buttons] section"
    data = tomllib.loads("\n".join(blocks))
    config = ButtonsConfig.model_validate(data["buttons"])
    assert validate_buttons(config, rating_levels=4) == []
    events: list = []
    factory, clock = MockFactory(), Clock()
    panel = open_buttons(config, events.append, pin_factory=factory, clock=clock, background=False)
    try:
        rig = types.SimpleNamespace(factory=factory, clock=clock, events=events, panel=panel)
        bouncy_press(rig, 14)  # counter 3's "Không hài lòng"
        bouncy_press(rig, 19)  # Người khuyết tật, bound to "car"
        assert events == [RatingPressed(3, 4), ServicePressed("car", priority=True, group="khuyet_tat")]
    finally:
        panel.close()


# --------------------------------------------------------------------------
# The real backend on a machine without GPIO
# --------------------------------------------------------------------------


def test_real_backend_without_lgpio_says_how_to_fix_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", None)  # import fails as without lgpio
    with pytest.raises(DeviceError) as info:
        open_buttons(ButtonsConfig.model_validate({**CONFIG, "backend": "real"}), print)
    message = str(info.value)
    assert message.startswith("buttons: the lgpio library is not installed")
    assert "python3-lgpio" in message and 'backend = "simulated"' in message


def test_real_backend_without_a_gpio_chip_says_how_to_fix_it(monkeypatch):
    fake = types.ModuleType("gpiozero.pins.lgpio")

    class LGPIOFactory:
        def __init__(self) -> None:
            raise OSError("can not open gpiochip")

    fake.LGPIOFactory = LGPIOFactory
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", fake)
    with pytest.raises(DeviceError) as info:
        open_buttons(ButtonsConfig.model_validate({**CONFIG, "backend": "real"}), print)
    assert "cannot open the GPIO chip (can not open gpiochip)" in str(info.value)
    assert "gpio group" in str(info.value)


def test_a_pin_already_taken_is_a_device_error_naming_the_key():
    from gpiozero import LED

    factory = MockFactory()
    holder = LED(22, pin_factory=factory)  # someone else holds GPIO 22
    with pytest.raises(DeviceError, match=r"buttons.services.moto: cannot use GPIO 22"):
        open_buttons(ButtonsConfig.model_validate(CONFIG), print, pin_factory=factory, background=False)
    # what was opened before the failure was released again
    LED(17, pin_factory=factory)
    holder.close()


def test_the_technicians_check_lights_the_leds_and_prints_presses(tmp_path, capsys):
    from drivers.buttons.__main__ import main

    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[buttons]\nbackend = "simulated"\n[buttons.services]\ncar = { button = 17, led = 27 }\n'
        "[buttons.groups]\ncao_tuoi = { button = 5, led = 6 }\n",
        encoding="utf-8",
    )
    assert main([str(config), "0"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "LED of service car",
        "LED of priority group cao_tuoi",
        "press the buttons (0 s)...",
    ]
    assert main([]) == 2
