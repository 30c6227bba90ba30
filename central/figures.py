"""Figures of a site for a period, computed from the stored events.

A ticket's figures come from its events, folded per device in ``seq`` order:
waiting time is first call minus issue, service time is completion minus start
of service (or minus the call when no start was recorded). Durations use the
corrected times (``corrected_us``: the boot's anchor plus the monotonic clock),
so a wall clock that jumped does not distort them; the device's wall time is
used only where no correction is known yet.

Composite score of a site (0-100, higher is better), used by the ranking:

    score = 100 * (0.4 * satisfaction + 0.3 * waiting + 0.3 * attendance)

- satisfaction: share of ratings in the top two levels (0.5 when nobody rated);
- waiting: 1 - average wait / 60 minutes, floored at 0 (no wait: 1, an hour or more: 0);
- attendance: 1 - no-show rate (no-shows over tickets that were completed or no-show).

A site with no tickets in the period is listed without a rank.

Priority groups: a ticket's group is the ``group`` of its ``ticket_issued``,
replaced by each later ``ticket_group_set`` (the last one wins; ``null`` clears
it). A group is shown by its name in the site's pushed configuration, else the
kiosk's default list, else its id. A ticket is *named* when its
``ticket_issued`` says ``"named": true`` (a citizen scanned their ID card;
central never receives the name). The results flow (``results_*`` events, which
may concern a ticket of an earlier day) is counted by the day each event
happened in the site's time zone.

Every figure survives any stored value (``tests/central/test_figures_survive.py``
inserts arbitrary rows): a payload that is not a JSON object, a field of the
wrong type, a time outside :data:`FIRST_US`..:data:`LAST_US` (or a quarantined
wall time, see ``central.times``) count as unknown, never as an error, and a
negative duration (called before issued: a clock that jumped) is left out.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from central.models import Event, Site
from central.times import PRODUCT_EPOCH_US

TICKET_TYPES = (
    "ticket_issued", "ticket_called", "service_started", "ticket_completed", "ticket_no_show",
    "ticket_expired", "ticket_reactivated", "ticket_transferred", "rating_recorded", "ticket_group_set",
)
#: The results flow: an officer calls a citizen back to collect a result, perhaps days later.
RESULT_TYPES = ("results_called", "results_recalled", "results_no_show", "results_handed_over", "results_expired")
#: What a group id may be (the kiosk's ``GroupId``); anything else counts as no group.
GROUP_ID = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)
DEFAULT_TZ = "Asia/Ho_Chi_Minh"
PERIODS = ("day", "week", "month")
#: Times the figures use: from 2025-01-01 (central.times.PRODUCT_EPOCH_US) to before
#: 9000-01-01 (far from the calendar's end in any time zone). Anything else is unknown.
FIRST_US = PRODUCT_EPOCH_US
LAST_US = 221_845_392_000_000_000
#: Days a page may ask for (further out, a period's arithmetic would leave the calendar).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(8999, 12, 1)


def period_days(period: str, day: date) -> tuple[date, date]:
    """The first and the day after the last business day of the period containing ``day``."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"day must be between {FIRST_DAY} and {LAST_DAY}")
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period == "month":
        start = day.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return start, nxt
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


@dataclass
class TicketFacts:
    """One ticket as its events tell it."""

    day: str
    service: str
    issued_us: int | None
    hour: int | None
    state: str = "waiting"
    called_us: int | None = None
    started_us: int | None = None
    finished_us: int | None = None
    counter: int | None = None
    officer: str | None = None
    rating: int | None = None
    named: bool = False
    group: str | None = None
    results_later: bool = False


def _minutes(begin: int | None, end: int | None) -> float | None:
    """Minutes from ``begin`` to ``end``; None when either is unknown or the clock ran backwards."""
    if begin is None or end is None or end < begin:
        return None
    return (end - begin) / 60e6


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, math.ceil(share * len(ordered)) - 1)  # nearest-rank method
    return ordered[rank]


