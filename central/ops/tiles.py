"""What the operations room knows of each office: read from the database, shaped for the wall's tiles.

An office here is one enrolled kiosk (not revoked) of a unit, as central last
heard it: its heartbeat (counters, queues, device health; its live tickets are
kept in ``live_tickets``), the
media server's report of its streams (``media_streams``), how long its waiting
citizens have waited (``ticket_facts``: the corrected time of each waiting
ticket's ``ticket_issued``), and its unit's satisfaction today (``site_days``,
counted as the unit page counts it: ``central.figures``).

The wall shows a tile per *camera* office: one the media server has reported a
stream of, or whose heartbeat names a camera other than "off". Everything a
person reads is already formatted here, the Vietnamese way (``central.formats``):
"12 phút", "87,5%", "Mất kết nối từ 08:15".

Why the elapsed wait and not the heartbeat's ``wait_minutes``: the heartbeat's
minutes are the kiosk's estimate of the time *until the call*, and are unknown
exactly when no staffed counter serves the ticket; the wall and the unattended
alert need how long the citizen has been waiting.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from central import figures, formats, names
from central.models import Device, LiveTicket, MediaStream, Officer, SiteDay, TicketFact

#: A kiosk heard from within this long is online (the overview page's rule, ``central.web.ONLINE_S``).
ONLINE_S = 120
#: Waiting tickets listed beside the large player (the rest are counted).
QUEUE_ROWS = 50
#: The Vietnamese words of a device's state in the heartbeat.
DEVICE_STATES = {"ok": "Bình thường", "paper_out": "Hết giấy", "lost": "Mất tín hiệu", "off": "Tắt", "error": "Lỗi"}
#: The devices of the heartbeat's ``devices``, by name as shown.
DEVICE_NAMES = {"printer": "Máy in", "camera": "Camera", "microphone": "Micrô"}
COUNTER_MODES = {"open": "Mở", "paused": "Tạm dừng", "closed": "Đóng"}
TICKET_STATES = {"called": "Đang gọi", "serving": "Đang phục vụ", "waiting": "Đang chờ"}


@dataclass
class Office:
    """One kiosk of a unit as central last heard it (rows and parsed JSON; nothing formatted)."""

    site: Any
    device: Any
    heartbeat: dict[str, Any]
    #: ``media_streams`` rows by app (live, thumb, rec).
    streams: dict[str, Any] = field(default_factory=dict)
    #: The last heartbeat's live tickets (``live_tickets`` rows as dicts), by position.
    live: list[dict[str, Any]] = field(default_factory=list)
    #: Waiting ticket id -> microseconds waited so far (tickets whose issue central has stored).
    waited_us: dict[str, int] = field(default_factory=dict)
    online: bool = False

    @property
    def devices(self) -> dict[str, str]:
        """The heartbeat's device states that were sent (printer, camera, microphone)."""
        found = self.heartbeat.get("devices")
        return {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}

    @property
    def has_camera(self) -> bool:
        """Whether the wall shows a tile for it: a stream was reported, or the heartbeat names a camera."""
        return bool(self.streams) or self.devices.get("camera") not in (None, "off")

    def publishing(self, app: str) -> bool:
        row = self.streams.get(app)
        return bool(row is not None and row.publishing)

    def counters(self) -> list[dict[str, Any]]:
        """The heartbeat's counters, by number."""
        found = self.heartbeat.get("counters")
        rows = [c for c in found if isinstance(c, dict) and isinstance(c.get("number"), int)] if isinstance(found, list) else []
        return sorted(rows, key=lambda c: c["number"])

    def tickets(self) -> list[dict[str, Any]]:
        """The live tickets (waiting, called, serving) of the last heartbeat (``live_tickets``)."""
        return self.live

    def waited_minutes(self, ticket_id: str) -> int | None:
        """Whole minutes a waiting ticket has waited (None: its issue has not reached central)."""
        us = self.waited_us.get(ticket_id)
        return us // 60_000_000 if us is not None else None


def staffed(counter: dict[str, Any]) -> bool:
    """A counter that is serving someone, or open with an officer signed in."""
    return bool(counter.get("ticket")) or (counter.get("mode") == "open" and bool(counter.get("officer")))


def counter_services(site: Any) -> dict[int, list[str]]:
    """Counter number -> the service ids it serves, from the unit's pushed configuration ({} when unknown)."""
    try:
        listed = json.loads(site.config_json).get("counters") if site.config_json else None
    except (ValueError, TypeError, AttributeError, RecursionError):
        listed = None
    found: dict[int, list[str]] = {}
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("number"), int) and isinstance(entry.get("services"), list):
            found[entry["number"]] = [s for s in entry["services"] if isinstance(s, str)]
    return found


