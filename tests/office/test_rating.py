"""Completing at a counter with rating buttons asks for a rating and lights its buttons."""

import time

from drivers.buttons import RatingPressed, ServicePressed
from drivers.keypad import KeypadAction
from kiosk.clock import FakeClock
from tests.conftest import at, small_config
from tests.office.conftest import start_harness


def test_complete_opens_the_rating_window_and_a_press_records_it(harness):
    harness.office.post(ServicePressed("a"))
    harness.office.post(KeypadAction(1, "next"))
    harness.office.post(KeypadAction(1, "complete"))
    harness.settle()
    assert harness.announcer.said[-1] == ("rating_prompt",)
    assert harness.buttons.leds[("rating", 1)] == "blink"
    harness.office.post(RatingPressed(1, 2))
    harness.settle()
    assert harness.announcer.said[-1] == ("rating_thanks",)
    assert harness.buttons.leds[("rating", 1)] == "off"
    assert harness.office.view().figures.ratings == (0, 1, 0, 0)


def dissatisfied(harness) -> None:
    """A citizen served at counter 1 presses "Không hài lòng" (button 4)."""
    harness.office.post(ServicePressed("a"))
    harness.office.post(KeypadAction(1, "next"))
    harness.office.post(KeypadAction(1, "complete"))
    harness.office.post(RatingPressed(1, 4))
    harness.settle()


def test_after_not_satisfied_the_loudspeaker_reads_the_reasons_and_the_buttons_flash_fast(harness):
    dissatisfied(harness)
    assert harness.announcer.said[-1] == (
        "reason_prompt", ("Thái độ cán bộ", "Thời gian chờ", "Hướng dẫn chưa rõ", "Khác"))
    assert ("rating_thanks",) not in harness.announcer.said  # thanked after the reason
    assert harness.buttons.leds[("rating", 1)] == "fast"
    assert harness.counter(1).reasons[0] == ("Thái độ cán bộ", "Officer's attitude")


def test_a_reason_given_is_thanked_and_the_buttons_go_dark(harness):
    dissatisfied(harness)
    harness.office.post(RatingPressed(1, 1))
    harness.settle()
    assert harness.announcer.said[-1] == ("reason_thanks",)
    assert [b.text_vi for b in harness.office.view().banners] == ["Cảm ơn ý kiến của công dân"]
    assert harness.buttons.leds[("rating", 1)] == "off"
    assert harness.counter(1).reasons == ()
    assert harness.office.view().figures.reasons == {"thai_do": 1}


def test_no_answer_closes_the_question_on_the_idle_pass(tmp_path):
    clock = FakeClock(at("2026-11-24 08:00"))
    running = start_harness(tmp_path, small_config(), clock)
    harness = next(running)
    try:
        dissatisfied(harness)
        clock.advance(seconds=11)
        deadline = time.monotonic() + 5
        while harness.counter(1).reasons and time.monotonic() < deadline:
            time.sleep(0.05)  # the engine thread's idle pass (every 0.5 s) closes the question
        assert harness.counter(1).reasons == ()
        assert harness.buttons.leds[("rating", 1)] == "off"
        assert [b.text_vi for b in harness.office.view().banners] == ["Cảm ơn công dân đã đánh giá"]
    finally:
        running.close()
