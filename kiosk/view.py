"""What the office looks like right now: an immutable snapshot for pages and the board.

The engine thread builds an :class:`OfficeView` after a change (once its inbox
is drained, or every 0.1 s while items keep coming) and publishes it; the web server and the board read the latest one from any thread
without touching the engine or the store.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from drivers.names import mask_name
from kiosk import days, estimate
from kiosk.config import COUNTED, Config
from kiosk.engine import Engine
from kiosk.personal import Person
from kiosk.state import Ticket


@dataclass(frozen=True)
class Banner:
    """A notice across the board and the pages: ``kind`` is paper, offline, closed, error or info."""

    kind: str
    text_vi: str
    text_en: str = ""


@dataclass(frozen=True)
class Beep:
    """A refused keypad action or a failed print, for the counter page to sound and explain.

    ``seq`` grows with every beep of the office, so a page beeps once per new
    one; ``count`` is how many beeps the counter (or every counter) had so far.
    """

    seq: int
    count: int
    text_vi: str
    text_en: str


@dataclass(frozen=True)
class CounterView:
    """One counter as officers and leaders see it."""

    number: int
    name_vi: str
    name_en: str
    services: tuple[str, ...]
    mode: str  # open, paused, closed
    officer: str | None
    ticket: str | None  # the number it holds
    ticket_state: str | None  # called or serving
    last_called: str | None  # the last number it called today (shown on the board)
    rating_open: bool
    rating_buttons: bool
    beep: Beep | None = None  # the latest beep for this counter (its own, or one for every counter)
    # Names (kiosk.personal): the board's form of the last call's name (masked per [names] board), and the
    # full name of what the counter holds, for its officer only (the pages strip it for anyone else).
    called_name: str | None = None
    held_name: str | None = None
    held_birth_date: str | None = None  # to check the card when a result is handed over
    results: bool = False  # its current or last call is "come and collect your result"
    group: str | None = None  # the priority group of the ticket it holds
    # While a dissatisfied citizen is asked why: the reasons offered, (vi, en), reason i on button i.
    reasons: tuple[tuple[str, str], ...] = ()
    # The dossier code (mã hồ sơ) of the ticket a code would go to now (its own, or the one just completed).
    dossier: str | None = None


@dataclass(frozen=True)
class ServiceView:
    """One service's queue."""

    id: str
    name_vi: str
    name_en: str
    waiting: int
    priority_waiting: int
    issued: int
    open_now: bool
    note_vi: str  # "" when open, else why not: "Hôm nay không làm việc", "Mở cửa lúc 13:30"
    note_en: str


@dataclass(frozen=True)
class TicketRow:
    """A ticket in the live queue list."""

    number: str
    service: str
    priority: bool
    state: str
    counter: int | None
    issued_at: str
    printed: bool  # printed, or being printed now; False: the print failed or its outcome is unknown (reprint)
    # A waiting ticket's estimate (kiosk.estimate): minutes until called and the range shown for them.
    wait_minutes: int | None = None
    wait_range: tuple[int, int] | None = None
    named: bool = False
    group: str | None = None


@dataclass(frozen=True)
class ResultRow:
    """A result waiting to be handed over (``results_later`` services), of today or an earlier day."""

    ticket_id: str
    day: str
    number: str
    service: str
    named: bool
    masked_name: str | None  # "Nguyễn V. A." (initials whatever the board shows); None: unnamed
    counter: int | None  # the counter calling it now


@dataclass(frozen=True)
class Figures:
    """The day's figures: waiting and service times in minutes, satisfaction as a share."""

    issued: int = 0
    served: int = 0
    no_shows: int = 0
    waiting: int = 0
    mean_wait_min: float | None = None
    p90_wait_min: float | None = None
    mean_service_min: float | None = None
    ratings: tuple[int, ...] = ()  # count per level (the raw presses), level 1 first
    satisfaction: float | None = None  # share of ratings counted as very satisfied or satisfied
    # Ratings as the rules count them: very_satisfied, satisfied, dissatisfied -> count.
    counted: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)  # reason id -> times given
    dossiers: int = 0  # tickets with a dossier code