def _today(site: Any, now_us: int) -> date:
    return datetime.fromtimestamp(now_us / 1e6, figures.site_tz(site)).date()


def _distinct_configs(sites: Any) -> list[Any]:
    """One site per distinct configuration (the time zone is read from it: parsing each is the cost)."""
    return list({s.config_json: s for s in sites}.values())


def offices(conn: Connection, sites: list[Any], now_us: int) -> list[Office]:
    """Every kiosk (not revoked) of ``sites``, with its streams and how long its waiting citizens have waited."""
    by_id = {s.id: s for s in sites}
    if not by_id:
        return []
    devices = conn.execute(
        select(Device.__table__).where(Device.site_id.in_(list(by_id)), Device.revoked_us.is_(None))
        .order_by(Device.site_id, Device.serial, Device.id)
    ).all()
    found: list[Office] = []
    for d in devices:
        try:
            heartbeat = json.loads(d.heartbeat_json) if d.heartbeat_json else {}
        except (ValueError, RecursionError):
            heartbeat = {}
        found.append(Office(
            site=by_id[d.site_id], device=d, heartbeat=heartbeat if isinstance(heartbeat, dict) else {},
            online=d.last_seen_us is not None and now_us - d.last_seen_us < ONLINE_S * 1_000_000,
        ))
    if not found:
        return found
    by_device = {o.device.id: o for o in found}
    for row in conn.execute(select(MediaStream.__table__).where(MediaStream.device_id.in_(list(by_device)))):
        by_device[row.device_id].streams[row.app] = row
    for row in conn.execute(select(LiveTicket.__table__).where(LiveTicket.device_id.in_(list(by_device)))
                            .order_by(LiveTicket.device_id, LiveTicket.position, LiveTicket.ticket_id)):
        by_device[row.device_id].live.append(dict(row._mapping))
    # The waiting tickets' issue times: today's and yesterday's business days of each unit (an office
    # open past midnight), of the tickets the heartbeat says still wait.
    today = {_today(s, now_us) for s in _distinct_configs(by_id.values())}
    days = today | {d - timedelta(days=1) for d in today}
    waiting = {(o.device.id, t.get("ticket_id")) for o in found for t in o.tickets() if t.get("state") == "waiting"}
    if waiting:
        rows = conn.execute(
            select(TicketFact.device_id, TicketFact.ticket_id, TicketFact.issued_us)
            .where(TicketFact.site_id.in_(list(by_id)), TicketFact.day.in_(sorted(days)),
                   TicketFact.state == "waiting", TicketFact.issued.is_(True), TicketFact.issued_us.is_not(None))
        ).all()
        for r in rows:
            if (r.device_id, r.ticket_id) in waiting:
                by_device[r.device_id].waited_us[r.ticket_id] = max(0, now_us - r.issued_us)
    return found


def satisfaction_today(conn: Connection, sites: list[Any], now_us: int) -> dict[int, dict[str, Any]]:
    """Site id -> today's figures row (``central.figures``: satisfaction, ratings...) from ``site_days``."""
    if not sites:
        return {}
    by_config = {s.config_json: _today(s, now_us) for s in _distinct_configs(sites)}
    today = {s.id: by_config[s.config_json] for s in sites}
    rows = conn.execute(
        select(SiteDay.__table__).where(SiteDay.site_id.in_(list(today)), SiteDay.day.in_(sorted(set(today.values()))))
    ).all()
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.day == today.get(row.site_id):
            summed = figures.Figures()
            summed.add(row._mapping)
            found[row.site_id] = summed.row()
    return found


def clock(site: Any, at_us: int, now_us: int) -> str:
    """A time in the unit's time zone: "08:15", with the date when it is not today ("08:15 29/11/2026")."""
    tz = figures.site_tz(site)
    at = datetime.fromtimestamp(at_us / 1e6, tz)
    text = f"{at:%H:%M}"
    return text if at.date() == datetime.fromtimestamp(now_us / 1e6, tz).date() else f"{text} {formats.vi_date(at.date())}"


def wait_text(minutes: int | None) -> str:
    """Whole minutes of waiting as read: "12 phút" ("—": unknown)."""
    return formats.NONE if minutes is None else f"{formats.vi_int(minutes)} phút"


def _state(office: Office, now_us: int) -> tuple[str, str]:
    """The tile's state ("live", "no_video", "offline") and its words."""
    if not office.online:
        if office.device.last_seen_us is None:
            return "offline", "Chưa kết nối lần nào"
        return "offline", f"Mất kết nối từ {clock(office.site, office.device.last_seen_us, now_us)}"
    if office.publishing("thumb"):
        return "live", f"Trực tiếp từ {clock(office.site, office.streams['thumb'].since_us, now_us)}"
    stopped = office.streams.get("thumb") or office.streams.get("live")
    if stopped is None:
        return "no_video", "Trực tuyến, chưa có hình"
    return "no_video", f"Trực tuyến, mất hình từ {clock(office.site, stopped.since_us, now_us)}"


