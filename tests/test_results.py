"""Results handed over later: a served ticket's citizen is called back to collect the result, then rates.

And priority groups recorded on tickets. On the pure engine (no store).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from kiosk.commands import CallNext, Complete, Issue, NoShow, Rate, Recall, ResultsReady, SetGroup, Tick
from kiosk.config import Config
from kiosk.engine import Engine, run
from kiosk.errors import DomainError
from tests.conftest import at, small_config

T0 = at("2026-11-24 08:00")
_ids = itertools.count(1)


def results_config(**changes: object) -> Config:
    """The small office with service "a" handing results over later."""
    config = small_config(**changes)
    services = [config.services[0].model_copy(update={"results_later": True}), config.services[1]]
    return config.model_copy(update={"services": services})


@pytest.fixture
def engine() -> Engine:
    return Engine(results_config())


def served(engine: Engine, counter: int = 1, now: datetime = T0, service: str = "a") -> str:
    """Issue, call and complete a ticket at ``counter``; return its number."""
    run(engine, Issue(service, f"t{next(_ids)}"), now)
    run(engine, CallNext(counter), now)
    display = engine.ticket_at(counter).display
    run(engine, Complete(counter), now)
    return display


def types(events) -> list[str]:
    return [e.type for e in events]


def refused(engine: Engine, command, now: datetime = T0) -> DomainError:
    with pytest.raises(DomainError) as info:
        run(engine, command, now)
    return info.value


def test_completing_a_results_later_ticket_asks_no_rating_and_awaits_the_result(engine):
    run(engine, Issue("a", "x"), T0)
    run(engine, CallNext(1), T0)
    events = run(engine, Complete(1), T0)
    assert types(events) == ["ticket_completed"]
    assert events[0].data["results_later"] is True
    assert events[0].data["keep_until"] == "2026-12-01"  # seven days by default
    assert engine.state.results["x"].state == "awaiting"


def test_a_service_without_results_later_still_asks_for_a_rating(engine):
    run(engine, Issue("b", "y"), T0)
    run(engine, CallNext(2), T0)
    assert types(run(engine, Complete(2), T0)) == ["ticket_completed", "rating_window_opened"]
    assert "y" not in engine.state.results


def test_results_ready_calls_the_citizen_and_holds_the_counter(engine):
    number = served(engine)
    events = run(engine, ResultsReady(2, number), T0 + timedelta(hours=1))
    assert types(events) == ["results_called"]
    assert events[0].data | {"at": None} == {
        "ticket_id": engine.state.counters[2].results_ticket, "day": "2026-11-24", "display": number,
        "service": "a", "counter": 2, "officer": None, "named": False, "at": None,
    }
    assert refused(engine, CallNext(2)).code == "counter_busy"


def test_handing_over_opens_the_rating_and_the_rating_counts_today(engine):
    number = served(engine)
    later = T0 + timedelta(days=2)
    run(engine, ResultsReady(1, number), later)
    events = run(engine, Complete(1), later)
    assert types(events) == ["results_handed_over", "rating_window_opened"]
    rated = run(engine, Rate(1, 1), later)
    assert rated[0].type == "rating_recorded"
    assert (rated[0].data["day"], rated[0].data["service"]) == ("2026-11-26", "a")
    assert engine.state.counters[1].results_ticket is None


def test_a_result_of_an_earlier_day_is_found_by_its_number(engine):
    number = served(engine)
    next_day = T0 + timedelta(days=1)
    run(engine, Tick(), next_day)
    assert number not in [t.display for t in engine.state.tickets.values()]
    assert types(run(engine, ResultsReady(3, number), next_day)) == ["results_called"]


def test_the_day_picks_among_results_with_the_same_number(engine):
    first = served(engine)
    next_day = T0 + timedelta(days=1)
    second = served(engine, now=next_day)
    assert first == second  # numbering restarts every day
    events = run(engine, ResultsReady(1, first, day="2026-11-24"), next_day)
    assert events[-1].data["day"] == "2026-11-24"
    events = run(engine, ResultsReady(2, first), next_day)
    assert events[-1].data["day"] == "2026-11-25"  # the most recent by default


def test_recalls_then_not_collected_and_the_result_still_waits(engine):
    number = served(engine)
    run(engine, ResultsReady(1, number), T0)
    assert types(run(engine, Recall(1), T0)) == ["results_recalled"]
    assert types(run(engine, Recall(1), T0)) == ["results_recalled"]
    assert types(run(engine, Recall(1), T0)) == ["results_no_show"]  # two recalls allowed by default
    assert engine.state.counters[1].results_ticket is None
    assert types(run(engine, ResultsReady(1, number), T0)) == ["results_called"]
    assert types(run(engine, NoShow(1), T0)) == ["results_no_show"]
    assert engine.state.results[next(iter(engine.state.results))].state == "awaiting"


def test_a_ticket_not_awaiting_a_result_is_refused_with_the_reason(engine):
    run(engine, Issue("b", "w"), T0)
    assert refused(engine, ResultsReady(1, "B001")).code == "not_awaiting_results"
    assert refused(engine, ResultsReady(1, "1999")).code == "results_not_found"


def test_a_result_called_at_one_counter_cannot_be_called_at_another(engine):
    number = served(engine)
    run(engine, ResultsReady(1, number), T0)
    error = refused(engine, ResultsReady(2, number))
    assert (error.code, error.params["counter"]) == ("results_at_counter", 1)


def test_a_results_call_cannot_be_transferred_or_started(engine):
    from kiosk.commands import StartService, Transfer

    run(engine, ResultsReady(1, served(engine)), T0)
    assert refused(engine, StartService(1)).code == "results_call"
    assert refused(engine, Transfer(1, "b")).code == "results_call"


def test_an_uncollected_result_expires_after_the_days_kept(engine):
    served(engine)
    assert types(run(engine, Tick(), T0 + timedelta(days=7))).count("results_expired") == 0
    events = run(engine, Tick(), T0 + timedelta(days=8))
    assert types(events).count("results_expired") == 1
    assert refused(engine, ResultsReady(1, "1001"), T0 + timedelta(days=8)).code == "results_not_found"


def test_a_results_call_held_at_the_end_of_the_day_is_released(engine):
    number = served(engine)
    run(engine, ResultsReady(1, number), T0)
    events = run(engine, Tick(), T0 + timedelta(days=1))
    assert "results_no_show" in types(events)
    assert engine.state.counters[1].results_ticket is None
    assert types(run(engine, ResultsReady(1, number), T0 + timedelta(days=1))) == ["results_called"]


# -- priority groups ----------------------------------------------------------


def test_a_group_button_issues_a_priority_ticket_of_its_group(engine):
    event = run(engine, Issue("a", "g1", group="cao_tuoi"), T0)[-1]
    assert (event.data["priority"], event.data["group"]) == (True, "cao_tuoi")
    assert engine.state.tickets["g1"].grp == "cao_tuoi"


def test_an_unknown_group_gives_no_ticket(engine):
    assert refused(engine, Issue("a", "g2", group="vip")).code == "unknown_group"


def test_the_officer_records_the_group_by_its_position_and_clears_it_with_0(engine):
    run(engine, Issue("a", "g3"), T0)
    run(engine, CallNext(1), T0)
    event = run(engine, SetGroup(1, "5"), T0)[-1]
    assert (event.type, event.data["group"]) == ("ticket_group_set", "cao_tuoi")
    assert run(engine, SetGroup(1, "khuyet_tat"), T0)[-1].data["group"] == "khuyet_tat"
    assert run(engine, SetGroup(1, "0"), T0)[-1].data["group"] is None
    assert engine.state.tickets["g3"].grp is None


def test_a_group_beyond_the_list_is_refused(engine):
    run(engine, Issue("a", "g4"), T0)
    run(engine, CallNext(1), T0)
    error = refused(engine, SetGroup(1, "8"))
    assert (error.code, error.params["count"]) == ("unknown_group_number", 7)


def test_a_group_needs_a_ticket_at_the_counter(engine):
    assert refused(engine, SetGroup(1, "1")).code == "no_ticket"
