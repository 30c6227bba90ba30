"""The waiting-time estimate (kiosk/estimate.py): its rules, and the ticket, the heartbeat and the view agreeing.

Rules are driven through the real engine (commands at simulated times), so the
facts the estimate sees are the ones a running office has.
"""

from __future__ import annotations

import itertools
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import ImageChops

from drivers.printer.ticket import draw_line, layout_ticket
from kiosk import estimate
from kiosk.commands import CallNext, Complete, Issue, NoShow, Pause, Recall, SignIn
from kiosk.config import Config
from kiosk.engine import Engine, run
from kiosk.printing import ticket_view
from kiosk.store import Store
from kiosk.outbox import heartbeat_from_store, open_read_only
from kiosk.view import build_view
from tests.conftest import at, small_config

T0 = at("2026-11-24 08:00")  # a Tuesday; small_config's services are open 07:00-17:00
_ids = itertools.count(1)


def issue(engine: Engine, service: str = "a", now: datetime = T0, priority: bool = False) -> dict:
    """Issue a ticket; return its ticket_issued payload."""
    return run(engine, Issue(service, f"t{next(_ids)}", priority), now)[-1].data


def new_wait(engine: Engine, service: str = "a", now: datetime = T0, priority: bool = False) -> int | None:
    return engine.estimate(service, now, priority).minutes


def staffed_engine(config: Config, *counters: int) -> Engine:
    engine = Engine(config)
    for number in counters:
        run(engine, SignIn(number, str(100 + number)), T0)
    return engine


def wait_words(layout) -> tuple[str, str]:
    vi = " ".join(line.text for line in layout.lines if line.kind == "wait" and line.lang == "vi")
    en = " ".join(line.text for line in layout.lines if line.kind == "wait" and line.lang == "en")
    return vi, en


# -- staffed counters --------------------------------------------------------------------------


def test_only_staffed_counters_count():
    # Service a is listed by counters 1 and 2; only counter 1 has an officer.
    engine = staffed_engine(small_config(), 1)
    for _ in range(3):
        issue(engine)
    # Counter 1 alone: the 4th citizen is called after 3 x 10 configured minutes (the old rule divided by 2).
    assert new_wait(engine) == 30
    run(engine, SignIn(2, "102"), T0)
    assert new_wait(engine) == 10  # two counters: 0, 0, 10 for the first three; the 4th at 10
    run(engine, Pause(2), T0)  # a paused counter serves nobody, signed in or not
    assert new_wait(engine) == 30


def test_nobody_staffed_means_no_estimate():
    engine = Engine(small_config())
    data = issue(engine)
    assert data["wait_minutes"] is None
    view = ticket_view(engine.config, engine.state.tickets[data["ticket_id"]])
    assert wait_words(layout_ticket(view, 384)) == ("", "")  # the ticket prints no wait line


def test_a_counter_working_without_sign_in_counts_unless_officers_are_required():
    engine = Engine(small_config())
    for _ in range(3):
        issue(engine)
    assert new_wait(engine) is None
    run(engine, CallNext(1), T0)  # nobody signed in: allowed, and counter 1 is evidently working
    assert new_wait(engine) == 30  # free in 10 minutes, then two citizens ahead
    run(engine, Complete(1), T0 + timedelta(minutes=4))
    # Idle, but it called someone within the last ACTIVE_MINUTES: still taken as working.
    assert new_wait(engine, now=T0 + timedelta(minutes=5)) is not None
    assert new_wait(engine, now=T0 + timedelta(minutes=estimate.ACTIVE_MINUTES + 1)) is None
    strict = Engine(small_config(queue__require_officer=True))
    issue(strict)
    assert new_wait(strict) is None


# -- shared counters -----------------------------------------------------------------------------


def test_a_shared_counter_serves_each_service_by_its_real_load():
    # Counter 2 serves a and b, counter 1 only a, counter 3 (only b) is unstaffed.
    busy_b = staffed_engine(small_config(), 1, 2)
    for _ in range(6):
        issue(busy_b, "b")  # six b citizens came first: counter 2 is taken by them (6 minutes each)
    for _ in range(2):
        issue(busy_b, "a")
    # Counter 1 does a's work alone: the 3rd a citizen waits 2 x 10 minutes. Counting counter 2
    # as a whole counter for a (the old rule) said 10.
    assert new_wait(busy_b, "a") == 20

    quiet_b = staffed_engine(small_config(), 1, 2)
    for _ in range(2):
        issue(quiet_b, "a")
    issue(quiet_b, "b")
    # With little b work, counter 2 helps a: counters 1 and 2 call the two a citizens at once,
    # counter 2 the b citizen after 10 minutes, counter 1 the new a citizen at 10.
    assert new_wait(quiet_b, "a") == 10


