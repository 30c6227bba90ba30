"""The dashboards: server-rendered HTML with inline SVG charts (no CDN, no JavaScript needed).

Users sign in with a password (scrypt-hashed); the session is a random cookie
whose hash is stored in the database with its CSRF token, so any server process
can serve any request. Every POST carries the CSRF token. A unit leader sees
only their own site: every page and export checks it.

The routes here read the database and hand the pages plain data (dicts, lists,
strings, numbers; never database rows); the HTML is in the Jinja2 templates of
``central/templates/`` (``base.html`` is the layout every page extends), rendered
with autoescaping on. The CSV exports and the figures as JSON (``/sites/CODE/figures.json``,
``/ranking.json``: the same session and the same site checks as the pages) are written here.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine, select

from central import core, figures
from central.db import reader
from central.models import Device, LiveTicket, Session, Site, User
from kiosk.estimate import wait_range

COOKIE = "kc_session"
PRE_COOKIE = "kc_login"
SESSION_S = 12 * 3600
ONLINE_S = 120  # a kiosk heard from within two minutes is online
COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0969da", "#57606a"]
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
CSV_FIELDS = ["tickets", "completed", "no_shows", "wait_avg_min", "wait_p90_min", "service_avg_min",
              "service_p90_min", "no_show_rate", "ratings", "satisfaction", "named", "named_share"]
#: The results flow's counts, as the CSV and JSON name them (``results_`` + a key of figures.Results).
RESULT_FIELDS = ["later", "called", "called_named", "recalls", "handed_over", "no_show", "expired"]


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


def _fmt(value: Any, pct: bool = False) -> str:
    """A figure as shown: "–" when there is nothing to measure, floats to one decimal, shares as "12.5 %"."""
    if value is None:
        return "–"
    if pct:
        return f"{value * 100:.1f} %"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def templates() -> Jinja2Templates:
    """The page templates (``central/templates/``), autoescaped, with the figure filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("central", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name fails loudly instead of printing nothing
        finalize=lambda value: "" if value is None else value,  # a missing value prints as nothing, not "None"
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["figure"] = _fmt
    env.filters["percent"] = lambda value: _fmt(value, pct=True)
    return Jinja2Templates(env=env)


def chart(by_hour: dict[str, dict[int, int]]) -> dict[str, Any]:
    """The geometry of the tickets-by-hour chart, stacked by service (drawn by templates/chart.html)."""
    hours = sorted({h for per in by_hour.values() for h in per}) or list(range(7, 18))
    hours = list(range(min(hours), max(hours) + 1))
    services = sorted(by_hour)
    totals = {h: sum(by_hour[s].get(h, 0) for s in services) for h in hours}
    top = max(totals.values(), default=0) or 1
    width, height, left, bottom = 40 * len(hours) + 50, 220, 40, 30
    scale = (height - bottom - 10) / top
    columns = []
    for i, h in enumerate(hours):
        y: float = height - bottom
        bars = []
        for j, s in enumerate(services):
            n = by_hour[s].get(h, 0)
            if n:
                y -= n * scale  # stacked: each service's bar sits on the previous one
                bars.append({"y": y, "height": n * scale, "colour": COLOURS[j % len(COLOURS)], "service": s, "n": n})
        columns.append({"hour": h, "x": left + 5 + i * 40, "bars": bars})
    return {
        "width": width, "height": height, "left": left, "baseline": height - bottom, "top": top, "hours": columns,
        "legend": [{"service": s, "colour": COLOURS[j % len(COLOURS)]} for j, s in enumerate(services)],
    }


def _site(site: Any) -> dict[str, Any]:
    """What the pages show of a site row."""
    return {"code": site.code, "name": site.name, "province": site.province, "department": site.department}


def mount(app: FastAPI, engine: Engine) -> None:
    """Add the dashboard pages to ``app``."""
    router = APIRouter(include_in_schema=False)
    read = reader(engine)
    pages = templates()

    def render(request: Request, name: str, user: Any = None, csrf: str | None = None,
               status_code: int = 200, **context: Any) -> Response:
        """Page ``name`` with ``context``; ``user`` (a users row) and ``csrf`` fill the layout's sign-out bar."""
        shown = {"username": user.username, "role": user.role} if user is not None else None
        return pages.TemplateResponse(
            request, name, {"user": shown, "csrf": csrf, **context}, status_code=status_code, headers=HEADERS,
        )

    class NotSignedIn(Exception):
        pass

    class Forbidden(Exception):
        pass

    @app.exception_handler(NotSignedIn)
    async def _login(_request: Request, _exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        return render(request, "forbidden.html", status_code=403)

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
        if not figures.FIRST_DAY <= chosen <= figures.LAST_DAY:
            chosen = datetime.now(tz).date()  # e.g. 9999-12-31: a period there would leave the calendar
        return period, chosen

    # -- signing in and out --

    @router.get("/login")
    def login_form(request: Request, error: str | None = None) -> Response:
        pre = secrets.token_urlsafe(16)
        page = render(request, "login.html", pre=pre, error=error)
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
        rows: list[dict[str, Any]] = []
        for s in sites:
            for d in by_site.get(s.id, []) or [None]:
                if d is None:
                    rows.append({"code": s.code, "name": s.name, "serial": None})
                    continue
                hb = json.loads(d.heartbeat_json) if d.heartbeat_json else {}
                rows.append({
                    "code": s.code, "name": s.name, "serial": d.serial,
                    "online": d.last_seen_us is not None and now - d.last_seen_us < ONLINE_S * 1_000_000,
                    "seen": datetime.fromtimestamp(d.last_seen_us / 1e6, figures.site_tz(s)).strftime("%d/%m %H:%M:%S") if d.last_seen_us else "–",
                    "queues": sorted(hb.get("queues", {}).items()),
                    "outbox_depth": hb.get("outbox_depth", 0),
                    "lag_s": hb.get("oldest_unsynced_age_s"),
                })
        return render(request, "overview.html", user, csrf, rows=rows)

    # -- per site --

    @router.get("/sites/{code}")
    def site_page(request: Request, code: str, period: str = "day", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, csrf = current(request)
        with read.connect() as conn:
            site = site_for(conn, user, code)
            period, chosen = parse_period(period, day, figures.site_tz(site))
            data = figures.site_figures(conn, site, period, chosen)
        return render(
            request, "site.html", user, csrf,
            site=_site(site), period=period, day=chosen.isoformat(),
            first=data["first"].strftime("%d/%m/%Y"), last=(data["end"] - timedelta(days=1)).strftime("%d/%m/%Y"),
            total=data["total"], score=data["score"], groups=data["groups"], chart=chart(data["by_hour"]),
            priority_groups=data["priority_groups"], results=data["results"],
        )

    @router.get("/sites/{code}/figures.json")
    def site_json(request: Request, code: str, period: str = "day", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, _ = current(request)
        with read.connect() as conn:
            site = site_for(conn, user, code)
            period, chosen = parse_period(period, day, figures.site_tz(site))
            data = figures.site_figures(conn, site, period, chosen)
        body = {
            "site": _site(site), "period": period, "day": chosen.isoformat(),
            "first_day": data["first"].isoformat(), "last_day": (data["end"] - timedelta(days=1)).isoformat(),
            "total": data["total"], "score": data["score"],
            "by_service": data["groups"]["service"],
            "by_counter": {str(k): v for k, v in data["groups"]["counter"].items()},
            "by_officer": data["groups"]["officer"],
            "by_priority_group": data["priority_groups"],
            "results": data["results"],
            "by_hour": {s: {str(h): n for h, n in hours.items()} for s, hours in data["by_hour"].items()},
        }
        return JSONResponse(body, headers=HEADERS)

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
        for name, rows in data["groups"].items():  # priority_group: keyed by group id, "" for no group
            for key, r in rows.items():
                writer.writerow([*base, name, key, *(_csv(r[f]) for f in CSV_FIELDS)])
        for key in RESULT_FIELDS:  # the results flow: a count each, in the tickets column
            writer.writerow([*base, "results", key, data["results"][key], *[""] * (len(CSV_FIELDS) - 1)])
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
        shown = [{**r, "site": _site(r["site"])} for r in rows]
        return render(request, "ranking.html", user, csrf, period=period, day=chosen.isoformat(), rows=shown)

    @router.get("/ranking.csv")
    def ranking_csv(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        _, _, period, chosen, rows = _ranking_rows(request, period, day)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["rank", "site", "name", "province", "department", "score", *CSV_FIELDS,
                         *(f"results_{k}" for k in RESULT_FIELDS)])
        for r in rows:
            s = r["site"]
            writer.writerow([_csv(r["rank"]), s.code, s.name, s.province, s.department, _csv(r["score"]),
                             *(_csv(r[f]) for f in CSV_FIELDS), *(r["results"][k] for k in RESULT_FIELDS)])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="ranking-{period}-{chosen.isoformat()}.csv"'})

    @router.get("/ranking.json")
    def ranking_json(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        _, _, period, chosen, rows = _ranking_rows(request, period, day)
        shown = [{**r, "site": _site(r["site"])} for r in rows]
        return JSONResponse({"period": period, "day": chosen.isoformat(), "rows": shown}, headers=HEADERS)

    # -- the public ticket page (from the ticket's QR code) --

    @router.get("/t/{ticket_id}")
    def ticket_page(request: Request, ticket_id: Annotated[str, Path(max_length=64)]) -> Response:
        t = None
        if _safe(ticket_id):
            with read.connect() as conn:
                t = conn.execute(select(LiveTicket.__table__).where(LiveTicket.ticket_id == ticket_id)).first()
        if t is None:
            return render(request, "ticket.html", ticket=None)
        return render(request, "ticket.html", ticket={
            "display": t.display, "state": t.state, "counter": t.counter, "wait_minutes": t.wait_minutes,
            # The range the ticket printed for these minutes: one rule (kiosk.estimate) for both.
            "wait_range": wait_range(t.wait_minutes),
            "ahead": max(0, (t.position or 1) - 1),
            "updated": datetime.fromtimestamp(t.updated_us / 1e6, ZoneInfo(figures.DEFAULT_TZ)).strftime("%H:%M"),
        })

    app.include_router(router)


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
