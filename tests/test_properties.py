"""Property test: any sequence of operations, clock moves and restarts keeps the queue sound.

For every sequence hypothesis tries, through the real store on a real SQLite file:
no number is issued twice in a business day, every ticket is in exactly one
state (a final one once its day has closed), a counter never holds two tickets,
the event sequence has no gap, and the projections equal a replay of the events.
"""

from __future__ import annotations

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
from kiosk.errors import DomainError
from kiosk.state import FINAL_STATES
from kiosk.store import Store, replay
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
        },
        {
            "id": "b",
            "name": {"vi": "Dịch vụ B"},
            "numbering": {"prefix": "B", "start": 1, "end": 20, "reset_daily": False},
            "opening": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": [["06:00", "20:00"]]},
        },
    ],
    queue={"priority": "interleave", "priority_every": 2, "recalls_before_no_show": 1},
)
COUNTERS = st.sampled_from([1, 2, 3])
SERVICES = st.sampled_from(["a", "b", "c"])  # "c" does not exist: a refusal
STATES = {"waiting", "called", "serving", "completed", "no_show", "expired"}
PROJECTIONS = {
    "tickets": "id",
    "counters": "number",
    "services": "id",
    "ratings": "ticket_id",
}


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-prop-"))
        self.clock = FakeClock(at("2026-11-24 08:00"))
        self.store = Store(self.folder / "kiosk.db", CONFIG, self.clock)
        self.issued: list[str] = []

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _do(self, command: cmd.Command) -> None:
        try:
            self.store.execute(command)
        except DomainError:
            pass  # a refusal is a legal outcome; the invariants still hold

    # -- operations --------------------------------------------------------

    @rule(service=SERVICES, priority=st.booleans())
    def issue(self, service: str, priority: bool) -> None:
        self._do(cmd.Issue(service, str(uuid.uuid4()), priority))

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

    @rule(minutes=st.integers(1, 240))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule(hours=st.integers(1, 72))
    def clock_jumps_back(self, hours: int) -> None:
        self.clock.advance(hours=-hours)

    @rule(minutes=st.integers(0, 600))
    def clock_jumps_past_midnight(self, minutes: int) -> None:
        local = self.clock.now().astimezone(CONFIG.site.tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.clock.set(midnight + timedelta(minutes=minutes))

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = Store(self.folder / "kiosk.db", CONFIG, self.clock)

    # -- invariants -----------------------------------------------------------

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
        for key in ("day", "next_queue_seq"):
            query = "SELECT value FROM meta WHERE key = ?"
            assert self.store.db.execute(query, [key]).fetchone() == rebuilt.execute(query, [key]).fetchone()


QueueMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestQueueProperties = QueueMachine.TestCase