def test_priority_tickets_ahead_and_the_interleaving_rule_are_followed():
    engine = staffed_engine(small_config(), 1)
    for _ in range(4):
        issue(engine)
    issue(engine, priority=True)
    # Counter 1 takes the priority ticket first (due at the start of the day), then the four
    # normal ones: a new normal ticket is the 6th call. A new priority ticket waits for the
    # two normal calls that must come between two priority ones: it is the 4th.
    assert new_wait(engine) == 50
    assert new_wait(engine, priority=True) == 30


# -- learning ---------------------------------------------------------------------------------


def serve(engine: Engine, counter: int, start: datetime, minutes: float, pause: float = 0.0) -> datetime:
    """Call the next citizen at ``start``, complete after ``minutes``; return when the next call comes."""
    run(engine, CallNext(counter), start)
    done = start + timedelta(minutes=minutes)
    run(engine, Complete(counter), done)
    return done + timedelta(minutes=pause)


def test_service_minutes_are_learnt_with_the_configured_minutes_as_prior():
    engine = staffed_engine(small_config(), 1)
    setup = estimate.Setup.from_config(engine.config)
    for _ in range(30):
        issue(engine)
    moment = T0
    learned = []
    for _ in range(25):
        moment = serve(engine, 1, moment, 3, pause=1)  # 4 minutes a citizen: 3 at the desk, 1 to call the next
        learned.append(estimate.learn(setup, estimate.facts_from_state(engine.state, moment)).minutes["a"])
    # The configured 10 minutes count as 3 citizens; the pause before the next call is counter time.
    # The last citizen's pause is not seen yet: the day's usual pause stands in for it.
    assert learned[0] == pytest.approx((3 * 10 + 3) / 4)  # no pause seen yet today
    assert learned[8] == pytest.approx((3 * 10 + 9 * 4) / 12)
    # Only the latest 20 citizens count, so the day's pace takes over.
    assert learned[-1] == pytest.approx((3 * 10 + 20 * 4) / 23)
    assert new_wait(engine, now=moment) == round(5 * (3 * 10 + 20 * 4) / 23)  # 5 waiting ahead, one counter


def test_a_long_pause_is_not_counted_as_work_and_no_shows_count():
    engine = staffed_engine(small_config(), 1)
    setup = estimate.Setup.from_config(engine.config)
    for _ in range(5):
        issue(engine)
    moment = serve(engine, 1, T0, 6, pause=1)
    moment = serve(engine, 1, moment, 6, pause=45)  # a meeting: the counter stood idle
    run(engine, CallNext(1), moment)
    run(engine, Recall(1), moment + timedelta(minutes=1))
    run(engine, NoShow(1), moment + timedelta(minutes=2))  # a no-show holds the counter 2 minutes
    learned = estimate.learn(setup, estimate.facts_from_state(engine.state, moment + timedelta(minutes=2)))
    assert learned.gap == 1
    assert learned.recent["a"] == (7, 7, 3)  # 6 + 1, 6 + the usual 1 (not 45), 2 + 1
    assert learned.minutes["a"] == pytest.approx((30 + 17) / 6)


def test_a_citizen_already_at_the_counter_is_counted_for_the_time_left():
    engine = staffed_engine(small_config(), 1)
    issue(engine)
    run(engine, CallNext(1), T0)
    issue(engine)
    # Called 8 of the usual 10 minutes ago: counter 1 is expected free in about 2 minutes; after
    # longer than usual, at least 15 % of the usual minutes remain.
    assert new_wait(engine, now=T0 + timedelta(minutes=8)) == 12
    assert new_wait(engine, now=T0 + timedelta(minutes=30)) == round(1.5 + 10)