@dataclass(frozen=True)
class OfficeView:
    """Everything the board and the pages show. ``version`` grows with every change."""

    version: int
    day: str | None
    now: datetime
    unit_vi: str
    unit_en: str
    hotline: str
    counters: tuple[CounterView, ...]
    services: tuple[ServiceView, ...]
    queue: tuple[TicketRow, ...]
    figures: Figures
    banners: tuple[Banner, ...] = ()
    newest_call: int | None = None  # the counter whose call is newest (highlighted)
    printer: str = ""  # the printer's status line
    extra: dict[str, str] = field(default_factory=dict)
    greeting: tuple[str, str] | None = None  # (vi, en) after a card is scanned at the ticket machine
    privacy_notice: tuple[str, str] | None = None  # (vi, en) while names are collected (a scanner is fitted)
    awaiting_results: tuple[ResultRow, ...] = ()


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return max(0.0, seconds) / 60


def figures(engine: Engine) -> Figures:
    """The current day's figures from the engine's state."""
    tickets = list(engine.state.tickets.values())
    waits = [w for t in tickets if (w := _minutes(t.issued_at, t.called_at)) is not None]
    services = [
        s for t in tickets if t.state == "completed" and (s := _minutes(t.started_at or t.called_at, t.finished_at)) is not None
    ]
    setup = engine.config.rating
    levels = setup.scale
    counts = [0] * levels
    counted = dict.fromkeys(COUNTED, 0)
    reasons: dict[str, int] = {}
    for rating in engine.state.ratings.values():
        if 1 <= rating.level <= levels:
            counts[rating.level - 1] += 1
            # A rating recorded before the kiosk said how it counts: counted as the config counts it now.
            counted[rating.counted or setup.counted(rating.level)] += 1
        if rating.reason:
            reasons[rating.reason] = reasons.get(rating.reason, 0) + 1
    rated = sum(counts)
    content = counted["very_satisfied"] + counted["satisfied"]
    return Figures(
        issued=len(tickets),
        served=sum(1 for t in tickets if t.state == "completed"),
        no_shows=sum(1 for t in tickets if t.state == "no_show"),
        waiting=sum(1 for t in tickets if t.state == "waiting"),
        mean_wait_min=round(statistics.fmean(waits), 1) if waits else None,
        p90_wait_min=round(statistics.quantiles(waits, n=10)[-1] if len(waits) >= 2 else waits[0], 1) if waits else None,
        mean_service_min=round(statistics.fmean(services), 1) if services else None,
        ratings=tuple(counts),
        satisfaction=round(content / rated, 3) if rated else None,
        counted=counted,
        reasons=reasons,
        dossiers=sum(1 for t in tickets if t.dossier),
    )


def _last_calls(tickets: list[Ticket]) -> dict[int, Ticket]:
    """Per counter, the ticket it called last today (by call time, then queue order)."""
    last: dict[int, Ticket] = {}
    for ticket in tickets:
        if ticket.counter is None or ticket.called_at is None:
            continue
        current = last.get(ticket.counter)
        if current is None or (ticket.called_at, ticket.queue_seq) > (current.called_at or "", current.queue_seq):
            last[ticket.counter] = ticket
    return last


