"""The summary tables the figures are read from, kept exact at ingest.

A ticket's facts (``ticket_facts``) are a pure function of its events folded in
``seq`` order (:func:`fold`). Each counted ticket contributes to one row of
``day_figures`` (its business day, service, counter, officer and priority
group), of ``day_reasons`` (when a reason was given), of ``day_hours`` (its
issue hour) and of ``site_days`` (the site's day); the ``results_*`` events add
to ``site_days`` on the day they happened. Every count is additive, so a change
moves by delta: when a ticket's facts change, its old contribution is
subtracted and its new one added, in the transaction that stores the events.

Exactly once, by construction:

- only the events the batch actually inserted are folded (duplicates never
  reach :func:`absorb`);
- an event newer than the ticket's ``last_seq`` is folded onto the stored facts;
  an older one (a late event) makes the ticket be folded again from its stored
  events (``events.ticket_id`` is indexed for that);
- when a boot's anchor moves and its stored events get new corrected times
  (``central.times.recorrect``), the tickets and results those events belong to
  are folded again (:func:`recorrected`).

:func:`rebuild` recomputes everything from the events (``kiosk-central
rebuild-summaries``); ``tests/central/test_summary_agrees.py`` checks that the
two always agree.

What a ticket is made of (as the figures before the summaries had it): its
business day and service from its ``ticket_issued`` (a later ``ticket_issued``
of the same ticket starts it again; events before the first are ignored), its
wait from issue to first call, its service time from the start of service (else
the call) to completion, its counter and officer from the last call (the
officer of the completion wins), its group from ``ticket_issued`` then each
``ticket_group_set`` (the last wins, ``null`` clears it). Ratings: the last
``rating_recorded`` wins and clears the reason given before it; the reason is
the last ``rating_reason_recorded``; the dossier code the last
``dossier_attached``. A rating's counted level is the event's ``counted``; a
rating recorded before kiosks sent it is mapped with
``kiosk.config.default_counts`` for the event's ``scale``, else the number of
levels in the site's pushed configuration, else 4; a press outside its scale
is shown raw but not counted.

Every value survives: a payload that is not a JSON object, a field of the wrong
type, an unbelievable time count as unknown, never as an error. A duration that
is negative (a clock that jumped) or longer than :data:`MAX_DURATION_US` (a
week: no ticket lives that long) is left out. Strings that are keys are cut to
their column's length (service and officer 64 characters); a ``ticket_id``
longer than 64 characters is not a ticket.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Connection, String, any_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from central import bulk
from central.models import (
    FIGURE_COLUMNS,
    RESULT_COLUMNS,
    DayFigures,
    DayHour,
    DayReason,
    Device,
    Event,
    Site,
    SiteDay,
    TicketFact,
)
from central.times import PRODUCT_EPOCH_US

#: The events that make a ticket's facts.
TICKET_TYPES = (
    "ticket_issued", "ticket_called", "service_started", "ticket_completed", "ticket_no_show",
    "ticket_expired", "ticket_reactivated", "ticket_transferred", "rating_recorded", "ticket_group_set",
    "rating_reason_recorded", "dossier_attached",
)
#: The results flow: an officer calls a citizen back to collect a result, perhaps days later.
RESULT_TYPES = ("results_called", "results_recalled", "results_no_show", "results_handed_over", "results_expired")
#: What a group id or a reason id may be (the kiosk's ``GroupId``/``ReasonId``).
GROUP_ID = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)
#: A dossier code (mã hồ sơ) as the kiosk accepts it.
DOSSIER_CODE = re.compile(r"[A-Za-z0-9./-]{1,40}", re.ASCII)
BUSINESS_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
COUNTED = ("very_satisfied", "satisfied", "dissatisfied")
DEFAULT_TZ = "Asia/Ho_Chi_Minh"
#: The kiosk's shipped rating scale (four buttons).
DEFAULT_SCALE = 4
#: Times the figures use: from 2025-01-01 (central.times.PRODUCT_EPOCH_US) to before
#: 9000-01-01 (far from the calendar's end in any time zone). Anything else is unknown.
FIRST_US = PRODUCT_EPOCH_US
LAST_US = 221_845_392_000_000_000
#: A wait or a service time longer than this cannot be right (and would overflow the sums).
MAX_DURATION_US = 7 * 24 * 3600 * 1_000_000
#: Key columns of ``day_figures`` (and of ``day_reasons`` before ``reason``).
DIMENSIONS = ("site_id", "day", "service", "counter", "officer", "grp")
#: Rows written per statement when rebuilding.
CHUNK = 2000


# -- reading stored values ---------------------------------------------------------------


def payload(text: Any) -> dict[str, Any]:
    """A stored payload as a dict ({} when it is not a JSON object)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def when(corrected_us: Any, wall_us: Any, quarantine: Any) -> int | None:
    """An event's time for the figures: corrected, else its own unless quarantined; None if unbelievable."""
    at = corrected_us if corrected_us is not None else (wall_us if quarantine is None else None)
    return at if isinstance(at, int) and not isinstance(at, bool) and FIRST_US <= at < LAST_US else None