def test_priority_tickets_still_to_come_are_counted_until_the_service_closes():
    setup = estimate.Setup.from_config(small_config())

    def wait(now: datetime) -> int | None:
        # Six priority citizens in the last 12 minutes, already served elsewhere; three normal
        # citizens waiting; counter 1 staffed and free.
        came = [estimate.TicketFacts(f"p{i}", "a", True, "completed", i, now - timedelta(minutes=12 - 2 * i))
                for i in range(6)]
        waiting = [estimate.TicketFacts(f"n{i}", "a", False, "waiting", 10 + i, now - timedelta(minutes=1))
                   for i in range(3)]
        facts = estimate.Facts(now, tuple(came + waiting), (estimate.CounterFacts(1, officer="101"),))
        return estimate.new_ticket_wait(setup, facts, "a", False, 20)

    # Priority citizens keep coming (6 over the 15 minutes the rate is taken on at least): one is
    # called after every two normal calls, so the new citizen waits 40 + 10 minutes, not 30.
    assert wait(T0) == 50
    # Three minutes before the service closes (17:00) only one more is expected.
    assert wait(at("2026-11-24 16:57")) == 40
    # Without the stream, three calls ahead.
    setup_no_stream = estimate.Facts(T0, (), (estimate.CounterFacts(1, officer="101"),))
    assert estimate.new_ticket_wait(setup, setup_no_stream, "a", False, 1) == 0


# -- the range ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(None, None), (0, (0, 5)), (2, (0, 5)), (3, (0, 10)), (4, (0, 10)), (5, (5, 10)), (12, (10, 20)),
     (20, (15, 30)), (45, (35, 60)), (60, (50, 80)), (100, (80, 130)), (200, (170, 270))],
)
def test_the_range_shown(minutes, shown):
    assert estimate.wait_range(minutes) == shown


def test_every_range_holds_its_estimate_and_grows_with_it():
    previous = (0, 0)
    for minutes in range(0, 601):
        low, high = estimate.wait_range(minutes)
        assert low <= minutes < high and low % 5 == 0 and high % 5 == 0
        assert low >= previous[0] and high >= previous[1]
        previous = (low, high)


def test_the_ticket_prints_the_range_in_vietnamese_then_english():
    engine = staffed_engine(small_config(), 1)
    issue(engine)
    data = issue(engine)  # one ahead, counter 1 free: called after the first citizen's 10 minutes
    assert data["wait_minutes"] == 10
    layout = layout_ticket(ticket_view(engine.config, engine.state.tickets[data["ticket_id"]]), 576)
    assert wait_words(layout) == ("Thời gian chờ dự kiến: khoảng 5–20 phút", "Estimated wait: about 5–20 min")
    assert all(unicodedata.is_normalized("NFC", text) for text in wait_words(layout))
    free = issue(staffed_engine(small_config(), 1, 2))  # a counter is free: called at once
    short = layout_ticket(ticket_view(small_config(), _ticket(free)), 384)
    assert wait_words(short) == ("Thời gian chờ dự kiến: dưới 5 phút", "Estimated wait: under 5 min")


def _ticket(data: dict):
    from kiosk.state import Ticket

    return Ticket(id=data["ticket_id"], day=data["day"], service=data["service"], number=data["number"],
                  display=data["display"], priority=data["priority"], issued_at=data["at"],
                  queue_seq=data["queue_seq"], ahead=data["ahead"], wait_minutes=data["wait_minutes"])


def _ink(text: str) -> tuple[int, int, int, int]:
    """Where ``text`` puts ink on a ticket line (bold, 23 dots: the Vietnamese wait line)."""
    return ImageChops.invert(draw_line(text, 23, True).convert("L")).getbbox()


def test_the_en_dash_is_drawn_as_a_dash_on_the_ticket():
    # DejaVu Sans has the en dash: a short bar at mid-height, not the box of a missing glyph.
    left, top, right, bottom = _ink("–")
    assert right - left >= 3 * (bottom - top) and bottom - top <= 4
    _, digit_top, _, digit_bottom = _ink("1")
    assert digit_top < top and bottom < digit_bottom
    missing = _ink("\uffff")  # no font has it: what a missing glyph looks like
    assert missing[3] - missing[1] > 3 * (bottom - top)


# -- one estimate everywhere ------------------------------------------------------------------


