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

People and places are shown by name (``central.names``: "Nguyễn Văn An (1234)", a service's
Vietnamese name, a unit's name), numbers and dates the Vietnamese way (``central.formats``:
"0,9 phút", "87,5%", "1.234", "30/11/2026") on every page, chart and CSV; the JSON stays in
machine formats (ISO dates, dot decimals, codes as keys).

What a page computed is kept a few seconds and given to whoever asks for the same meanwhile
(``central.recent``; ``[pages] figures_max_age_seconds``), after their access is checked.
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
from sqlalchemy import Connection, Engine, select

from central import charts, core, figures, formats, names
from central.access import COOKIE, HEADERS, Forbidden, NotSignedIn, signed_in, site_for, storable, visible_sites
from central.db import reader
from central.media import routes as media_routes
from central.ops import routes as ops_routes
from central.recent import Recent
from central.reports import routes as report_routes
from central.settings import Settings
from central.models import Device, LiveTicket, Session, Site, User
from kiosk.estimate import wait_range

PRE_COOKIE = "kc_login"
SESSION_S = 12 * 3600
ONLINE_S = 120  # a kiosk heard from within two minutes is online
#: The figure columns of the CSV exports: (key of a figures row, Vietnamese header, how the value is written).
CSV_FIELDS = [
    ("tickets", "Số phiếu", "count"), ("completed", "Hoàn thành", "count"), ("no_shows", "Vắng mặt", "count"),
    ("wait_avg_min", "Chờ TB (phút)", "minutes"), ("wait_p90_min", "Chờ P90 (phút)", "minutes"),
    ("service_avg_min", "Phục vụ TB (phút)", "minutes"), ("service_p90_min", "Phục vụ P90 (phút)", "minutes"),
    ("no_show_rate", "Tỷ lệ vắng (%)", "percent"), ("ratings", "Lượt đánh giá", "count"),
    ("very_satisfied", "Rất hài lòng", "count"), ("satisfied", "Hài lòng", "count"),
    ("dissatisfied", "Không hài lòng", "count"), ("satisfaction", "Chỉ số hài lòng (%)", "percent"),
    ("dossiers", "Số hồ sơ", "count"), ("named", "Phiếu có tên", "count"), ("named_share", "Phiếu có tên (%)", "percent"),
]
#: The results flow's counts (keys of figures.Results) and their Vietnamese names.
RESULT_FIELDS = [
    ("later", "Hẹn trả kết quả"), ("called", "Đã gọi nhận kết quả"), ("called_named", "Gọi theo tên"),
    ("recalls", "Gọi lại"), ("handed_over", "Đã trả kết quả"), ("no_show", "Vắng mặt, chưa nhận"),
    ("expired", "Quá hạn, chưa nhận"),
]
#: The three levels the one-stop rules count, in Vietnamese and English.
COUNTED = {"very_satisfied": ("Rất hài lòng", "Very satisfied"), "satisfied": ("Hài lòng", "Satisfied"),
           "dissatisfied": ("Không hài lòng", "Dissatisfied")}
#: How many weeks and months the unit page's trend charts show.
TREND_COUNT = 12


def _same(a: str, b: str) -> bool:
    """Constant-time comparison of any two strings (compare_digest refuses non-ASCII str)."""
    return secrets.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def _figure(value: Any) -> str:
    """A figure as shown: "—" when there is nothing to measure, counts as "1.234", other numbers as "0,9"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return formats.NONE if value is None else str(value)
    return formats.vi_int(value) if isinstance(value, int) else formats.vi_number(value)


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
    env.filters["figure"] = _figure
    env.filters["percent"] = formats.vi_percent
    env.filters["minutes"] = formats.vi_minutes
    env.filters["vi_day"] = formats.vi_day
    return Jinja2Templates(env=env)


def _site(site: Any) -> dict[str, Any]:
    """What the pages show of a site row."""
    return {"code": site.code, "name": site.name, "province": site.province, "department": site.department}


def _labelled(data: dict[str, Any], services: dict[str, str], officers: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The figures by service, counter and officer as rows with the name a person reads (``label``) and the ``key``."""
    return {
        "service": [{"key": k, "label": services.get(k, k), **r} for k, r in data["groups"]["service"].items()],
        "counter": [{"key": k, "label": f"Quầy {k}", **r} for k, r in data["groups"]["counter"].items()],
        "officer": [{"key": k, "label": names.officer_label(k, officers), **r}
                    for k, r in data["groups"]["officer"].items()],
    }


