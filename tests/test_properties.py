"""Property test: any sequence of operations, clock moves and restarts keeps the queue sound.

For every sequence hypothesis tries, through the real store on a real SQLite file:
no number is issued twice in a business day, every ticket is in exactly one
state (a final one once its day has closed), a counter never holds two tickets,
the event sequence has no gap, and the projections equal a replay of the events.
A rating has at most one reason, given only after a press counted as dissatisfied.

The clock is a fake one over a "real" time that only moves forward: it can fall
behind or run ahead (unsynchronised, or synchronised to a bad NTP answer) and be
synchronised again. The business day never moves back on an unsure clock; on a
synchronised one the office is on that clock's day after every command (so it
returns from a future day); each day's numbers of a daily-reset service are
``start``, ``start+1``, ... without a gap or a repeat, however often the day was
entered; and what a restart loads equals what the engine held.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections import Counter as Tally
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kiosk import commands as cmd
from kiosk.clock import FakeClock
from kiosk.engine import Engine
from kiosk.errors import DomainError
from kiosk.personal import Person
from kiosk.state import FINAL_STATES
from kiosk.store import Store, load_state, replay
from tests.conftest import at, small_config

pytestmark = pytest.mark.properties  # hypothesis, many examples: not in make test-fast

CONFIG = small_config(
    services=[
        {
            "id": "a",
            "name": {"vi": "Dịch vụ A"},
            "numbering": {"start": 1, "end": 30},
            "daily_cap": 25,
            "opening": {"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "hours": [["07:00", "12:00"], ["13:00", "17:00"]]},
            "results_later": True,
        },
        {
            "id": "b",
            "name": {"vi": "Dịch vụ B"},
            "numbering": {"prefix": "B", "start": 1, "end": 20, "reset_daily": False},
            "opening": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": [["06:00", "20:00"]]},
        },
    ],
    queue={"priority": "interleave", "priority_every": 2, "recalls_before_no_show": 1},
    names={"results_keep_days": 2},
)
COUNTERS = st.sampled_from([1, 2, 3])
SERVICES = st.sampled_from(["a", "b", "c"])  # "c" does not exist: a refusal
STATES = {"waiting", "called", "serving", "completed", "no_show", "expired"}
PROJECTIONS = {
    "tickets": "id",
    "counters": "number",
    "services": "id",
    "ratings": "ticket_id",
    "results": "id",
}


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-prop-"))
        self.real = at("2026-11-24 08:00")  # the true time; the clock reads real + offset
        self.offset = timedelta(0)
        self.clock = FakeClock(self.real)
        self.store = Store(self.folder / "kiosk.db", CONFIG, self.clock)
        self.issued: list[str] = []
        self.last_day: str | None = None  # the business day after the previous step

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _do(self, command: cmd.Command) -> None:
        try:
            self.store.execute(command)
        except DomainError:
            pass  # a refusal is a legal outcome; the invariants still hold
        # Every command rolls the day first: on a synchronised clock the office
        # is then on that clock's business day, forward or back.
        if self.clock.synced():
            assert self.store.engine.state.day == self.store.engine.business_day(self.clock.now()).isoformat()

    # -- operations --------------------------------------------------------

    @rule(service=SERVICES, priority=st.booleans())
    def issue(self, service: str, priority: bool) -> None:
        self._do(cmd.Issue(service, str(uuid.uuid4()), priority))

    @rule(service=SERVICES, group=st.sampled_from([None, "cao_tuoi", "benh", "vip"]))
    def issue_named(self, service: str, group: str | None) -> None:
        """A citizen who scanned their card (and maybe pressed a group's button)."""
        person = Person("Nguyễn Thị Hường", "1962-08-15")
        try:
            self.store.execute(cmd.Issue(service, str(uuid.uuid4()), group=group, named=True), person=person)
        except DomainError:
            pass

    @rule(counter=COUNTERS, number=st.sampled_from(["1", "2", "3", "B001", "7"]),
          day=st.sampled_from([None, "2026-11-24", "2026-11-25"]))
    def results_ready(self, counter: int, number: str, day: str | None) -> None:
        self._do(cmd.ResultsReady(counter, number, day))

    @rule(counter=COUNTERS, group=st.sampled_from(["0", "1", "5", "9", "cao_tuoi"]))
    def set_group(self, counter: int, group: str) -> None:
        self._do(cmd.SetGroup(counter, group))

    @rule(service=SERVICES, count=st.integers(2, 12))
    def rush(self, service: str, count: int) -> None:
        for _ in range(count):
            self._do(cmd.Issue(service, str(uuid.uuid4())))

    @rule(counter=COUNTERS)
    def call_next(self, counter: int) -> None:
        self._do(cmd.CallNext(counter))

    @rule(counter=COUNTERS, number=st.sampled_from(["1", "2", "3", "B001", "B002", "5", "99"]))
    def call_number(self, counter: int, number: str) -> None:
        self._do(cmd.CallNumber(counter, number))

    @rule(counter=COUNTERS)
    def recall(self, counter: int) -> None:
        self._do(cmd.Recall(counter))

    @rule(counter=COUNTERS)
    def no_show(self, counter: int) -> None:
        self._do(cmd.NoShow(counter))

    @rule(number=st.sampled_from(["1", "2", "B001", "3"]))
    def reactivate(self, number: str) -> None:
        self._do(cmd.Reactivate(number))

    @rule(counter=COUNTERS, service=SERVICES)
    def transfer(self, counter: int, service: str) -> None:
        self._do(cmd.Transfer(counter, service))

    @rule(counter=COUNTERS)
    def start(self, counter: int) -> None:
        self._do(cmd.StartService(counter))

    @rule(counter=COUNTERS)
    def complete(self, counter: int) -> None:
        self._do(cmd.Complete(counter))

    @rule(counter=COUNTERS, level=st.integers(1, 4))
    def rate(self, counter: int, level: int) -> None:
        self._do(cmd.Rate(counter, level))

    @rule(counter=COUNTERS, code=st.sampled_from(["000.00.31.H47-241130-0001", "1234", "bad code", ""]),
          source=st.sampled_from(["keypad", "scanner", "web", "fax"]))
    def attach_dossier(self, counter: int, code: str, source: str) -> None:
        self._do(cmd.AttachDossier(counter, code, source))

    @rule(counter=COUNTERS, action=st.sampled_from([cmd.Pause, cmd.Resume, cmd.CloseCounter, cmd.SignOut]))
    def counter_mode(self, counter: int, action: type) -> None:
        self._do(action(counter))

    @rule(counter=COUNTERS, officer=st.sampled_from(["11", "22", "33"]))
    def sign_in(self, counter: int, officer: str) -> None:
        self._do(cmd.SignIn(counter, officer))

    @rule()
    def tick(self) -> None:
        self._do(cmd.Tick())

    # -- time and restarts --------------------------------------------------

    def _set_clock(self) -> None:
        self.clock.set(self.real + self.offset)

    @rule(minutes=st.integers(1, 240))
    def time_passes(self, minutes: int) -> None:
        self.real += timedelta(minutes=minutes)
        self._set_clock()

    @rule(seconds=st.integers(1, 15))
    def seconds_pass(self, seconds: int) -> None:
        # Within a rating window or the reasons' few seconds, or just past them.
        self.real += timedelta(seconds=seconds)
        self._set_clock()

    @rule(minutes=st.integers(0, 600))
    def midnight_passes(self, minutes: int) -> None:
        local = self.real.astimezone(CONFIG.site.tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.real = midnight + timedelta(minutes=minutes)
        self._set_clock()

    @rule(hours=st.integers(1, 72))
    def clock_falls_behind(self, hours: int) -> None:
        # A Pi without an RTC boots with an old time: unsure until NTP answers.
        self.offset -= timedelta(hours=hours)
        self.clock.is_synced = False
        self._set_clock()

    # Whole days keep the time of day (services open), so the real clock later
    # reaches the day the office visited ahead of time.
    @rule(hours=st.one_of(st.sampled_from([24, 48]), st.integers(1, 72), st.integers(1, 24 * 400)),
          synced=st.booleans())
    def clock_runs_ahead(self, hours: int, synced: bool) -> None:
        # A technician's typo (unsynchronised) or a bad NTP answer (synchronised).
        self.offset = timedelta(hours=hours)
        self.clock.is_synced = synced
        self._set_clock()

    @rule()
    def clock_is_synchronised(self) -> None:
        self.offset = timedelta(0)
        self.clock.is_synced = True
        self._set_clock()

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = Store(self.folder / "kiosk.db", CONFIG, self.clock)

    # -- invariants -----------------------------------------------------------

    @invariant()
    def the_day_moves_back_only_on_a_synchronised_clock(self) -> None:
        day = self.store.engine.state.day
        if self.last_day is not None and day is not None and day < self.last_day:
            assert self.clock.synced()
            assert day == self.store.engine.business_day(self.clock.now()).isoformat()
            returned = [e for e in self.store.events() if e.type in ("day_started", "day_returned")][-1]
            assert returned.type == "day_returned" and returned.data["from_day"] == self.last_day
        self.last_day = day

    @invariant()
    def daily_numbers_run_from_start_without_a_gap(self) -> None:
        # Service "a" restarts at 1 every business day: however often a day was
        # entered (the clock ran ahead and came back), its numbers are 1..n.
        numbers: dict[str, list[int]] = {}
        for event in self.store.events():
            if event.type == "ticket_issued" and event.data["service"] == "a":
                numbers.setdefault(event.data["day"], []).append(event.data["number"])
        for day, issued in numbers.items():
            assert issued == list(range(1, len(issued) + 1)), day

    @invariant()
    def a_restart_loads_what_the_engine_held(self) -> None:
        assert Engine(CONFIG, load_state(self.store.db)).state == self.store.engine.state

    @invariant()
    def no_number_twice_in_a_day(self) -> None:
        issued = Tally(
            (e.data["day"], e.data["display"]) for e in self.store.events() if e.type == "ticket_issued"
        )
        assert not [key for key, count in issued.items() if count > 1]

    @invariant()
    def every_ticket_in_exactly_one_state(self) -> None:
        day = self.store.engine.state.day
        for row in self.store.db.query("SELECT id, day, state FROM tickets"):
            assert row["state"] in STATES
            if row["day"] != day:
                assert row["state"] in FINAL_STATES, row

    @invariant()
    def a_counter_holds_at_most_one_ticket(self) -> None:
        held = Tally(
            row["counter"]
            for row in self.store.db.query("SELECT counter FROM tickets WHERE state IN ('called', 'serving')")
        )
        assert all(count == 1 for count in held.values())
        for row in self.store.db.query("SELECT number, ticket_id FROM counters WHERE ticket_id IS NOT NULL"):
            ticket = self.store.db["tickets"].get(row["ticket_id"])
            assert ticket["state"] in ("called", "serving") and ticket["counter"] == row["number"]

    @invariant()
    def a_results_call_is_held_by_one_free_counter(self) -> None:
        for row in self.store.db.query("SELECT number, ticket_id, results_ticket FROM counters "
                                       "WHERE results_ticket IS NOT NULL"):
            assert row["ticket_id"] is None
            result = self.store.db["results"].get(row["results_ticket"])
            assert result["state"] == "awaiting" and result["counter"] == row["number"]

    @invariant()
    def names_are_kept_only_for_today_or_an_awaited_result(self) -> None:
        day = self.store.engine.state.day
        for row in self.store.db.query(
            "SELECT p.ticket_id, t.day, r.state FROM personal p LEFT JOIN tickets t ON t.id = p.ticket_id "
            "LEFT JOIN results r ON r.id = p.ticket_id"
        ):
            assert row["day"] == day or row["state"] == "awaiting", row
        for event in self.store.events():
            assert "Hường" not in json.dumps(event.data, ensure_ascii=False)

    @invariant()
    def at_most_one_reason_per_rating_and_only_after_a_dissatisfied_press(self) -> None:
        counted: dict[str, str] = {}
        reasons: Tally[str] = Tally()
        for event in self.store.events():
            if event.type == "rating_recorded":
                counted[event.data["ticket_id"]] = event.data["counted"]
            elif event.type == "rating_reason_recorded":
                assert counted.get(event.data["ticket_id"]) == "dissatisfied", event.data
                reasons[event.data["ticket_id"]] += 1
        assert all(count == 1 for count in reasons.values())

    @invariant()
    def events_have_no_gap(self) -> None:
        seqs = [row[0] for row in self.store.db.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))

    @invariant()
    def projections_equal_a_replay(self) -> None:
        rebuilt = replay(CONFIG, list(self.store.events()))
        for table, key in PROJECTIONS.items():
            stored = list(self.store.db.query(f"SELECT * FROM {table} ORDER BY {key}"))
            again = list(rebuilt.query(f"SELECT * FROM {table} ORDER BY {key}"))
            assert stored == again, table
        query = ("SELECT key, value FROM meta WHERE key IN ('day', 'next_queue_seq', 'day_opened_seq') "
                 "OR key LIKE 'numbers:%' ORDER BY key")
        assert list(self.store.db.execute(query)) == list(rebuilt.execute(query))


QueueMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestQueueProperties = QueueMachine.TestCase
