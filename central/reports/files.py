"""Report files: their names, and every report of a period written to a folder (``kiosk-central reports``)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from central import figures
from central.db import reader
from central.reports import pdf, xlsx
from central.reports.data import province_report, unit_report
from central.settings import Settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def period_tag(period: str, first: date) -> str:
    """The period in a file name: "2026-11" for a month, "2026-q4" for a quarter."""
    if period == "quarter":
        return f"{first.year}-q{(first.month - 1) // 3 + 1}"
    return f"{first.year}-{first.month:02d}"


def unit_stem(code: str, period: str, first: date) -> str:
    """A unit report's file name without its extension, ASCII only: "bao-cao-ld-csgt-2026-11"."""
    return f"bao-cao-{_UNSAFE.sub('-', code).strip('-') or 'don-vi'}-{period_tag(period, first)}"


def ranking_stem(period: str, first: date) -> str:
    """The ranking's file name without its extension: "xep-hang-2026-q4"."""
    return f"xep-hang-{period_tag(period, first)}"


def previous_period_day(period: str, today: date) -> date:
    """A day of the last complete month or quarter before ``today`` (what the scheduled run reports)."""
    if period == "quarter":
        quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return quarter_start - timedelta(days=1)
    return today.replace(day=1) - timedelta(days=1)


def today() -> date:
    """Today in the product's time zone (where the offices are)."""
    return datetime.now(ZoneInfo(figures.DEFAULT_TZ)).date()


def write_period(engine: Engine, settings: Settings, period: str, day: date, out_dir: Path) -> list[Path]:
    """Write every unit's XLSX and PDF and the province's ranking for the period containing ``day``.

    The files go to ``out_dir/<period tag>/`` (made if missing), each written to a
    temporary name first and renamed, so a reader never opens half a file.
    Returns the paths written.
    """
    first, _ = figures.period_days(period, day)
    folder = out_dir / period_tag(period, first)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with reader(engine).connect() as conn:
        sites = figures.all_sites(conn)
        for site in sites:
            report = unit_report(conn, site, period, day, settings)
            stem = unit_stem(site.code, period, first)
            written.append(_write(folder / f"{stem}.xlsx", xlsx.to_bytes(xlsx.unit_workbook(report))))
            written.append(_write(folder / f"{stem}.pdf", pdf.unit_pdf(report)))
        ranking = province_report(conn, sites, period, day, settings)
    stem = ranking_stem(period, first)
    written.append(_write(folder / f"{stem}.xlsx", xlsx.to_bytes(xlsx.province_workbook(ranking))))
    written.append(_write(folder / f"{stem}.pdf", pdf.province_pdf(ranking)))
    return written


def _write(path: Path, content: bytes) -> Path:
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    part.replace(path)
    return path
