"""The dashboards: server-rendered HTML with inline SVG charts (no CDN, no JavaScript needed).

Users sign in with a password (scrypt-hashed); the session is a random cookie
whose hash is stored in the database with its CSRF token, so any server process
can serve any request. Every POST carries the CSRF token. A unit leader sees
only their own site: every page and export checks it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, select

from central import core, figures
from central.db import reader
from central.models import Device, LiveTicket, Session, Site, User

COOKIE = "kc_session"
PRE_COOKIE = "kc_login"
SESSION_S = 12 * 3600
ONLINE_S = 120  # a kiosk heard from within two minutes is online
COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0969da", "#57606a"]

CSS = """
*{box-sizing:border-box}body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#0b3d91;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.8rem;align-items:center}
header a,header button{color:#fff;background:none;border:0;font:inherit;text-decoration:underline;cursor:pointer;padding:0}
header .en{color:#c9d7ff}main{padding:1rem;max-width:1100px;margin:auto}h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
.en{color:#57606a;font-size:.9em}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.6rem}.card b{display:block;font-size:1.4rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;font-size:.9rem}
.online{color:#1a7f37;font-weight:bold}.offline{color:#d1242f;font-weight:bold}form.inline{display:inline}
input,select,button.btn{font:inherit;padding:.4rem;margin:.2rem 0}button.btn{background:#0b3d91;color:#fff;border:0;border-radius:4px;padding:.5rem 1rem}
.error{color:#d1242f}.big{font-size:2.2rem;font-weight:bold}svg{max-width:100%;height:auto}
"""


def _safe(text: str) -> bool:
    """Text the database can hold (PostgreSQL refuses NUL; lone surrogates are not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _same(a: str, b: str) -> bool:
    """Constant-time comparison of any two strings (compare_digest refuses non-ASCII str)."""
    return secrets.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any, digits: int = 1, pct: bool = False) -> str:
    if value is None:
        return "–"
    if pct:
        return f"{value * 100:.{digits}f} %"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _page(title: str, body: str, user: Any = None, csrf: str | None = None, refresh: int | None = None) -> HTMLResponse:
    nav = ""
    if user is not None:
        nav = (
            '<a href="/">Tổng quan <span class="en">Overview</span></a>'
            '<a href="/ranking">Xếp hạng <span class="en">Ranking</span></a>'
            f'<span>{_e(user.username)} ({_e(user.role)})</span>'
            f'<form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{_e(csrf)}">'
            '<button type="submit">Đăng xuất <span class="en">Sign out</span></button></form>'
        )
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return HTMLResponse(
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><strong>Hệ thống xếp hàng <span class='en'>Queue system</span></strong>{nav}</header>"
        f"<main>{body}</main></body></html>",
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"},
    )


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def bar_chart(by_hour: dict[str, dict[int, int]]) -> str:
    """Tickets by hour, stacked by service, as inline SVG (works offline)."""
    hours = sorted({h for per in by_hour.values() for h in per}) or list(range(7, 18))
    hours = list(range(min(hours), max(hours) + 1))
    services = sorted(by_hour)
    totals = {h: sum(by_hour[s].get(h, 0) for s in services) for h in hours}
    top = max(totals.values(), default=0) or 1
    width, height, left, bottom = 40 * len(hours) + 50, 220, 40, 30
    scale = (height - bottom - 10) / top
    parts = [f'<svg role="img" aria-label="Số phiếu theo giờ / Tickets by hour" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#57606a"/>')
    parts.append(f'<text x="{left - 5}" y="15" font-size="11" text-anchor="end">{top}</text>')
    for i, h in enumerate(hours):
        x = left + 5 + i * 40
        y = height - bottom
        for j, s in enumerate(services):
            n = by_hour[s].get(h, 0)
            if n:
                bar = n * scale
                y -= bar
                parts.append(
                    f'<rect class="bar" x="{x}" y="{y:.1f}" width="30" height="{bar:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                    f"<title>{_e(s)} {h}h: {n}</title></rect>"
                )
        parts.append(f'<text x="{x + 15}" y="{height - bottom + 15}" font-size="11" text-anchor="middle">{h}h</text>')
    parts.append("</svg>")
    legend = " ".join(
        f'<span><svg width="12" height="12"><rect width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/></svg> {_e(s)}</span>'
        for j, s in enumerate(services)
    )
    return f'<div class="scroll">{"".join(parts)}</div><p>{legend}</p>'


FIGURE_HEADERS = [
    "Số phiếu <span class='en'>Tickets</span>", "Hoàn thành <span class='en'>Completed</span>",
    "Chờ TB (phút) <span class='en'>Avg wait (min)</span>", "Chờ P90 <span class='en'>P90 wait</span>",
    "Phục vụ TB <span class='en'>Avg service</span>", "Phục vụ P90 <span class='en'>P90 service</span>",
    "Tỷ lệ vắng <span class='en'>No-show rate</span>", "Chỉ số hài lòng <span class='en'>Satisfaction</span>",
]
CSV_FIELDS = ["tickets", "completed", "no_shows", "wait_avg_min", "wait_p90_min", "service_avg_min",
              "service_p90_min", "no_show_rate", "ratings", "satisfaction"]


def _figure_cells(r: dict[str, Any]) -> list[str]:
    return [
        _fmt(r["tickets"]), _fmt(r["completed"]), _fmt(r["wait_avg_min"]), _fmt(r["wait_p90_min"]),
        _fmt(r["service_avg_min"]), _fmt(r["service_p90_min"]), _fmt(r["no_show_rate"], pct=True),
        _fmt(r["satisfaction"], pct=True),
    ]


def mount(app: FastAPI, engine: Engine) -> None:
    """Add the dashboard pages to ``app``."""
    router = APIRouter(include_in_schema=False)
    read = reader(engine)

    class NotSignedIn(Exception):
        pass

    class Forbidden(Exception):
        pass

    @app.exception_handler(NotSignedIn)
    async def _login(_request: Request, _exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(_request: Request, _exc: Forbidden) -> Response:
        page = _page("403", "<h1>Không có quyền xem trang này <span class='en'>You may not see this page</span></h1>")
        page.status_code = 403
        return page

    def current(request: Request) -> tuple[Any, str]:
        token = request.cookies.get(COOKIE)
        if not token:
            raise NotSignedIn()
        with read.connect() as conn:
            row = conn.execute(
                select(User.__table__, Session.csrf)
                .join(Session, Session.user_id == User.id)
                .where(Session.token_hash == core.sha256(token), Session.expires_us > core.now_us())
            ).first()
        if row is None:
            raise NotSignedIn()
        return row, row.csrf

    def visible_sites(conn: Any, user: Any) -> list[Any]:
        sites = figures.all_sites(conn)
        if user.role == "leader":
            return [s for s in sites if s.id == user.site_id]
        return sites

    def site_for(conn: Any, user: Any, code: str) -> Any:
        if not _safe(code):
            raise Forbidden()
        site = conn.execute(select(Site.__table__).where(Site.code == code)).first()
        if user.role == "leader" and (site is None or site.id != user.site_id):
            raise Forbidden()  # the same answer whether or not the site exists
        if site is None:
            raise Forbidden()
        return site

    def parse_period(period: str, day: str | None, tz: ZoneInfo) -> tuple[str, date]:
        if period not in figures.PERIODS:
            period = "day"
        try:
            chosen = date.fromisoformat(day) if day else datetime.now(tz).date()
        except ValueError:
            chosen = datetime.now(tz).date()
        return period, chosen

    # -- signing in and out --

    @router.get("/login")
    def login_form(error: str | None = None) -> Response:
        pre = secrets.token_urlsafe(16)
        message = f'<p class="error">{_e(error)}</p>' if error else ""
        page = _page(
            "Đăng nhập",
            f"<h1>Đăng nhập <span class='en'>Sign in</span></h1>{message}"
            f'<form method="post" action="/login"><input type="hidden" name="csrf" value="{pre}">'
            '<p><label>Tên đăng nhập <span class="en">Username</span><br><input name="username" autocomplete="username" required></label></p>'
            '<p><label>Mật khẩu <span class="en">Password</span><br><input name="password" type="password" autocomplete="current-password" required></label></p>'
            '<button class="btn" type="submit">Đăng nhập <span class="en">Sign in</span></button></form>',
        )
        page.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", max_age=3600)
        return page

    @router.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=100)],
        password: Annotated[str, Form(max_length=200)],
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        if not csrf or not _same(csrf, request.cookies.get(PRE_COOKIE, "")):
            return RedirectResponse("/login?error=Phi%C3%AAn%20h%E1%BA%BFt%20h%E1%BA%A1n%2C%20th%E1%BB%AD%20l%E1%BA%A1i%20(session%20expired%2C%20try%20again)", status_code=303)
        client = request.client.host if request.client else "unknown"
        try:
            with engine.begin() as conn:
                core.hit(conn, f"login:{client}", limit=20)
        except core.Refused as exc:
            return RedirectResponse(f"/login?error={exc.retry_after}s", status_code=303)
        with engine.begin() as conn:
            user = conn.execute(select(User.__table__).where(User.username == username)).first() if _safe(username) else None
            if user is None or not core.check_password(password, user.password_hash):
                return RedirectResponse("/login?error=Sai%20t%C3%AAn%20ho%E1%BA%B7c%20m%E1%BA%ADt%20kh%E1%BA%A9u%20(wrong%20username%20or%20password)", status_code=303)
            token = secrets.token_urlsafe(32)
            conn.execute(Session.__table__.delete().where(Session.expires_us < core.now_us()))
            conn.execute(Session.__table__.insert().values(
                token_hash=core.sha256(token), user_id=user.id, csrf=secrets.token_urlsafe(24),
                expires_us=core.now_us() + SESSION_S * 1_000_000,
            ))
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https", max_age=SESSION_S)
        response.delete_cookie(PRE_COOKIE)
        return response

    @router.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
        user, expected = current(request)
        if not _same(csrf, expected):
            raise Forbidden()
        with engine.begin() as conn:
            conn.execute(Session.__table__.delete().where(Session.token_hash == core.sha256(request.cookies[COOKIE])))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # -- live overview --

    @router.get("/")
    def overview(request: Request) -> Response:
        user, csrf = current(request)
        now = core.now_us()
        with read.connect() as conn:
            sites = visible_sites(conn, user)
            devices = conn.execute(
                select(Device.__table__).where(Device.site_id.in_([s.id for s in sites]), Device.revoked_us.is_(None))
            ).all() if sites else []
        by_site: dict[int, list[Any]] = {}
        for d in devices:
            by_site.setdefault(d.site_id, []).append(d)
        rows = []
        for s in sites:
            for d in by_site.get(s.id, []) or [None]:
                if d is None:
                    rows.append([f'<a href="/sites/{_e(s.code)}">{_e(s.name)}</a>', "–", "–", "–", "–", "–"])
                    continue
                hb = json.loads(d.heartbeat_json) if d.heartbeat_json else {}
                online = d.last_seen_us is not None and now - d.last_seen_us < ONLINE_S * 1_000_000
                state = '<span class="online">Trực tuyến <span class="en">online</span></span>' if online else '<span class="offline">Mất kết nối <span class="en">offline</span></span>'
                seen = datetime.fromtimestamp(d.last_seen_us / 1e6, figures.site_tz(s)).strftime("%d/%m %H:%M:%S") if d.last_seen_us else "–"
                queues = ", ".join(f"{_e(k)}: {_e(v)}" for k, v in sorted(hb.get("queues", {}).items())) or "0"
                lag = hb.get("oldest_unsynced_age_s")
                sync_lag = f"{hb.get('outbox_depth', 0)} sự kiện / events" + (f", {lag:.0f} s" if lag else "")
                rows.append([f'<a href="/sites/{_e(s.code)}">{_e(s.name)}</a>', f"<code>{_e(d.serial)}</code>", state, seen, queues, sync_lag])
        body = (
            "<h1>Tổng quan trực tiếp <span class='en'>Live overview</span></h1>"
            + _table(["Đơn vị <span class='en'>Site</span>", "Thiết bị <span class='en'>Kiosk</span>", "Trạng thái <span class='en'>State</span>",
                      "Lần cuối <span class='en'>Last seen</span>", "Đang chờ <span class='en'>Waiting</span>", "Chưa đồng bộ <span class='en'>Sync lag</span>"], rows)
        )
        return _page("Tổng quan", body, user, csrf, refresh=15)

    # -- per site --

    def _period_form(action: str, period: str, day: date) -> str:
        options = "".join(
            f'<option value="{p}"{" selected" if p == period else ""}>{label}</option>'
            for p, label in (("day", "Ngày / Day"), ("week", "Tuần / Week"), ("month", "Tháng / Month"))
        )
        return (
            f'<form method="get" action="{_e(action)}"><select name="period">{options}</select> '
            f'<input type="date" name="day" value="{day.isoformat()}"> <button class="btn" type="submit">Xem <span class="en">Show</span></button></form>'
        )

    @router.get("/sites/{code}")
    def site_page(request: Request, code: str, period: str = "day", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, csrf = current(request)
        with read.connect() as conn:
            site = site_for(conn, user, code)
            period, chosen = parse_period(period, day, figures.site_tz(site))
            data = figures.site_figures(conn, site, period, chosen)
        t = data["total"]
        cards = [
            ("Số phiếu", "Tickets", _fmt(t["tickets"])),
            ("Chờ trung bình", "Average wait", _fmt(t["wait_avg_min"]) + " phút"),
            ("Chờ P90", "90th percentile wait", _fmt(t["wait_p90_min"]) + " phút"),
            ("Phục vụ trung bình", "Average service", _fmt(t["service_avg_min"]) + " phút"),
            ("Tỷ lệ vắng mặt", "No-show rate", _fmt(t["no_show_rate"], pct=True)),
            ("Chỉ số hài lòng", "Satisfaction index", _fmt(t["satisfaction"], pct=True)),
            ("Điểm tổng hợp", "Composite score", _fmt(data["score"])),
        ]
        card_html = '<div class="cards">' + "".join(
            f'<div class="card" data-figure="{_e(en)}">{vi} <span class="en">{en}</span><b>{v}</b></div>' for vi, en, v in cards
        ) + "</div>"
        sections = []
        for name, vi, en in (("service", "Theo dịch vụ", "By service"), ("counter", "Theo quầy", "By counter"), ("officer", "Theo cán bộ", "By officer")):
            rows = [[_e(k)] + _figure_cells(r) for k, r in data["groups"][name].items()]
            first = {"service": "Dịch vụ <span class='en'>Service</span>", "counter": "Quầy <span class='en'>Counter</span>",
                     "officer": "Cán bộ <span class='en'>Officer</span>"}[name]
            sections.append(f"<h2>{vi} <span class='en'>{en}</span></h2>" + _table([first] + FIGURE_HEADERS, rows))
        csv_link = f"/sites/{_e(site.code)}/export.csv?period={period}&day={chosen.isoformat()}"
        body = (
            f"<h1>{_e(site.name)}</h1><p class='en'>{_e(site.province)} · {_e(site.department)}</p>"
            + _period_form(f"/sites/{site.code}", period, chosen)
            + f"<p>{data['first'].strftime('%d/%m/%Y')} – {(data['end'] - timedelta(days=1)).strftime('%d/%m/%Y')} · "
            f'<a href="{csv_link}">Tải CSV <span class="en">Download CSV</span></a></p>'
            + card_html
            + "<h2>Số phiếu theo giờ <span class='en'>Tickets by hour</span></h2>" + bar_chart(data["by_hour"])
            + "".join(sections)
        )
        return _page(site.name, body, user, csrf)

    @router.get("/sites/{code}/export.csv")
    def site_csv(request: Request, code: str, period: str = "day", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, _ = current(request)
        with read.connect() as conn:
            site = site_for(conn, user, code)
            period, chosen = parse_period(period, day, figures.site_tz(site))
            data = figures.site_figures(conn, site, period, chosen)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["site", "period", "first_day", "group", "key", *CSV_FIELDS])
        base = [site.code, period, data["first"].isoformat()]
        writer.writerow([*base, "site", site.code, *(_csv(data["total"][f]) for f in CSV_FIELDS)])
        for name, rows in data["groups"].items():
            for key, r in rows.items():
                writer.writerow([*base, name, key, *(_csv(r[f]) for f in CSV_FIELDS)])
        for service, hours in sorted(data["by_hour"].items()):
            for hour, n in sorted(hours.items()):
                writer.writerow([*base, "hour", f"{service}@{hour:02d}", n, *[""] * (len(CSV_FIELDS) - 1)])
        return Response(
            "\ufeff" + out.getvalue(),  # BOM: spreadsheet programs then read the Vietnamese correctly
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{site.code}-{period}-{chosen.isoformat()}.csv"'},
        )

    # -- ranking --

    def _ranking_rows(request: Request, period: str, day: str | None) -> tuple[Any, str, str, date, list[dict[str, Any]]]:
        user, csrf = current(request)
        with read.connect() as conn:
            period, chosen = parse_period(period, day, ZoneInfo(figures.DEFAULT_TZ))
            rows = figures.ranking(conn, figures.all_sites(conn), period, chosen)
        if user.role == "leader":
            rows = [r for r in rows if r["site"].id == user.site_id]  # own rank only, nobody else's figures
        return user, csrf, period, chosen, rows

    @router.get("/ranking")
    def ranking_page(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, csrf, period, chosen, rows = _ranking_rows(request, period, day)
        table = _table(
            ["Hạng <span class='en'>Rank</span>", "Đơn vị <span class='en'>Site</span>", "Tỉnh <span class='en'>Province</span>",
             "Điểm <span class='en'>Score</span>"] + FIGURE_HEADERS,
            [[_fmt(r["rank"]), f'<a href="/sites/{_e(r["site"].code)}">{_e(r["site"].name)}</a>', _e(r["site"].province),
              _fmt(r["score"])] + _figure_cells(r) for r in rows],
        )
        body = (
            "<h1>Xếp hạng đơn vị <span class='en'>Ranking of sites</span></h1>" + _period_form("/ranking", period, chosen)
            + "<p>Điểm = 100 × (0,4 × hài lòng + 0,3 × (1 − chờ TB/60 phút) + 0,3 × (1 − tỷ lệ vắng)). "
            "<span class='en'>Score = 100 × (0.4 × satisfaction + 0.3 × (1 − average wait / 60 min) + 0.3 × (1 − no-show rate)).</span></p>"
            + f'<p><a href="/ranking.csv?period={period}&day={chosen.isoformat()}">Tải CSV <span class="en">Download CSV</span></a></p>'
            + table
        )
        return _page("Xếp hạng", body, user, csrf)

    @router.get("/ranking.csv")
    def ranking_csv(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        _, _, period, chosen, rows = _ranking_rows(request, period, day)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["rank", "site", "name", "province", "department", "score", *CSV_FIELDS])
        for r in rows:
            s = r["site"]
            writer.writerow([_csv(r["rank"]), s.code, s.name, s.province, s.department, _csv(r["score"]), *(_csv(r[f]) for f in CSV_FIELDS)])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="ranking-{period}-{chosen.isoformat()}.csv"'})

    # -- the public ticket page (from the ticket's QR code) --

    @router.get("/t/{ticket_id}")
    def ticket_page(ticket_id: Annotated[str, Path(max_length=64)]) -> Response:
        t = None
        if _safe(ticket_id):
            with read.connect() as conn:
                t = conn.execute(select(LiveTicket.__table__).where(LiveTicket.ticket_id == ticket_id)).first()
        if t is None:
            body = (
                "<h1>Phiếu không còn trong hàng chờ</h1><p class='en'>This ticket is no longer in the queue.</p>"
                "<p>Phiếu đã được phục vụ xong, đã hết hạn, hoặc thông tin chưa được cập nhật.</p>"
                "<p class='en'>It was served, it expired, or the office has not reported it yet.</p>"
            )
            return _page("Phiếu xếp hàng", body)
        updated = datetime.fromtimestamp(t.updated_us / 1e6, ZoneInfo(figures.DEFAULT_TZ)).strftime("%H:%M")
        if t.state == "waiting":
            ahead = max(0, (t.position or 1) - 1)
            wait = f"khoảng {t.wait_minutes} phút" if t.wait_minutes is not None else "chưa rõ"
            wait_en = f"about {t.wait_minutes} min" if t.wait_minutes is not None else "unknown"
            status = (
                f"<p>Số người trước bạn: <b id='ahead'>{ahead}</b> <span class='en'>People ahead of you</span></p>"
                f"<p>Thời gian chờ dự kiến: <b id='wait'>{wait}</b> <span class='en'>Estimated wait: {wait_en}</span></p>"
            )
        else:
            status = (
                f"<p id='serving'>Đang được phục vụ tại quầy số <b>{_e(t.counter)}</b></p>"
                f"<p class='en'>Being served at counter {_e(t.counter)}</p>"
            )
        body = (
            f"<p>Số thứ tự <span class='en'>Your number</span></p><p class='big' id='number'>{_e(t.display)}</p>"
            + status
            + f"<p class='en'>Cập nhật lúc {updated} · Updated at {updated}</p>"
        )
        page = _page("Phiếu xếp hàng", body, refresh=30)
        return page

    app.include_router(router)


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
