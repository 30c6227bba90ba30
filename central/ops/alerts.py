"""The operations room's alerts: the rules that raise them, and raising and clearing them once per cause.

A cause has a ``key`` (e.g. ``offline:<device>``): an alert is raised when its
cause appears and no open alert has its key, and cleared (``cleared_us``) when
the cause is gone. The rules (thresholds in ``[ops]``, ``central.settings.Ops``):

- ``unattended``: a citizen of a service has waited ``unattended_minutes`` or
  longer (since the ticket's issue, ``central.ops.tiles``) and no counter that
  serves the service (the unit's pushed configuration; every counter when it
  lists none) is staffed (serving someone, or open with an officer signed in).
  Judged while the office is online (offline, the ``offline`` alert says it).
- ``rating``: a rating counted as "Không hài lòng", raised by ingest as it
  stores the rating (``central.ops.ratings``); cleared here when it has been
  open ``rating_alert_minutes``.
- ``offline``: a kiosk not heard from for ``offline_minutes``.
- ``paper_out``: the heartbeat's ``devices.printer`` is "paper_out".
- ``camera`` / ``microphone``: the heartbeat says "lost" or "error".
- ``stream``: the live stream stopped publishing (media server's hook) for
  ``stream_grace_seconds`` while the office is online and its camera is not "off".

Several server processes may evaluate at once: each reads the causes, then
raises and clears under a lock (on PostgreSQL an advisory transaction lock; on
SQLite the write transaction, BEGIN IMMEDIATE), against the alerts as the
previous evaluator left them: one alert per cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from central import figures, names
from central.db import reader
from central.models import Alert, Site
from central.ops import tiles
from central.settings import Ops

#: The advisory lock key of the alert evaluation (PostgreSQL).
LOCK = 730114
#: Kinds whose cause is a standing state (cleared when the state ends); ``rating`` clears by age.
STANDING = ("unattended", "offline", "paper_out", "camera", "microphone", "stream")
#: What the list of alerts keeps of cleared alerts.
RECENT_US = 24 * 3600 * 1_000_000


@dataclass(frozen=True)
class Cause:
    """Why an alert is (or should be) open: its unit, kind, key and the Vietnamese sentence shown."""

    site_id: int
    kind: str
    key: str
    detail: str


def _who(office: tiles.Office, several: bool) -> str:
    """The kiosk named in a sentence when its unit has more than one."""
    return f" (máy {office.device.serial})" if several else ""


def standing_causes(conn: Connection, now_us: int, ops: Ops) -> list[Cause]:
    """The standing causes of every unit right now."""
    sites = figures.all_sites(conn)
    found = tiles.offices(conn, sites, now_us)
    per_site: dict[int, int] = {}
    for o in found:
        per_site[o.site.id] = per_site.get(o.site.id, 0) + 1
    causes: list[Cause] = []
    for o in found:
        site_id, dev = o.site.id, o.device.id
        who = _who(o, per_site[site_id] > 1)
        seen = o.device.last_seen_us
        if seen is not None and now_us - seen >= ops.offline_minutes * 60_000_000:
            causes.append(Cause(site_id, "offline", f"offline:{dev}",
                                f"Mất kết nối{who} từ {tiles.clock(o.site, seen, now_us)}"))
        states = o.devices
        if states.get("printer") == "paper_out":
            causes.append(Cause(site_id, "paper_out", f"paper_out:{dev}", f"Máy in hết giấy{who}"))
        for kind, name in (("camera", "Camera"), ("microphone", "Micrô")):
            if states.get(kind) in ("lost", "error"):
                what = "mất tín hiệu" if states[kind] == "lost" else "bị lỗi"
                causes.append(Cause(site_id, kind, f"{kind}:{dev}", f"{name} {what}{who}"))
        live = o.streams.get("live")
        if (o.online and live is not None and not live.publishing and states.get("camera") != "off"
                and now_us - live.since_us >= ops.stream_grace_seconds * 1_000_000):
            causes.append(Cause(site_id, "stream", f"stream:{dev}",
                                f"Mất hình trực tiếp{who} từ {tiles.clock(o.site, live.since_us, now_us)}"))
        if o.online:
            causes.extend(_unattended(o, who, ops))
    return causes


def _unattended(office: tiles.Office, who: str, ops: Ops) -> list[Cause]:
    """A cause per service whose citizens wait too long with no staffed counter serving it."""
    longest: dict[str, int] = {}
    for t in office.tickets():
        minutes = office.waited_minutes(str(t.get("ticket_id"))) if t.get("state") == "waiting" else None
        service = str(t.get("service"))
        if minutes is not None and minutes >= ops.unattended_minutes:
            longest[service] = max(minutes, longest.get(service, 0))
    if not longest:
        return []
    counters = office.counters()
    serves = tiles.counter_services(office.site)
    service_names = names.service_names(office.site)
    causes = []
    for service, minutes in sorted(longest.items()):
        # The counters of the service (every counter the kiosk reports when the configuration lists none).
        mine = [c for c in counters if not serves or service in serves.get(c["number"], [])]
        if any(tiles.staffed(c) for c in mine):
            continue
        if mine:
            where = "Quầy " + ", ".join(str(c["number"]) for c in mine)
            text = f"{where} không có cán bộ, công dân chờ {tiles.wait_text(minutes)}"
        else:
            text = f"Không có quầy nào mở, công dân chờ {tiles.wait_text(minutes)}"
        causes.append(Cause(office.site.id, "unattended", f"unattended:{office.device.id}:{service}",
                            f"{text} ({service_names[service]}){who}"))
    return causes


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK})")


def _changes(conn: Connection, standing: list[Cause], now_us: int, ops: Ops) -> tuple[list[Cause], list[int]]:
    """The causes to raise an alert for, and the ids of open alerts whose cause ended (or rating alerts grown old)."""
    open_rows = conn.execute(select(Alert.id, Alert.kind, Alert.key, Alert.raised_us).where(Alert.cleared_us.is_(None))).all()
    open_keys = {r.key for r in open_rows}
    new = [c for c in {c.key: c for c in standing}.values() if c.key not in open_keys]
    live = {c.key for c in standing}
    oldest = now_us - ops.rating_alert_minutes * 60_000_000
    ended = [r.id for r in open_rows
             if (r.kind in STANDING and r.key not in live) or (r.kind == "rating" and r.raised_us < oldest)]
    return new, ended


def apply(conn: Connection, standing: list[Cause], now_us: int, ops: Ops) -> tuple[int, int]:
    """Raise the alerts of new causes and clear those whose cause ended; (raised, cleared). Call in a transaction."""
    _lock(conn)
    new, ended = _changes(conn, standing, now_us, ops)
    if new:
        conn.execute(insert(Alert), [{"site_id": c.site_id, "kind": c.kind, "key": c.key, "detail": c.detail,
                                      "raised_us": now_us, "cleared_us": None} for c in new])
    if ended:
        conn.execute(update(Alert).where(Alert.id.in_(ended)).values(cleared_us=now_us))
    return len(new), len(ended)


def evaluate(engine: Any, now_us: int, ops: Ops) -> tuple[int, int]:
    """One pass of the standing rules over the database, and the rating alerts' ageing; (raised, cleared).

    The causes are read without the lock (on SQLite, without the write lock the ingest needs); when
    anything is to change, raising and clearing happen under it, against the alerts as they are then.
    A pass that changes nothing writes nothing.
    """
    with reader(engine).connect() as conn:
        standing = standing_causes(conn, now_us, ops)
        new, ended = _changes(conn, standing, now_us, ops)
    if not new and not ended:
        return 0, 0
    with engine.begin() as conn:
        return apply(conn, standing, now_us, ops)


def recent(conn: Connection, site_ids: list[int] | None, now_us: int, limit: int = 200) -> list[dict[str, Any]]:
    """The alerts a person sees, newest first: every open one and those cleared within a day (``site_ids``: None, all)."""
    query = select(Alert.__table__).where((Alert.cleared_us.is_(None)) | (Alert.raised_us >= now_us - RECENT_US))
    if site_ids is not None:
        query = query.where(Alert.site_id.in_(site_ids))
    rows = conn.execute(query.order_by(Alert.raised_us.desc(), Alert.id.desc()).limit(limit)).all()
    sites = {s.id: s for s in conn.execute(select(Site.__table__).where(Site.id.in_({r.site_id for r in rows})))} if rows else {}
    return [shown(r, sites[r.site_id], now_us) for r in rows]


def shown(row: Any, site: Any, now_us: int) -> dict[str, Any]:
    """An alert row of ``site`` as the page shows it."""
    return {
        "id": row.id, "site": site.code, "site_id": row.site_id, "unit": names.site_label(site), "kind": row.kind,
        "detail": row.detail, "raised": tiles.clock(site, row.raised_us, now_us),
        "open": row.cleared_us is None,
        "cleared": tiles.clock(site, row.cleared_us, now_us) if row.cleared_us is not None else None,
    }
