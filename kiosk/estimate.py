"""The waiting-time estimate: one rule for the ticket, the office's pages and the public ticket page.

Pure: no I/O and no clock reads; the time and the queue's facts are passed in.
The engine builds the facts from its state (:class:`StateFacts`, the cached
form of :func:`facts_from_state`) when it issues a ticket and when the view is built; the sync worker builds the same
facts from the store's rows (:func:`facts_from_records`) for its heartbeat. The
store's rows are the engine's state written out (a replay of the events gives
both), so the ticket, the pages and the QR page show the same figure.

How a wait is estimated (docs/queue-rules.md, "Estimated wait"):

1. *Minutes per citizen*, per service (:func:`learn`): the counter time of each
   citizen served today (call to completion or no-show, plus the pause before
   that counter's next call), the last :data:`RECENT` of them, averaged with
   the configured ``expected_minutes`` counted as :data:`PRIOR_WEIGHT` citizens.
2. *Staffed counters* only (:func:`staffed`): open, and an officer signed in
   (or the counter holds a ticket, or called one in the last
   :data:`ACTIVE_MINUTES`).
3. *Who is called when* (:func:`waits`, :func:`new_ticket_wait`): the staffed
   counters are played forward, calling the waiting tickets by the queue's own
   rules (priority interleaving or strict, longest waiting or counter order),
   each citizen taking their service's minutes, while tickets keep arriving at
   the recent rate until the service closes. A counter shared by several
   services is thereby shared by their real load: it takes whichever waiting
   ticket the rules give it. A ticket's wait is the time until it is called.
4. *The range* (:func:`wait_range`): from the minutes alone, so that every place
   given the minutes (the QR page gets only those) shows the same words.

The constants below were set on bench/bench_estimate.py's simulated mornings.
"""

from __future__ import annotations

import heapq
import statistics
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from kiosk.config import WEEKDAYS

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.state import State

#: The configured minutes count as this many citizens already served.
PRIOR_WEIGHT = 3.0
#: How many of a service's latest citizens feed its minutes.
RECENT = 20
#: A pause longer than this between a finish and the counter's next call is idleness, not work.
GAP_CAP_MINUTES = 5.0
#: A counter with nobody signed in counts as staffed this long after its last call.
ACTIVE_MINUTES = 10.0
#: Arrivals are counted over this much of the recent past ...
ARRIVAL_WINDOW_MINUTES = 30.0
#: ... and never over less than this (two early tickets are not a rush) ...
MIN_ARRIVAL_WINDOW_MINUTES = 15.0
#: ... and the rate found is trusted this far ahead (and never past the service's closing).
ARRIVAL_HORIZON_MINUTES = 60.0
#: A citizen already at a counter longer than the usual minutes has at least this share left.
MIN_RESIDUAL_SHARE = 0.15
#: Waits beyond this are "unknown": the office will not get there today.
HORIZON_MINUTES = 10 * 60.0

#: The id of the ticket being issued, in :func:`new_ticket_wait`'s simulation.
_NEW = "\x00new"


