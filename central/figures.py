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

Every figure survives any stored value (``tests/central/test_figures_survive.py``
inserts arbitrary rows): a payload that is not a JSON object, a field of the
wrong type, a time outside :data:`FIRST_US`..:data:`LAST_US` (or a quarantined
wall time, see ``central.times``) count as unknown, never as an error, and a
negative duration (called before issued: a clock that jumped) is left out.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from central.models import Event, Site
from central.times import PRODUCT_EPOCH_US

TICKET_TYPES = (
    "ticket_issued", "ticket_called", "service_started", "ticket_completed", "ticket_no_show",
    "ticket_expired", "ticket_reactivated", "ticket_transferred", "rating_recorded",
)
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
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, t: TicketFacts) -> None:
        self.tickets += 1
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
        }


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


def tickets(conn: Connection, site: Any, first: date, end: date) -> list[TicketFacts]:
    """The tickets of ``site`` whose business day is in [first, end)."""
    tz = site_tz(site)
    lo = datetime.combine(first - timedelta(days=2), datetime.min.time(), tz)
    hi = datetime.combine(end + timedelta(days=2), datetime.min.time(), tz)
    to_us = lambda d: int(d.astimezone(timezone.utc).timestamp() * 1_000_000)  # noqa: E731
    rows = conn.execute(
        select(Event.device_id, Event.type, Event.payload, Event.wall_us, Event.corrected_us, Event.quarantine)
        .where(
            Event.site_id == site.id,
            Event.type.in_(TICKET_TYPES),
            Event.wall_us >= to_us(lo),
            Event.wall_us < to_us(hi),
        )
        .order_by(Event.device_id, Event.seq)
    ).all()
    found: dict[tuple[str, str], TicketFacts] = {}
    for row in rows:
        data = _payload(row.payload)
        ticket_id = data.get("ticket_id")
        if not isinstance(ticket_id, str | int) or isinstance(ticket_id, bool):
            continue
        at = _when(row)
        key = (row.device_id, str(ticket_id))
        if row.type == "ticket_issued":
            day, service = data.get("day"), data.get("service")
            if not isinstance(day, str):
                continue  # no business day: it belongs to no period
            found[key] = TicketFacts(
                day=day, service=service if isinstance(service, str) else "?", issued_us=at,
                hour=datetime.fromtimestamp(at / 1e6, tz).hour if at is not None else None,
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
        elif row.type == "ticket_no_show":
            t.state = "no_show"
        elif row.type == "ticket_reactivated":
            t.state = "waiting"
        elif row.type == "ticket_expired":
            t.state = "expired"
        elif row.type == "rating_recorded":
            level = data.get("level")
            t.rating = level if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 5 else None
    lo_day, hi_day = first.isoformat(), end.isoformat()
    return [t for t in found.values() if lo_day <= t.day < hi_day]


def site_figures(conn: Connection, site: Any, period: str, day: date) -> dict[str, Any]:
    """Everything the site page and its CSV show."""
    first, end = period_days(period, day)
    facts = tickets(conn, site, first, end)
    total = Figures()
    groups: dict[str, dict[Any, Figures]] = {"service": defaultdict(Figures), "counter": defaultdict(Figures), "officer": defaultdict(Figures)}
    by_hour: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t in facts:
        total.add(t)
        groups["service"][t.service].add(t)
        if t.counter is not None:
            groups["counter"][t.counter].add(t)
        if t.officer:
            groups["officer"][t.officer].add(t)
        if t.hour is not None:
            by_hour[t.service][t.hour] += 1
    row = total.row()
    return {
        "first": first,
        "end": end,
        "total": row,
        "score": score(row),
        "groups": {name: {k: g.row() for k, g in sorted(v.items(), key=lambda kv: str(kv[0]))} for name, v in groups.items()},
        "by_hour": {s: dict(h) for s, h in by_hour.items()},
    }


def ranking(conn: Connection, sites: list[Any], period: str, day: date) -> list[dict[str, Any]]:
    """Sites by composite score, best first; sites without tickets last, unranked."""
    rows = []
    for site in sites:
        figures = site_figures(conn, site, period, day)
        rows.append({"site": site, "score": figures["score"], **figures["total"]})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["site"].code))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i if r["score"] is not None else None
    return rows


def all_sites(conn: Connection) -> list[Any]:
    return conn.execute(select(Site.__table__).order_by(Site.province, Site.department, Site.code)).all()
