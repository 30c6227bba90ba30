"""The rating scale: 2 to 5 buttons, each counted as one of the three levels the one-stop rules count."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from kiosk.commands import CallNext, Complete, Issue, Rate, SignIn
from kiosk.config import ConfigError, default_counts
from kiosk.engine import Engine, run
from kiosk.errors import DomainError
from kiosk.view import figures
from tests.conftest import at, small_config

T0 = at("2026-11-24 08:00")  # a Tuesday
_ids = itertools.count(1)

FIVE = [
    {"vi": "Rất hài lòng", "en": "Very satisfied"},
    {"vi": "Hài lòng", "en": "Satisfied"},
    {"vi": "Bình thường", "en": "Neutral"},
    {"vi": "Chưa hài lòng", "en": "Not satisfied"},
    {"vi": "Rất không hài lòng", "en": "Very dissatisfied"},
]


def rate(engine: Engine, level: int, now: datetime = T0) -> dict:
    """Serve one citizen at counter 1 and press ``level``; the recorded rating's payload."""
    run(engine, Issue("a", f"t{next(_ids)}"), now)
    run(engine, CallNext(1), now)
    run(engine, Complete(1), now)
    events = run(engine, Rate(1, level), now + timedelta(seconds=3))
    return next(e.data for e in events if e.type == "rating_recorded")


def config_error(**changes: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        small_config(**changes)
    return [str(p) for p in info.value.problems]


def test_the_default_counts_by_scale():
    assert default_counts(2) == ["satisfied", "dissatisfied"]
    assert default_counts(3) == ["very_satisfied", "satisfied", "dissatisfied"]
    assert default_counts(4) == ["very_satisfied", "satisfied", "satisfied", "dissatisfied"]
    assert default_counts(5) == ["very_satisfied", "satisfied", "satisfied", "dissatisfied", "dissatisfied"]


def test_no_default_count_outside_two_to_five():
    with pytest.raises(ValueError, match="2 to 5 levels, not 6"):
        default_counts(6)


def test_the_default_four_buttons_count_neutral_as_satisfied():
    assert small_config().rating.counts() == ["very_satisfied", "satisfied", "satisfied", "dissatisfied"]


def test_a_press_records_the_raw_level_the_scale_how_it_counts_and_its_label():
    recorded = rate(Engine(small_config()), 3)
    assert (recorded["level"], recorded["scale"], recorded["counted"], recorded["label"]) == (
        3, 4, "satisfied", "Bình thường")


def test_the_office_decides_how_neutral_counts():
    levels = [dict(level) for level in small_config().model_dump()["rating"]["levels"]]
    levels[2]["counts_as"] = "dissatisfied"
    recorded = rate(Engine(small_config(rating__levels=levels)), 3)
    assert recorded["counted"] == "dissatisfied"


def test_old_levels_without_counts_as_take_the_default_for_five():
    engine = Engine(small_config(rating__levels=FIVE))
    assert [rate(engine, level)["counted"] for level in (1, 3, 4, 5)] == [
        "very_satisfied", "satisfied", "dissatisfied", "dissatisfied"]


def test_a_three_button_scale_counts_the_rules_levels():
    levels = [{"vi": "Rất hài lòng"}, {"vi": "Hài lòng"}, {"vi": "Không hài lòng"}]
    engine = Engine(small_config(rating__levels=levels, rating__reasons=[]))
    assert [(r["scale"], r["counted"]) for r in (rate(engine, 1), rate(engine, 3))] == [
        (3, "very_satisfied"), (3, "dissatisfied")]


def test_a_press_beyond_the_scale_is_refused():
    engine = Engine(small_config(rating__levels=FIVE[:2], rating__reasons=[]))
    run(engine, SignIn(1, "7"), T0)
    with pytest.raises(DomainError) as info:
        run(engine, Rate(1, 3), T0)
    assert info.value.text("vi") == "Không có mức đánh giá 3"


def test_an_unknown_counted_level_is_named_by_its_key():
    levels = [dict(level) for level in small_config().model_dump()["rating"]["levels"]]
    levels[1]["counts_as"] = "happy"
    assert config_error(rating__levels=levels) == [
        "rating.levels[2].counts_as: 'happy' is not allowed; use one of 'very_satisfied', 'satisfied' or "
        "'dissatisfied'"]


def test_one_level_is_not_a_scale():
    assert config_error(rating__levels=FIVE[:1], rating__reasons=[]) == [
        "rating.levels: list should have at least 2 items after validation, not 1"]


def test_the_day_figures_count_both_ways():
    engine = Engine(small_config())
    for level in (1, 2, 3, 4):
        rate(engine, level)
    day = figures(engine)
    assert day.ratings == (1, 1, 1, 1)  # the raw presses
    assert day.counted == {"very_satisfied": 1, "satisfied": 2, "dissatisfied": 1}
    assert day.satisfaction == 0.75


def test_an_old_three_button_config_keeps_validating_with_other_on_the_last_button():
    config = small_config(rating__levels=[{"vi": "Rất hài lòng"}, {"vi": "Hài lòng"}, {"vi": "Không hài lòng"}])
    assert [r.vi for r in config.rating.reasons] == ["Thái độ cán bộ", "Thời gian chờ", "Khác"]
