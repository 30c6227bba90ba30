"""Completing at a counter with rating buttons asks for a rating and lights its buttons."""

from drivers.buttons import RatingPressed, ServicePressed
from drivers.keypad import KeypadAction


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
