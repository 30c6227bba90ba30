"""The business day against a wall clock that rolls over, jumps back, jumps forward, and changes for DST."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from kiosk import commands as cmd
from kiosk.clock import SystemClock
from kiosk.days import business_day
from kiosk.errors import DomainError
from tests.conftest import at, small_config

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def issue(store, service: str = "a") -> str:
    return store.execute(cmd.Issue(service, str(uuid.uuid4())))[-1].data["display"]


def test_day_rolls_over_at_midnight(open_store, small, clock):
    store = open_store(small)
    clock.set(at("2026-11-24 16:59"))
    assert issue(store) == "1001"
    clock.set(at("2026-11-24 23:59"))
    store.execute(cmd.Tick())
    assert store.engine.state.day == "2026-11-24"
    clock.set(at("2026-11-25 00:00"))
    events = store.execute(cmd.Tick())
    assert [e.type for e in events] == ["ticket_expired", "day_closed", "day_started"]
    clock.set(at("2026-11-25 07:00"))
    assert issue(store) == "1001"


def test_day_start_hour(open_store, clock):
    config = small_config(site__day_starts_at=3)
    store = open_store(config)
    clock.set(at("2026-11-24 16:00"))
    issue(store)
    clock.set(at("2026-11-25 02:59"))
    store.execute(cmd.Tick())
    assert store.engine.state.day == "2026-11-24"
    clock.set(at("2026-11-25 03:00"))
    store.execute(cmd.Tick())
    assert store.engine.state.day == "2026-11-25"


def test_clock_set_backwards_keeps_numbering_and_does_not_reopen_the_day(open_store, small, clock):
    store = open_store(small)
    clock.set(at("2026-11-24 09:00"))
    assert [issue(store), issue(store)] == ["1001", "1002"]
    store.close()
    # Power cut; the Pi boots with no RTC and a clock two days behind.
    clock.set(at("2026-11-22 09:30"))
    clock.boot_id = "boot-2"
    clock.is_synced = False
    store = open_store(small)
    assert issue(store) == "1003"
    assert store.engine.state.day == "2026-11-24"
    # NTP syncs: the real time is still the 24th; nothing rolls.
    clock.set(at("2026-11-24 09:40"))
    clock.is_synced = True
    assert issue(store) == "1004"
    issued = [e for e in store.events() if e.type == "ticket_issued"]
    assert [(e.boot_id, e.clock_synced) for e in issued][-2:] == [("boot-2", False), ("boot-2", True)]
    assert [e.type for e in store.events()].count("day_started") == 1


def test_a_closed_day_is_not_reopened_while_the_clock_is_unsure(open_store, small, clock):
    store = open_store(small)
    clock.set(at("2026-11-24 09:00"))
    issue(store)
    clock.set(at("2026-11-25 09:00"))
    assert issue(store) == "1001"
    clock.is_synced = False  # the clock lost its time source
    clock.set(at("2026-11-24 10:00"))  # back into the closed day
    assert issue(store) == "1002"
    assert store.engine.state.day == "2026-11-25"
    days = [e.data["day"] for e in store.events() if e.type in ("day_started", "day_returned")]
    assert days == ["2026-11-24", "2026-11-25"]


def test_a_clock_that_ran_ahead_returns_to_the_real_day_once_synchronised(open_store, small, clock):
    store = open_store(small)
    clock.set(at("2026-11-24 09:00"))
    assert [issue(store), issue(store)] == ["1001", "1002"]
    store.execute(cmd.CallNext(1))
    # A technician types the wrong year; the clock is no longer synchronised.
    clock.is_synced = False
    clock.set(at("2027-11-24 09:05"))
    assert [issue(store), issue(store, "b")] == ["1001", "B001"]
    assert store.engine.state.day == "2027-11-24"
    # The date is put right by hand: still unsure, so the day does not move back.
    clock.set(at("2026-11-24 09:10"))
    assert issue(store) == "1002"
    assert store.engine.state.day == "2027-11-24"
    # NTP synchronises: the office returns to the real day, with an event that says so.
    clock.is_synced = True
    events = store.execute(cmd.Tick())
    assert [e.type for e in events] == ["ticket_expired"] * 3 + ["day_closed", "day_returned"]
    assert events[-1].data == {"day": "2026-11-24", "from_day": "2027-11-24", "at": "2026-11-24T02:10:00+00:00"}
    assert events[-1].clock_synced is True
    assert store.engine.state.day == "2026-11-24"
    assert store.engine.state.tickets == {}  # the 24th's first stay closed when the clock jumped
    # Numbering on the real day carries on after the numbers it gave before the jump.
    assert [issue(store), issue(store, "b")] == ["1003", "B001"]
    store.close()
    store = open_store(small)  # a restart keeps all of it
    assert issue(store) == "1004"
    assert sorted(t.display for t in store.engine.state.tickets.values()) == ["1003", "1004", "B001"]
    # The next real day starts by itself and numbering restarts.
    clock.set(at("2026-11-25 07:00"))
    assert issue(store) == "1001"
    assert [e.data["day"] for e in store.events() if e.type == "day_started"] == [
        "2026-11-24", "2027-11-24", "2026-11-25",
    ]
    states = {
        (row["day"], row["display"]): row["state"]
        for row in store.db.query("SELECT day, display, state FROM tickets WHERE day != '2026-11-25'")
    }
    assert sorted(states) == [
        ("2026-11-24", "1001"), ("2026-11-24", "1002"),  # the first stay
        ("2026-11-24", "1003"), ("2026-11-24", "1004"), ("2026-11-24", "B001"),  # the second
        ("2027-11-24", "1001"), ("2027-11-24", "1002"), ("2027-11-24", "B001"),  # the future day
    ]
    assert set(states.values()) == {"expired"}


def test_a_clock_ahead_at_boot_and_the_future_day_reached_later(open_store, small, clock):
    # The Pi boots with a clock two days ahead and no network.
    clock.is_synced = False
    clock.set(at("2026-11-26 08:00"))
    store = open_store(small)
    assert [issue(store), issue(store)] == ["1001", "1002"]
    clock.set(at("2026-11-24 08:30"))
    clock.is_synced = True
    assert issue(store) == "1001"  # the real day never had a ticket: numbering starts
    assert store.engine.state.day == "2026-11-24"
    # Two days later the real clock reaches the day the office once visited: its numbers carry on.
    clock.set(at("2026-11-26 08:00"))
    assert issue(store) == "1003"
    assert store.engine.state.services["a"].issued_today == 3


def test_forward_jump_past_midnight_expires_the_old_day(open_store, small, clock):
    store = open_store(small)
    clock.set(at("2026-11-24 09:00"))
    issue(store)
    issue(store)
    store.execute(cmd.CallNext(1))
    store.execute(cmd.StartService(1))
    # The clock jumps forward 30 hours: the unserved tickets expire with an event each.
    clock.set(at("2026-11-25 15:00"))
    assert issue(store) == "1001"
    expired = [e.data["ticket_id"] for e in store.events() if e.type == "ticket_expired"]
    assert len(expired) == 2
    states = {row["display"]: row["state"] for row in store.db.query("SELECT display, state FROM tickets WHERE day = '2026-11-24'")}
    assert states == {"1001": "expired", "1002": "expired"}
    assert store.engine.ticket_at(1) is None


def test_business_day_across_daylight_saving_start():
    # New York springs forward on 2026-03-08 at 02:00 local.
    assert business_day(datetime(2026, 3, 8, 6, 59, tzinfo=timezone.utc), NEW_YORK, 2) == date(2026, 3, 7)  # 01:59 EST
    assert business_day(datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc), NEW_YORK, 2) == date(2026, 3, 8)  # 03:00 EDT
    assert business_day(datetime(2026, 3, 8, 5, 0, tzinfo=timezone.utc), NEW_YORK, 0) == date(2026, 3, 8)  # 00:00 EST


def test_business_day_across_daylight_saving_end():
    # Berlin falls back on 2026-10-25: 02:30 local happens twice; both belong to the 25th.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)  # 02:30 CET
    assert business_day(first, BERLIN, 2) == business_day(second, BERLIN, 2) == date(2026, 10, 25)
    assert business_day(datetime(2026, 10, 24, 23, 59, tzinfo=timezone.utc), BERLIN, 2) == date(2026, 10, 24)


def test_opening_hours_follow_local_time_across_dst(open_store, clock):
    config = small_config(site__timezone="Europe/Berlin")
    store = open_store(config)
    # Berlin's clocks go back on Sunday 25 October: 05:30 UTC is 07:30 on the 24th, 06:30 on the 25th.
    clock.set(datetime(2026, 10, 24, 5, 30, tzinfo=timezone.utc))  # 07:30 CEST: open
    assert issue(store) == "1001"
    clock.set(datetime(2026, 10, 25, 5, 30, tzinfo=timezone.utc))  # 06:30 CET: not yet open
    with pytest.raises(DomainError) as info:
        issue(store)
    assert info.value.code == "not_open_yet"
    clock.set(datetime(2026, 10, 25, 6, 0, tzinfo=timezone.utc))  # 07:00 CET: open, new day
    assert issue(store) == "1001"


def test_naive_time_is_an_error():
    with pytest.raises(ValueError):
        business_day(datetime(2026, 1, 1), BERLIN)


def test_system_clock_reads_real_values():
    clock = SystemClock()
    assert clock.now().tzinfo is not None
    assert clock.monotonic_ns() < clock.monotonic_ns()
    assert len(clock.boot_id) >= 32
    assert isinstance(clock.synced(), bool)
