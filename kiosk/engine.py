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

:data:`DECIDE` names the one handler of each command; the commands are in
:mod:`kiosk.commands`, the state and how events change it in
:mod:`kiosk.state`. This module is about 700 lines because every queue rule
(calls, transfers, ratings, results handed over later, priority groups) is
here, in one place, where a reader can follow them together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from drivers.names import normalise_name
from kiosk import commands as cmd
from kiosk import days, state
from kiosk.config import Config, PriorityGroup, Service
from kiosk.errors import DomainError
from kiosk.estimate import Setup as EstimateSetup
from kiosk.estimate import Facts, StateFacts, new_ticket_wait
from kiosk.state import FINAL_STATES, CounterMode, CounterState, Event, Result, ServiceState, State, Ticket, Touched


T = TypeVar("T")

#: A dossier code (mã hồ sơ) as printed on the receipt, or digits typed on a keypad.
DOSSIER_CODE = re.compile(r"[A-Za-z0-9./-]{1,40}")
#: Where a dossier code came from.
DOSSIER_SOURCES = frozenset({"keypad", "scanner", "web"})
#: After completing a ticket, a counter may still attach a dossier code to it this long
#: (or while its rating window is open).
DOSSIER_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class WaitEstimate:
    """People ahead of a new ticket and the expected minutes."""

    ahead: int
    minutes: int | None  # None: no staffed counter serves the service