@dataclass
class Figures:
    """The figures of a group of tickets (a site, a service, a counter or an officer)."""

    tickets: int = 0
    completed: int = 0
    no_shows: int = 0
    named: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, t: TicketFacts) -> None:
        self.tickets += 1
        self.named += t.named
        wait = _minutes(t.issued_us, t.called_us)
        if wait is not None:
            self.waits.append(wait)
        if t.state == "completed":
            self.completed += 1
            service = _minutes(t.started_us or t.called_us, t.finished_us)
            if service is not None:
                self.services.append(service)
        if t.state == "no_show":
            self.no_shows += 1
        if t.rating is not None:
            self.ratings.append(t.rating)

    def row(self) -> dict[str, Any]:
        """The figures as plain numbers (minutes, shares 0-1; None when there is nothing to measure)."""
        def avg(v: list[float]) -> float | None:
            return sum(v) / len(v) if v else None

        ended = self.completed + self.no_shows
        return {
            "tickets": self.tickets,
            "completed": self.completed,
            "no_shows": self.no_shows,
            "wait_avg_min": avg(self.waits),
            "wait_p90_min": _percentile(self.waits, 0.9),
            "service_avg_min": avg(self.services),
            "service_p90_min": _percentile(self.services, 0.9),
            "no_show_rate": self.no_shows / ended if ended else None,
            "ratings": len(self.ratings),
            "satisfaction": sum(1 for r in self.ratings if r <= 2) / len(self.ratings) if self.ratings else None,
            "named": self.named,
            "named_share": self.named / self.tickets if self.tickets else None,
        }


