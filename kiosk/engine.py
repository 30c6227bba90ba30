"""The queue engine: pure rules, no I/O, no clock reads.

The engine is event-sourced. A *command* (``Issue``, ``CallNext``, ...) and the
current time go into :meth:`Engine.decide`, which checks the rules against the
current :class:`State` and returns the *events* that the command causes, without
changing anything; an illegal step raises :class:`~kiosk.errors.DomainError`.
:meth:`Engine.apply` then folds one event into the state. The store writes each
event and the rows it touched in one transaction; replaying the events through
``apply`` rebuilds the same state.

Times are timezone-aware datetimes passed in; ticket ids are passed in too.
Queue order uses ``queue_seq``, an engine counter, never the wall clock: a clock
that jumps backwards cannot let a later ticket overtake an earlier one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from kiosk import days
from kiosk.config import Config, Service
from kiosk.errors import DomainError

TicketState = Literal["waiting", "called", "serving", "completed", "no_show", "expired"]
FINAL_STATES: frozenset[str] = frozenset({"completed", "no_show", "expired"})
CounterMode = Literal["open", "paused", "closed"]

#: How many recent service times of a service feed the wait estimate.
RECENT_SERVICES = 10


# ---------------------------------------------------------------------------
# Commands: what someone asked for.


@dataclass(frozen=True)
class Issue:
    """A citizen pressed a service button (``priority`` for the priority button)."""

    service: str
    ticket_id: str
    priority: bool = False


@dataclass(frozen=True)
class CallNext:
    """An officer asks for the next citizen."""

    counter: int


@dataclass(frozen=True)
class CallNumber:
    """An officer calls a given ticket: digits (``"1005"``) or a display (``"A001"``)."""

    counter: int
    number: str


@dataclass(frozen=True)
class Recall:
    """Call the counter's ticket again; past the allowed recalls it is a no-show."""

    counter: int


@dataclass(frozen=True)
class NoShow:
    """The called citizen did not come."""

    counter: int


@dataclass(frozen=True)
class Reactivate:
    """A citizen marked no-show came back: the ticket waits again in its old place."""

    number: str
    counter: int | None = None


@dataclass(frozen=True)
class Transfer:
    """Send the counter's ticket to another service; it keeps its number."""

    counter: int
    service: str


@dataclass(frozen=True)
class StartService:
    """The called citizen sat down at the counter."""

    counter: int


@dataclass(frozen=True)
class Complete:
    """The result was handed over; opens the rating window where buttons are fitted."""

    counter: int


@dataclass(frozen=True)
class Rate:
    """A rating button was pressed at a counter (level 1 is the best)."""

    counter: int
    level: int


@dataclass(frozen=True)
class Pause:
    """The counter stops calling for a while."""

    counter: int


@dataclass(frozen=True)
class Resume:
    """A paused or closed counter opens again."""

    counter: int


@dataclass(frozen=True)
class CloseCounter:
    """The counter closes (end of shift)."""

    counter: int


@dataclass(frozen=True)
class SignIn:
    """An officer signs in at a counter with their code."""

    counter: int
    officer: str


@dataclass(frozen=True)
class SignOut:
    """The officer at a counter signs out."""

    counter: int


@dataclass(frozen=True)
class Tick:
    """Time passed: roll the business day over and close expired rating windows."""


@dataclass(frozen=True)
class PrintResult:
    """The printer worker reports how printing a ticket went."""

    ticket_id: str
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Reprint:
    """An officer asks for a ticket to be printed again (after a failed print)."""

    number: str
    counter: int | None = None


@dataclass(frozen=True)
class DeviceStatus:
    """A device changed state (printer out of paper, keypad unplugged ...): recorded, no rule."""

    device: str
    state: str
    message: str = ""


@dataclass(frozen=True)
class CallByName:
    """Call a citizen by name to collect a result ("Mời công dân ... đến quầy số 3 nhận kết quả")."""

    counter: int
    name: str


@dataclass(frozen=True)
class ConfigApplied:
    """A new configuration is in force from now on; ``version`` identifies it."""

    version: str
    source: str = ""


Command = (
    Issue | CallNext | CallNumber | Recall | NoShow | Reactivate | Transfer | StartService | Complete
    | Rate | Pause | Resume | CloseCounter | SignIn | SignOut | Tick | PrintResult | Reprint | DeviceStatus
    | CallByName | ConfigApplied
)


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
    wait_minutes: int = 0
    rating: int | None = None
    printed: bool | None = None  # None: not printed yet; False: the print failed


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