@dataclass(frozen=True)
class Setup:
    """What the estimate takes from the office's configuration."""

    prior_minutes: tuple[tuple[str, float], ...]  # (service id, expected_minutes)
    counters: tuple[tuple[int, tuple[str, ...]], ...]  # (number, services in the counter's order)
    priority: str = "interleave"
    priority_every: int = 2
    across_services: str = "longest_waiting"
    require_officer: bool = False
    tz: tzinfo = timezone.utc
    # (service id, weekdays, opening periods): when tickets still come
    hours: tuple[tuple[str, tuple[str, ...], tuple[tuple[time, time], ...]], ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> Setup:
        """The estimate's part of ``config``."""
        return cls(
            prior_minutes=tuple((s.id, float(s.expected_minutes)) for s in config.services),
            counters=tuple((c.number, tuple(c.services)) for c in config.counters),
            priority=config.queue.priority,
            priority_every=config.queue.priority_every,
            across_services=config.queue.across_services,
            require_officer=config.queue.require_officer,
            tz=config.site.tz,
            hours=tuple((s.id, tuple(s.opening.days), tuple(s.opening.periods())) for s in config.services),
        )


@dataclass(frozen=True)
class TicketFacts:
    """One ticket of the day, as the estimate sees it."""

    id: str
    service: str
    priority: bool
    state: str
    queue_seq: int
    issued_at: datetime
    counter: int | None = None
    called_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class CounterFacts:
    """One counter's live state, as the estimate sees it."""

    number: int
    mode: str = "open"
    officer: str | None = None
    ticket_id: str | None = None
    calls_since_priority: int | None = None


@dataclass(frozen=True)
class Facts:
    """The day's tickets and the counters at ``now``."""

    now: datetime
    tickets: tuple[TicketFacts, ...]
    counters: tuple[CounterFacts, ...]


@dataclass(frozen=True)
class Learned:
    """Minutes per citizen of each service, and the usual pause before a counter's next call."""

    minutes: dict[str, float]
    gap: float
    recent: dict[str, tuple[float, ...]]  # the latest citizens' minutes, per service

    def remaining(self, service: str, elapsed: float) -> float:
        """Minutes left for a citizen of ``service`` called ``elapsed`` minutes ago.

        The mean of what was left to today's citizens who took longer than
        ``elapsed``, with the usual minutes less ``elapsed`` as the prior: a long
        service is likely to go on a while, a typical one to end soon.
        """
        usual = self.minutes[service]
        prior = max(usual - elapsed, MIN_RESIDUAL_SHARE * usual)
        longer = [m - elapsed for m in self.recent.get(service, ()) if m > elapsed]
        return (PRIOR_WEIGHT * prior + sum(longer)) / (PRIOR_WEIGHT + len(longer))


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _ticket_facts(t: Mapping[str, Any]) -> TicketFacts:
    return TicketFacts(
        id=t["id"],
        service=t["service"],
        priority=bool(t["priority"]),
        state=t["state"],
        queue_seq=int(t["queue_seq"]),
        issued_at=_time(t["issued_at"]),  # type: ignore[arg-type]
        counter=t["counter"],
        called_at=_time(t["called_at"]),
        finished_at=_time(t["finished_at"]),
    )


def _counter_facts(c: Mapping[str, Any]) -> CounterFacts:
    return CounterFacts(c["number"], c["mode"], c["officer"], c["ticket_id"], c["calls_since_priority"])


def _facts(now: datetime, tickets: Iterable[TicketFacts], counters: Iterable[CounterFacts]) -> Facts:
    return Facts(now, tuple(sorted(tickets, key=lambda t: t.queue_seq)),
                 tuple(sorted(counters, key=lambda c: c.number)))


def facts_from_records(
    tickets: Iterable[Mapping[str, Any]], counters: Iterable[Mapping[str, Any]], now: datetime
) -> Facts:
    """Facts from ticket and counter records: the store's rows or the state's objects as dicts.

    ``tickets`` must be the current business day's (all states).
    """
    return _facts(now, map(_ticket_facts, tickets), map(_counter_facts, counters))


def facts_from_state(state: State, now: datetime) -> Facts:
    """Facts from the engine's state (the same as from the store's rows of its day)."""
    return facts_from_records(
        (vars(t) for t in state.tickets.values()), (vars(c) for c in state.counters.values()), now
    )


class StateFacts:
    """:func:`facts_from_state`, converting again only the tickets that changed since the last call.

    The engine thread needs the facts for every ticket it issues and every view
    it publishes; converting the whole day's tickets each time (their times
    parsed from text) made a press late in a busy day cost milliseconds.
    """

    def __init__(self) -> None:
        self._tickets: dict[str, tuple[tuple[Any, ...], TicketFacts]] = {}

    def of(self, state: State, now: datetime) -> Facts:
        """The same facts as ``facts_from_state(state, now)``."""
        known, current = self._tickets, {}
        for t in state.tickets.values():
            key = (t.service, t.priority, t.state, t.queue_seq, t.issued_at, t.counter, t.called_at, t.finished_at)
            cached = known.get(t.id)
            current[t.id] = cached if cached is not None and cached[0] == key else (key, _ticket_facts(vars(t)))
        self._tickets = current  # tickets of a closed day are dropped with it
        return _facts(now, (facts for _, facts in current.values()), map(_counter_facts, map(vars, state.counters.values())))


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def learn(setup: Setup, facts: Facts) -> Learned:
    """Today's minutes per citizen of each service, the configured minutes as the prior."""
    by_counter: dict[int, list[TicketFacts]] = {}
    for t in facts.tickets:
        if t.counter is not None and t.called_at is not None:
            by_counter.setdefault(t.counter, []).append(t)
    own_gap: dict[str, float] = {}
    for called in by_counter.values():
        called.sort(key=lambda t: (t.called_at, t.queue_seq))
        for a, b in zip(called, called[1:]):
            if a.finished_at is not None and b.called_at is not None:
                gap = _minutes(b.called_at, a.finished_at)
                if 0 <= gap <= GAP_CAP_MINUTES:
                    own_gap[a.id] = gap
    usual_gap = statistics.median(own_gap.values()) if own_gap else 0.0
    samples: dict[str, list[tuple[datetime, float]]] = {}
    for t in facts.tickets:
        if t.state in ("completed", "no_show") and t.counter is not None and t.called_at and t.finished_at:
            at_counter = max(0.0, _minutes(t.finished_at, t.called_at))
            samples.setdefault(t.service, []).append((t.finished_at, at_counter + own_gap.get(t.id, usual_gap)))
    minutes: dict[str, float] = {}
    kept: dict[str, tuple[float, ...]] = {}
    for service, prior in setup.prior_minutes:
        recent = [m for _, m in sorted(samples.get(service, []), key=lambda s: s[0])[-RECENT:]]
        # One citizen kept for an hour (a lunch break with the ticket held) must not swamp the rest.
        cap = max(4 * prior, 60.0)
        values = [min(m, cap) for m in recent]
        minutes[service] = (PRIOR_WEIGHT * prior + sum(values)) / (PRIOR_WEIGHT + len(values))
        kept[service] = tuple(values)
    return Learned(minutes, usual_gap, kept)


def staffed(setup: Setup, facts: Facts) -> list[int]:
    """The counters that are serving: open, and someone signed in there.

    Where counters may call with nobody signed in (``queue.require_officer =
    false``), a counter that holds a ticket or called one in the last
    :data:`ACTIVE_MINUTES` is serving too.
    """
    live = {c.number: c for c in facts.counters}
    last_call: dict[int, datetime] = {}
    for t in facts.tickets:
        if t.counter is not None and t.called_at is not None:
            if t.counter not in last_call or t.called_at > last_call[t.counter]:
                last_call[t.counter] = t.called_at
    found = []
    for number, _ in setup.counters:
        counter = live.get(number, CounterFacts(number))
        if counter.mode != "open":
            continue
        if counter.officer is not None:
            found.append(number)
        elif not setup.require_officer:
            recent = number in last_call and _minutes(facts.now, last_call[number]) <= ACTIVE_MINUTES
            if counter.ticket_id is not None or recent:
                found.append(number)
    return found


def _arrival_rates(facts: Facts) -> dict[tuple[str, bool], float]:
    """Tickets issued per minute over the recent past, per service and priority.

    Later tickets matter: a priority ticket is called before the normal ones
    already waiting, later normal tickets take a counter's turns from priority
    ones, and under ``counter_order`` a counter's first service goes first. The
    tickets issued at ``now`` itself are left out, so that the ticket being
    issued and the same ticket a moment later get the same estimate.
    """
    issued = [t for t in facts.tickets if t.issued_at < facts.now]
    if not issued:
        return {}
    first = min(t.issued_at for t in issued)
    span = max(MIN_ARRIVAL_WINDOW_MINUTES, min(ARRIVAL_WINDOW_MINUTES, _minutes(facts.now, first)))
    counts: dict[tuple[str, bool], int] = {}
    for t in issued:
        if _minutes(facts.now, t.issued_at) <= ARRIVAL_WINDOW_MINUTES:
            counts[(t.service, t.priority)] = counts.get((t.service, t.priority), 0) + 1
    return {key: count / span for key, count in counts.items()}


def _closing(setup: Setup, now: datetime) -> dict[str, float]:
    """Minutes from ``now`` until each open service stops issuing (the end of its current opening period)."""
    local = now.astimezone(setup.tz)
    weekday = WEEKDAYS[local.weekday()]
    found: dict[str, float] = {}
    for service, weekdays, periods in setup.hours:
        if weekday not in weekdays:
            continue
        for start, end in periods:
            if start <= local.time() < end:
                closes = datetime.combine(local.date(), end, tzinfo=setup.tz)
                found[service] = _minutes(closes, local)
    return found


def _simulate(setup: Setup, facts: Facts, extra: TicketFacts | None = None) -> dict[str, float]:
    """Minutes from ``facts.now`` until each waiting ticket (and ``extra``) is called.

    Deterministic: the staffed counters, each free at its expected time, take
    tickets by the engine's rule for *next*; every citizen takes their service's
    learnt minutes; tickets still to come are spread evenly at the recent rate.
    Tickets no staffed counter would call within :data:`HORIZON_MINUTES` are left out.
    """
    learned = learn(setup, facts)
    minutes = learned.minutes
    services_of = dict(setup.counters)
    by_id = {t.id: t for t in facts.tickets}
    staffed_numbers = staffed(setup, facts)
    waiting = [t for t in facts.tickets if t.state == "waiting" and t.service in minutes]
    if extra is not None:
        waiting.append(extra)
    waiting.sort(key=lambda t: t.queue_seq)
    queues: dict[tuple[str, bool], deque[tuple[int, str]]] = {}
    for service in minutes:
        queues[(service, False)], queues[(service, True)] = deque(), deque()
    for t in waiting:
        queues[(t.service, t.priority)].append((t.queue_seq, t.id))
    reachable = {s for n in staffed_numbers for s in services_of[n]}
    targets = {t.id for t in waiting if t.service in reachable}

    # Tickets still to come, evenly spaced at the recent rate, queued after every real one;
    # none once the service closes (for lunch or the day), nor past the horizon.
    closing = _closing(setup, facts.now)
    until = {key: min(closing[key[0]], ARRIVAL_HORIZON_MINUTES) for key in queues if key[0] in closing}
    rates = {key: rate for key, rate in _arrival_rates(facts).items() if key in queues and key[0] in closing}
    arrivals = [(0.5 / rate, key) for key, rate in rates.items() if 0.5 / rate < until[key]]
    heapq.heapify(arrivals)
    next_seq = max((t.queue_seq for t in waiting), default=0) + 1

    live = {c.number: c for c in facts.counters}
    last_finish: dict[int, datetime] = {}
    for t in facts.tickets:
        if t.counter is not None and t.finished_at is not None and t.called_at is not None:
            if t.counter not in last_finish or t.finished_at > last_finish[t.counter]:
                last_finish[t.counter] = t.finished_at
    since_priority: dict[int, int | None] = {}
    free: list[tuple[float, int]] = []
    for number in staffed_numbers:
        counter = live.get(number, CounterFacts(number))
        held = by_id.get(counter.ticket_id) if counter.ticket_id else None
        if held is not None and held.called_at is not None and held.service in minutes:
            at = learned.remaining(held.service, max(0.0, _minutes(facts.now, held.called_at)))
        elif number in last_finish:
            at = max(0.0, learned.gap - _minutes(facts.now, last_finish[number]))
        else:
            at = 0.0
        heapq.heappush(free, (at, number))
        since_priority[number] = counter.calls_since_priority

    called: dict[str, float] = {}
    while free and targets:
        at, number = heapq.heappop(free)
        if at > HORIZON_MINUTES:
            break
        while arrivals and arrivals[0][0] <= at:
            when, key = heapq.heappop(arrivals)
            queues[key].append((next_seq, ""))
            next_seq += 1
            if when + 1 / rates[key] < until[key]:
                heapq.heappush(arrivals, (when + 1 / rates[key], key))
        served = [s for s in services_of[number] if s in minutes]
        key = _choose(setup, queues, served, since_priority[number])
        if key is None:
            # Idle until a ticket it may take arrives (if any kind still arrives).
            coming = [when for when, k in arrivals if k[0] in served]
            if coming:
                heapq.heappush(free, (min(coming), number))
            continue
        _, ticket_id = queues[key].popleft()
        if ticket_id in targets:
            called[ticket_id] = at
            targets.discard(ticket_id)
        service, priority = key
        if priority:
            since_priority[number] = 0
        elif since_priority[number] is not None:
            since_priority[number] = since_priority[number] + 1  # type: ignore[operator]
        heapq.heappush(free, (at + minutes[service], number))
    return called


def _choose(
    setup: Setup, queues: dict[tuple[str, bool], deque[tuple[int, str]]], served: list[str], since: int | None
) -> tuple[str, bool] | None:
    """The queue a free counter takes its next ticket from: the engine's rule for *next*."""
    has_priority = any(queues[(s, True)] for s in served)
    has_normal = any(queues[(s, False)] for s in served)
    if not has_priority and not has_normal:
        return None
    if setup.priority == "strict":
        take_priority = has_priority
    else:
        due = since is None or since >= setup.priority_every
        take_priority = has_priority and (due or not has_normal)
    candidates = [(s, take_priority) for s in served if queues[(s, take_priority)]]
    if setup.across_services == "counter_order":
        return candidates[0]
    return min(candidates, key=lambda key: queues[key][0][0])


def _round(minutes: float) -> int:
    return int(minutes + 0.5)


def waits(setup: Setup, facts: Facts) -> dict[str, int | None]:
    """Estimated minutes until each waiting ticket is called (None: no staffed counter will call it)."""
    called = _simulate(setup, facts)
    return {t.id: (_round(called[t.id]) if t.id in called else None) for t in facts.tickets if t.state == "waiting"}


def new_ticket_wait(setup: Setup, facts: Facts, service: str, priority: bool, queue_seq: int) -> int | None:
    """Estimated minutes for a ticket of ``service`` issued at ``facts.now`` with ``queue_seq``."""
    ticket = TicketFacts(_NEW, service, priority, "waiting", queue_seq, facts.now)
    called = _simulate(setup, facts, ticket)
    return _round(called[_NEW]) if _NEW in called else None


# -- what is shown ---------------------------------------------------------------------

#: Estimates below these are shown as "under 5 minutes" and "under 10 minutes".
UNDER_5, UNDER_10 = 3, 5


def _step(minutes: float) -> int:
    """The rounding of a shown figure: to 5 minutes up to an hour, 10 up to three hours, then 30."""
    return 5 if minutes <= 60 else 10 if minutes <= 180 else 30


def wait_range(minutes: int | None) -> tuple[int, int] | None:
    """The range shown for an estimate of ``minutes``: (low, high); low 0 means "under high".

    From the minutes alone, so that the ticket, the pages and the QR page
    (which is sent only the minutes) always show the same words. The spread
    comes from bench/bench_estimate.py's simulated mornings (estimates of 5
    minutes or more, 30 mornings of each kind): 3-7 % of citizens waited past
    the high end (1.2 x the estimate + 4 minutes, rounded up), 13-25 % less than
    the low end (0.85 x the estimate, rounded down).
    """
    if minutes is None:
        return None
    if minutes < UNDER_5:
        return 0, 5
    if minutes < UNDER_10:
        return 0, 10
    low, high = 0.85 * minutes, 1.2 * minutes + 4
    low_step, high_step = _step(low), _step(high)
    return max(5, int(low // low_step) * low_step), -(-int(high) // high_step) * high_step
