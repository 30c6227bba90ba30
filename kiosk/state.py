"""The queue's state and how each event changes it (the projections, in memory).

:func:`apply` folds one event into a :class:`State` through :data:`APPLY`, the
table of every event type the engine emits; replaying the ``events`` table
through it rebuilds the store's projections exactly. Nothing here decides
anything: the rules are in :mod:`kiosk.engine`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

TicketState = Literal["waiting", "called", "serving", "completed", "no_show", "expired"]
FINAL_STATES: frozenset[str] = frozenset({"completed", "no_show", "expired"})
CounterMode = Literal["open", "paused", "closed"]


# ---------------------------------------------------------------------------
# Events: what happened. The payload holds everything ``apply`` needs.


@dataclass(frozen=True)
class Event:
    """One change: a type and a JSON-serialisable payload."""

    type: str
    data: dict[str, Any]


# ---------------------------------------------------------------------------
# State: the projections, held in memory.


@dataclass
class Ticket:
    """One ticket of the current business day."""

    id: str
    day: str
    service: str
    number: int
    display: str
    priority: bool
    issued_at: str
    queue_seq: int
    state: TicketState = "waiting"
    counter: int | None = None
    officer: str | None = None
    called_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    recalls: int = 0
    transfers: int = 0
    ahead: int = 0
    wait_minutes: int | None = 0  # the estimate printed (kiosk.estimate); None: no staffed counter
    rating: int | None = None
    # None: with the printer, no report yet (at a start the office records an unknown one as False);
    # False: the print failed or its outcome is unknown, an officer may reprint; True: printed.
    printed: bool | None = None
    named: bool = False  # a scanned card's name goes with it (the name itself: kiosk.personal)
    grp: str | None = None  # the priority group ("group" is an SQL keyword)
    dossier: str | None = None  # the dossier code (mã hồ sơ) attached last


@dataclass
class Result:
    """A served ticket whose result is handed over later (a ``results_later`` service).

    It outlives its day: ``awaiting`` until handed over, or until ``keep_until``
    (a day) has passed (``expired``). A handed-over one stays in memory for the
    rest of the day, for the rating that follows.
    """

    id: str
    day: str
    service: str
    number: int
    display: str
    named: bool
    officer: str | None
    completed_at: str
    keep_until: str
    state: Literal["awaiting", "handed_over", "expired"] = "awaiting"
    counter: int | None = None  # the counter calling it now
    recalls: int = 0
    handed_at: str | None = None
    called_at: str | None = None
    dossier: str | None = None  # the dossier code (mã hồ sơ), from its ticket or attached at the handover


@dataclass
class CounterState:
    """One counter's live state."""

    number: int
    mode: CounterMode = "open"
    officer: str | None = None
    ticket_id: str | None = None
    # Normal calls since the last priority call; None: no priority call yet today.
    calls_since_priority: int | None = None
    rating_ticket: str | None = None
    rating_until: str | None = None
    ignored_rating_presses: int = 0
    results_ticket: str | None = None  # the result it is calling the citizen to collect
    # After a press counted as dissatisfied: the rating's ticket while the reasons are offered, and until when.
    reason_ticket: str | None = None
    reason_until: str | None = None
    # The ticket (or result) it completed (handed over) last, and when: a dossier code may still follow.
    finished_ticket: str | None = None
    finished_at: str | None = None


@dataclass
class ServiceState:
    """A service's numbering: last number issued and tickets issued today."""

    id: str
    last_number: int | None = None
    issued_today: int = 0


@dataclass
class Rating:
    """One recorded rating."""

    ticket_id: str
    day: str
    service: str
    counter: int
    officer: str | None
    level: int
    at: str
    counted: str | None = None  # very_satisfied, satisfied or dissatisfied; None: recorded before the kiosk said
    reason: str | None = None  # the reason id a dissatisfied citizen gave


@dataclass
class State:
    """Everything the engine decides from. ``tickets`` holds the current day only.

    A day can be entered more than once: a clock that ran ahead moved the office
    into a later day, and the office returned to the real day (``day_returned``)
    or, later, reached that later day again. ``day_numbers`` keeps, for every
    day the office has left, each service's tickets issued that day and its last
    number, so that numbering on such a day carries on instead of giving a
    number twice. ``day_opened_seq`` is ``next_queue_seq`` when the current stay
    began: the tickets of an earlier stay on the same day are not loaded.
    """

    day: str | None = None
    next_queue_seq: int = 1
    tickets: dict[str, Ticket] = field(default_factory=dict)
    counters: dict[int, CounterState] = field(default_factory=dict)
    services: dict[str, ServiceState] = field(default_factory=dict)
    ratings: dict[str, Rating] = field(default_factory=dict)
    day_numbers: dict[str, dict[str, DayNumbers]] = field(default_factory=dict)
    day_opened_seq: int = 0
    results: dict[str, Result] = field(default_factory=dict)