@dataclass
class State:
    """Everything the engine decides from. ``tickets`` holds the current day only."""

    day: str | None = None
    next_queue_seq: int = 1
    tickets: dict[str, Ticket] = field(default_factory=dict)
    counters: dict[int, CounterState] = field(default_factory=dict)
    services: dict[str, ServiceState] = field(default_factory=dict)
    ratings: dict[str, Rating] = field(default_factory=dict)


@dataclass(frozen=True)
class WaitEstimate:
    """People ahead of a new ticket and the expected minutes."""

    ahead: int
    minutes: int


#: What ``apply`` changed: ("ticket", id), ("counter", n), ("service", id),
#: ("rating", ticket_id) or ("meta", key). The store rewrites those rows.
Touched = set[tuple[str, Any]]


def _iso(moment: datetime) -> str:
    # Stored times are UTC, so that they compare and sort as text.
    return moment.astimezone(timezone.utc).isoformat()


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


class Engine:
    """The rules of the queue, over a :class:`State`."""

    def __init__(self, config: Config, state: State | None = None) -> None:
        self.config = config
        self.state = state if state is not None else State()
        self._fill_defaults()

    def _fill_defaults(self) -> None:
        # Counters and services added to the config start with default state;
        # they get rows once an event touches them.
        for counter in self.config.counters:
            self.state.counters.setdefault(counter.number, CounterState(counter.number))
        for service in self.config.services:
            self.state.services.setdefault(service.id, ServiceState(service.id))

    def reconfigure(self, config: Config) -> None:
        """Use a new configuration from now on (between commands)."""
        self.config = config
        self._fill_defaults()

    # -- queries ---------------------------------------------------------

    def business_day(self, now: datetime) -> date:
        """The business day ``now`` falls in, by the site's time zone."""
        return days.business_day(now, self.config.site.tz, self.config.site.day_starts_at)

    def waiting(self, service: str | None = None) -> list[Ticket]:
        """Waiting tickets (of one service or all), in queue order."""
        found = [
            t for t in self.state.tickets.values() if t.state == "waiting" and (service is None or t.service == service)
        ]
        return sorted(found, key=lambda t: t.queue_seq)

    def ticket_at(self, counter: int) -> Ticket | None:
        """The ticket a counter holds, if any."""
        ticket_id = self._counter(counter).ticket_id
        return self.state.tickets[ticket_id] if ticket_id else None

    def estimate(self, service_id: str, priority: bool = False) -> WaitEstimate:
        """People ahead and minutes for a new ticket of ``service_id``.

        Minutes = people ahead x the mean of the service's recent service times
        (the configured minutes until there are some) / the open counters that
        serve it (at least one). A priority ticket counts only the priority
        tickets ahead of it.
        """
        service = self._service(service_id)
        # One pass over today's tickets, no sorting: this runs on every issue.
        ahead = 0
        done: list[Ticket] = []
        for ticket in self.state.tickets.values():
            if ticket.service != service_id:
                continue
            if ticket.state == "waiting" and (ticket.priority or not priority):
                ahead += 1
            elif ticket.state == "completed":
                done.append(ticket)
        durations: list[float] = []
        for ticket in sorted(done, key=lambda t: t.finished_at or "")[-RECENT_SERVICES:]:
            began = ticket.started_at or ticket.called_at
            if began and ticket.finished_at:
                seconds = (_parse(ticket.finished_at) - _parse(began)).total_seconds()
                durations.append(max(0.0, seconds) / 60)
        per_citizen = sum(durations) / len(durations) if durations else service.expected_minutes
        open_counters = sum(
            1
            for c in self.config.counters
            if service_id in c.services and self._counter(c.number).mode == "open"
        )
        minutes = ahead * per_citizen / max(1, open_counters)
        return WaitEstimate(ahead, int(round(minutes)))

    # -- deciding --------------------------------------------------------

    def decide(self, command: Command, now: datetime) -> list[Event]:
        """The events ``command`` causes at ``now``, without changing the state.

        Business-day rollover is not included: call :meth:`roll` first (the
        store does), so that a refused command still rolls the day.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        handler = getattr(self, "_decide_" + type(command).__name__)
        return handler(command, now)

    def roll(self, now: datetime) -> list[Event]:
        """Events that start a new business day, if ``now`` is past the current one.

        The day only moves forward: a clock set backwards keeps the current day
        (numbering carries on, a closed day is never reopened). Moving forward
        expires the old day's unserved tickets, one event each.
        """
        today = self.business_day(now).isoformat()
        current = self.state.day
        if current is not None and today <= current:
            return []
        events: list[Event] = []
        if current is not None:
            for ticket in sorted(self.state.tickets.values(), key=lambda t: t.queue_seq):
                if ticket.state not in FINAL_STATES:
                    events.append(Event("ticket_expired", {"ticket_id": ticket.id, "at": _iso(now)}))
            for counter in self.state.counters.values():
                if counter.rating_ticket:
                    events.append(
                        Event("rating_window_closed", {"counter": counter.number, "reason": "day_end", "at": _iso(now)})
                    )
            events.append(Event("day_closed", {"day": current, "at": _iso(now)}))
        events.append(Event("day_started", {"day": today, "at": _iso(now)}))
        return events

    def _decide_Tick(self, command: Tick, now: datetime) -> list[Event]:
        events = []
        for counter in self.state.counters.values():
            if counter.rating_until and now >= _parse(counter.rating_until):
                events.append(
                    Event("rating_window_closed", {"counter": counter.number, "reason": "timeout", "at": _iso(now)})
                )
        return events

    def _decide_Issue(self, command: Issue, now: datetime) -> list[Event]:
        service = self._service(command.service)
        name = service.name.vi
        if command.priority and not service.priority_allowed:
            raise DomainError("priority_not_allowed", service_name=name)
        day = date.fromisoformat(self.state.day) if self.state.day else self.business_day(now)
        local_time = now.astimezone(self.config.site.tz).time()
        status = days.opening(service, day, local_time)
        if not status.open:
            raise DomainError(
                status.reason,
                service=service.id,
                service_name=name,
                opens=status.opens,
                next_day_vi=days.day_name(status.next_day, "vi"),
                next_day_en=days.day_name(status.next_day, "en"),
            )
        numbers = self.state.services[service.id]
        if numbers.issued_today >= service.effective_cap:
            raise DomainError("daily_cap", service=service.id, service_name=name, cap=service.effective_cap)
        numbering = service.numbering
        if numbering.reset_daily:
            number = numbering.start + numbers.issued_today
        elif numbers.last_number is None or not numbering.start <= numbers.last_number < numbering.end:
            number = numbering.start  # first ever, wrapped past the end, or the range was changed
        else:
            number = numbers.last_number + 1
        estimate = self.estimate(service.id, command.priority)
        return [
            Event(
                "ticket_issued",
                {
                    "ticket_id": command.ticket_id,
                    "day": self.state.day or day.isoformat(),
                    "service": service.id,
                    "number": number,
                    "display": numbering.display(number),
                    "priority": command.priority,
                    "at": _iso(now),
                    "queue_seq": self.state.next_queue_seq,
                    "ahead": estimate.ahead,
                    "wait_minutes": estimate.minutes,
                },
            )
        ]

    def _decide_CallNext(self, command: CallNext, now: datetime) -> list[Event]:
        counter = self._ready_counter(command.counter)
        served = self.config.counter(command.counter).services
        candidates = [t for t in self.waiting() if t.service in served]
        if not candidates:
            raise DomainError("nobody_waiting", counter=command.counter)
        priority = [t for t in candidates if t.priority]
        normal = [t for t in candidates if not t.priority]
        policy = self.config.queue
        if policy.priority == "strict":
            take_priority = bool(priority)
        else:
            due = counter.calls_since_priority is None or counter.calls_since_priority >= policy.priority_every
            take_priority = bool(priority) and (due or not normal)
        pool = priority if take_priority else normal
        if policy.across_services == "counter_order":
            for service_id in served:
                in_service = [t for t in pool if t.service == service_id]
                if in_service:
                    pool = in_service
                    break
        chosen = min(pool, key=lambda t: t.queue_seq)
        return [self._call_event(command.counter, chosen, now, by_number=False)]

    def _decide_CallNumber(self, command: CallNumber, now: datetime) -> list[Event]:
        self._ready_counter(command.counter)
        ticket = self._find_ticket(command.number, prefer=self.config.counter(command.counter).services)
        if ticket.state == "waiting":
            return [self._call_event(command.counter, ticket, now, by_number=True)]
        raise self._not_callable(ticket)

    def _decide_Recall(self, command: Recall, now: datetime) -> list[Event]:
        ticket = self._held(command.counter, "recall", "gọi lại")
        if ticket.state == "serving":
            raise DomainError("already_serving", number=ticket.display, counter=command.counter)
        if ticket.recalls >= self.config.queue.recalls_before_no_show:
            return [self._no_show_event(command.counter, ticket, now, "recalls")]
        return [
            Event(
                "ticket_recalled",
                {"ticket_id": ticket.id, "counter": command.counter, "recalls": ticket.recalls + 1, "at": _iso(now)},
            )
        ]

    def _decide_NoShow(self, command: NoShow, now: datetime) -> list[Event]:
        ticket = self._held(command.counter, "mark as no-show", "báo vắng")
        if ticket.state == "serving":
            raise DomainError("already_serving", number=ticket.display, counter=command.counter)
        return [self._no_show_event(command.counter, ticket, now, "officer")]

    def _decide_Reactivate(self, command: Reactivate, now: datetime) -> list[Event]:
        prefer = self.config.counter(command.counter).services if command.counter is not None else []
        if command.counter is not None:
            self._counter(command.counter)
        ticket = self._find_ticket(command.number, prefer=prefer)
        if ticket.state != "no_show":
            raise DomainError("ticket_not_no_show", number=ticket.display)
        return [Event("ticket_reactivated", {"ticket_id": ticket.id, "counter": command.counter, "at": _iso(now)})]

    def _decide_Transfer(self, command: Transfer, now: datetime) -> list[Event]:
        ticket = self._held(command.counter, "transfer", "chuyển")
        target = self._service(command.service)
        if target.id == ticket.service:
            raise DomainError("same_service", number=ticket.display, service_name=target.name.vi)
        at_end = self.config.queue.transfer_position == "end"
        return [
            Event(
                "ticket_transferred",
                {
                    "ticket_id": ticket.id,
                    "counter": command.counter,
                    "from_service": ticket.service,
                    "to_service": target.id,
                    "queue_seq": self.state.next_queue_seq if at_end else ticket.queue_seq,
                    "at": _iso(now),
                },
            )
        ]

    def _decide_StartService(self, command: StartService, now: datetime) -> list[Event]:
        ticket = self._held(command.counter, "start serving", "bắt đầu phục vụ")
        if ticket.state == "serving":
            raise DomainError("already_serving", number=ticket.display, counter=command.counter)
        return [Event("service_started", {"ticket_id": ticket.id, "counter": command.counter, "at": _iso(now)})]

    def _decide_Complete(self, command: Complete, now: datetime) -> list[Event]:
        ticket = self._held(command.counter, "complete", "hoàn thành")
        counter = self._counter(command.counter)
        events = [
            Event(
                "ticket_completed",
                {"ticket_id": ticket.id, "counter": command.counter, "officer": counter.officer, "at": _iso(now)},
            )
        ]
        if self.config.counter(command.counter).rating_buttons:
            if counter.rating_ticket:
                events.append(
                    Event("rating_window_closed", {"counter": command.counter, "reason": "replaced", "at": _iso(now)})
                )
            until = now + timedelta(seconds=self.config.rating.window_seconds)
            events.append(
                Event(
                    "rating_window_opened",
                    {"counter": command.counter, "ticket_id": ticket.id, "until": _iso(until), "at": _iso(now)},
                )
            )
        return events

    def _decide_Rate(self, command: Rate, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        if not 1 <= command.level <= len(self.config.rating.levels):
            raise DomainError("bad_rating_level", level=command.level)
        base = {"counter": command.counter, "level": command.level, "at": _iso(now)}
        if counter.rating_ticket is None:
            return [Event("rating_ignored", {**base, "reason": "no_window"})]
        if counter.rating_until and now >= _parse(counter.rating_until):
            return [
                Event("rating_window_closed", {"counter": command.counter, "reason": "timeout", "at": _iso(now)}),
                Event("rating_ignored", {**base, "reason": "window_expired"}),
            ]
        ticket = self.state.tickets[counter.rating_ticket]
        return [
            Event(
                "rating_recorded",
                {
                    **base,
                    "ticket_id": ticket.id,
                    "service": ticket.service,
                    "officer": ticket.officer,
                    "day": ticket.day,
                },
            ),
            Event("rating_window_closed", {"counter": command.counter, "reason": "rated", "at": _iso(now)}),
        ]

    def _decide_Pause(self, command: Pause, now: datetime) -> list[Event]:
        return self._mode_change(command.counter, "paused", now)

    def _decide_CloseCounter(self, command: CloseCounter, now: datetime) -> list[Event]:
        return self._mode_change(command.counter, "closed", now)

    def _decide_Resume(self, command: Resume, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        if counter.mode == "open":
            raise DomainError("counter_not_paused", counter=command.counter)
        return [Event("counter_mode", {"counter": command.counter, "mode": "open", "at": _iso(now)})]

    def _decide_SignIn(self, command: SignIn, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        if not re.fullmatch(r"\d{1,8}", command.officer):
            raise DomainError("bad_officer_code", officer=command.officer)
        events = []
        # An officer is at one counter at a time; a counter has one officer.
        for other in self.state.counters.values():
            if other.officer == command.officer and other.number != command.counter:
                events.append(self._sign_out_event(other, now))
        if counter.officer is not None:
            events.append(self._sign_out_event(counter, now))
        events.append(
            Event("officer_signed_in", {"counter": command.counter, "officer": command.officer, "at": _iso(now)})
        )
        return events

    def _decide_SignOut(self, command: SignOut, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        if counter.officer is None:
            raise DomainError("no_officer", counter=command.counter)
        return [self._sign_out_event(counter, now)]

    def _decide_PrintResult(self, command: PrintResult, now: datetime) -> list[Event]:
        if command.ticket_id not in self.state.tickets:
            return []  # a ticket of a closed day: nothing left to reprint
        data = {"ticket_id": command.ticket_id, "ok": command.ok, "reason": command.reason, "at": _iso(now)}
        return [Event("ticket_printed", data)]

    def _decide_Reprint(self, command: Reprint, now: datetime) -> list[Event]:
        prefer = self.config.counter(command.counter).services if command.counter is not None else []
        if command.counter is not None:
            self._counter(command.counter)
        ticket = self._find_ticket(command.number, prefer=prefer)
        if ticket.state in FINAL_STATES:
            raise self._not_callable(ticket)
        return [Event("ticket_reprint", {"ticket_id": ticket.id, "counter": command.counter, "at": _iso(now)})]

    def _decide_DeviceStatus(self, command: DeviceStatus, now: datetime) -> list[Event]:
        data = {"device": command.device, "state": command.state, "message": command.message, "at": _iso(now)}
        return [Event("device_status", data)]

    def _decide_CallByName(self, command: CallByName, now: datetime) -> list[Event]:
        self._counter(command.counter)
        name = " ".join(unicodedata.normalize("NFC", command.name).split())
        if not 1 <= len(name) <= 60 or not all(c.isalpha() or c in " .-'" for c in name):
            raise DomainError("bad_name", name=command.name)
        return [Event("name_called", {"counter": command.counter, "name": name, "at": _iso(now)})]

    def _decide_ConfigApplied(self, command: ConfigApplied, now: datetime) -> list[Event]:
        return [Event("config_applied", {"version": command.version, "source": command.source, "at": _iso(now)})]

    # -- helpers for deciding -------------------------------------------

    def _service(self, service_id: str) -> Service:
        try:
            return self.config.service(service_id)
        except KeyError:
            raise DomainError("unknown_service", service=service_id) from None

    def _counter(self, number: int) -> CounterState:
        try:
            self.config.counter(number)
        except KeyError:
            raise DomainError("unknown_counter", counter=number) from None
        return self.state.counters[number]

    def _ready_counter(self, number: int) -> CounterState:
        """A counter that may call: open and holding no ticket."""
        counter = self._counter(number)
        if counter.mode == "paused":
            raise DomainError("counter_paused", counter=number)
        if counter.mode == "closed":
            raise DomainError("counter_closed", counter=number)
        if counter.ticket_id:
            raise DomainError("counter_busy", counter=number, number=self.state.tickets[counter.ticket_id].display)
        return counter

    def _held(self, number: int, action: str, action_vi: str) -> Ticket:
        ticket = self.ticket_at(number)
        if ticket is None:
            raise DomainError("no_ticket", counter=number, action=action, action_vi=action_vi)
        return ticket

    def _find_ticket(self, number: str, prefer: list[str]) -> Ticket:
        """Today's ticket by display (``A001``) or digits (``1005``), preferring ``prefer``'s services."""
        text = number.strip().upper()
        if text.isdigit():
            matches = [t for t in self.state.tickets.values() if t.number == int(text)]
        else:
            matches = [t for t in self.state.tickets.values() if t.display == text]
        if not matches:
            raise DomainError("ticket_not_found", number=number)
        order = {service: i for i, service in enumerate(prefer)}
        return min(matches, key=lambda t: (order.get(t.service, len(order)), t.queue_seq))

    def _not_callable(self, ticket: Ticket) -> DomainError:
        if ticket.state in ("called", "serving"):
            return DomainError("ticket_at_counter", number=ticket.display, counter=ticket.counter)
        if ticket.state == "no_show":
            return DomainError("ticket_no_show", number=ticket.display)
        return DomainError("ticket_done", number=ticket.display)

    def _call_event(self, counter: int, ticket: Ticket, now: datetime, by_number: bool) -> Event:
        return Event(
            "ticket_called",
            {
                "ticket_id": ticket.id,
                "counter": counter,
                "officer": self.state.counters[counter].officer,
                "by_number": by_number,
                "at": _iso(now),
            },
        )

    def _no_show_event(self, counter: int, ticket: Ticket, now: datetime, reason: str) -> Event:
        return Event("ticket_no_show", {"ticket_id": ticket.id, "counter": counter, "reason": reason, "at": _iso(now)})

    def _mode_change(self, number: int, mode: CounterMode, now: datetime) -> list[Event]:
        counter = self._counter(number)
        if counter.mode == mode:
            state_vi = "tạm dừng" if mode == "paused" else "đóng"
            raise DomainError("counter_already", counter=number, state=mode, state_vi=state_vi)
        if counter.ticket_id:
            raise DomainError("counter_busy", counter=number, number=self.state.tickets[counter.ticket_id].display)
        return [Event("counter_mode", {"counter": number, "mode": mode, "at": _iso(now)})]

    def _sign_out_event(self, counter: CounterState, now: datetime) -> Event:
        return Event("officer_signed_out", {"counter": counter.number, "officer": counter.officer, "at": _iso(now)})

    # -- applying --------------------------------------------------------

    def apply(self, event: Event) -> Touched:
        """Fold one event into the state; return what changed."""
        handler = getattr(self, "_apply_" + event.type)
        return handler(event.data)

    def _apply_day_started(self, data: dict[str, Any]) -> Touched:
        state = self.state
        state.day = data["day"]
        state.tickets.clear()
        state.ratings.clear()
        touched: Touched = {("meta", "day")}
        for service in state.services.values():
            service.issued_today = 0
            touched.add(("service", service.id))
        for counter in state.counters.values():
            counter.calls_since_priority = None
            touched.add(("counter", counter.number))
        return touched

    def _apply_day_closed(self, data: dict[str, Any]) -> Touched:
        return set()

    def _apply_ticket_expired(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        touched = self._release(ticket)
        ticket.state = "expired"
        ticket.finished_at = data["at"]
        return touched | {("ticket", ticket.id)}

    def _apply_ticket_issued(self, data: dict[str, Any]) -> Touched:
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
        )
        self.state.tickets[ticket.id] = ticket
        self.state.next_queue_seq = max(self.state.next_queue_seq, ticket.queue_seq + 1)
        service = self.state.services.setdefault(ticket.service, ServiceState(ticket.service))
        service.last_number = ticket.number
        service.issued_today += 1
        return {("ticket", ticket.id), ("service", service.id), ("meta", "next_queue_seq")}

    def _apply_ticket_called(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        counter = self.state.counters[data["counter"]]
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

    def _apply_ticket_recalled(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        ticket.recalls = data["recalls"]
        return {("ticket", ticket.id)}

    def _apply_ticket_no_show(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        touched = self._release(ticket)
        ticket.state = "no_show"
        ticket.finished_at = data["at"]
        return touched | {("ticket", ticket.id)}

    def _apply_ticket_reactivated(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        ticket.state = "waiting"
        ticket.counter = None
        ticket.finished_at = None
        ticket.recalls = 0
        return {("ticket", ticket.id)}

    def _apply_ticket_transferred(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        touched = self._release(ticket)
        ticket.state = "waiting"
        ticket.service = data["to_service"]
        ticket.queue_seq = data["queue_seq"]
        ticket.transfers += 1
        ticket.recalls = 0
        ticket.called_at = ticket.started_at = None
        self.state.next_queue_seq = max(self.state.next_queue_seq, ticket.queue_seq + 1)
        return touched | {("ticket", ticket.id), ("meta", "next_queue_seq")}

    def _apply_service_started(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        ticket.state = "serving"
        ticket.started_at = data["at"]
        return {("ticket", ticket.id)}

    def _apply_ticket_completed(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        touched = self._release(ticket)
        ticket.state = "completed"
        ticket.officer = data["officer"]
        ticket.finished_at = data["at"]
        return touched | {("ticket", ticket.id)}

    def _apply_rating_window_opened(self, data: dict[str, Any]) -> Touched:
        counter = self.state.counters[data["counter"]]
        counter.rating_ticket = data["ticket_id"]
        counter.rating_until = data["until"]
        return {("counter", counter.number)}

    def _apply_rating_window_closed(self, data: dict[str, Any]) -> Touched:
        counter = self.state.counters[data["counter"]]
        counter.rating_ticket = counter.rating_until = None
        return {("counter", counter.number)}

    def _apply_rating_recorded(self, data: dict[str, Any]) -> Touched:
        rating = Rating(
            ticket_id=data["ticket_id"],
            day=data["day"],
            service=data["service"],
            counter=data["counter"],
            officer=data["officer"],
            level=data["level"],
            at=data["at"],
        )
        self.state.ratings[rating.ticket_id] = rating
        touched: Touched = {("rating", rating.ticket_id)}
        ticket = self.state.tickets.get(rating.ticket_id)
        if ticket is not None:
            ticket.rating = rating.level
            touched.add(("ticket", ticket.id))
        return touched

    def _apply_rating_ignored(self, data: dict[str, Any]) -> Touched:
        counter = self.state.counters[data["counter"]]
        counter.ignored_rating_presses += 1
        return {("counter", counter.number)}

    def _apply_ticket_printed(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets.get(data["ticket_id"])
        if ticket is None:
            return set()
        ticket.printed = data["ok"]
        return {("ticket", ticket.id)}

    def _apply_ticket_reprint(self, data: dict[str, Any]) -> Touched:
        ticket = self.state.tickets[data["ticket_id"]]
        ticket.printed = None
        return {("ticket", ticket.id)}

    def _apply_device_status(self, data: dict[str, Any]) -> Touched:
        return set()

    def _apply_name_called(self, data: dict[str, Any]) -> Touched:
        return set()

    def _apply_config_applied(self, data: dict[str, Any]) -> Touched:
        return set()

    def _apply_counter_mode(self, data: dict[str, Any]) -> Touched:
        counter = self.state.counters[data["counter"]]
        counter.mode = data["mode"]
        return {("counter", counter.number)}

    def _apply_officer_signed_in(self, data: dict[str, Any]) -> Touched:
        counter = self.state.counters[data["counter"]]
        counter.officer = data["officer"]
        return {("counter", counter.number)}

    def _apply_officer_signed_out(self, data: dict[str, Any]) -> Touched:
        counter = self.state.counters[data["counter"]]
        counter.officer = None
        return {("counter", counter.number)}

    def _release(self, ticket: Ticket) -> Touched:
        """Free the counter holding ``ticket``, if one does."""
        if ticket.counter is not None and ticket.state in ("called", "serving"):
            counter = self.state.counters.get(ticket.counter)
            if counter is not None and counter.ticket_id == ticket.id:
                counter.ticket_id = None
                return {("counter", counter.number)}
        return set()


def run(engine: Engine, command: Command, now: datetime) -> list[Event]:
    """Roll the day, decide and apply ``command`` in memory; return all events.

    For callers with no store (tests, what-if checks). A refused command raises
    after the day rollover has been applied, as in the store.
    """
    events = engine.roll(now)
    for event in events:
        engine.apply(event)
    decided = engine.decide(command, now)
    for event in decided:
        engine.apply(event)
    return events + decided
