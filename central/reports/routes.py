"""The report downloads: a unit's and the province's report for a month or a quarter, as XLSX or PDF.

    /sites/CODE/report.xlsx?period=month|quarter&day=YYYY-MM-DD
    /sites/CODE/report.pdf?...
    /ranking.xlsx?...
    /ranking.pdf?...

The same access rules as the pages: not signed in, the browser goes to the
sign-in page; a unit leader gets only their own unit (403 for any other, whether
it exists or not) and only their own row of the ranking, at its true rank. A
period other than month or quarter, or a day that is not a date, is a 422 that
says which. Without ``day``, the period containing today.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from central import figures
from central.access import HEADERS, signed_in, site_for
from central.db import reader
from central.reports import pdf, xlsx
from central.reports.data import check_period, province_report, unit_report
from central.reports.files import ranking_stem, today, unit_stem
from central.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
Day = Annotated[str | None, Query(max_length=20)]
Period = Annotated[str, Query(max_length=20)]


def mount(app: FastAPI, engine: Engine, settings: Settings) -> None:
    """Add the report downloads to ``app`` (called at the end of ``central.web.mount``, whose
    exception handlers turn :class:`NotSignedIn` and :class:`Forbidden` into the sign-in page and a 403)."""
    router = APIRouter(include_in_schema=False)
    read = reader(engine)

    def download(content: bytes, media_type: str, filename: str) -> Response:
        return Response(content, media_type=media_type,
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})

    def unit(request: Request, code: str, period: str, day: str | None, kind: str) -> Response:
        with read.connect() as conn:
            user = signed_in(conn, request)
            try:
                period, chosen = check_period(period, day, today())
            except ValueError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=422, headers=HEADERS)
            site = site_for(conn, user, code)
            report = unit_report(conn, site, period, chosen, settings)
        stem = unit_stem(site.code, period, report.first)
        if kind == "xlsx":
            return download(xlsx.to_bytes(xlsx.unit_workbook(report)), XLSX, f"{stem}.xlsx")
        return download(pdf.unit_pdf(report), PDF, f"{stem}.pdf")

    def ranking(request: Request, period: str, day: str | None, kind: str) -> Response:
        with read.connect() as conn:
            user = signed_in(conn, request)
            try:
                period, chosen = check_period(period, day, today())
            except ValueError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=422, headers=HEADERS)
            visible = {user.site_id} if user.role == "leader" else None  # a leader: their own row only
            report = province_report(conn, figures.all_sites(conn), period, chosen, settings, visible)
        stem = ranking_stem(period, report.first)
        if kind == "xlsx":
            return download(xlsx.to_bytes(xlsx.province_workbook(report)), XLSX, f"{stem}.xlsx")
        return download(pdf.province_pdf(report), PDF, f"{stem}.pdf")

    @router.get("/sites/{code}/report.xlsx")
    def unit_xlsx(request: Request, code: str, period: Period = "month", day: Day = None) -> Response:
        return unit(request, code, period, day, "xlsx")

    @router.get("/sites/{code}/report.pdf")
    def unit_pdf(request: Request, code: str, period: Period = "month", day: Day = None) -> Response:
        return unit(request, code, period, day, "pdf")

    @router.get("/ranking.xlsx")
    def ranking_xlsx(request: Request, period: Period = "month", day: Day = None) -> Response:
        return ranking(request, period, day, "xlsx")

    @router.get("/ranking.pdf")
    def ranking_pdf(request: Request, period: Period = "month", day: Day = None) -> Response:
        return ranking(request, period, day, "pdf")

    app.include_router(router)