def _satisfaction(data: dict[str, Any]) -> dict[str, Any]:
    """The ratings as the one-stop rules count them, the raw presses by button, the scale's mapping and the reasons."""
    total = data["total"]
    ratings = total.get("ratings") or 0
    counted = [{"key": key, "vi": vi, "en": en, "n": total.get(key) or 0,
                "share": (total.get(key) or 0) / ratings if ratings else None}
               for key, (vi, en) in COUNTED.items()]
    raw = total.get("raw") or {}
    presses = [{"level": lvl["level"], "vi": lvl["vi"], "counts_as": COUNTED.get(lvl["counts_as"], ("?", "?"))[0],
                "n": raw.get(str(lvl["level"]), 0)} for lvl in data.get("scale", [])]
    # A button whose label is not the level it counts as is said in words ("Bình thường được tính là Hài lòng").
    mapping = [f"{p['vi']} được tính là {p['counts_as']}" for p in presses if p["vi"] != p["counts_as"]]
    reason_names = data.get("reason_names", {})
    reasons = [{"id": rid, "label": reason_names.get(rid, rid), "n": n}
               for rid, n in sorted((total.get("reasons") or {}).items(), key=lambda item: (-item[1], item[0]))]
    return {"ratings": ratings, "counted": counted, "presses": presses, "mapping": mapping, "reasons": reasons}



def grades_text(settings: Settings) -> str:
    """The classification in words: "Xuất sắc ≥ 90; Tốt ≥ 80; ...; Yếu dưới 50" (a class from 0 reads "dưới" the one above)."""
    parts = []
    for i, grade in enumerate(settings.classification):
        if grade.min_score == 0 and i > 0:
            parts.append(f"{grade.name} dưới {formats.vi_number(settings.classification[i - 1].min_score, 0)}")
        else:
            parts.append(f"{grade.name} ≥ {formats.vi_number(grade.min_score, 0)}")
    return "; ".join(parts)