@dataclass
class Results:
    """The results flow of a period: citizens called back to collect a result, and what came of it."""

    #: Tickets of the period completed with "results later" (the officer promised a result).
    later: int = 0
    #: Results calls (``results_called``) made in the period, and how many were for named tickets.
    called: int = 0
    called_named: int = 0
    #: Calls repeated (``results_recalled``).
    recalls: int = 0
    #: Results handed over; calls nobody answered (not collected); results never collected in time.
    handed_over: int = 0
    no_show: int = 0
    expired: int = 0

    def row(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return asdict(self)


def score(row: dict[str, Any]) -> float | None:
    """The composite score of a site's figures (see the module docstring)."""
    if not row["tickets"]:
        return None
    satisfaction = row["satisfaction"] if row["satisfaction"] is not None else 0.5
    waiting = max(0.0, 1 - (row["wait_avg_min"] or 0) / 60)
    attendance = 1 - (row["no_show_rate"] or 0)
    return round(100 * (0.4 * satisfaction + 0.3 * waiting + 0.3 * attendance), 1)


def site_tz(site: Any) -> ZoneInfo:
    """The site's time zone, from its configuration when it has one."""
    try:
        return ZoneInfo(json.loads(site.config_json)["site"]["timezone"]) if site.config_json else ZoneInfo(DEFAULT_TZ)
    except (KeyError, ValueError, TypeError, OSError):  # OSError: a name too long for a file name
        return ZoneInfo(DEFAULT_TZ)


def _payload(text: Any) -> dict[str, Any]:
    """A stored payload as a dict ({} when it is not a JSON object)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _when(row: Any) -> int | None:
    """An event's time for the figures: corrected, else its own unless quarantined; None if unbelievable."""
    at = row.corrected_us if row.corrected_us is not None else (row.wall_us if row.quarantine is None else None)
    return at if isinstance(at, int) and FIRST_US <= at < LAST_US else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _counter(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000 else None


def _group(value: Any) -> str | None:
    return value if isinstance(value, str) and GROUP_ID.fullmatch(value) else None


@cache
def _default_group_names() -> dict[str, tuple[str, str | None]]:
    """The kiosk's default priority groups (what a kiosk without ``[[priority_groups]]`` uses)."""
    from kiosk.config import Config

    factory = Config.model_fields["priority_groups"].default_factory
    return {g.id: (g.name.vi, g.name.en) for g in factory()} if factory else {}  # type: ignore[call-arg]


def group_names(site: Any) -> dict[str, tuple[str, str | None]]:
    """The site's priority groups in their order, id -> (Vietnamese name, English name or None).

    From the site's pushed configuration when it lists ``priority_groups``
    (each entry checked: a bad one is skipped), else the kiosk's defaults.
    """
    try:
        listed = json.loads(site.config_json)["priority_groups"] if site.config_json else None
    except (ValueError, KeyError, TypeError, RecursionError):
        listed = None
    if not isinstance(listed, list):
        return dict(_default_group_names())
    found: dict[str, tuple[str, str | None]] = {}
    for entry in listed:
        name = entry.get("name") if isinstance(entry, dict) else None
        gid = _group(entry.get("id")) if isinstance(entry, dict) else None
        vi = name.get("vi") if isinstance(name, dict) else None
        en = name.get("en") if isinstance(name, dict) else None
        if gid and isinstance(vi, str) and vi and gid not in found:
            found[gid] = (vi[:200], en[:200] if isinstance(en, str) and en else None)
    return found


def group_rows(site: Any, per_group: dict[str | None, Figures]) -> list[dict[str, Any]]:
    """The figures per priority group, each with ``id`` (None: no group) and ``name_vi``/``name_en``.

    The site's groups first in their configured order, then groups it no longer
    lists (named from the kiosk's defaults, else by id), then "không thuộc nhóm".
    """
    names = group_names(site)
    defaults = _default_group_names()
    order = {gid: i for i, gid in enumerate(names)}
    rows = []
    for gid in sorted(per_group, key=lambda g: (g is None, order.get(g, len(order)) if g else 0, g or "")):
        if gid is None:
            vi, en = "Không thuộc nhóm", "No group"
        else:
            vi, en = names.get(gid) or defaults.get(gid) or (gid, None)
        rows.append({"id": gid, "name_vi": vi, "name_en": en, **per_group[gid].row()})
    return rows


def _events(conn: Connection, site: Any, first: date, end: date, types: tuple[str, ...]) -> list[Any]:
    """The site's events of ``types`` whose kiosk wall time is within two days of [first, end), per kiosk in order."""
    tz = site_tz(site)
    lo = datetime.combine(first - timedelta(days=2), datetime.min.time(), tz)
    hi = datetime.combine(end + timedelta(days=2), datetime.min.time(), tz)
    to_us = lambda d: int(d.astimezone(timezone.utc).timestamp() * 1_000_000)  # noqa: E731
    return conn.execute(
        select(Event.device_id, Event.type, Event.payload, Event.wall_us, Event.corrected_us, Event.quarantine)
        .where(
            Event.site_id == site.id,
            Event.type.in_(types),
            Event.wall_us >= to_us(lo),
            Event.wall_us < to_us(hi),
        )
        .order_by(Event.device_id, Event.seq)
    ).all()


def _ticket_id(data: dict[str, Any]) -> str | None:
    ticket_id = data.get("ticket_id")
    if not isinstance(ticket_id, str | int) or isinstance(ticket_id, bool):
        return None
    return str(ticket_id)


def tickets(conn: Connection, site: Any, first: date, end: date) -> list[TicketFacts]:
    """The tickets of ``site`` whose business day is in [first, end)."""
    return _fold(site, first, end, _events(conn, site, first, end, TICKET_TYPES))[0]


def _fold(site: Any, first: date, end: date, rows: list[Any]) -> tuple[list[TicketFacts], Results]:
    """The period's tickets (by their business day) and its results flow (by each event's day)."""
    tz = site_tz(site)
    lo_day, hi_day = first.isoformat(), end.isoformat()
    found: dict[tuple[str, str], TicketFacts] = {}
    results = Results()
    for row in rows:
        data = _payload(row.payload)
        ticket_id = _ticket_id(data)
        if ticket_id is None:
            continue
        at = _when(row)
        if row.type in RESULT_TYPES:
            # A results call may be for a ticket of an earlier day: it counts on the day it happened.
            if at is not None and lo_day <= datetime.fromtimestamp(at / 1e6, tz).date().isoformat() < hi_day:
                _count_result(results, row.type, data)
            continue
        key = (row.device_id, ticket_id)
        if row.type == "ticket_issued":
            day, service = data.get("day"), data.get("service")
            if not isinstance(day, str):
                continue  # no business day: it belongs to no period
            found[key] = TicketFacts(
                day=day, service=service if isinstance(service, str) else "?", issued_us=at,
                hour=datetime.fromtimestamp(at / 1e6, tz).hour if at is not None else None,
                named=data.get("named") is True, group=_group(data.get("group")),
            )
            continue
        t = found.get(key)
        if t is None:
            continue  # issued before the period's window
        if row.type == "ticket_called":
            t.state = "called"
            t.called_us = t.called_us or at
            t.counter, t.officer = _counter(data.get("counter")), _text(data.get("officer"))
        elif row.type == "service_started":
            t.state, t.started_us = "serving", at
        elif row.type == "ticket_completed":
            t.state, t.finished_us = "completed", at
            t.officer = _text(data.get("officer")) or t.officer
            t.results_later = data.get("results_later") is True
        elif row.type == "ticket_no_show":
            t.state = "no_show"
        elif row.type == "ticket_reactivated":
            t.state = "waiting"
        elif row.type == "ticket_expired":
            t.state = "expired"
        elif row.type == "rating_recorded":
            level = data.get("level")
            t.rating = level if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 5 else None
        elif row.type == "ticket_group_set":
            group = data.get("group")
            if group is None or _group(group):  # the last one wins; null clears it; anything else is ignored
                t.group = group
    period = [t for t in found.values() if lo_day <= t.day < hi_day]
    results.later = sum(t.results_later for t in period if t.state == "completed")
    return period, results


def _count_result(results: Results, kind: str, data: dict[str, Any]) -> None:
    if kind == "results_called":
        results.called += 1
        results.called_named += data.get("named") is True
    elif kind == "results_recalled":
        results.recalls += 1
    elif kind == "results_no_show":
        results.no_show += 1
    elif kind == "results_handed_over":
        results.handed_over += 1
    elif kind == "results_expired":
        results.expired += 1


def site_figures(conn: Connection, site: Any, period: str, day: date) -> dict[str, Any]:
    """Everything the site page, its CSV and its JSON show.

    ``groups`` holds the figures by service, counter and officer (keyed by
    each) and by priority group (``priority_group``, keyed by group id, ``""``
    for no group); ``priority_groups`` the same per group as a list with names
    (:func:`group_rows`); ``results`` the results flow (:class:`Results`).
    """
    first, end = period_days(period, day)
    facts, results = _fold(site, first, end, _events(conn, site, first, end, TICKET_TYPES + RESULT_TYPES))
    total = Figures()
    groups: dict[str, dict[Any, Figures]] = {"service": defaultdict(Figures), "counter": defaultdict(Figures), "officer": defaultdict(Figures)}
    per_group: dict[str | None, Figures] = defaultdict(Figures)
    by_hour: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t in facts:
        total.add(t)
        groups["service"][t.service].add(t)
        per_group[t.group].add(t)
        if t.counter is not None:
            groups["counter"][t.counter].add(t)
        if t.officer:
            groups["officer"][t.officer].add(t)
        if t.hour is not None:
            by_hour[t.service][t.hour] += 1
    row = total.row()
    shown = {name: {k: g.row() for k, g in sorted(v.items(), key=lambda kv: str(kv[0]))} for name, v in groups.items()}
    group_list = group_rows(site, per_group)
    shown["priority_group"] = {g["id"] or "": {k: v for k, v in g.items() if k not in ("id", "name_vi", "name_en")}
                               for g in group_list}
    return {
        "first": first,
        "end": end,
        "total": row,
        "score": score(row),
        "groups": shown,
        "priority_groups": group_list,
        "results": results.row(),
        "by_hour": {s: dict(h) for s, h in by_hour.items()},
    }


def ranking(conn: Connection, sites: list[Any], period: str, day: date) -> list[dict[str, Any]]:
    """Sites by composite score, best first; sites without tickets last, unranked."""
    rows = []
    for site in sites:
        figures = site_figures(conn, site, period, day)
        rows.append({"site": site, "score": figures["score"], **figures["total"], "results": figures["results"]})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["site"].code))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i if r["score"] is not None else None
    return rows


def all_sites(conn: Connection) -> list[Any]:
    return conn.execute(select(Site.__table__).order_by(Site.province, Site.department, Site.code)).all()