@dataclass(frozen=True)
class DayNumbers:
    """One service's numbering on a day the office has left: tickets issued and the last number."""

    issued: int
    last_number: int | None


#: What ``apply`` changed: ("ticket", id), ("counter", n), ("service", id),
#: ("rating", ticket_id), ("result", ticket_id) or ("meta", key), key being "day", "next_queue_seq",
#: "day_opened_seq" or "numbers:<day>" (:func:`meta_value`). The store rewrites those rows.
Touched = set[tuple[str, Any]]


def apply(state: State, event: Event) -> Touched:
    """Fold one event into ``state``; return the rows it changed."""
    return APPLY[event.type](state, event.data)


NUMBERS_KEY = "numbers:"


def meta_value(state: State, key: str) -> str | None:
    """The ``meta`` row ``key`` as text (None: no row), for the store's projection."""
    if key == "day":
        return state.day
    if key == "next_queue_seq":
        return str(state.next_queue_seq)
    if key == "day_opened_seq":
        return str(state.day_opened_seq)
    if key.startswith(NUMBERS_KEY):
        numbers = state.day_numbers.get(key[len(NUMBERS_KEY):])
        if numbers is None:
            return None
        return json.dumps({s: [n.issued, n.last_number] for s, n in sorted(numbers.items())}, separators=(",", ":"))
    raise KeyError(key)


def parse_day_numbers(text: str) -> dict[str, DayNumbers]:
    """A ``numbers:<day>`` meta row back into its numbers (:func:`meta_value`'s inverse)."""
    return {service: DayNumbers(issued, last) for service, (issued, last) in json.loads(text).items()}


# ---------------------------------------------------------------------------
# One function per event type.


def _enter_day(state: State, day: str) -> Touched:
    """Leave the current day (keeping its numbering) and enter ``day``, fresh or where it was left."""
    touched: Touched = {("meta", "day"), ("meta", "day_opened_seq")}
    if state.day is not None:
        left = {s.id: DayNumbers(s.issued_today, s.last_number) for s in state.services.values() if s.issued_today}
        if left:
            state.day_numbers[state.day] = left
            touched.add(("meta", NUMBERS_KEY + state.day))
    state.day = day
    state.day_opened_seq = state.next_queue_seq
    state.tickets.clear()
    state.ratings.clear()
    for ticket_id in [i for i, r in state.results.items() if r.state != "awaiting"]:
        del state.results[ticket_id]  # projected when it changed; only awaiting ones outlive a day
    earlier = state.day_numbers.get(day, {})
    for service in state.services.values():
        numbers = earlier.get(service.id)
        service.issued_today = numbers.issued if numbers else 0
        if numbers is not None and numbers.last_number is not None:
            # Numbering that carries on across days continues from this day's own
            # last number, so the day's numbers stay one run without a repeat.
            service.last_number = numbers.last_number
        touched.add(("service", service.id))
    for counter in state.counters.values():
        counter.calls_since_priority = None
        counter.finished_ticket = counter.finished_at = None  # the day's tickets are gone
        touched.add(("counter", counter.number))
    return touched


def _day_started(state: State, data: dict[str, Any]) -> Touched:
    return _enter_day(state, data["day"])


def _day_returned(state: State, data: dict[str, Any]) -> Touched:
    # The clock, once synchronised, showed that the current day lay in the
    # future: the office goes back to the real day ``day`` (from ``from_day``).
    return _enter_day(state, data["day"])


def _day_closed(state: State, data: dict[str, Any]) -> Touched:
    return set()


