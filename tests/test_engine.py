"""Every engine operation and every illegal step, on the pure engine (no store)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from kiosk.commands import (
    CallNext,
    CallNumber,
    CloseCounter,
    Complete,
    Issue,
    NoShow,
    Pause,
    Rate,
    Reactivate,
    Recall,
    Reprint,
    Resume,
    SignIn,
    SignOut,
    StartService,
    Tick,
    Transfer,
)
from kiosk.engine import Engine, run
from kiosk.errors import DomainError
from tests.conftest import at, small_config

T0 = at("2026-11-24 08:00")  # a Tuesday
_ids = itertools.count(1)


def issue(engine: Engine, service: str = "a", priority: bool = False, now: datetime = T0) -> str:
    """Issue a ticket; return its display number."""
    events = run(engine, Issue(service, f"t{next(_ids)}", priority), now)
    return events[-1].data["display"]


def called(engine: Engine, counter: int) -> str | None:
    ticket = engine.ticket_at(counter)
    return ticket.display if ticket else None


def serve_in_turn(engine: Engine, counter: int, count: int) -> list[str]:
    """Call and complete ``count`` citizens at ``counter``; return the numbers in call order."""
    order = []
    for _ in range(count):
        run(engine, CallNext(counter), T0)
        order.append(called(engine, counter))
        run(engine, Complete(counter), T0)
    return order


def refused(engine: Engine, command, now: datetime = T0) -> DomainError:
    with pytest.raises(DomainError) as info:
        run(engine, command, now)
    return info.value


@pytest.fixture
def engine(small) -> Engine:
    return Engine(small)


# -- issuing -----------------------------------------------------------------


def test_numbers_follow_the_range_and_prefix(engine):
    assert [issue(engine) for _ in range(3)] == ["1001", "1002", "1003"]
    assert [issue(engine, "b") for _ in range(2)] == ["B001", "B002"]


def test_first_command_of_the_day_starts_the_day(engine):
    events = run(engine, Issue("a", "x"), T0)
    assert [e.type for e in events] == ["day_started", "ticket_issued"]
    assert engine.state.day == "2026-11-24"


def test_unknown_service_is_refused(engine):
    assert refused(engine, Issue("zz", "x")).text("en") == "there is no service 'zz'"


def test_priority_refused_where_not_allowed():
    engine = Engine(small_config(services=[_service("a", priority_allowed=False)], counters=[_counter(1, ["a"])]))
    error = refused(engine, Issue("a", "x", priority=True))
    assert error.code == "priority_not_allowed"
    assert "không cấp số ưu tiên" in error.text("vi")


def _service(sid: str, **extra) -> dict:
    base = {
        "id": sid,
        "name": {"vi": f"Dịch vụ {sid.upper()}"},
        "numbering": {"start": 1, "end": 99},
        "opening": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": [["07:00", "17:00"]]},
    }
    base.update(extra)
    return base


def _counter(number: int, services: list[str], **extra) -> dict:
    return {"number": number, "services": services, **extra}


def test_closed_today_names_the_next_opening_day():
    # ID cards only on Tuesday, Thursday and Saturday.
    engine = Engine(
        small_config(
            services=[_service("cccd", opening={"days": ["tue", "thu", "sat"], "hours": [["07:30", "11:30"]]})],
            counters=[_counter(1, ["cccd"])],
        )
    )
    error = refused(engine, Issue("cccd", "x"), at("2026-11-25 09:00"))  # Wednesday
    assert error.code == "closed_today"
    assert error.text("vi") == "Dịch vụ Dịch vụ CCCD hôm nay không làm việc; mở lại thứ Năm 26/11 lúc 07:30"
    assert issue(engine, "cccd", now=at("2026-11-26 09:00")) == "1"


def test_outside_hours_says_when_it_opens():
    engine = Engine(
        small_config(
            services=[_service("a", opening={"days": ["tue"], "hours": [["07:30", "11:30"], ["13:30", "17:00"]]})],
            counters=[_counter(1, ["a"])],
        )
    )
    early = refused(engine, Issue("a", "x"), at("2026-11-24 07:00"))
    assert (early.code, early.params["opens"]) == ("not_open_yet", "07:30")
    lunch = refused(engine, Issue("a", "x"), at("2026-11-24 12:00"))
    assert (lunch.code, lunch.params["opens"]) == ("not_open_yet", "13:30")
    late = refused(engine, Issue("a", "x"), at("2026-11-24 17:00"))
    assert late.code == "closed_for_today"
    assert "thứ Ba 01/12" in late.text("vi")


def test_daily_cap():
    engine = Engine(small_config(services=[_service("a", daily_cap=2)], counters=[_counter(1, ["a"])]))
    issue(engine)
    issue(engine)
    error = refused(engine, Issue("a", "x"))
    assert error.code == "daily_cap"
    assert error.text("en") == "service Dịch vụ A has issued its 2 tickets for today"


def test_range_exhausted_is_a_cap_never_a_reused_number():
    engine = Engine(small_config(services=[_service("a", numbering={"start": 7, "end": 8})], counters=[_counter(1, ["a"])]))
    assert [issue(engine), issue(engine)] == ["7", "8"]
    assert refused(engine, Issue("a", "x")).code == "daily_cap"


def test_numbering_restarts_each_day(engine):
    issue(engine)
    issue(engine)
    assert issue(engine, now=at("2026-11-25 08:00")) == "1001"


def test_numbering_can_carry_on_across_days_and_wrap():
    numbering = {"start": 1, "end": 3, "reset_daily": False}
    engine = Engine(small_config(services=[_service("a", numbering=numbering)], counters=[_counter(1, ["a"])]))
    assert [issue(engine), issue(engine)] == ["1", "2"]
    assert [issue(engine, now=at("2026-11-25 08:00")), issue(engine, now=at("2026-11-25 08:01"))] == ["3", "1"]


def test_issue_records_the_estimate_of_kiosk_estimate(engine):
    # Nobody signed in and no counter working yet: no estimate (the ticket prints none).
    first = run(engine, Issue("a", "x1"), T0)[-1].data
    assert (first["ahead"], first["wait_minutes"]) == (0, None)
    run(engine, SignIn(1, "101"), T0)
    run(engine, SignIn(2, "102"), T0)
    for _ in range(4):
        issue(engine)
    # 5 waiting for a, counters 1 and 2 staffed and free: a 6th is called in the third round,
    # after 2 x the 10 configured minutes (tests/test_estimate.py has the rules).
    assert engine.estimate("a", T0).ahead == 5
    assert engine.estimate("a", T0).minutes == 20
    data = run(engine, Issue("a", "x6"), T0)[-1].data
    assert (data["ahead"], data["wait_minutes"]) == (5, 20)


def test_priority_estimate_counts_only_priority_tickets_ahead(engine):
    issue(engine)
    issue(engine)
    issue(engine, priority=True)
    assert engine.estimate("a", T0, priority=True).ahead == 1
    assert engine.estimate("a", T0).ahead == 3


# -- calling -----------------------------------------------------------------


def test_call_next_is_fifo_within_a_service(engine):
    for _ in range(3):
        issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, CallNext(2), T0)
    assert (called(engine, 1), called(engine, 2)) == ("1001", "1002")


def test_longest_waiting_first_across_services(engine):
    issue(engine, "b")
    issue(engine, "a")
    run(engine, CallNext(2), T0)  # counter 2 serves a then b; B001 waited longer
    assert called(engine, 2) == "B001"


def test_counter_order_policy_prefers_the_counters_first_service():
    engine = Engine(small_config(queue={"across_services": "counter_order"}))
    issue(engine, "b")
    issue(engine, "a")
    run(engine, CallNext(2), T0)
    assert called(engine, 2) == "1001"


def test_strict_priority_goes_first():
    engine = Engine(small_config(queue={"priority": "strict"}))
    issue(engine)
    issue(engine)
    issue(engine, priority=True)
    assert serve_in_turn(engine, 1, 3) == ["1003", "1001", "1002"]


def test_interleave_one_priority_after_every_n_normal():
    engine = Engine(small_config(queue={"priority": "interleave", "priority_every": 2}))
    for _ in range(4):
        issue(engine)
    for _ in range(3):
        issue(engine, priority=True)
    order = serve_in_turn(engine, 1, 7)
    # Priority is due at the start of the day, then after every two normal calls.
    assert order == ["1005", "1001", "1002", "1006", "1003", "1004", "1007"]


def test_nobody_waiting(engine):
    assert refused(engine, CallNext(3)).text("en") == "no one is waiting for counter 3's services"


def test_counter_holding_a_ticket_cannot_call_again(engine):
    issue(engine)
    issue(engine)
    run(engine, CallNext(1), T0)
    error = refused(engine, CallNext(1))
    assert error.text("en") == "counter 1 still has ticket 1001: complete it or mark a no-show first"


def test_unknown_counter(engine):
    assert refused(engine, CallNext(9)).text("en") == "there is no counter 9"


def test_call_a_given_number(engine):
    for _ in range(3):
        issue(engine)
    run(engine, CallNumber(1, "1003"), T0)
    assert called(engine, 1) == "1003"
    assert refused(engine, CallNumber(2, "1003")).text("en") == "ticket 1003 is at counter 1"
    assert refused(engine, CallNumber(2, "1234")).text("en") == "there is no ticket 1234 today"
    run(engine, Complete(1), T0)
    assert refused(engine, CallNumber(2, "1003")).text("en") == "ticket 1003 has already been served"


def test_call_by_digits_prefers_the_counters_services(engine):
    issue(engine, "b")  # B001: number 1
    run(engine, CallNumber(3, "1"), T0)
    assert called(engine, 3) == "B001"


# -- recall, no-show, reactivate ---------------------------------------------


def test_recall_then_automatic_no_show(engine):
    issue(engine)
    run(engine, CallNext(1), T0)
    assert run(engine, Recall(1), T0)[-1].type == "ticket_recalled"
    assert run(engine, Recall(1), T0)[-1].type == "ticket_recalled"  # two recalls allowed
    last = run(engine, Recall(1), T0)[-1]
    assert (last.type, last.data["reason"]) == ("ticket_no_show", "recalls")
    assert called(engine, 1) is None


def test_recall_needs_a_called_ticket(engine):
    assert refused(engine, Recall(1)).text("en") == "counter 1 has no ticket to recall"
    issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, StartService(1), T0)
    assert refused(engine, Recall(1)).code == "already_serving"


def test_no_show_and_reactivate(engine):
    issue(engine)
    issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, NoShow(1), T0)
    assert refused(engine, CallNumber(1, "1001")).text("en") == "ticket 1001 was marked no-show: reactivate it first"
    run(engine, Reactivate("1001", 1), T0)
    # Back in its original place: ahead of 1002.
    assert [t.display for t in engine.waiting("a")] == ["1001", "1002"]
    assert refused(engine, Reactivate("1002")).text("en") == "ticket 1002 is not marked no-show"


def test_no_show_of_a_ticket_being_served_is_refused(engine):
    issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, StartService(1), T0)
    assert refused(engine, NoShow(1)).code == "already_serving"
    assert refused(engine, NoShow(2)).text("en") == "counter 2 has no ticket to mark as no-show"


# -- transfer ----------------------------------------------------------------


def test_transfer_keeps_the_number_and_original_place(engine):
    issue(engine, "b")
    issue(engine, "a")
    issue(engine, "b")
    run(engine, CallNumber(1, "1001"), T0)
    run(engine, Transfer(1, "b"), T0)
    assert called(engine, 1) is None
    assert [t.display for t in engine.waiting("b")] == ["B001", "1001", "B002"]


def test_transfer_to_the_end():
    engine = Engine(small_config(queue={"transfer_position": "end"}))
    issue(engine, "a")
    issue(engine, "b")
    run(engine, CallNext(1), T0)
    run(engine, Transfer(1, "b"), T0)
    assert [t.display for t in engine.waiting("b")] == ["B001", "1001"]


def test_transfer_errors(engine):
    assert refused(engine, Transfer(1, "b")).text("en") == "counter 1 has no ticket to transfer"
    issue(engine)
    run(engine, CallNext(1), T0)
    assert refused(engine, Transfer(1, "a")).text("en") == "ticket 1001 is already in Dịch vụ A"
    assert refused(engine, Transfer(1, "zz")).code == "unknown_service"


# -- serving, completing, rating ----------------------------------------------


def test_start_and_complete_records_times_and_officer(engine):
    issue(engine)
    run(engine, SignIn(1, "1234"), T0)
    run(engine, CallNext(1), T0)
    run(engine, StartService(1), T0 + timedelta(minutes=1))
    assert refused(engine, StartService(1)).code == "already_serving"
    run(engine, Complete(1), T0 + timedelta(minutes=6))
    (ticket,) = engine.state.tickets.values()
    assert (ticket.state, ticket.officer) == ("completed", "1234")
    assert ticket.started_at == "2026-11-24T01:01:00+00:00"  # stored in UTC: 08:01 in Hồ Chí Minh City
    assert ticket.finished_at == "2026-11-24T01:06:00+00:00"
    assert refused(engine, Complete(1)).text("en") == "counter 1 has no ticket to complete"
    assert refused(engine, Complete(1)).text("vi") == "Quầy 1 không có số nào để hoàn thành"


def test_rating_records_one_press_per_ticket_and_counts_the_rest(engine):
    issue(engine)
    run(engine, SignIn(1, "77"), T0)
    run(engine, CallNext(1), T0)
    events = run(engine, Complete(1), T0)
    assert events[-1].type == "rating_window_opened"
    first = run(engine, Rate(1, 2), T0 + timedelta(seconds=5))
    assert [e.type for e in first] == ["rating_recorded", "rating_window_closed"]
    recorded = first[0].data
    assert (recorded["level"], recorded["service"], recorded["counter"], recorded["officer"]) == (2, "a", 1, "77")
    extra = run(engine, Rate(1, 1), T0 + timedelta(seconds=6))
    assert [e.type for e in extra] == ["rating_ignored"]
    assert engine.state.counters[1].ignored_rating_presses == 1
    assert [r.level for r in engine.state.ratings.values()] == [2]


def test_rating_window_times_out(engine):
    issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, Complete(1), T0)
    assert run(engine, Tick(), T0 + timedelta(seconds=29)) == []
    closed = run(engine, Tick(), T0 + timedelta(seconds=30))
    assert [(e.type, e.data["reason"]) for e in closed] == [("rating_window_closed", "timeout")]
    late = run(engine, Rate(1, 1), T0 + timedelta(seconds=31))
    assert (late[-1].type, late[-1].data["reason"]) == ("rating_ignored", "no_window")


def test_late_press_before_tick_is_ignored(engine):
    issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, Complete(1), T0)
    late = run(engine, Rate(1, 1), T0 + timedelta(seconds=45))
    assert [e.type for e in late] == ["rating_window_closed", "rating_ignored"]
    assert engine.state.ratings == {}


def test_no_rating_window_without_buttons(engine):
    issue(engine, "b")
    run(engine, CallNext(3), T0)
    assert [e.type for e in run(engine, Complete(3), T0)] == ["ticket_completed"]


def test_bad_rating_level(engine):
    assert refused(engine, Rate(1, 5)).text("en") == "there is no rating level 5"


# -- counters and officers ----------------------------------------------------


def test_pause_resume_close(engine):
    issue(engine)
    run(engine, Pause(1), T0)
    assert refused(engine, CallNext(1)).text("en") == "counter 1 is paused: resume it first"
    assert refused(engine, Pause(1)).text("en") == "counter 1 is already paused"
    run(engine, Resume(1), T0)
    assert refused(engine, Resume(1)).code == "counter_not_paused"
    run(engine, CloseCounter(1), T0)
    assert refused(engine, CallNext(1)).text("en") == "counter 1 is closed: resume it first"
    run(engine, Resume(1), T0)
    run(engine, CallNext(1), T0)
    assert refused(engine, Pause(1)).code == "counter_busy"


def test_sign_in_moves_an_officer_and_replaces_another(engine):
    run(engine, SignIn(1, "11"), T0)
    events = run(engine, SignIn(2, "11"), T0)
    assert [e.type for e in events] == ["officer_signed_out", "officer_signed_in"]
    assert (engine.state.counters[1].officer, engine.state.counters[2].officer) == (None, "11")
    run(engine, SignIn(2, "22"), T0)
    assert engine.state.counters[2].officer == "22"
    run(engine, SignOut(2), T0)
    assert refused(engine, SignOut(2)).text("en") == "no officer is signed in at counter 2"
    assert refused(engine, SignIn(1, "abc")).code == "bad_officer_code"


def test_a_rating_stays_with_the_officer_who_called_the_ticket(engine):
    # Officer 11 calls 1001 at counter 1, then signs in at counter 2 (which signs them out of 1);
    # 1001 is completed and rated at counter 1: it was 11's citizen.
    issue(engine)
    run(engine, SignIn(1, "11"), T0)
    run(engine, CallNext(1), T0)
    run(engine, SignIn(2, "11"), T0)
    assert engine.state.counters[1].officer is None
    completed = run(engine, Complete(1), T0 + timedelta(minutes=5))
    assert completed[0].data["officer"] == "11"
    recorded = run(engine, Rate(1, 1), T0 + timedelta(minutes=5, seconds=3))[0]
    assert (recorded.type, recorded.data["officer"]) == ("rating_recorded", "11")
    assert [r.officer for r in engine.state.ratings.values()] == ["11"]
    # Another officer who took over the counter does not take the rating either.
    issue(engine)
    run(engine, SignIn(1, "33"), T0)
    run(engine, CallNext(1), T0)
    run(engine, SignIn(1, "44"), T0)  # 44 replaces 33 at counter 1 while 1002 is at the desk
    run(engine, Complete(1), T0 + timedelta(minutes=9))
    assert run(engine, Rate(1, 2), T0 + timedelta(minutes=9, seconds=1))[0].data["officer"] == "33"


def test_a_ticket_called_by_nobody_is_completed_by_the_officer_then_signed_in(engine):
    issue(engine)
    run(engine, CallNext(1), T0)  # queue.require_officer is false by default: nobody signed in may call
    run(engine, SignIn(1, "55"), T0)
    assert run(engine, Complete(1), T0)[0].data["officer"] == "55"


def test_require_officer_refuses_calls_from_an_unstaffed_counter():
    from kiosk.commands import CallByName

    engine = Engine(small_config(queue__require_officer=True))
    issue(engine)
    for command in (CallNext(1), CallNumber(1, "1001"), CallByName(1, "Nguyễn Văn An")):
        error = refused(engine, command)
        assert (error.code, error.text("vi")) == ("no_officer", "Chưa có cán bộ đăng nhập tại quầy 1")
    assert engine.waiting()[0].display == "1001"  # nobody was called
    run(engine, SignIn(1, "11"), T0)
    run(engine, CallNext(1), T0)
    assert called(engine, 1) == "1001"
    run(engine, SignOut(1), T0)
    run(engine, Complete(1), T0)  # the citizen at the desk is still served and rated: only calls need an officer
    issue(engine)
    assert refused(engine, CallNext(1)).code == "no_officer"


# -- business day --------------------------------------------------------------


def test_day_rollover_expires_unserved_tickets(engine):
    issue(engine)
    issue(engine)
    issue(engine)
    run(engine, CallNext(1), T0)
    run(engine, CallNext(2), T0)
    run(engine, Complete(2), T0)
    events = run(engine, Tick(), at("2026-11-25 00:00"))
    assert [e.type for e in events] == [
        "ticket_expired", "ticket_expired", "rating_window_closed", "day_closed", "day_started",
    ]
    assert engine.state.day == "2026-11-25"
    assert engine.state.tickets == {}
    assert engine.ticket_at(1) is None


def test_backward_clock_keeps_the_day_and_its_numbers(engine):
    issue(engine, now=at("2026-11-24 09:00"))
    # The clock is set back to the previous day (no RTC, NTP not synced yet).
    events = run(engine, Issue("a", "x"), at("2026-11-23 09:00"))
    assert engine.state.day == "2026-11-24"
    assert [e.type for e in events] == ["ticket_issued"]
    assert events[-1].data["display"] == "1002"


def test_a_synchronised_clock_behind_the_day_takes_the_office_back_to_it(engine):
    # The day was entered while the clock ran a day ahead.
    issue(engine, now=at("2026-11-25 09:00"))
    issue(engine, now=at("2026-11-25 09:01"))
    assert run(engine, Tick(), at("2026-11-24 09:30")) == []  # unsure: the day does not move back
    events = run(engine, Tick(), at("2026-11-24 09:30"), synced=True)
    assert [e.type for e in events] == ["ticket_expired", "ticket_expired", "day_closed", "day_returned"]
    assert events[-1].data["from_day"] == "2026-11-25"
    assert engine.state.day == "2026-11-24" and engine.state.tickets == {}
    assert issue(engine, now=at("2026-11-24 09:31")) == "1001"
    # The real clock reaches the 25th again: numbering there carries on.
    assert issue(engine, now=at("2026-11-25 08:00")) == "1003"


def test_decide_does_not_change_state(engine):
    issue(engine)
    before = repr(engine.state)
    engine.decide(CallNext(1), T0)
    engine.decide(Issue("a", "y"), T0)
    assert repr(engine.state) == before


def test_naive_time_is_rejected(engine):
    with pytest.raises(ValueError):
        engine.decide(Tick(), datetime(2026, 11, 24, 8))


# -- printing, devices, names, config -------------------------------------------


def test_print_failure_and_reprint(engine):
    issue(engine)
    (ticket,) = engine.state.tickets.values()
    assert ticket.printed is None
    run(engine, cmd_print(ticket.id, False), T0)
    assert ticket.printed is False
    events = run(engine, Reprint("1001", 1), T0)
    assert events[-1].type == "ticket_reprint" and ticket.printed is None
    run(engine, cmd_print(ticket.id, True), T0)
    assert ticket.printed is True
    run(engine, CallNext(1), T0)
    run(engine, Complete(1), T0)
    assert refused(engine, Reprint("1001")).text("en") == "ticket 1001 has already been served"
    assert run(engine, cmd_print("gone", True), T0) == []


def cmd_print(ticket_id: str, ok: bool):
    from kiosk.commands import PrintResult

    return PrintResult(ticket_id, ok, "" if ok else "paper out")


def test_device_status_name_call_and_config_are_recorded(engine):
    from kiosk.commands import CallByName, ConfigApplied, DeviceStatus

    assert run(engine, DeviceStatus("printer", "paper_out", "Máy in hết giấy"), T0)[-1].data["state"] == "paper_out"
    called = run(engine, CallByName(3, "  Nguyễn   Văn An "), T0)[-1]
    # The name is announced from the command, never recorded (events are synced).
    assert (called.type, called.data) == ("name_called", {"counter": 3, "at": called.data["at"]})
    assert refused(engine, CallByName(3, "<script>")).code == "bad_name"
    assert refused(engine, CallByName(3, "")).code == "bad_name"
    assert run(engine, ConfigApplied("abc123", "kiosk.toml"), T0)[-1].type == "config_applied"
