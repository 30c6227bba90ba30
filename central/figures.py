"""Figures of a site for a period, read from the summary tables (``central.summary``).

Nothing here folds raw events: a ticket's facts and the additive day tables are
kept at ingest, so a page costs a few grouped queries whatever the period.

A ticket's figures (see ``central.summary`` for how they are folded): waiting
time is first call minus issue, service time is completion minus start of
service (or minus the call when no start was recorded), both from corrected
times (``central.times``). Averages are exact (sums of microseconds over
counts); P90s are exact too (nearest rank), from the tickets of the site and
period in ``ticket_facts`` (a unit's page). The ranking shows no P90: a
percentile is not additive, and ranking hundreds of sites from their tickets
would read every ticket of the period.

Satisfaction counts the three levels of the one-stop rules (Rất hài lòng, Hài
lòng, Không hài lòng): the share of counted ratings that are "very satisfied" or
"satisfied". The raw presses (``raw``: level 1 = best) are shown beside them.

Composite score of a site (0-100, higher is better), used by the ranking:

    score = 100 * (0.4 * satisfaction + 0.3 * waiting + 0.3 * attendance)

- satisfaction: (very satisfied + satisfied) / counted ratings (0.5 when nobody rated);
- waiting: 1 - average wait / 60 minutes, floored at 0 (no wait: 1, an hour or more: 0);
- attendance: 1 - no-show rate (no-shows over tickets that were completed or no-show).

A site with no tickets in the period is listed without a rank; with
``min_tickets``, so is a site with fewer tickets (a sample too small to rank).

Priority groups: a group is shown by its name in the site's pushed
configuration, else the kiosk's default list, else its id. A ticket is *named*
when its ``ticket_issued`` says ``"named": true`` (central never receives the
name). The results flow (``results_*`` events, which may concern a ticket of an
earlier day) is counted by the day each event happened in the site's time zone.

Every figure survives any stored value (``tests/central/test_figures_survive.py``).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, func, select, tuple_

from central.models import FIGURE_COLUMNS, RESULT_COLUMNS, DayFigures, DayHour, DayReason, Site, SiteDay, TicketFact
from central.summary import (  # noqa: F401  (re-exported: the pages use them from here)
    DEFAULT_TZ,
    FIRST_US,
    GROUP_ID,
    LAST_US,
    RESULT_TYPES,
    TICKET_TYPES,
    site_tz,
)

PERIODS = ("day", "week", "month", "quarter", "year")
#: Days a page may ask for (further out, a period's arithmetic would leave the calendar).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(8999, 12, 1)
#: Trend units (``trend``).
TREND_UNITS = ("week", "month")


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
    if period == "quarter":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        return start, (start + timedelta(days=95)).replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


def _percentile(values: list[int], share: float) -> float | None:
    """The nearest-rank percentile of durations in microseconds, in minutes."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] / 60e6


