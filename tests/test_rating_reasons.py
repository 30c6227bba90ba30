"""A reason when dissatisfied: offered on the rating buttons for a few seconds after "Không hài lòng"."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from kiosk.commands import CallNext, Complete, Issue, Rate, SignIn, Tick
from kiosk.config import ConfigError
from kiosk.engine import Engine, run
from kiosk.store import replay
from kiosk.view import build_view, figures
from tests.conftest import at, small_config

T0 = at("2026-11-24 08:00")  # a Tuesday
_ids = itertools.count(1)


def served(engine: Engine, counter: int = 1, now: datetime = T0) -> None:
    """A citizen served at ``counter`` (signed-in officer 77): the rating window is open."""
    run(engine, SignIn(counter, "77"), now)
    run(engine, Issue("a", f"t{next(_ids)}"), now)
    run(engine, CallNext(counter), now)
    run(engine, Complete(counter), now)


def dissatisfied(engine: Engine, now: datetime = T0) -> list[str]:
    """Serve a citizen at counter 1 who presses "Không hài lòng" (level 4) at ``now``; the event types."""
    served(engine, 1, now)
    return [e.type for e in run(engine, Rate(1, 4), now)]


def types(events) -> list[str]:
    return [e.type for e in events]


@pytest.fixture
def engine() -> Engine:
    return Engine(small_config())


def test_a_dissatisfied_press_opens_the_reasons_for_ten_seconds(engine):
    served(engine)
    events = run(engine, Rate(1, 4), T0)
    assert types(events) == ["rating_recorded", "rating_window_closed", "rating_reason_window_opened"]
    assert events[-1].data["until"] == "2026-11-24T01:00:10+00:00"


def test_a_satisfied_press_asks_no_reason(engine):
    served(engine)
    assert types(run(engine, Rate(1, 3), T0)) == ["rating_recorded", "rating_window_closed"]


def test_button_two_gives_the_second_reason(engine):
    dissatisfied(engine)
    events = run(engine, Rate(1, 2), T0 + timedelta(seconds=4))
    assert types(events) == ["rating_reason_recorded", "rating_reason_window_closed"]
    reason = events[0].data
    assert (reason["reason"], reason["label"], reason["officer"], reason["service"]) == (
        "thoi_gian_cho", "Thời gian chờ", "77", "a")
    assert events[1].data["reason"] == "answered"


def test_the_reason_is_part_of_the_rating(engine):
    dissatisfied(engine)
    run(engine, Rate(1, 1), T0 + timedelta(seconds=2))
    (rating,) = engine.state.ratings.values()
    assert (rating.level, rating.counted, rating.reason) == (4, "dissatisfied", "thai_do")


def test_at_most_one_reason_per_rating(engine):
    dissatisfied(engine)
    run(engine, Rate(1, 1), T0 + timedelta(seconds=2))
    again = run(engine, Rate(1, 3), T0 + timedelta(seconds=3))
    assert [(e.type, e.data["reason"]) for e in again] == [("rating_ignored", "no_window")]
    assert [r.reason for r in engine.state.ratings.values()] == ["thai_do"]


def test_no_answer_is_fine_the_question_times_out(engine):
    dissatisfied(engine)
    assert run(engine, Tick(), T0 + timedelta(seconds=9)) == []
    closed = run(engine, Tick(), T0 + timedelta(seconds=10))
    assert [(e.type, e.data["reason"]) for e in closed] == [("rating_reason_window_closed", "timeout")]
    assert [(r.counted, r.reason) for r in engine.state.ratings.values()] == [("dissatisfied", None)]


def test_a_late_press_before_the_tick_is_ignored(engine):
    dissatisfied(engine)
    late = run(engine, Rate(1, 1), T0 + timedelta(seconds=12))
    assert [(e.type, e.data["reason"]) for e in late] == [
        ("rating_reason_window_closed", "timeout"), ("rating_ignored", "window_expired")]


def test_a_button_beyond_the_reasons_is_ignored_and_the_question_stays():
    engine = Engine(small_config(rating__reasons=[{"id": "thai_do", "vi": "Thái độ cán bộ"},
                                                  {"id": "khac", "vi": "Khác"}]))
    dissatisfied(engine)
    ignored = run(engine, Rate(1, 3), T0 + timedelta(seconds=1))
    assert [(e.type, e.data["reason"]) for e in ignored] == [("rating_ignored", "no_such_reason")]
    assert types(run(engine, Rate(1, 2), T0 + timedelta(seconds=2)))[0] == "rating_reason_recorded"


def test_no_reasons_configured_asks_none():
    engine = Engine(small_config(rating__reasons=[]))
    assert dissatisfied(engine) == ["rating_recorded", "rating_window_closed"]


def test_the_next_citizen_s_rating_window_replaces_the_question(engine):
    dissatisfied(engine)
    run(engine, Issue("a", "next-one"), T0)
    run(engine, CallNext(1), T0)
    events = run(engine, Complete(1), T0 + timedelta(seconds=3))
    assert [(e.type, e.data.get("reason")) for e in events[1:]] == [
        ("rating_reason_window_closed", "replaced"), ("rating_window_opened", None)]
    assert types(run(engine, Rate(1, 1), T0 + timedelta(seconds=4)))[0] == "rating_recorded"


def test_the_day_end_closes_the_question(engine):
    dissatisfied(engine, at("2026-11-24 16:59:55"))
    events = run(engine, Tick(), at("2026-11-25 00:00:01"))
    assert ("rating_reason_window_closed", "day_end") in [(e.type, e.data.get("reason")) for e in events]
    assert engine.state.counters[1].reason_ticket is None


def test_the_view_offers_the_reasons_at_that_counter_only(engine):
    dissatisfied(engine)
    view = build_view(engine, T0, 1)
    asking = {c.number: c.reasons for c in view.counters}
    assert asking[1] == (("Thái độ cán bộ", "Officer's attitude"), ("Thời gian chờ", "Waiting time"),
                         ("Hướng dẫn chưa rõ", "Unclear guidance"), ("Khác", "Other"))
    assert asking[2] == () and asking[3] == ()


def test_the_day_figures_count_the_reasons(engine):
    dissatisfied(engine)
    run(engine, Rate(1, 2), T0 + timedelta(seconds=1))
    dissatisfied(engine, T0 + timedelta(minutes=1))
    run(engine, Rate(1, 2), T0 + timedelta(minutes=1, seconds=1))
    assert figures(engine).reasons == {"thoi_gian_cho": 2}


def test_more_reasons_than_buttons_is_named_by_its_key():
    reasons = [{"id": f"r{i}", "vi": f"Lý do {i}"} for i in range(3)]
    with pytest.raises(ConfigError) as info:
        small_config(rating__levels=[{"vi": "Hài lòng"}, {"vi": "Không hài lòng"}], rating__reasons=reasons)
    assert [str(p) for p in info.value.problems] == [
        "rating.reasons: 3 reasons but only 2 rating buttons: reason i is offered on button i, so give at most "
        "one reason per button"]


def test_a_reason_id_used_twice_is_named_by_its_key():
    reasons = [{"id": "khac", "vi": "Khác"}, {"id": "khac", "vi": "Lý do khác"}]
    with pytest.raises(ConfigError) as info:
        small_config(rating__reasons=reasons)
    assert [str(p) for p in info.value.problems] == ["rating.reasons[2].id: reason id 'khac' is used twice"]


def test_a_bad_reason_id_is_named_by_its_key():
    with pytest.raises(ConfigError) as info:
        small_config(rating__reasons=[{"id": "Thái độ", "vi": "Thái độ cán bộ"}])
    assert [str(p) for p in info.value.problems] == [
        "rating.reasons[1].id: 'Thái độ' is not a valid id: use lower-case letters, digits or '_', "
        "starting with a letter"]


def test_reason_seconds_out_of_range_is_named_by_its_key():
    with pytest.raises(ConfigError) as info:
        small_config(rating__reason_seconds=2)
    assert [str(p) for p in info.value.problems] == [
        "rating.reason_seconds: input should be greater than or equal to 3"]


def test_the_question_survives_a_restart_and_the_projections_equal_a_replay(open_store, clock):
    config = small_config()
    store = open_store(config)
    store.execute(SignIn(1, "77"))
    store.execute(Issue("a", "t-restart"))
    store.execute(CallNext(1))
    store.execute(Complete(1))
    store.execute(Rate(1, 4))
    store.close()
    again = open_store(config)
    clock.advance(seconds=5)
    assert [e.type for e in again.execute(Rate(1, 3))] == ["rating_reason_recorded", "rating_reason_window_closed"]
    rebuilt = replay(config, list(again.events()))
    for table in ("tickets", "counters", "ratings"):
        assert list(again.db[table].rows) == list(rebuilt[table].rows), table
    assert [(r["counted"], r["reason"]) for r in again.db["ratings"].rows] == [("dissatisfied", "huong_dan")]