def _at_position(key: str, items: list[T], code: str) -> T | None:
    """The item at position ``key`` counted from 1 when ``key`` is digits (as a keypad types it), else None.

    A position beyond the list is refused with DomainError ``code``.
    """
    if not key.isdigit():
        return None
    position = int(key)
    if not 1 <= position <= len(items):
        raise DomainError(code, number=position, count=len(items))
    return items[position - 1]


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
        self.estimate_setup = EstimateSetup.from_config(config)
        self._facts = StateFacts()
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
        self.estimate_setup = EstimateSetup.from_config(config)
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

    def dossier_target(self, counter: int, now: datetime) -> Ticket | Result | None:
        """The ticket (or result) a dossier code typed at ``counter`` at ``now`` would go to, if any."""
        return self._dossier_target(self._counter(counter), now)

    def estimate(self, service_id: str, now: datetime, priority: bool = False) -> WaitEstimate:
        """People ahead and the expected minutes for a ticket of ``service_id`` issued at ``now``.

        People ahead: the service's waiting tickets (for a priority ticket, only
        the priority ones). Minutes: :mod:`kiosk.estimate`, the one estimate the
        ticket, the pages and the QR page show; None when no staffed counter
        serves the service.
        """
        self._service(service_id)
        ahead = sum(
            1
            for t in self.state.tickets.values()
            if t.service == service_id and t.state == "waiting" and (t.priority or not priority)
        )
        minutes = new_ticket_wait(
            self.estimate_setup,
            self.facts(now),
            service_id,
            priority,
            self.state.next_queue_seq,
        )
        return WaitEstimate(ahead, minutes)

    def facts(self, now: datetime) -> Facts:
        """The queue's facts at ``now`` for :mod:`kiosk.estimate` (the ticket's wait and the view's)."""
        return self._facts.of(self.state, now)

    # -- deciding --------------------------------------------------------

    def decide(self, command: cmd.Command, now: datetime) -> list[Event]:
        """The events ``command`` causes at ``now``, without changing the state.

        Business-day rollover is not included: call :meth:`roll` first (the
        store does), so that a refused command still rolls the day.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return DECIDE[type(command)](self, command, now)

    def roll(self, now: datetime, synced: bool = False) -> list[Event]:
        """Events that change the business day, if ``now`` is not in the current one.

        ``synced``: whether the clock that read ``now`` is NTP-synchronised (the
        caller knows; the engine reads no clock). Forward, the day moves with any
        clock. Backwards, only with a synchronised one: a clock that is behind
        and unsure keeps the current day (numbering carries on, a closed day is
        not reopened), while a synchronised clock that reads an earlier day
        proves the current day lies in the future (the clock once ran ahead),
        and the office returns to the real day (``day_returned``). Leaving a
        day either way expires its unserved tickets, one event each.
        """
        today = self.business_day(now).isoformat()
        current = self.state.day
        if current is not None and (today == current or (today < current and not synced)):
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
                if counter.reason_ticket:
                    events.append(Event("rating_reason_window_closed",
                                        {"counter": counter.number, "reason": "day_end", "at": _iso(now)}))
                if counter.results_ticket:
                    events.append(Event("results_no_show", {"ticket_id": counter.results_ticket,
                                                            "counter": counter.number, "reason": "day_end",
                                                            "at": _iso(now)}))
            events.append(Event("day_closed", {"day": current, "at": _iso(now)}))
        for result in sorted(self.state.results.values(), key=lambda r: (r.day, r.id)):
            # Uncollected results are kept (with the citizen's name) only until keep_until.
            if result.state == "awaiting" and result.keep_until < today:
                events.append(Event("results_expired", {"ticket_id": result.id, "at": _iso(now)}))
        if current is not None and today < current:
            events.append(Event("day_returned", {"day": today, "from_day": current, "at": _iso(now)}))
        else:
            events.append(Event("day_started", {"day": today, "at": _iso(now)}))
        return events

    def _tick(self, command: cmd.Tick, now: datetime) -> list[Event]:
        events = []
        for counter in self.state.counters.values():
            if counter.rating_until and now >= _parse(counter.rating_until):
                events.append(
                    Event("rating_window_closed", {"counter": counter.number, "reason": "timeout", "at": _iso(now)})
                )
            if counter.reason_until and now >= _parse(counter.reason_until):
                events.append(Event("rating_reason_window_closed",
                                    {"counter": counter.number, "reason": "timeout", "at": _iso(now)}))
        return events

    def _issue(self, command: cmd.Issue, now: datetime) -> list[Event]:
        service = self._service(command.service)
        name = service.name.vi
        priority = command.priority or command.group is not None
        if command.group is not None:
            self._group(command.group)
        if priority and not service.priority_allowed:
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
        wait = self.estimate(service.id, now, priority)
        return [
            Event(
                "ticket_issued",
                {
                    "ticket_id": command.ticket_id,
                    "day": self.state.day or day.isoformat(),
                    "service": service.id,
                    "number": number,
                    "display": numbering.display(number),
                    "priority": priority,
                    "group": command.group,
                    "named": command.named,
                    "at": _iso(now),
                    "queue_seq": self.state.next_queue_seq,
                    "ahead": wait.ahead,
                    "wait_minutes": wait.minutes,
                },
            )
        ]

    def _call_next(self, command: cmd.CallNext, now: datetime) -> list[Event]:
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

    def _call_number(self, command: cmd.CallNumber, now: datetime) -> list[Event]:
        self._ready_counter(command.counter)
        ticket = self._find_ticket(command.number, prefer=self.config.counter(command.counter).services)
        if ticket.state == "waiting":
            return [self._call_event(command.counter, ticket, now, by_number=True)]
        raise self._not_callable(ticket)

    def _recall(self, command: cmd.Recall, now: datetime) -> list[Event]:
        result = self._held_result(command.counter)
        if result is not None:
            if result.recalls >= self.config.queue.recalls_before_no_show:
                return [self._results_no_show_event(command.counter, result, now, "recalls")]
            data = {"ticket_id": result.id, "counter": command.counter, "recalls": result.recalls + 1, "at": _iso(now)}
            return [Event("results_recalled", data)]
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

    def _no_show(self, command: cmd.NoShow, now: datetime) -> list[Event]:
        result = self._held_result(command.counter)
        if result is not None:
            return [self._results_no_show_event(command.counter, result, now, "officer")]
        ticket = self._held(command.counter, "mark as no-show", "báo vắng")
        if ticket.state == "serving":
            raise DomainError("already_serving", number=ticket.display, counter=command.counter)
        return [self._no_show_event(command.counter, ticket, now, "officer")]

    def _reactivate(self, command: cmd.Reactivate, now: datetime) -> list[Event]:
        prefer = self.config.counter(command.counter).services if command.counter is not None else []
        if command.counter is not None:
            self._counter(command.counter)
        ticket = self._find_ticket(command.number, prefer=prefer)
        if ticket.state != "no_show":
            raise DomainError("ticket_not_no_show", number=ticket.display)
        return [Event("ticket_reactivated", {"ticket_id": ticket.id, "counter": command.counter, "at": _iso(now)})]

    def _transfer(self, command: cmd.Transfer, now: datetime) -> list[Event]:
        self._not_results(command.counter, "transfer", "chuyển dịch vụ")
        ticket = self._held(command.counter, "transfer", "chuyển")
        target = self._service_by_id_or_position(command.service)
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

    def _start_service(self, command: cmd.StartService, now: datetime) -> list[Event]:
        self._not_results(command.counter, "start serving", "bắt đầu phục vụ")
        ticket = self._held(command.counter, "start serving", "bắt đầu phục vụ")
        if ticket.state == "serving":
            raise DomainError("already_serving", number=ticket.display, counter=command.counter)
        return [Event("service_started", {"ticket_id": ticket.id, "counter": command.counter, "at": _iso(now)})]

    def _complete(self, command: cmd.Complete, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        result = self._held_result(command.counter)
        if result is not None:
            # The result is handed over: the rating follows, as after any service.
            data = {"ticket_id": result.id, "counter": command.counter, "officer": counter.officer, "at": _iso(now)}
            return [Event("results_handed_over", data), *self._rating_window(command.counter, result.id, now)]
        ticket = self._held(command.counter, "complete", "hoàn thành")
        # The officer who called the ticket served it, even if they have since signed in elsewhere
        # (which signed them out here); the counter's officer only for a ticket called by nobody.
        officer = ticket.officer if ticket.officer is not None else counter.officer
        data = {"ticket_id": ticket.id, "counter": command.counter, "officer": officer, "at": _iso(now)}
        if self.config.service(ticket.service).results_later:
            # Received now, handed over later: no rating yet; the name is kept until then (or keep days).
            keep_until = date.fromisoformat(ticket.day) + timedelta(days=self.config.names.results_keep_days)
            data |= {"results_later": True, "keep_until": keep_until.isoformat()}
            return [Event("ticket_completed", data)]
        return [Event("ticket_completed", data), *self._rating_window(command.counter, ticket.id, now)]

    def _rating_window(self, number: int, ticket_id: str, now: datetime) -> list[Event]:
        """The events that open counter ``number``'s rating window for ``ticket_id`` (none without buttons)."""
        counter = self._counter(number)
        events: list[Event] = []
        if self.config.counter(number).rating_buttons:
            if counter.reason_ticket:
                events.append(
                    Event("rating_reason_window_closed", {"counter": number, "reason": "replaced", "at": _iso(now)})
                )
            if counter.rating_ticket:
                events.append(
                    Event("rating_window_closed", {"counter": number, "reason": "replaced", "at": _iso(now)})
                )
            until = now + timedelta(seconds=self.config.rating.window_seconds)
            events.append(
                Event(
                    "rating_window_opened",
                    {"counter": number, "ticket_id": ticket_id, "until": _iso(until), "at": _iso(now)},
                )
            )
        return events

    def _rate(self, command: cmd.Rate, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        rating = self.config.rating
        if not 1 <= command.level <= rating.scale:
            raise DomainError("bad_rating_level", level=command.level)
        base = {"counter": command.counter, "level": command.level, "at": _iso(now)}
        if counter.reason_ticket is not None:
            return self._reason(counter, command.level, now, base)
        if counter.rating_ticket is None:
            return [Event("rating_ignored", {**base, "reason": "no_window"})]
        if counter.rating_until and now >= _parse(counter.rating_until):
            return [
                Event("rating_window_closed", {"counter": command.counter, "reason": "timeout", "at": _iso(now)}),
                Event("rating_ignored", {**base, "reason": "window_expired"}),
            ]
        rated: Ticket | Result | None = self.state.tickets.get(counter.rating_ticket)
        if rated is None or counter.rating_ticket in self.state.results:
            # A result handed over (perhaps of an earlier day): rated today, for its officer now.
            rated = self.state.results[counter.rating_ticket]
            officer, day = counter.officer, self.state.day
        else:
            officer, day = rated.officer, rated.day
        counted = rating.counted(command.level)
        events = [
            Event(
                "rating_recorded",
                {
                    **base,
                    "ticket_id": rated.id,
                    "service": rated.service,
                    "officer": officer,
                    "day": day,
                    "scale": rating.scale,
                    "counted": counted,
                    "label": rating.levels[command.level - 1].vi,
                },
            ),
            Event("rating_window_closed", {"counter": command.counter, "reason": "rated", "at": _iso(now)}),
        ]
        if counted == "dissatisfied" and rating.reasons:
            # The same buttons now offer the reasons, for a few seconds; no answer is fine.
            until = now + timedelta(seconds=rating.reason_seconds)
            data = {"counter": command.counter, "ticket_id": rated.id, "until": _iso(until), "at": _iso(now)}
            events.append(Event("rating_reason_window_opened", data))
        return events

    def _reason(self, counter: CounterState, button: int, now: datetime, base: dict[str, Any]) -> list[Event]:
        """A press while the reasons are offered: button ``button`` gives reason ``button``."""
        if counter.reason_until and now >= _parse(counter.reason_until):
            return [
                Event("rating_reason_window_closed", {"counter": counter.number, "reason": "timeout", "at": _iso(now)}),
                Event("rating_ignored", {**base, "reason": "window_expired"}),
            ]
        reasons = self.config.rating.reasons
        if button > len(reasons):
            return [Event("rating_ignored", {**base, "reason": "no_such_reason"})]
        reason = reasons[button - 1]
        rated = self.state.ratings[counter.reason_ticket or ""]
        data = {
            "counter": counter.number, "ticket_id": rated.ticket_id, "reason": reason.id, "label": reason.vi,
            "service": rated.service, "officer": rated.officer, "day": rated.day, "at": _iso(now),
        }
        return [
            Event("rating_reason_recorded", data),
            Event("rating_reason_window_closed", {"counter": counter.number, "reason": "answered", "at": _iso(now)}),
        ]

    def _attach_dossier(self, command: cmd.AttachDossier, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        code = command.code.strip()
        if not DOSSIER_CODE.fullmatch(code):
            raise DomainError("bad_dossier_code", dossier=command.code)
        if command.source not in DOSSIER_SOURCES:
            raise DomainError("bad_dossier_source", source=command.source)
        target = self._dossier_target(counter, now)
        if target is None:
            raise DomainError("no_ticket_for_dossier", counter=command.counter)
        officer = target.officer if target.officer is not None else counter.officer
        data = {
            "counter": command.counter, "ticket_id": target.id, "code": code, "source": command.source,
            "service": target.service, "officer": officer, "day": target.day, "at": _iso(now),
        }
        return [Event("dossier_attached", data)]

    def _dossier_target(self, counter: CounterState, now: datetime) -> Ticket | Result | None:
        """The ticket a dossier code goes to: the counter's current one, else the one it finished last, if recent."""
        if counter.ticket_id:
            return self.state.tickets[counter.ticket_id]
        if counter.results_ticket:
            return self.state.results[counter.results_ticket]
        finished = counter.finished_ticket
        if finished is None or counter.finished_at is None:
            return None
        recent = counter.rating_ticket == finished or now - _parse(counter.finished_at) <= DOSSIER_AFTER
        if not recent:
            return None
        return self.state.results.get(finished) or self.state.tickets.get(finished)

    def _pause(self, command: cmd.Pause, now: datetime) -> list[Event]:
        return self._mode_change(command.counter, "paused", now)

    def _pause_or_resume(self, command: cmd.PauseOrResume, now: datetime) -> list[Event]:
        if self._counter(command.counter).mode == "open":
            return self._mode_change(command.counter, "paused", now)
        return [Event("counter_mode", {"counter": command.counter, "mode": "open", "at": _iso(now)})]

    def _close_counter(self, command: cmd.CloseCounter, now: datetime) -> list[Event]:
        return self._mode_change(command.counter, "closed", now)

    def _resume(self, command: cmd.Resume, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        if counter.mode == "open":
            raise DomainError("counter_not_paused", counter=command.counter)
        return [Event("counter_mode", {"counter": command.counter, "mode": "open", "at": _iso(now)})]

    def _sign_in(self, command: cmd.SignIn, now: datetime) -> list[Event]:
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

    def _sign_out(self, command: cmd.SignOut, now: datetime) -> list[Event]:
        counter = self._counter(command.counter)
        if counter.officer is None:
            raise DomainError("no_officer", counter=command.counter)
        return [self._sign_out_event(counter, now)]

    def _print_result(self, command: cmd.PrintResult, now: datetime) -> list[Event]:
        if command.ticket_id not in self.state.tickets:
            return []  # a ticket of a closed day: nothing left to reprint
        data = {"ticket_id": command.ticket_id, "ok": command.ok, "reason": command.reason, "at": _iso(now)}
        return [Event("ticket_printed", data)]

    def _reprint(self, command: cmd.Reprint, now: datetime) -> list[Event]:
        prefer = self.config.counter(command.counter).services if command.counter is not None else []
        if command.counter is not None:
            self._counter(command.counter)
        ticket = self._find_ticket(command.number, prefer=prefer)
        if ticket.state in FINAL_STATES:
            raise self._not_callable(ticket)
        return [Event("ticket_reprint", {"ticket_id": ticket.id, "counter": command.counter, "at": _iso(now)})]

    def _device_status(self, command: cmd.DeviceStatus, now: datetime) -> list[Event]:
        data = {"device": command.device, "state": command.state, "message": command.message, "at": _iso(now)}
        return [Event("device_status", data)]

    def _call_by_name(self, command: cmd.CallByName, now: datetime) -> list[Event]:
        self._staffed(self._counter(command.counter))
        if not normalise_name(command.name):
            raise DomainError("bad_name")
        # The name is announced by the office from the command; it is never in an event.
        return [Event("name_called", {"counter": command.counter, "at": _iso(now)})]

    def _results_ready(self, command: cmd.ResultsReady, now: datetime) -> list[Event]:
        counter = self._ready_counter(command.counter)
        result = self._find_result(command.number, command.day)
        if result.counter is not None:
            raise DomainError("results_at_counter", number=result.display, counter=result.counter)
        data = {
            "ticket_id": result.id, "day": result.day, "display": result.display, "service": result.service,
            "counter": command.counter, "officer": counter.officer, "named": result.named, "at": _iso(now),
        }
        return [Event("results_called", data)]

    def _set_group(self, command: cmd.SetGroup, now: datetime) -> list[Event]:
        self._not_results(command.counter, "set the priority group of", "ghi nhóm ưu tiên cho")
        ticket = self._held(command.counter, "set the priority group of", "ghi nhóm ưu tiên cho")
        group = None if command.group.strip() == "0" else self._group_by_id_or_position(command.group).id
        data = {"ticket_id": ticket.id, "counter": command.counter, "group": group, "at": _iso(now)}
        return [Event("ticket_group_set", data)]

    def _config_applied(self, command: cmd.ConfigApplied, now: datetime) -> list[Event]:
        return [Event("config_applied", {"version": command.version, "source": command.source, "at": _iso(now)})]

    # -- helpers for deciding -------------------------------------------

    def _service(self, service_id: str) -> Service:
        try:
            return self.config.service(service_id)
        except KeyError:
            raise DomainError("unknown_service", service=service_id) from None

    def _service_by_id_or_position(self, key: str) -> Service:
        """A service by id, or by its position counted from 1 (a keypad has digits only)."""
        return _at_position(key, self.config.services, "unknown_service_number") or self._service(key)

    def _group(self, group_id: str) -> PriorityGroup:
        try:
            return self.config.group(group_id)
        except KeyError:
            raise DomainError("unknown_group", group=group_id) from None

    def _group_by_id_or_position(self, key: str) -> PriorityGroup:
        """A priority group by id, or by its position counted from 1 (a keypad has digits only)."""
        key = key.strip()
        return _at_position(key, self.config.priority_groups, "unknown_group_number") or self._group(key)

    def _held_result(self, number: int) -> Result | None:
        """The result counter ``number`` is calling a citizen to collect, if any."""
        ticket_id = self._counter(number).results_ticket
        return self.state.results[ticket_id] if ticket_id else None

    def _not_results(self, number: int, action: str, action_vi: str) -> None:
        result = self._held_result(number)
        if result is not None:
            raise DomainError("results_call", counter=number, number=result.display, action=action,
                              action_vi=action_vi)

    def _find_result(self, number: str, day: str | None) -> Result:
        """The awaiting result with this number (display or digits): on ``day``, else the most recent."""
        text = number.strip().upper()
        awaiting = [r for r in self.state.results.values() if r.state == "awaiting" and (day is None or r.day == day)]
        matches = [r for r in awaiting if (r.number == int(text) if text.isdigit() else r.display == text)]
        if matches:
            return max(matches, key=lambda r: (r.day, r.completed_at))
        # Say why: a ticket of today that exists but is not waiting for a result.
        today = [t for t in self.state.tickets.values() if (t.number == int(text) if text.isdigit() else t.display == text)]
        if today and day in (None, self.state.day):
            raise DomainError("not_awaiting_results", number=today[0].display)
        raise DomainError("results_not_found", number=number)

    def _counter(self, number: int) -> CounterState:
        try:
            self.config.counter(number)
        except KeyError:
            raise DomainError("unknown_counter", counter=number) from None
        return self.state.counters[number]

    def _ready_counter(self, number: int) -> CounterState:
        """A counter that may call: open, staffed when ``queue.require_officer``, and holding no ticket."""
        counter = self._counter(number)
        if counter.mode == "paused":
            raise DomainError("counter_paused", counter=number)
        if counter.mode == "closed":
            raise DomainError("counter_closed", counter=number)
        self._staffed(counter)
        self._free(counter)
        return counter

    def _free(self, counter: CounterState) -> None:
        """Refuse when the counter holds a ticket or a results call."""
        if counter.ticket_id:
            raise DomainError("counter_busy", counter=counter.number,
                              number=self.state.tickets[counter.ticket_id].display)
        if counter.results_ticket:
            raise DomainError("counter_busy", counter=counter.number,
                              number=self.state.results[counter.results_ticket].display)

    def _staffed(self, counter: CounterState) -> None:
        """With ``queue.require_officer``, refuse a call from a counter where nobody is signed in."""
        if self.config.queue.require_officer and counter.officer is None:
            raise DomainError("no_officer", counter=counter.number)

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

    def _results_no_show_event(self, counter: int, result: Result, now: datetime, reason: str) -> Event:
        data = {"ticket_id": result.id, "counter": counter, "reason": reason, "at": _iso(now)}
        return Event("results_no_show", data)

    def _no_show_event(self, counter: int, ticket: Ticket, now: datetime, reason: str) -> Event:
        return Event("ticket_no_show", {"ticket_id": ticket.id, "counter": counter, "reason": reason, "at": _iso(now)})

    def _mode_change(self, number: int, mode: CounterMode, now: datetime) -> list[Event]:
        counter = self._counter(number)
        if counter.mode == mode:
            state_vi = "tạm dừng" if mode == "paused" else "đóng"
            raise DomainError("counter_already", counter=number, state=mode, state_vi=state_vi)
        self._free(counter)
        return [Event("counter_mode", {"counter": number, "mode": mode, "at": _iso(now)})]

    def _sign_out_event(self, counter: CounterState, now: datetime) -> Event:
        return Event("officer_signed_out", {"counter": counter.number, "officer": counter.officer, "at": _iso(now)})

    # -- applying --------------------------------------------------------

    def apply(self, event: Event) -> Touched:
        """Fold one event into the state; return what changed (:func:`kiosk.state.apply`)."""
        return state.apply(self.state, event)


#: The one handler of each command.
DECIDE: dict[type, Callable[[Engine, Any, datetime], list[Event]]] = {
    cmd.Tick: Engine._tick,
    cmd.Issue: Engine._issue,
    cmd.CallNext: Engine._call_next,
    cmd.CallNumber: Engine._call_number,
    cmd.Recall: Engine._recall,
    cmd.NoShow: Engine._no_show,
    cmd.Reactivate: Engine._reactivate,
    cmd.Transfer: Engine._transfer,
    cmd.StartService: Engine._start_service,
    cmd.Complete: Engine._complete,
    cmd.Rate: Engine._rate,
    cmd.AttachDossier: Engine._attach_dossier,
    cmd.Pause: Engine._pause,
    cmd.CloseCounter: Engine._close_counter,
    cmd.Resume: Engine._resume,
    cmd.SignIn: Engine._sign_in,
    cmd.SignOut: Engine._sign_out,
    cmd.PrintResult: Engine._print_result,
    cmd.Reprint: Engine._reprint,
    cmd.DeviceStatus: Engine._device_status,
    cmd.CallByName: Engine._call_by_name,
    cmd.ResultsReady: Engine._results_ready,
    cmd.SetGroup: Engine._set_group,
    cmd.ConfigApplied: Engine._config_applied,
    cmd.PauseOrResume: Engine._pause_or_resume,
}


def run(engine: Engine, command: cmd.Command, now: datetime, synced: bool = False) -> list[Event]:
    """Roll the day, decide and apply ``command`` in memory; return all events.

    For callers with no store (tests, what-if checks); ``synced`` as for
    :meth:`Engine.roll`. A refused command raises after the day rollover has
    been applied, as in the store.
    """
    events = engine.roll(now, synced)
    for event in events:
        engine.apply(event)
    decided = engine.decide(command, now)
    for event in decided:
        engine.apply(event)
    return events + decided
