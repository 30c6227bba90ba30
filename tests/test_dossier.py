"""Dossier codes (mã hồ sơ): bound to the counter's ticket so that central can report by dossier."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from kiosk.commands import AttachDossier, CallNext, Complete, Issue, Rate, ResultsReady, SignIn
from kiosk.engine import Engine, run
from kiosk.errors import DomainError
from kiosk.view import build_view, figures
from tests.conftest import at, small_config

T0 = at("2026-11-24 08:00")  # a Tuesday
CODE = "000.00.31.H47-241130-0001"
_ids = itertools.count(1)


def called(engine: Engine, counter: int = 1, service: str = "a", now: datetime = T0) -> str:
    """A citizen called to ``counter`` (officer 77 signed in); the ticket id."""
    ticket_id = f"t{next(_ids)}"
    run(engine, SignIn(counter, "77"), now)
    run(engine, Issue(service, ticket_id), now)
    run(engine, CallNext(counter), now)
    return ticket_id


def attach(engine: Engine, code: str = CODE, source: str = "keypad", counter: int = 1,
           now: datetime = T0) -> dict:
    (event,) = run(engine, AttachDossier(counter, code, source), now)
    return event.data


def refusal(engine: Engine, command: AttachDossier, now: datetime = T0) -> DomainError:
    with pytest.raises(DomainError) as info:
        run(engine, command, now)
    return info.value


@pytest.fixture
def engine() -> Engine:
    return Engine(small_config())


def test_a_code_goes_to_the_counter_s_current_ticket(engine):
    ticket_id = called(engine)
    data = attach(engine)
    assert (data["ticket_id"], data["code"], data["source"], data["service"], data["officer"], data["day"]) == (
        ticket_id, CODE, "keypad", "a", "77", "2026-11-24")
    assert engine.state.tickets[ticket_id].dossier == CODE


def test_the_last_code_attached_wins(engine):
    ticket_id = called(engine)
    attach(engine, "1234")
    attach(engine, "5678", "scanner")
    assert engine.state.tickets[ticket_id].dossier == "5678"


def test_a_code_follows_the_ticket_just_completed_while_it_is_rated(engine):
    ticket_id = called(engine)
    run(engine, Complete(1), T0)
    assert attach(engine, now=T0 + timedelta(seconds=20))["ticket_id"] == ticket_id


def test_a_code_follows_a_completed_ticket_for_ten_minutes(engine):
    ticket_id = called(engine, counter=3, service="b")  # counter 3 has no rating buttons
    run(engine, Complete(3), T0)
    assert attach(engine, counter=3, now=T0 + timedelta(minutes=10))["ticket_id"] == ticket_id


def test_no_code_after_ten_minutes(engine):
    called(engine, counter=3, service="b")
    run(engine, Complete(3), T0)
    error = refusal(engine, AttachDossier(3, CODE, "keypad"), T0 + timedelta(minutes=10, seconds=1))
    assert error.text("vi") == "Quầy 3 không có số nào để gắn mã hồ sơ"


def test_no_code_at_a_counter_that_served_nobody(engine):
    assert refusal(engine, AttachDossier(2, CODE, "web")).code == "no_ticket_for_dossier"


def test_a_bad_code_is_refused_and_named(engine):
    called(engine)
    error = refusal(engine, AttachDossier(1, "ABC 123", "scanner"))
    assert error.text("en") == "dossier code 'ABC 123' is not valid (1 to 40 letters, digits, '.', '/' or '-')"


def test_a_code_longer_than_forty_characters_is_refused(engine):
    called(engine)
    assert refusal(engine, AttachDossier(1, "1" * 41, "keypad")).code == "bad_dossier_code"


def test_an_unknown_source_is_refused(engine):
    called(engine)
    assert refusal(engine, AttachDossier(1, CODE, "fax")).code == "bad_dossier_source"


def test_a_scanned_code_s_surrounding_spaces_are_dropped(engine):
    called(engine)
    assert attach(engine, f"  {CODE}\n", "scanner")["code"] == CODE


def test_a_result_handed_over_later_keeps_its_ticket_s_code():
    engine = Engine(small_config(services=[
        {**s, "results_later": s["id"] == "a"} for s in small_config().model_dump(exclude_none=True)["services"]]))
    ticket_id = called(engine)
    attach(engine)
    run(engine, Complete(1), T0)
    assert engine.state.results[ticket_id].dossier == CODE
    run(engine, ResultsReady(2, engine.state.results[ticket_id].display), T0 + timedelta(hours=1))
    assert attach(engine, "9999", "keypad", counter=2, now=T0 + timedelta(hours=1))["ticket_id"] == ticket_id
    assert engine.state.results[ticket_id].dossier == "9999"


def test_the_day_figures_count_tickets_with_a_code(engine):
    called(engine)
    attach(engine)
    run(engine, Complete(1), T0)
    run(engine, Rate(1, 1), T0)
    called(engine)
    assert figures(engine).dossiers == 1


def test_a_code_is_kept_through_a_restart(open_store, clock):
    config = small_config()
    store = open_store(config)
    store.execute(Issue("a", "t-kept"))
    store.execute(CallNext(1))
    store.execute(AttachDossier(1, CODE, "scanner"))
    store.close()
    again = open_store(config)
    assert again.engine.state.tickets["t-kept"].dossier == CODE
    assert [r["dossier"] for r in again.db["tickets"].rows] == [CODE]


def test_the_counter_s_view_shows_the_code_of_the_ticket_just_completed(engine):
    called(engine)
    attach(engine)
    run(engine, Complete(1), T0)
    shown = {c.number: c.dossier for c in build_view(engine, T0 + timedelta(minutes=1), 1).counters}
    assert shown == {1: CODE, 2: None, 3: None}