def test_ticket_heartbeat_and_view_agree_for_the_same_ticket(tmp_path: Path):
    from kiosk.clock import FakeClock

    config = small_config()
    clock = FakeClock(T0)
    store = Store(tmp_path / "kiosk.db", config, clock)
    try:
        for counter in (1, 2):
            store.execute(SignIn(counter, str(100 + counter)))
        for i in range(8):
            store.execute(Issue("a" if i % 3 else "b", f"early-{i}", priority=i == 5))
            clock.advance(minutes=1)
        for counter in (1, 2):
            store.execute(CallNext(counter))
        clock.advance(minutes=7)
        store.execute(Complete(1))
        clock.advance(minutes=1)
        store.execute(CallNext(1))
        store.execute(Issue("a", "mine"))
        mine = store.engine.state.tickets["mine"]
        printed = wait_words(layout_ticket(ticket_view(config, mine), 576))
        conn = open_read_only(tmp_path / "kiosk.db")
        try:
            beat = heartbeat_from_store(conn, 0, config, now=clock.now())
        finally:
            conn.close()
        sent = next(t for t in beat["tickets"] if t["ticket_id"] == "mine")
        row = next(r for r in build_view(store.engine, clock.now(), 1).queue if r.number == mine.display)
        assert mine.wait_minutes is not None and mine.wait_minutes > 10
        assert sent["wait_minutes"] == row.wait_minutes == mine.wait_minutes
        low, high = estimate.wait_range(sent["wait_minutes"])
        assert row.wait_range == (low, high)
        assert printed[0] == f"Thời gian chờ dự kiến: khoảng {low}–{high} phút"
        # Later, every waiting ticket: the heartbeat (from the store's rows) and the view (from the
        # engine's state) give the same figures.
        clock.advance(minutes=4)
        conn = open_read_only(tmp_path / "kiosk.db")
        try:
            beat = heartbeat_from_store(conn, 0, config, now=clock.now())
        finally:
            conn.close()
        view = build_view(store.engine, clock.now(), 2)
        by_number = {r.number: r.wait_minutes for r in view.queue if r.state == "waiting"}
        assert {t["display"]: t["wait_minutes"] for t in beat["tickets"] if t["state"] == "waiting"} == by_number
        assert len(by_number) >= 5 and all(m is not None for m in by_number.values())
    finally:
        store.close()


def test_facts_from_the_store_rows_equal_facts_from_the_state(tmp_path: Path):
    from kiosk.clock import FakeClock

    config = small_config()
    clock = FakeClock(T0)
    store = Store(tmp_path / "kiosk.db", config, clock)
    try:
        store.execute(SignIn(1, "101"))
        for i in range(4):
            store.execute(Issue("a", f"x{i}", priority=i == 2))
            clock.advance(minutes=2)
        store.execute(CallNext(1))
        clock.advance(minutes=3)
        store.execute(Complete(1))
        conn = open_read_only(tmp_path / "kiosk.db")
        try:
            rows = [dict(r) for r in conn.execute("SELECT * FROM tickets")]
            counters = [dict(r) for r in conn.execute("SELECT * FROM counters")]
        finally:
            conn.close()
        from_rows = estimate.facts_from_records(rows, counters, clock.now())
        from_state = estimate.facts_from_state(store.engine.state, clock.now())
        assert from_rows.tickets == from_state.tickets
        # Counters no event touched have no row yet: the estimate takes them as the defaults they are.
        assert set(from_rows.counters) <= set(from_state.counters)
        setup = estimate.Setup.from_config(config)
        assert estimate.waits(setup, from_rows) == estimate.waits(setup, from_state)
    finally:
        store.close()


def test_the_engines_cached_facts_equal_facts_from_the_state_through_a_day():
    engine = Engine(small_config())
    run(engine, SignIn(1, "0001"), T0)
    moment = T0
    steps = [Issue("a", "t1"), Issue("b", "t2", True), Issue("a", "t3"), CallNext(1), Complete(1), CallNext(1),
             NoShow(1), Issue("a", "t4"), Pause(2), CallNext(1)]
    for step in steps:
        moment += timedelta(minutes=3)
        run(engine, step, moment)
        assert engine.facts(moment) == estimate.facts_from_state(engine.state, moment)
    tomorrow = moment + timedelta(days=1)
    run(engine, Issue("a", "t5"), tomorrow)  # a new day: yesterday's tickets are gone from both
    assert engine.facts(tomorrow) == estimate.facts_from_state(engine.state, tomorrow)
    assert [t.id for t in engine.facts(tomorrow).tickets] == ["t5"]


def test_a_ticket_refuses_a_range_that_is_not_one():
    from drivers.printer.ticket import sample_view

    for bad in ((20, 10), (-5, 10), (10, 10)):
        with pytest.raises(ValueError, match="wait_range"):
            sample_view(wait_range=bad)
    assert sample_view(wait_range=[10, 20]).wait_range == (10, 20)
