"""A unit's report built from a hand-made figures dict (the shape of ``figures.site_figures``), for the writers' tests.

The numbers are chosen so that each figure is distinct: a test that reads the
wrong column fails.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from central.reports.data import ProvinceReport, Ranked, UnitReport, build_unit_report
from central.settings import Settings

SCALE = [
    {"level": 1, "vi": "Rất hài lòng", "counts_as": "very_satisfied"},
    {"level": 2, "vi": "Hài lòng", "counts_as": "satisfied"},
    {"level": 3, "vi": "Bình thường", "counts_as": "satisfied"},
    {"level": 4, "vi": "Không hài lòng", "counts_as": "dissatisfied"},
]
REASON_NAMES = {"thai_do": "Thái độ cán bộ", "thoi_gian_cho": "Thời gian chờ",
                "huong_dan": "Hướng dẫn chưa rõ", "khac": "Khác"}


def row(tickets: int, completed: int, no_shows: int, wait: float | None, service: float | None,
        raw: dict[str, int], reasons: dict[str, int], dossiers: int) -> dict[str, Any]:
    """A figures row as the figures API gives it (counted levels from ``raw`` by :data:`SCALE`)."""
    very = raw.get("1", 0)
    satisfied = raw.get("2", 0) + raw.get("3", 0)
    dissatisfied = raw.get("4", 0)
    ratings = very + satisfied + dissatisfied
    return {
        "tickets": tickets, "completed": completed, "no_shows": no_shows,
        "wait_avg_min": wait, "wait_p90_min": wait * 2 if wait is not None else None,
        "service_avg_min": service, "service_p90_min": service * 1.5 if service is not None else None,
        "no_show_rate": no_shows / (completed + no_shows) if completed + no_shows else None,
        "ratings": ratings, "very_satisfied": very, "satisfied": satisfied, "dissatisfied": dissatisfied,
        "satisfaction": (very + satisfied) / ratings if ratings else None, "raw": raw, "reasons": reasons,
        "dossiers": dossiers, "named": 0, "named_share": 0.0,
    }


AN = row(40, 36, 2, 7.25, 4.5, {"1": 20, "2": 8, "3": 3, "4": 3}, {"thai_do": 2, "thoi_gian_cho": 1}, 30)
BINH = row(25, 22, 1, 12.5, 6.0, {"1": 9, "2": 5, "3": 1, "4": 2}, {"huong_dan": 1}, 18)
TOTAL = row(65, 58, 3, 9.2, 5.1, {"1": 29, "2": 13, "3": 4, "4": 5}, {"thai_do": 2, "thoi_gian_cho": 1, "huong_dan": 1}, 48)


def figures_dict() -> dict[str, Any]:
    """November 2026 of a unit with two officers and two services."""
    return {
        "first": date(2026, 11, 1), "end": date(2026, 12, 1), "total": TOTAL, "score": 84.3,
        "groups": {"officer": {"1234": AN, "5678": BINH}, "service": {"oto": AN, "xemay": BINH},
                   "counter": {1: AN, 2: BINH}, "priority_group": {}},
        "priority_groups": [], "results": {}, "by_hour": {}, "scale": SCALE, "reason_names": REASON_NAMES,
    }


DOSSIERS = [
    {"day": "2026-11-03", "code": "000.00.31.H47-261103-0001", "ticket_id": "t-1", "service": "oto", "counter": 1,
     "officer": "1234", "level": 1, "counted": "very_satisfied", "reason": None, "wait_min": 5.5, "service_min": 4.0},
    {"day": "2026-11-17", "code": "000.00.31.H47-261117-0042", "ticket_id": "t-2", "service": "xemay", "counter": 2,
     "officer": "5678", "level": 4, "counted": "dissatisfied", "reason": "huong_dan", "wait_min": 21.0,
     "service_min": 8.25},
]
SERVICES = {"oto": "Đăng ký xe ô tô", "xemay": "Đăng ký xe mô tô, xe gắn máy"}
OFFICERS = {"1234": "Nguyễn Văn An"}  # 5678 has never been named by a kiosk
MADE = datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def unit_report() -> UnitReport:
    """The sample unit's report for November 2026, with the default settings."""
    report = build_unit_report("ld-csgt", "Phòng CSGT Lâm Đồng", "month", figures_dict(), DOSSIERS,
                               SERVICES, OFFICERS, Settings())
    report.made = MADE
    return report


def province_report() -> ProvinceReport:
    """Three units: one up two places, one new, one too small to rank."""
    settings = Settings()
    rows = [
        Ranked("ld-csgt", "Phòng CSGT Lâm Đồng", 1, 3, True, 84.3, settings.classify(84.3), {**TOTAL}),
        Ranked("hn-csgt", "Phòng CSGT Hà Nội", 2, None, True, 71.0, settings.classify(71.0), {**AN}),
        Ranked("dl-pc06", "Công an huyện Đà Lạt", None, 1, False, 92.0, None, {**row(
            12, 12, 0, 3.0, 2.0, {"1": 5}, {}, 0)}),
    ]
    return ProvinceReport("quarter", date(2026, 10, 1), date(2027, 1, 1), 30, rows,
                          [(g.name, g.min_score) for g in settings.classification], made=MADE)