def _queue(office: Office, services: dict[str, str], officers: dict[str, str]) -> dict[str, Any]:
    """The office's live queue as the large player's side panel shows it."""
    counters = [{
        "number": c["number"], "label": f"Quầy {c['number']}",
        "mode": COUNTER_MODES.get(c.get("mode"), str(c.get("mode") or formats.NONE)),
        "officer": names.officer_label(c.get("officer"), officers) if c.get("officer") else "Chưa có cán bộ",
        "ticket": c.get("ticket") or formats.NONE, "staffed": staffed(c),
    } for c in office.counters()]
    serving, waiting = [], []
    for t in office.tickets():
        service = services.get(str(t.get("service")), str(t.get("service")))
        if t.get("state") == "waiting":
            minutes = office.waited_minutes(str(t.get("ticket_id")))
            waiting.append({"display": str(t.get("display")), "service": service, "minutes": minutes,
                            "waited": wait_text(minutes), "position": t.get("position")})
        else:
            serving.append({"display": str(t.get("display")), "service": service,
                            "counter": f"Quầy {t['counter']}" if isinstance(t.get("counter"), int) else formats.NONE,
                            "state": TICKET_STATES.get(str(t.get("state")), str(t.get("state")))})
    waiting.sort(key=lambda w: (w["minutes"] is None, -(w["minutes"] or 0), w["position"] or 0))
    return {"counters": counters, "serving": serving, "waiting": waiting[:QUEUE_ROWS],
            "more": max(0, len(waiting) - QUEUE_ROWS)}


def tile(office: Office, today: dict[str, Any] | None, officers: dict[str, str], now_us: int,
         long_wait_min: int = 10) -> dict[str, Any]:
    """One tile of the wall: plain JSON values, every text already in Vietnamese formats.

    ``long_wait`` is true when the longest wait reaches ``long_wait_min`` (the page shows it in red).
    """
    services = names.service_names(office.site)
    state, status = _state(office, now_us)
    counters = office.counters()
    queues = office.heartbeat.get("queues")
    waiting = sum(n for n in queues.values() if isinstance(n, int)) if isinstance(queues, dict) else 0
    waits = [m for m in (office.waited_minutes(str(t.get("ticket_id"))) for t in office.tickets()
                         if t.get("state") == "waiting") if m is not None]
    longest = max(waits) if waits else None
    today = today or {}
    device_id = office.device.id
    return {
        "device_id": device_id, "site": office.site.code, "site_id": office.site.id,
        "unit": names.site_label(office.site), "serial": office.device.serial,
        "state": state, "status": status,
        "thumb": f"/media/thumb/{device_id}/index.m3u8", "main": f"/media/live/{device_id}/index.m3u8",
        "counters_open": sum(1 for c in counters if c.get("mode") == "open"), "counters_total": len(counters),
        "officers": sum(1 for c in counters if c.get("officer")),
        "waiting": waiting, "waiting_text": formats.vi_int(waiting),
        "longest_wait_min": longest, "longest_wait": wait_text(longest),
        "long_wait": longest is not None and longest >= long_wait_min,
        "ratings": today.get("ratings") or 0, "satisfaction": formats.vi_percent(today.get("satisfaction")),
        "devices": [{"name": DEVICE_NAMES[k], "state": v, "text": DEVICE_STATES.get(v, v)}
                    for k, v in office.devices.items() if k in DEVICE_NAMES],
        "queue": _queue(office, services, officers),
    }


def wall(conn: Connection, sites: list[Any], now_us: int, long_wait_min: int = 10) -> list[dict[str, Any]]:
    """The tiles of ``sites``' camera offices, by unit (province, department, code) then kiosk serial.

    ``long_wait_min``: a longest wait from this many minutes is marked (``[ops] unattended_minutes``).
    """
    cameras = [o for o in offices(conn, sites, now_us) if o.has_camera]
    site_ids = sorted({o.site.id for o in cameras})
    today = satisfaction_today(conn, [o.site for o in cameras], now_us)
    officers: dict[int, dict[str, str]] = defaultdict(dict)
    if site_ids:
        for row in conn.execute(select(Officer.site_id, Officer.code, Officer.name).where(Officer.site_id.in_(site_ids))):
            officers[row.site_id][row.code] = row.name
    order = {s.id: i for i, s in enumerate(sites)}
    cameras.sort(key=lambda o: (order[o.site.id], o.device.serial, o.device.id))
    return [tile(o, today.get(o.site.id), officers[o.site.id], now_us, long_wait_min) for o in cameras]