def _ticket_expired(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    touched = _release(state, ticket)
    ticket.state = "expired"
    ticket.finished_at = data["at"]
    return touched | {("ticket", ticket.id)}


def _ticket_issued(state: State, data: dict[str, Any]) -> Touched:
    ticket = Ticket(
        id=data["ticket_id"],
        day=data["day"],
        service=data["service"],
        number=data["number"],
        display=data["display"],
        priority=data["priority"],
        issued_at=data["at"],
        queue_seq=data["queue_seq"],
        ahead=data["ahead"],
        wait_minutes=data["wait_minutes"],
        named=bool(data.get("named", False)),
        grp=data.get("group"),
    )
    state.tickets[ticket.id] = ticket
    state.next_queue_seq = max(state.next_queue_seq, ticket.queue_seq + 1)
    service = state.services.setdefault(ticket.service, ServiceState(ticket.service))
    service.last_number = ticket.number
    service.issued_today += 1
    return {("ticket", ticket.id), ("service", service.id), ("meta", "next_queue_seq")}


def _ticket_called(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    counter = state.counters[data["counter"]]
    ticket.state = "called"
    ticket.counter = counter.number
    ticket.officer = data["officer"]
    ticket.called_at = data["at"]
    ticket.started_at = None
    counter.ticket_id = ticket.id
    if ticket.priority:
        counter.calls_since_priority = 0
    elif counter.calls_since_priority is not None:
        counter.calls_since_priority += 1
    return {("ticket", ticket.id), ("counter", counter.number)}


def _ticket_recalled(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    ticket.recalls = data["recalls"]
    return {("ticket", ticket.id)}


def _ticket_no_show(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    touched = _release(state, ticket)
    ticket.state = "no_show"
    ticket.finished_at = data["at"]
    return touched | {("ticket", ticket.id)}


def _ticket_reactivated(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    ticket.state = "waiting"
    ticket.counter = None
    ticket.finished_at = None
    ticket.recalls = 0
    return {("ticket", ticket.id)}


def _ticket_transferred(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    touched = _release(state, ticket)
    ticket.state = "waiting"
    ticket.service = data["to_service"]
    ticket.queue_seq = data["queue_seq"]
    ticket.transfers += 1
    ticket.recalls = 0
    ticket.called_at = ticket.started_at = None
    state.next_queue_seq = max(state.next_queue_seq, ticket.queue_seq + 1)
    return touched | {("ticket", ticket.id), ("meta", "next_queue_seq")}


def _service_started(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    ticket.state = "serving"
    ticket.started_at = data["at"]
    return {("ticket", ticket.id)}


def _ticket_completed(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    touched = _release(state, ticket)
    ticket.state = "completed"
    ticket.officer = data["officer"]
    ticket.finished_at = data["at"]
    touched.add(("ticket", ticket.id))
    touched |= _finished(state, data["counter"], ticket.id, data["at"])
    if data.get("results_later"):
        state.results[ticket.id] = Result(
            id=ticket.id, day=ticket.day, service=ticket.service, number=ticket.number, display=ticket.display,
            named=ticket.named, officer=ticket.officer, completed_at=data["at"], keep_until=data["keep_until"],
            dossier=ticket.dossier,
        )
        touched.add(("result", ticket.id))
    return touched


def _finished(state: State, number: int, ticket_id: str, at: str) -> Touched:
    """Counter ``number`` finished ``ticket_id`` at ``at`` (a dossier code may follow)."""
    counter = state.counters[number]
    counter.finished_ticket, counter.finished_at = ticket_id, at
    return {("counter", number)}


def _ticket_group_set(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    ticket.grp = data["group"]
    return {("ticket", ticket.id)}


def _results_called(state: State, data: dict[str, Any]) -> Touched:
    result = state.results[data["ticket_id"]]
    counter = state.counters[data["counter"]]
    result.counter = counter.number
    result.recalls = 0
    result.called_at = data["at"]
    counter.results_ticket = result.id
    return {("result", result.id), ("counter", counter.number)}


def _results_recalled(state: State, data: dict[str, Any]) -> Touched:
    result = state.results[data["ticket_id"]]
    result.recalls = data["recalls"]
    return {("result", result.id)}


def _release_result(state: State, result: Result) -> Touched:
    touched: Touched = {("result", result.id)}
    counter = state.counters.get(result.counter) if result.counter is not None else None
    if counter is not None and counter.results_ticket == result.id:
        counter.results_ticket = None
        touched.add(("counter", counter.number))
    result.counter = None
    return touched


def _results_no_show(state: State, data: dict[str, Any]) -> Touched:
    # Not collected now: it waits for the citizen to come back (until keep_until).
    return _release_result(state, state.results[data["ticket_id"]])


def _results_handed_over(state: State, data: dict[str, Any]) -> Touched:
    result = state.results[data["ticket_id"]]
    touched = _release_result(state, result)
    result.state = "handed_over"
    result.handed_at = data["at"]
    return touched | _finished(state, data["counter"], result.id, data["at"])


def _results_expired(state: State, data: dict[str, Any]) -> Touched:
    result = state.results[data["ticket_id"]]
    touched = _release_result(state, result)
    result.state = "expired"
    return touched


def _rating_window_opened(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.rating_ticket = data["ticket_id"]
    counter.rating_until = data["until"]
    return {("counter", counter.number)}


def _rating_window_closed(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.rating_ticket = counter.rating_until = None
    return {("counter", counter.number)}


def _rating_recorded(state: State, data: dict[str, Any]) -> Touched:
    rating = Rating(
        ticket_id=data["ticket_id"],
        day=data["day"],
        service=data["service"],
        counter=data["counter"],
        officer=data["officer"],
        level=data["level"],
        at=data["at"],
        counted=data.get("counted"),
    )
    state.ratings[rating.ticket_id] = rating
    touched: Touched = {("rating", rating.ticket_id)}
    ticket = state.tickets.get(rating.ticket_id)
    if ticket is not None:
        ticket.rating = rating.level
        touched.add(("ticket", ticket.id))
    return touched


def _rating_reason_window_opened(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.reason_ticket = data["ticket_id"]
    counter.reason_until = data["until"]
    return {("counter", counter.number)}


def _rating_reason_window_closed(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.reason_ticket = counter.reason_until = None
    return {("counter", counter.number)}


def _rating_reason_recorded(state: State, data: dict[str, Any]) -> Touched:
    rating = state.ratings[data["ticket_id"]]
    rating.reason = data["reason"]
    return {("rating", rating.ticket_id)}


def _dossier_attached(state: State, data: dict[str, Any]) -> Touched:
    touched: Touched = set()
    ticket = state.tickets.get(data["ticket_id"])
    if ticket is not None:
        ticket.dossier = data["code"]
        touched.add(("ticket", ticket.id))
    result = state.results.get(data["ticket_id"])
    if result is not None:
        result.dossier = data["code"]
        touched.add(("result", result.id))
    return touched


def _rating_ignored(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.ignored_rating_presses += 1
    return {("counter", counter.number)}


def _ticket_printed(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets.get(data["ticket_id"])
    if ticket is None:
        return set()
    ticket.printed = data["ok"]
    return {("ticket", ticket.id)}


def _ticket_reprint(state: State, data: dict[str, Any]) -> Touched:
    ticket = state.tickets[data["ticket_id"]]
    ticket.printed = None
    return {("ticket", ticket.id)}


def _device_status(state: State, data: dict[str, Any]) -> Touched:
    return set()


def _name_called(state: State, data: dict[str, Any]) -> Touched:
    return set()


def _config_applied(state: State, data: dict[str, Any]) -> Touched:
    return set()


def _counter_mode(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.mode = data["mode"]
    return {("counter", counter.number)}


def _officer_signed_in(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.officer = data["officer"]
    return {("counter", counter.number)}


def _officer_signed_out(state: State, data: dict[str, Any]) -> Touched:
    counter = state.counters[data["counter"]]
    counter.officer = None
    return {("counter", counter.number)}


def _release(state: State, ticket: Ticket) -> Touched:
    """Free the counter holding ``ticket``, if one does."""
    if ticket.counter is not None and ticket.state in ("called", "serving"):
        counter = state.counters.get(ticket.counter)
        if counter is not None and counter.ticket_id == ticket.id:
            counter.ticket_id = None
            return {("counter", counter.number)}
    return set()


APPLY: dict[str, Callable[[State, dict[str, Any]], Touched]] = {
    "day_started": _day_started,
    "day_returned": _day_returned,
    "day_closed": _day_closed,
    "ticket_expired": _ticket_expired,
    "ticket_issued": _ticket_issued,
    "ticket_called": _ticket_called,
    "ticket_recalled": _ticket_recalled,
    "ticket_no_show": _ticket_no_show,
    "ticket_reactivated": _ticket_reactivated,
    "ticket_transferred": _ticket_transferred,
    "service_started": _service_started,
    "ticket_completed": _ticket_completed,
    "ticket_group_set": _ticket_group_set,
    "results_called": _results_called,
    "results_recalled": _results_recalled,
    "results_no_show": _results_no_show,
    "results_handed_over": _results_handed_over,
    "results_expired": _results_expired,
    "rating_window_opened": _rating_window_opened,
    "rating_window_closed": _rating_window_closed,
    "rating_recorded": _rating_recorded,
    "rating_ignored": _rating_ignored,
    "rating_reason_window_opened": _rating_reason_window_opened,
    "rating_reason_window_closed": _rating_reason_window_closed,
    "rating_reason_recorded": _rating_reason_recorded,
    "dossier_attached": _dossier_attached,
    "ticket_printed": _ticket_printed,
    "ticket_reprint": _ticket_reprint,
    "device_status": _device_status,
    "name_called": _name_called,
    "config_applied": _config_applied,
    "counter_mode": _counter_mode,
    "officer_signed_in": _officer_signed_in,
    "officer_signed_out": _officer_signed_out,
}