def mount(app: FastAPI, engine: Engine, settings: Settings | None = None) -> None:
    """Add the dashboard pages to ``app``; ``settings`` (default: the defaults) give the classification and ranking rules."""
    router = APIRouter(include_in_schema=False)
    read = reader(engine)
    pages = templates()
    settings = settings or Settings()
    recent = app.state.recent = Recent(settings.pages.figures_max_age_seconds)  # the pages' figures, kept a few seconds

    def render(request: Request, name: str, user: Any = None, csrf: str | None = None,
               status_code: int = 200, **context: Any) -> Response:
        """Page ``name`` with ``context``; ``user`` (a users row) and ``csrf`` fill the layout's sign-out bar."""
        shown = {"username": user.username, "role": user.role} if user is not None else None
        return pages.TemplateResponse(
            request, name, {"user": shown, "csrf": csrf, **context}, status_code=status_code, headers=HEADERS,
        )

    @app.exception_handler(NotSignedIn)
    async def _login(_request: Request, _exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        return render(request, "forbidden.html", status_code=403)

    def current(request: Request) -> tuple[Any, str]:
        with read.connect() as conn:
            row = signed_in(conn, request)
        return row, row.csrf

    def unit_figures(conn: Connection, site: Any, period: str, day: date) -> dict[str, Any]:
        """A unit's figures for the period (kept a few seconds: ``recent``)."""
        return recent.get(("unit", site.id, period, day), lambda: figures.site_figures(conn, site, period, day))

    def unit_trends(conn: Connection, site: Any, day: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A unit's weeks and months ending with ``day`` (kept a few seconds: ``recent``); only its page draws them."""
        return recent.get(("trends", site.id, day), lambda: (figures.trend(conn, site, "week", day, TREND_COUNT),
                                                             figures.trend(conn, site, "month", day, TREND_COUNT)))

    def parse_period(period: str, day: str | None, tz: ZoneInfo) -> tuple[str, date]:
        if period not in figures.PERIODS:
            period = "day"
        try:
            chosen = formats.parse_day(day) if day else datetime.now(tz).date()
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
            user = conn.execute(select(User.__table__).where(User.username == username)).first() if storable(username) else None
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
        with read.connect() as conn:
            sites = visible_sites(conn, user)
            rows = recent.get(("overview", tuple(s.id for s in sites)), lambda: _overview_rows(conn, sites))
        return render(request, "overview.html", user, csrf, rows=rows)

    # -- per site --

    @router.get("/sites/{code}")
    def site_page(request: Request, code: str, period: str = "day", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, csrf = current(request)
        with read.connect() as conn:
            site = site_for(conn, user, code)
            period, chosen = parse_period(period, day, figures.site_tz(site))
            data = unit_figures(conn, site, period, chosen)
            weeks, months = unit_trends(conn, site, chosen)
            officers = names.officer_names(conn, site.id)
        services = names.service_names(site)
        return render(
            request, "site.html", user, csrf,
            site=_site(site), period=period, day=chosen.isoformat(),
            period_label=formats.period_label(period, data["first"], data["end"]),
            first=formats.vi_date(data["first"]), last=formats.vi_date(data["end"] - timedelta(days=1)),
            total=data["total"], score=data["score"], classification=settings.classify(data["score"]),
            groups=_labelled(data, services, officers), chart=charts.hourly(data["by_hour"], services),
            satisfaction=_satisfaction(data), priority_groups=data["priority_groups"], results=data["results"],
            trends={"week": charts.trends(weeks, "week"), "month": charts.trends(months, "month")},
        )

    @router.get("/sites/{code}/figures.json")
    def site_json(request: Request, code: str, period: str = "day", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, _ = current(request)
        with read.connect() as conn:
            site = site_for(conn, user, code)
            period, chosen = parse_period(period, day, figures.site_tz(site))
            data = unit_figures(conn, site, period, chosen)
        body = {
            "site": _site(site), "period": period, "day": chosen.isoformat(),
            "first_day": data["first"].isoformat(), "last_day": (data["end"] - timedelta(days=1)).isoformat(),
            "total": data["total"], "score": data["score"], "classification": settings.classify(data["score"]),
            "scale": data.get("scale", []), "reason_names": data.get("reason_names", {}),
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
            data = unit_figures(conn, site, period, chosen)
            officers = names.officer_names(conn, site.id)
        services = names.service_names(site)
        out, writer = _csv_writer()
        writer.writerow(["Đơn vị", "Kỳ", "Từ ngày", "Đến ngày", "Nhóm", "Mã", "Tên", *(h for _, h, _ in CSV_FIELDS)])
        base = [site.code, formats.period_label(period, data["first"], data["end"]),
                formats.vi_date(data["first"]), formats.vi_date(data["end"] - timedelta(days=1))]
        blank = [""] * (len(CSV_FIELDS) - 1)
        writer.writerow([*base, "Đơn vị", site.code, names.site_label(site), *_csv_figures(data["total"])])
        for group, rows in _labelled(data, services, officers).items():
            for r in rows:
                writer.writerow([*base, CSV_GROUPS[group], r["key"], r["label"], *_csv_figures(r)])
        for g in data["priority_groups"]:
            writer.writerow([*base, "Nhóm ưu tiên", g["id"] or "", g["name_vi"], *_csv_figures(g)])
        sat = _satisfaction(data)
        for p in sat["presses"]:  # the raw presses, each count in the tickets column
            writer.writerow([*base, "Mức bấm", p["level"], f"{p['vi']} (tính là {p['counts_as']})", p["n"], *blank])
        for r in sat["reasons"]:
            writer.writerow([*base, "Lý do không hài lòng", r["id"], r["label"], r["n"], *blank])
        for key, vi in RESULT_FIELDS:
            writer.writerow([*base, "Trả kết quả", key, vi, data["results"][key], *blank])
        for service, hours in sorted(data["by_hour"].items()):
            for hour, n in sorted(hours.items()):
                writer.writerow([*base, "Theo giờ", f"{service}@{hour:02d}", f"{services.get(service, service)}, {hour} giờ", n, *blank])
        return _csv_response(out, f"{site.code}-{period}-{chosen.isoformat()}.csv")

    # -- ranking --

    def _ranking_rows(request: Request, period: str, day: str | None) -> tuple[Any, str, str, date, list[dict[str, Any]]]:
        user, csrf = current(request)
        with read.connect() as conn:
            period, chosen = parse_period(period, day, ZoneInfo(figures.DEFAULT_TZ))
            ranked = recent.get(("ranking", period, chosen), lambda: figures.ranking(
                conn, figures.all_sites(conn), period, chosen, settings.ranking.min_tickets))
        # Copies: the ranked rows are kept and shared (recent). A leader sees their own rank only.
        rows = [dict(r) for r in ranked if user.role != "leader" or r["site"].id == user.site_id]
        for r in rows:
            r["movement"] = formats.movement(r["rank"], r.get("previous_rank"))
            r["classification"] = settings.classify(r["score"]) if r.get("ranked") else None
            r["unranked"] = _unranked(r, settings.ranking.min_tickets) if r["rank"] is None else None
        return user, csrf, period, chosen, rows

    @router.get("/ranking")
    def ranking_page(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        user, csrf, period, chosen, rows = _ranking_rows(request, period, day)
        shown = [{**r, "site": _site(r["site"])} for r in rows]
        first, end = figures.period_days(period, chosen)
        return render(request, "ranking.html", user, csrf, period=period, day=chosen.isoformat(), rows=shown,
                      period_label=formats.period_label(period, first, end),
                      min_tickets=settings.ranking.min_tickets,
                      grades=grades_text(settings))

    @router.get("/ranking.csv")
    def ranking_csv(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        _, _, period, chosen, rows = _ranking_rows(request, period, day)
        first, end = figures.period_days(period, chosen)
        label = formats.period_label(period, first, end)
        out, writer = _csv_writer()
        writer.writerow(["Kỳ", "Hạng", "Hạng kỳ trước", "Thay đổi", "Mã", "Đơn vị", "Tỉnh", "Phòng", "Điểm", "Xếp loại",
                         *(h for _, h, _ in CSV_FIELDS), *(f"Kết quả: {vi}" for _, vi in RESULT_FIELDS)])
        for r in rows:
            s = r["site"]
            writer.writerow([label, r["rank"] if r["rank"] is not None else r["unranked"], _csv_value(r.get("previous_rank"), "count"), r["movement"], s.code,
                             names.site_label(s), s.province, s.department, _csv_value(r["score"], "number"),
                             r["classification"] or "", *_csv_figures(r), *(r["results"][k] for k, _ in RESULT_FIELDS)])
        return _csv_response(out, f"ranking-{period}-{chosen.isoformat()}.csv")

    @router.get("/ranking.json")
    def ranking_json(request: Request, period: str = "month", day: Annotated[str | None, Query(max_length=20)] = None) -> Response:
        _, _, period, chosen, rows = _ranking_rows(request, period, day)
        shown = [{**r, "site": _site(r["site"])} for r in rows]
        return JSONResponse({"period": period, "day": chosen.isoformat(), "min_tickets": settings.ranking.min_tickets,
                             "rows": shown}, headers=HEADERS)

    # -- the public ticket page (from the ticket's QR code) --

    @router.get("/t/{ticket_id}")
    def ticket_page(request: Request, ticket_id: Annotated[str, Path(max_length=64)]) -> Response:
        t = None
        if storable(ticket_id):
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
    report_routes.mount(app, engine, settings)  # the XLSX and PDF reports (central/reports/routes.py)
    media_routes.mount(app, engine, settings)
    ops_routes.mount(app, engine, settings)  # the operations room (central/ops/routes.py)


def _overview_rows(conn: Connection, sites: list[Any]) -> list[dict[str, Any]]:
    """The overview's rows: each site's kiosks with their last heartbeat (a site without one: one row)."""
    now = core.now_us()
    devices = conn.execute(
        select(Device.__table__).where(Device.site_id.in_([s.id for s in sites]), Device.revoked_us.is_(None))
    ).all() if sites else []
    by_site: dict[int, list[Any]] = {}
    for d in devices:
        by_site.setdefault(d.site_id, []).append(d)
    rows: list[dict[str, Any]] = []
    for s in sites:
        services = names.service_names(s)
        for d in by_site.get(s.id, []) or [None]:
            if d is None:
                rows.append({"code": s.code, "name": names.site_label(s), "serial": None})
                continue
            hb = json.loads(d.heartbeat_json) if d.heartbeat_json else {}
            seen = datetime.fromtimestamp(d.last_seen_us / 1e6, figures.site_tz(s)) if d.last_seen_us else None
            lag = hb.get("oldest_unsynced_age_s")
            rows.append({
                "code": s.code, "name": names.site_label(s), "serial": d.serial,
                "online": d.last_seen_us is not None and now - d.last_seen_us < ONLINE_S * 1_000_000,
                "seen": f"{seen:%H:%M:%S} {formats.vi_date(seen.date())}" if seen else formats.NONE,
                "queues": sorted((services.get(k, k), formats.vi_int(n)) for k, n in hb.get("queues", {}).items()),
                "outbox_depth": formats.vi_int(hb.get("outbox_depth", 0)),
                "lag": formats.vi_int(lag) + " giây" if lag else None,
            })
    return rows


#: The CSV's names of the figure groups.
CSV_GROUPS = {"service": "Dịch vụ", "counter": "Quầy", "officer": "Cán bộ"}


def _csv_writer() -> tuple[io.StringIO, Any]:
    """A CSV as a Vietnamese-locale spreadsheet opens it: fields separated by ";" (the comma is the decimal mark)."""
    out = io.StringIO()
    return out, csv.writer(out, delimiter=";", lineterminator="\r\n")


def _csv_response(out: io.StringIO, filename: str) -> Response:
    return Response(
        "\ufeff" + out.getvalue(),  # BOM: spreadsheet programs then read the Vietnamese correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **HEADERS},
    )


def _csv_value(value: Any, kind: str) -> str:
    """A figure in the CSV: decimal comma, no thousands mark (a spreadsheet reads it as a number); "" when unknown.

    Shares are written as percentages (87,5), minutes with two decimals.
    """
    if value is None:
        return ""
    if kind == "count":
        return str(value)
    if kind == "percent":
        return formats.vi_number(value * 100, 1).replace(".", "")
    return formats.vi_number(value, 2 if kind == "minutes" else 1).replace(".", "")


def _csv_figures(row: dict[str, Any]) -> list[str]:
    return [_csv_value(row.get(key), kind) for key, _, kind in CSV_FIELDS]


def _unranked(row: dict[str, Any], min_tickets: int) -> str:
    """Why a unit has no rank: too few tickets for the minimum sample, or none at all."""
    if row["tickets"] < min_tickets:
        return f"Chưa đủ mẫu (n < {formats.vi_int(min_tickets)} phiếu)"
    return "Không có số liệu"