def ticket_id_of(data: dict[str, Any]) -> str | None:
    """The payload's ticket id as text (None: none, or not one a kiosk would write)."""
    value = data.get("ticket_id")
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value)
    return text if len(text) <= 64 else None


def _text(value: Any, size: int = 64) -> str | None:
    return value[:size] if isinstance(value, str) and value else None


def _int(value: Any, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


def _ident(value: Any) -> str | None:
    return value if isinstance(value, str) and GROUP_ID.fullmatch(value) else None


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not BUSINESS_DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _config(site: Any) -> dict[str, Any]:
    try:
        data = json.loads(site.config_json) if site.config_json else {}
    except (ValueError, TypeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def site_tz(site: Any) -> ZoneInfo:
    """The site's time zone, from its configuration when it has one."""
    try:
        return ZoneInfo(_config(site)["site"]["timezone"])
    except (KeyError, ValueError, TypeError, OSError):  # OSError: a name too long for a file name
        return ZoneInfo(DEFAULT_TZ)


@dataclass(frozen=True)
class SiteRules:
    """What folding a site's events needs from the site: its time zone and its rating scale."""

    tz: ZoneInfo
    scale: int

    @classmethod
    def of(cls, site: Any) -> "SiteRules":
        """The rules of a ``sites`` row (any stored configuration: the defaults where it says nothing usable)."""
        rating = _config(site).get("rating")
        levels = rating.get("levels") if isinstance(rating, dict) else None
        scale = len(levels) if isinstance(levels, list) and 2 <= len(levels) <= 5 else DEFAULT_SCALE
        return cls(site_tz(site), scale)


@cache
def _default_counts(scale: int) -> tuple[str, ...]:
    from kiosk.config import default_counts

    return tuple(default_counts(scale))


# -- one ticket ------------------------------------------------------------------------------


@dataclass
class TicketFacts:
    """One ticket as its events tell it (the columns of ``ticket_facts`` but the keys)."""

    issued: bool = False
    day: date | None = None
    service: str = "?"
    counter: int | None = None
    officer: str | None = None
    grp: str | None = None
    named: bool = False
    state: str = "waiting"
    issued_us: int | None = None
    called_us: int | None = None
    started_us: int | None = None
    finished_us: int | None = None
    hour: int | None = None
    results_later: bool = False
    level: int | None = None
    scale: int | None = None
    counted: str | None = None
    reason: str | None = None
    dossier: str | None = None
    wait_us: int | None = None
    service_us: int | None = None
    last_seq: int = 0


FACT_FIELDS = tuple(f.name for f in fields(TicketFacts))


def _duration(begin: int | None, end: int | None) -> int | None:
    if begin is None or end is None or not 0 <= end - begin <= MAX_DURATION_US:
        return None
    return end - begin


def _counted(data: dict[str, Any], level: int, rules: SiteRules) -> str | None:
    if data.get("counted") in COUNTED:
        return data["counted"]
    scale = _int(data.get("scale"), 2, 5) or rules.scale
    return _default_counts(scale)[level - 1] if level <= scale else None


def step(t: TicketFacts, seq: int, kind: str, data: dict[str, Any], at: int | None, rules: SiteRules) -> None:
    """Fold one event (of :data:`TICKET_TYPES`, in ``seq`` order) into the ticket's facts."""
    t.last_seq = max(t.last_seq, seq)
    if kind == "ticket_issued":
        day = _day(data.get("day"))
        if day is None:
            return  # no business day: it belongs to no period
        service = data.get("service")
        fresh = TicketFacts(
            issued=True, day=day, service=service[:64] if isinstance(service, str) else "?",
            issued_us=at, hour=datetime.fromtimestamp(at / 1e6, rules.tz).hour if at is not None else None,
            named=data.get("named") is True, grp=_ident(data.get("group")), last_seq=t.last_seq,
        )
        for name in FACT_FIELDS:  # the ticket starts again (t is the caller's object)
            setattr(t, name, getattr(fresh, name))
        return
    if not t.issued:
        return  # issued later (in seq order): nothing to fold onto yet
    if kind == "ticket_called":
        t.state = "called"
        t.called_us = t.called_us or at
        t.counter, t.officer = _int(data.get("counter"), 0, 10_000), _text(data.get("officer"))
    elif kind == "service_started":
        t.state, t.started_us = "serving", at
    elif kind == "ticket_completed":
        t.state, t.finished_us = "completed", at
        t.officer = _text(data.get("officer")) or t.officer
        t.results_later = data.get("results_later") is True
    elif kind == "ticket_no_show":
        t.state = "no_show"
    elif kind == "ticket_reactivated":
        t.state = "waiting"
    elif kind == "ticket_expired":
        t.state = "expired"
    elif kind == "rating_recorded":
        level = _int(data.get("level"), 1, 5)
        t.level, t.reason = level, None
        t.scale = _int(data.get("scale"), 2, 5)
        t.counted = _counted(data, level, rules) if level is not None else None
    elif kind == "rating_reason_recorded":
        t.reason = _ident(data.get("reason")) or t.reason
    elif kind == "dossier_attached":
        code = data.get("code")
        if isinstance(code, str) and DOSSIER_CODE.fullmatch(code):
            t.dossier = code
    elif kind == "ticket_group_set":
        group = data.get("group")
        if group is None or _ident(group):  # the last one wins; null clears it; anything else is ignored
            t.grp = group
    t.wait_us = _duration(t.issued_us, t.called_us)
    t.service_us = _duration(t.started_us or t.called_us, t.finished_us) if t.state == "completed" else None


def fold(events: Iterable[tuple[int, str, dict[str, Any], int | None]], rules: SiteRules,
         start: TicketFacts | None = None) -> TicketFacts:
    """A ticket's facts from its events (seq, type, payload, time) in seq order, from ``start`` or from nothing."""
    t = replace(start) if start is not None else TicketFacts()
    for seq, kind, data, at in events:
        step(t, seq, kind, data, at, rules)
    return t


# -- what a ticket adds to the day tables ---------------------------------------------------------

Key = tuple[Any, ...]


@dataclass
class Deltas:
    """Changes to the additive tables, accumulated for one transaction."""

    figures: dict[Key, Counter[str]]
    reasons: Counter[Key]
    hours: Counter[Key]
    days: dict[Key, Counter[str]]

    @classmethod
    def empty(cls) -> "Deltas":
        return cls(defaultdict(Counter), Counter(), Counter(), defaultdict(Counter))

    def add(self, site_id: int, t: TicketFacts | None, sign: int) -> None:
        """Add (sign 1) or take away (sign -1) a ticket's contribution."""
        if t is None or not t.issued or t.day is None:
            return
        key = (site_id, t.day, t.service, t.counter if t.counter is not None else -1, t.officer or "", t.grp or "")
        values = contribution(t)
        row, day = self.figures[key], self.days[(site_id, t.day)]
        for name, n in values.items():
            row[name] += sign * n
            day[name] += sign * n
        if t.reason:
            self.reasons[key + (t.reason,)] += sign
        if t.hour is not None:
            self.hours[(site_id, t.day, t.service, t.hour)] += sign

    def result(self, site_id: int, day: date, kind: str, data: dict[str, Any], sign: int) -> None:
        """Count (or take back) one ``results_*`` event on the day it happened."""
        row = self.days[(site_id, day)]
        name = {"results_called": "called", "results_recalled": "recalls", "results_no_show": "no_show",
                "results_handed_over": "handed_over", "results_expired": "expired"}[kind]
        row[name] += sign
        if kind == "results_called" and data.get("named") is True:
            row["called_named"] += sign


def contribution(t: TicketFacts) -> dict[str, int]:
    """What one counted ticket adds to its ``day_figures`` row (zeros left out)."""
    done = t.state == "completed"
    values = {
        "tickets": 1, "completed": int(done), "no_shows": int(t.state == "no_show"), "named": int(t.named),
        "wait_n": int(t.wait_us is not None), "wait_us": t.wait_us or 0,
        "service_n": int(t.service_us is not None), "service_us": t.service_us or 0,
        "ratings": int(t.counted is not None), "dossiers": int(t.dossier is not None),
        "results_later": int(done and t.results_later),
    }
    if t.counted is not None:
        values[t.counted] = 1
    if t.level is not None:
        values[f"raw_{t.level}"] = 1
    return {k: v for k, v in values.items() if v}


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def among(conn: Connection, column: Any, values: list[Any]) -> Any:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``: one parameter, so the driver does not
    parse a statement with a thousand placeholders on every batch."""
    if conn.dialect.name == "postgresql":
        kind = postgresql.ARRAY(BigInteger if isinstance(column.type, BigInteger) else String)
        return column == any_(bindparam(None, list(values), type_=kind))
    return column.in_(list(values))


def _upsert_counts(conn: Connection, table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Add each row's counts to the stored ones (inserting missing rows), in key order (no deadlocks)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in keys]
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in keys))
    if conn.dialect.name == "postgresql":
        bulk.pg_add_counts(conn, table.__table__, keys, columns, rows)
        return
    stmt = _insert(conn, table.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.__table__.c[c] + stmt.excluded[c] for c in columns}
    )
    conn.execute(stmt, rows)


def write(conn: Connection, deltas: Deltas) -> None:
    """Apply the deltas (non-zero ones only), each table in the same order in every transaction."""
    def rows(changes: dict[Key, Counter[str]], keys: tuple[str, ...], columns: tuple[str, ...]) -> list[dict[str, Any]]:
        found = []
        for key, counts in changes.items():
            if any(counts.values()):
                found.append(dict(zip(keys, key)) | {c: counts.get(c, 0) for c in columns})
        return found

    _upsert_counts(conn, DayFigures, DIMENSIONS, rows(deltas.figures, DIMENSIONS, FIGURE_COLUMNS))
    _upsert_counts(conn, DayReason, DIMENSIONS + ("reason",),
                   [dict(zip(DIMENSIONS + ("reason",), k)) | {"n": n} for k, n in deltas.reasons.items() if n])
    _upsert_counts(conn, DayHour, ("site_id", "day", "service", "hour"),
                   [dict(zip(("site_id", "day", "service", "hour"), k)) | {"tickets": n}
                    for k, n in deltas.hours.items() if n])
    _upsert_counts(conn, SiteDay, ("site_id", "day"),
                   rows(deltas.days, ("site_id", "day"), FIGURE_COLUMNS + RESULT_COLUMNS))


# -- ingest ---------------------------------------------------------------------------------------


def rules_for(conn: Connection, site_id: int) -> SiteRules:
    """The folding rules of a site (by id)."""
    site = conn.execute(select(Site.config_json).where(Site.id == site_id)).first()
    return SiteRules.of(site) if site is not None else SiteRules(ZoneInfo(DEFAULT_TZ), DEFAULT_SCALE)


def _stored(conn: Connection, device_id: str, ticket_ids: list[str]) -> dict[str, TicketFacts]:
    found: dict[str, TicketFacts] = {}
    for i in range(0, len(ticket_ids), 1000):
        for row in conn.execute(
            select(TicketFact.__table__).where(
                TicketFact.device_id == device_id, among(conn, TicketFact.ticket_id, ticket_ids[i : i + 1000])
            )
        ):
            found[row.ticket_id] = TicketFacts(**{name: getattr(row, name) for name in FACT_FIELDS})
    return found


def _events_of(conn: Connection, device_id: str, ticket_ids: list[str]) -> dict[str, list[tuple[int, str, dict[str, Any], int | None]]]:
    """The stored events of these tickets of a device, in seq order (an index lookup on ``events.ticket_id``)."""
    found: dict[str, list[tuple[int, str, dict[str, Any], int | None]]] = defaultdict(list)
    for i in range(0, len(ticket_ids), 1000):
        for row in conn.execute(
            select(Event.ticket_id, Event.seq, Event.type, Event.payload, Event.corrected_us, Event.wall_us,
                   Event.quarantine)
            .where(Event.device_id == device_id, among(conn, Event.ticket_id, ticket_ids[i : i + 1000]),
                   Event.type.in_(TICKET_TYPES))
            .order_by(Event.seq)
        ):
            found[row.ticket_id].append(
                (row.seq, row.type, payload(row.payload), when(row.corrected_us, row.wall_us, row.quarantine))
            )
    return found


def _save_facts(conn: Connection, site_id: int, device_id: str, changed: dict[str, TicketFacts], known: set[str]) -> None:
    rows = [{"device_id": device_id, "ticket_id": tid, "site_id": site_id, **t.__dict__} for tid, t in changed.items()]
    if not rows:
        return
    if conn.dialect.name == "postgresql":  # one statement for new and known tickets alike
        bulk.pg_replace(conn, TicketFact.__table__, ("device_id", "ticket_id"), ("site_id",) + FACT_FIELDS, rows)
        return
    fresh = [r for r in rows if r["ticket_id"] not in known]
    if fresh:
        conn.execute(TicketFact.__table__.insert(), fresh)
    again = [r for r in rows if r["ticket_id"] in known]
    if again:
        table = TicketFact.__table__
        stmt = _insert(conn, table)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["device_id", "ticket_id"], set_={c: stmt.excluded[c] for c in FACT_FIELDS}
            ),
            again,
        )


def refold(conn: Connection, site_id: int, device_id: str, ticket_ids: Iterable[str], rules: SiteRules,
           deltas: Deltas) -> None:
    """Fold these tickets again from their stored events, moving their contributions in ``deltas``."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    old = _stored(conn, device_id, ids)
    events = _events_of(conn, device_id, ids)
    changed = {}
    for tid in ids:
        new = fold(events.get(tid, ()), rules)
        if new != old.get(tid):
            deltas.add(site_id, old.get(tid), -1)
            deltas.add(site_id, new, 1)
            changed[tid] = new
    _save_facts(conn, site_id, device_id, changed, set(old))


def absorb(conn: Connection, site_id: int, device_id: str, events: list[dict[str, Any]],
           deltas: Deltas | None = None) -> None:
    """Fold the events a batch has just inserted (``seq``, ``type``, ``payload`` text, ``ticket_id``, times).

    An event's ``data``, when given, is its payload already parsed (as :func:`payload` gives it).

    ``deltas``: changes already due in this transaction (a boot's events re-corrected), written
    with the batch's in one pass over the shared rows.
    """
    deltas = deltas if deltas is not None else Deltas.empty()
    if not events:
        write(conn, deltas)
        return
    rules = rules_for(conn, site_id)
    per_ticket: dict[str, list[tuple[int, str, dict[str, Any], int | None]]] = defaultdict(list)
    for ev in sorted(events, key=lambda e: e["seq"]):
        kind = ev["type"]
        if kind not in TICKET_TYPES and kind not in RESULT_TYPES:
            continue
        data = ev["data"] if "data" in ev else payload(ev["payload"])
        at = when(ev.get("corrected_us"), ev.get("wall_us"), ev.get("quarantine"))
        if kind in RESULT_TYPES:
            if ticket_id_of(data) is not None and at is not None:
                deltas.result(site_id, datetime.fromtimestamp(at / 1e6, rules.tz).date(), kind, data, 1)
        elif ev.get("ticket_id") is not None:
            per_ticket[ev["ticket_id"]].append((ev["seq"], kind, data, at))
    ids = sorted(per_ticket)
    stored = _stored(conn, device_id, ids)
    late = [tid for tid in ids if tid in stored and per_ticket[tid][0][0] < stored[tid].last_seq]
    changed: dict[str, TicketFacts] = {}
    for tid in ids:
        if tid in late:
            continue
        old = stored.get(tid)
        new = fold(per_ticket[tid], rules, old)
        deltas.add(site_id, old, -1)
        deltas.add(site_id, new, 1)
        changed[tid] = new
    _save_facts(conn, site_id, device_id, changed, set(stored))
    refold(conn, site_id, device_id, late, rules, deltas)
    write(conn, deltas)


def recorrected(conn: Connection, device_id: str, before: dict[int, Any], after: dict[int, int | None],
                deltas: Deltas) -> None:
    """Stored events of a device got new corrected times: fold their tickets and results again.

    ``before``: event id -> the row as it was (type, payload, ticket_id, corrected_us, wall_us,
    quarantine); ``after``: event id -> its new corrected time. The tickets' facts are
    written; the changes to the shared day tables are added to ``deltas`` for the caller.
    """
    moved = {i: row for i, row in before.items() if after.get(i) != row.corrected_us}
    if not moved:
        return
    site_id = conn.execute(select(Device.site_id).where(Device.id == device_id)).scalar_one()
    rules = rules_for(conn, site_id)
    tickets = set()
    for i, row in moved.items():
        if row.type in RESULT_TYPES:
            data = payload(row.payload)
            if ticket_id_of(data) is None:
                continue
            for at, sign in ((when(row.corrected_us, row.wall_us, row.quarantine), -1),
                             (when(after.get(i), row.wall_us, row.quarantine), 1)):
                if at is not None:
                    deltas.result(site_id, datetime.fromtimestamp(at / 1e6, rules.tz).date(), row.type, data, sign)
        elif row.ticket_id is not None:
            tickets.add(row.ticket_id)
    refold(conn, site_id, device_id, tickets, rules, deltas)


# -- rebuild ---------------------------------------------------------------------------------------


def _device_events(conn: Connection, device_id: str) -> Iterator[Any]:
    """A device's ticket and results events in seq order, read in pages (memory stays flat)."""
    last = -(2**63)
    while True:
        rows = conn.execute(
            select(Event.id, Event.seq, Event.type, Event.payload, Event.ticket_id, Event.corrected_us, Event.wall_us,
                   Event.quarantine)
            .where(Event.device_id == device_id, Event.seq > last, Event.type.in_(TICKET_TYPES + RESULT_TYPES))
            .order_by(Event.seq)
            .limit(CHUNK * 5)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def rebuild(conn: Connection, site_id: int | None = None) -> int:
    """Drop and recompute the summaries of one site (None: every site) from the stored events.

    Returns the number of tickets folded. Also sets ``events.ticket_id`` where it
    is missing or wrong (rows written before the summaries, or by hand).
    """
    sites = conn.execute(
        select(Site.__table__).where(Site.id == site_id) if site_id is not None else select(Site.__table__)
    ).all()
    folded = 0
    for site in sites:
        for table in (TicketFact, DayFigures, DayReason, DayHour, SiteDay):
            conn.execute(delete(table).where(table.site_id == site.id))
        rules = SiteRules.of(site)
        deltas = Deltas.empty()
        devices = conn.execute(select(Device.id).where(Device.site_id == site.id).order_by(Device.id)).scalars().all()
        for device_id in devices:
            tickets: dict[str, TicketFacts] = {}
            wrong: list[dict[str, Any]] = []
            for row in _device_events(conn, device_id):
                data = payload(row.payload)
                tid = ticket_id_of(data)
                if row.type in TICKET_TYPES and row.ticket_id != tid:
                    wrong.append({"eid": row.id, "tid": tid})
                if tid is None:
                    continue
                at = when(row.corrected_us, row.wall_us, row.quarantine)
                if row.type in RESULT_TYPES:
                    if at is not None:
                        deltas.result(site.id, datetime.fromtimestamp(at / 1e6, rules.tz).date(), row.type, data, 1)
                    continue
                step(tickets.setdefault(tid, TicketFacts()), row.seq, row.type, data, at, rules)
            _set_ticket_ids(conn, wrong)
            rows = [{"device_id": device_id, "ticket_id": tid, "site_id": site.id, **t.__dict__}
                    for tid, t in tickets.items()]
            for i in range(0, len(rows), CHUNK):
                conn.execute(TicketFact.__table__.insert(), rows[i : i + CHUNK])
            for t in tickets.values():
                deltas.add(site.id, t, 1)
            folded += len(tickets)
        write(conn, deltas)
    return folded


def _set_ticket_ids(conn: Connection, changes: list[dict[str, Any]]) -> None:
    """Correct ``events.ticket_id`` ({"eid": event id, "tid": ticket id}) of rows written without it."""
    for i in range(0, len(changes), CHUNK):
        conn.execute(
            update(Event).where(Event.id == bindparam("eid")).values(ticket_id=bindparam("tid")),
            changes[i : i + CHUNK],
        )