def build_view(
    engine: Engine,
    now: datetime,
    version: int,
    banners: tuple[Banner, ...] = (),
    printer: str = "",
    beeps: dict[int | None, Beep] | None = None,
    printing: frozenset[str] = frozenset(),
    people: dict[str, Person] | None = None,
    greeting: tuple[str, str] | None = None,
    privacy_notice: tuple[str, str] | None = None,
) -> OfficeView:
    """The office as ``engine`` holds it at ``now``; ``beeps``: the latest per counter (None: every counter).

    ``printing``: the tickets the print worker has and has not reported on yet.
    Any other ticket without a reported print is shown as not printed: its
    outcome is unknown, so it is offered for reprint. ``people``: the names
    kept, by ticket id; ``greeting`` and ``privacy_notice`` as the board shows them.
    """
    beeps = beeps or {}
    people = people or {}
    board_names = engine.config.names.board
    config: Config = engine.config
    state = engine.state
    tickets = list(state.tickets.values())
    last = _last_calls(tickets)
    counters = []
    for counter in config.counters:
        live = state.counters[counter.number]
        held = engine.ticket_at(counter.number)
        called = last.get(counter.number)
        result = state.results.get(live.results_ticket) if live.results_ticket else None
        # The board shows what the counter calls now: a result being called, else its last ticket.
        called_id = result.id if result else called.id if called else None
        held_id = result.id if result else held.id if held else None
        called_person = people.get(called_id) if called_id else None
        held_person = people.get(held_id) if held_id else None
        counters.append(
            CounterView(
                number=counter.number,
                name_vi=counter.display_name("vi"),
                name_en=counter.display_name("en"),
                services=tuple(counter.services),
                mode=live.mode,
                officer=live.officer,
                ticket=result.display if result else held.display if held else None,
                ticket_state="results" if result else held.state if held else None,
                last_called=result.display if result else called.display if called else None,
                rating_open=live.rating_ticket is not None,
                rating_buttons=counter.rating_buttons,
                beep=max((b for b in (beeps.get(counter.number), beeps.get(None)) if b), key=lambda b: b.seq,
                         default=None),
                called_name=mask_name(called_person.name, board_names) if called_person else None,
                held_name=held_person.name if held_person else None,
                held_birth_date=held_person.birth_date if held_person else None,
                results=result is not None,
                group=held.grp if held and not result else None,
                reasons=tuple((r.vi, r.get("en")) for r in config.rating.reasons) if live.reason_ticket else (),
                dossier=dossier.dossier if (dossier := engine.dossier_target(counter.number, now)) else None,
            )
        )
    day = days.business_day(now, config.site.tz, config.site.day_starts_at)
    if state.day is not None and day.isoformat() < state.day:
        day = datetime.fromisoformat(state.day).date()  # the clock is behind the business day
    local = now.astimezone(config.site.tz).time()
    services = []
    for service in config.services:
        waiting = [t for t in tickets if t.state == "waiting" and t.service == service.id]
        opening = days.opening(service, day, local)
        note_vi = note_en = ""
        if opening.reason == "closed_today":
            note_vi, note_en = "Hôm nay không làm việc", "Closed today"
        elif opening.reason == "not_open_yet":
            note_vi, note_en = f"Mở cửa lúc {opening.opens}", f"Opens at {opening.opens}"
        elif opening.reason == "closed_for_today":
            note_vi, note_en = "Đã hết giờ làm việc", "Closed for today"
        services.append(
            ServiceView(
                id=service.id,
                name_vi=service.name.vi,
                name_en=service.name.get("en"),
                waiting=len(waiting),
                priority_waiting=sum(1 for t in waiting if t.priority),
                issued=state.services[service.id].issued_today,
                open_now=opening.open,
                note_vi=note_vi,
                note_en=note_en,
            )
        )
    newest = max(last.values(), key=lambda t: (t.called_at or "", t.queue_seq), default=None)
    calling = [r for r in state.results.values() if r.counter is not None and r.called_at]
    newest_result = max(calling, key=lambda r: r.called_at or "", default=None)
    newest_counter = newest.counter if newest else None
    if newest_result is not None and (newest is None or (newest_result.called_at or "") >= (newest.called_at or "")):
        newest_counter = newest_result.counter
    waits = estimate.waits(engine.estimate_setup, engine.facts(now))
    queue = tuple(
        TicketRow(
            number=t.display,
            service=t.service,
            priority=t.priority,
            state=t.state,
            counter=t.counter if t.state in ("called", "serving") else None,
            issued_at=datetime.fromisoformat(t.issued_at).astimezone(config.site.tz).isoformat(),
            printed=t.printed is True or (t.printed is None and t.id in printing),
            wait_minutes=waits.get(t.id),
            wait_range=estimate.wait_range(waits.get(t.id)),
            named=t.named,
            group=t.grp,
        )
        for t in sorted(tickets, key=lambda t: t.queue_seq)
        if t.state in ("waiting", "called", "serving")
    )
    awaiting = tuple(
        ResultRow(
            ticket_id=r.id, day=r.day, number=r.display, service=r.service, named=r.named,
            masked_name=mask_name(people[r.id].name) if r.id in people else None, counter=r.counter,
        )
        for r in sorted(state.results.values(), key=lambda r: (r.day, r.completed_at))
        if r.state == "awaiting"
    )
    return OfficeView(
        version=version,
        day=state.day,
        now=now.astimezone(config.site.tz),
        unit_vi=config.site.unit_name.vi,
        unit_en=config.site.unit_name.get("en"),
        hotline=config.site.hotline,
        counters=tuple(counters),
        services=tuple(services),
        queue=queue,
        figures=figures(engine),
        banners=banners,
        newest_call=newest_counter,
        printer=printer,
        greeting=greeting,
        privacy_notice=privacy_notice,
        awaiting_results=awaiting,
    )