@dataclass
class Figures:
    """The figures of a group of tickets (a site, a service, a counter, an officer or a priority group)."""

    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    #: Durations (µs) of the group's tickets, for the P90s; None: not read (the ranking).
    waits: list[int] | None = None
    services: list[int] | None = None
    #: The P90s (µs) of waits and service times when the database computed them (PostgreSQL).
    p90_us: tuple[int | None, int | None] | None = None

    def add(self, counts: dict[str, int], reasons: dict[str, int] | None = None) -> None:
        """Add summed counts (a ``day_figures``/``site_days`` row's) and reasons."""
        for name in FIGURE_COLUMNS:
            self.counts[name] += int(counts.get(name) or 0)
        self.reasons.update(reasons or {})

    def _p90(self, which: int, values: list[int] | None) -> float | None:
        if self.p90_us is not None:
            found = self.p90_us[which]
            return found / 60e6 if found is not None else None
        return _percentile(values, 0.9) if values is not None else None

    def row(self) -> dict[str, Any]:
        """The figures as plain numbers (minutes, shares 0-1; None when there is nothing to measure)."""
        c = self.counts
        tickets, ratings = c["tickets"], c["ratings"]
        ended = c["completed"] + c["no_shows"]
        return {
            "tickets": tickets,
            "completed": c["completed"],
            "no_shows": c["no_shows"],
            "wait_avg_min": c["wait_us"] / c["wait_n"] / 60e6 if c["wait_n"] > 0 else None,
            "wait_p90_min": self._p90(0, self.waits),
            "service_avg_min": c["service_us"] / c["service_n"] / 60e6 if c["service_n"] > 0 else None,
            "service_p90_min": self._p90(1, self.services),
            "no_show_rate": c["no_shows"] / ended if ended > 0 else None,
            "ratings": ratings,
            "very_satisfied": c["very_satisfied"],
            "satisfied": c["satisfied"],
            "dissatisfied": c["dissatisfied"],
            "satisfaction": (c["very_satisfied"] + c["satisfied"]) / ratings if ratings > 0 else None,
            "raw": {str(level): c[f"raw_{level}"] for level in range(1, 6) if c[f"raw_{level}"]},
            "reasons": {r: n for r, n in sorted(self.reasons.items()) if n},
            "dossiers": c["dossiers"],
            "named": c["named"],
            "named_share": c["named"] / tickets if tickets > 0 else None,
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


def _config(site: Any) -> dict[str, Any]:
    try:
        data = json.loads(site.config_json) if site.config_json else {}
    except (ValueError, TypeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


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
    listed = _config(site).get("priority_groups")
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


@cache
def _default_rating() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The kiosk's default rating scale and reasons (what a site without ``[rating]`` uses)."""
    from kiosk.config import Rating

    rating = Rating()
    scale = [{"level": i, "vi": level.vi, "counts_as": counted}
             for i, (level, counted) in enumerate(zip(rating.levels, rating.counts()), start=1)]
    return scale, {r.id: r.vi for r in rating.reasons}


def rating_scale(site: Any) -> list[dict[str, Any]]:
    """The site's rating levels, best first: [{"level", "vi", "counts_as"}] (pushed config, else the default)."""
    from kiosk.config import default_counts

    rating = _config(site).get("rating")
    levels = rating.get("levels") if isinstance(rating, dict) else None
    if not (isinstance(levels, list) and 2 <= len(levels) <= 5 and all(isinstance(x, dict) for x in levels)):
        return [dict(level) for level in _default_rating()[0]]
    defaults = default_counts(len(levels))
    scale = []
    for i, (level, default) in enumerate(zip(levels, defaults), start=1):
        vi = level.get("vi")
        counts_as = level.get("counts_as")
        scale.append({"level": i, "vi": vi[:200] if isinstance(vi, str) and vi else f"Mức {i}",
                      "counts_as": counts_as if counts_as in ("very_satisfied", "satisfied", "dissatisfied") else default})
    return scale


def reason_names(site: Any) -> dict[str, str]:
    """Reason id -> Vietnamese label: the kiosk's defaults, then the site's pushed ``[[rating.reasons]]``."""
    names = dict(_default_rating()[1])
    rating = _config(site).get("rating")
    listed = rating.get("reasons") if isinstance(rating, dict) else None
    for entry in listed if isinstance(listed, list) else []:
        rid = _group(entry.get("id")) if isinstance(entry, dict) else None
        vi = entry.get("vi") if isinstance(entry, dict) else None
        if rid and isinstance(vi, str) and vi:
            names[rid] = vi[:200]
    return names


def _dimension_rows(conn: Connection, site_id: int, first: date, end: date) -> list[Any]:
    """The site's ``day_figures`` summed over [first, end) per service, counter, officer and group."""
    sums = [func.sum(DayFigures.__table__.c[name]).label(name) for name in FIGURE_COLUMNS]
    return conn.execute(
        select(DayFigures.service, DayFigures.counter, DayFigures.officer, DayFigures.grp, *sums)
        .where(DayFigures.site_id == site_id, DayFigures.day >= first, DayFigures.day < end)
        .group_by(DayFigures.service, DayFigures.counter, DayFigures.officer, DayFigures.grp)
        .having(func.sum(DayFigures.tickets) > 0)
    ).all()


def _reason_rows(conn: Connection, site_id: int, first: date, end: date) -> list[Any]:
    return conn.execute(
        select(DayReason.service, DayReason.counter, DayReason.officer, DayReason.grp, DayReason.reason,
               func.sum(DayReason.n).label("n"))
        .where(DayReason.site_id == site_id, DayReason.day >= first, DayReason.day < end)
        .group_by(DayReason.service, DayReason.counter, DayReason.officer, DayReason.grp, DayReason.reason)
        .having(func.sum(DayReason.n) > 0)
    ).all()


def _results(conn: Connection, site_ids: list[int] | None, first: date, end: date) -> dict[int, Any]:
    """Per site: the ``site_days`` of [first, end) summed (figures and results flow)."""
    names = FIGURE_COLUMNS + RESULT_COLUMNS
    stmt = (
        select(SiteDay.site_id, *[func.sum(SiteDay.__table__.c[n]).label(n) for n in names])
        .where(SiteDay.day >= first, SiteDay.day < end)
        .group_by(SiteDay.site_id)
    )
    if site_ids is not None:
        stmt = stmt.where(SiteDay.site_id.in_(site_ids))
    return {row.site_id: row for row in conn.execute(stmt)}


def _results_row(row: Any) -> dict[str, int]:
    if row is None:
        return Results().row()
    return Results(later=int(row.results_later or 0), **{n: int(getattr(row, n) or 0) for n in RESULT_COLUMNS}).row()


def site_figures(conn: Connection, site: Any, period: str, day: date) -> dict[str, Any]:
    """Everything the site page, its CSV and its JSON show.

    ``total`` and every group row: :meth:`Figures.row`. ``groups`` holds the
    figures by service, counter and officer (keyed by each) and by priority
    group (``priority_group``, keyed by group id, ``""`` for no group);
    ``priority_groups`` the same per group as a list with names
    (:func:`group_rows`); ``results`` the results flow (:class:`Results`);
    ``by_hour`` tickets per service and hour of issue; ``scale`` the site's
    rating levels (:func:`rating_scale`) and ``reason_names`` the reasons' labels.
    """
    first, end = period_days(period, day)
    total = Figures(waits=[], services=[])
    groups: dict[str, dict[Any, Figures]] = {name: defaultdict(lambda: Figures(waits=[], services=[]))
                                             for name in ("service", "counter", "officer")}
    per_group: dict[str | None, Figures] = defaultdict(lambda: Figures(waits=[], services=[]))

    def targets(service: str, counter: int, officer: str, grp: str) -> list[Figures]:
        found = [total, groups["service"][service], per_group[grp or None]]
        if counter >= 0:
            found.append(groups["counter"][counter])
        if officer:
            found.append(groups["officer"][officer])
        return found

    for row in _dimension_rows(conn, site.id, first, end):
        for target in targets(row.service, row.counter, row.officer, row.grp):
            target.add(row._mapping)
    for row in _reason_rows(conn, site.id, first, end):
        for target in targets(row.service, row.counter, row.officer, row.grp):
            target.reasons[row.reason] += int(row.n)
    if conn.dialect.name == "postgresql":
        _p90s_in_sql(conn, site.id, first, end, total, groups, per_group)
    else:
        for row in conn.execute(
            select(TicketFact.service, TicketFact.counter, TicketFact.officer, TicketFact.grp, TicketFact.wait_us,
                   TicketFact.service_us)
            .where(TicketFact.site_id == site.id, TicketFact.day >= first, TicketFact.day < end,
                   TicketFact.issued.is_(True))
        ):
            for target in targets(row.service, row.counter if row.counter is not None else -1, row.officer or "",
                                  row.grp or ""):
                if row.wait_us is not None:
                    target.waits.append(row.wait_us)  # type: ignore[union-attr]
                if row.service_us is not None:
                    target.services.append(row.service_us)  # type: ignore[union-attr]
    by_hour: dict[str, dict[int, int]] = defaultdict(dict)
    for row in conn.execute(
        select(DayHour.service, DayHour.hour, func.sum(DayHour.tickets).label("tickets"))
        .where(DayHour.site_id == site.id, DayHour.day >= first, DayHour.day < end, DayHour.hour.between(0, 23))
        .group_by(DayHour.service, DayHour.hour)
        .having(func.sum(DayHour.tickets) > 0)
        .order_by(DayHour.service, DayHour.hour)
    ):
        by_hour[row.service][row.hour] = int(row.tickets)
    row = total.row()
    shown = {name: {k: g.row() for k, g in sorted(v.items(), key=lambda kv: str(kv[0])) if g.counts["tickets"]}
             for name, v in groups.items()}
    group_list = group_rows(site, {g: f for g, f in per_group.items() if f.counts["tickets"]})
    shown["priority_group"] = {g["id"] or "": {k: v for k, v in g.items() if k not in ("id", "name_vi", "name_en")}
                               for g in group_list}
    return {
        "first": first,
        "end": end,
        "total": row,
        "score": score(row),
        "groups": shown,
        "priority_groups": group_list,
        "results": _results_row(_results(conn, [site.id], first, end).get(site.id)),
        "by_hour": dict(by_hour),
        "scale": rating_scale(site),
        "reason_names": reason_names(site),
    }


def _p90s_in_sql(conn: Connection, site_id: int, first: date, end: date, total: Figures,
                 groups: dict[str, dict[Any, Figures]], per_group: dict[str | None, Figures]) -> None:
    """The P90s of the site's tickets of [first, end) on PostgreSQL: ``percentile_disc`` (the nearest rank,
    as :func:`_percentile`) per grouping set, so a year's tickets never leave the database."""
    t = TicketFact
    dims = (t.service, t.counter, t.officer, t.grp)
    rows = conn.execute(
        select(*dims, *[func.grouping(d).label(f"g_{d.key}") for d in dims],
               func.percentile_disc(0.9).within_group(t.wait_us).label("wait_p90"),
               func.percentile_disc(0.9).within_group(t.service_us).label("service_p90"))
        .where(t.site_id == site_id, t.day >= first, t.day < end, t.issued.is_(True))
        .group_by(func.grouping_sets(tuple_(), *[tuple_(d) for d in dims]))
    ).all()
    for row in rows:
        if not row.g_service:
            target = groups["service"][row.service]
        elif not row.g_counter:
            if row.counter is None:
                continue
            target = groups["counter"][row.counter]
        elif not row.g_officer:
            if not row.officer:
                continue
            target = groups["officer"][row.officer]
        elif not row.g_grp:
            target = per_group[row.grp or None]
        else:
            target = total
        target.p90_us = (row.wait_p90, row.service_p90)


def dossiers(conn: Connection, site: Any, first: date, end: date) -> list[dict[str, Any]]:
    """One row per ticket of [first, end) with a dossier code (mã hồ sơ), by day then code.

    Each: {day, code, ticket_id, service, counter, officer, level, counted, reason,
    wait_min, service_min}; the level is the raw press (None: not rated).
    """
    rows = conn.execute(
        select(TicketFact.__table__)
        .where(TicketFact.site_id == site.id, TicketFact.day >= first, TicketFact.day < end,
               TicketFact.issued.is_(True), TicketFact.dossier.is_not(None))
        .order_by(TicketFact.day, TicketFact.dossier, TicketFact.ticket_id)
    ).all()
    return [
        {"day": r.day, "code": r.dossier, "ticket_id": r.ticket_id, "service": r.service, "counter": r.counter,
         "officer": r.officer, "level": r.level, "counted": r.counted, "reason": r.reason,
         "wait_min": r.wait_us / 60e6 if r.wait_us is not None else None,
         "service_min": r.service_us / 60e6 if r.service_us is not None else None}
        for r in rows
    ]


def _unit_start(unit: str, day: date) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    raise ValueError(f"unit must be one of {', '.join(TREND_UNITS)}")


def trend(conn: Connection, site: Any, unit: str, day: date, count: int) -> list[dict[str, Any]]:
    """The ``count`` weeks or months ending with the one holding ``day``, oldest first (one query).

    Each: {first, end, tickets, completed, wait_avg_min, satisfaction, ratings, score}.
    Periods before :data:`FIRST_DAY` are left out.
    """
    if not 1 <= count <= 520:
        raise ValueError("count must be between 1 and 520")
    periods: list[tuple[date, date]] = []
    start = _unit_start(unit, day)
    while len(periods) < count and start >= FIRST_DAY:
        periods.append(period_days(unit, start))
        start = _unit_start(unit, start - timedelta(days=1))
    periods.reverse()
    if not periods:
        return []
    per_day = {
        row.day: row
        for row in conn.execute(
            select(SiteDay.day, *[SiteDay.__table__.c[n] for n in FIGURE_COLUMNS])
            .where(SiteDay.site_id == site.id, SiteDay.day >= periods[0][0], SiteDay.day < periods[-1][1])
        )
    }
    found = []
    for first, end in periods:
        figures = Figures()
        for d, row in per_day.items():
            if first <= d < end:
                figures.add(row._mapping)
        row = figures.row()
        found.append({"first": first, "end": end, "tickets": row["tickets"], "completed": row["completed"],
                      "wait_avg_min": row["wait_avg_min"], "satisfaction": row["satisfaction"],
                      "ratings": row["ratings"], "score": score(row)})
    return found


def _ranked(conn: Connection, sites: list[Any], first: date, end: date, min_tickets: int) -> list[dict[str, Any]]:
    """The ranking rows of [first, end): figures from ``site_days`` (one grouped query), best first."""
    per_site = _results(conn, [s.id for s in sites] if len(sites) <= 500 else None, first, end)
    rows = []
    for site in sites:
        summed = per_site.get(site.id)
        figures = Figures()
        if summed is not None:
            figures.add(summed._mapping)
        total = figures.row()
        value = score(total)
        rows.append({"site": site, "score": value, **total, "results": _results_row(summed),
                     "ranked": value is not None and total["tickets"] >= min_tickets})
    rows.sort(key=lambda r: (not r["ranked"], r["score"] is None, -(r["score"] or 0), r["site"].code))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i if r["ranked"] else None
    return rows


def ranking(conn: Connection, sites: list[Any], period: str, day: date, min_tickets: int = 0) -> list[dict[str, Any]]:
    """Sites by composite score, best first; sites not ranked after them.

    Each row: ``site``, ``rank`` (None when not ranked), ``ranked`` (a score and
    at least ``min_tickets`` tickets), ``previous_rank`` (the rank among the same
    sites in the preceding period of the same kind; None when not ranked then),
    ``score``, the total figures (no P90s: see the module docstring) and
    ``results``. Ranks are among ``sites``: to show a unit its province rank,
    pass every site and keep its row (two grouped queries either way).
    """
    first, end = period_days(period, day)
    rows = _ranked(conn, sites, first, end, min_tickets)
    before: dict[int, int | None] = {}
    if first > FIRST_DAY:
        previous = period_days(period, first - timedelta(days=1))
        before = {r["site"].id: r["rank"] for r in _ranked(conn, sites, *previous, min_tickets)}
    for r in rows:
        r["previous_rank"] = before.get(r["site"].id)
    return rows


def all_sites(conn: Connection) -> list[Any]:
    """Every site, by province, department and code."""
    return conn.execute(select(Site.__table__).order_by(Site.province, Site.department, Site.code)).all()
