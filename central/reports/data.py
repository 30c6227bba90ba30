"""One report, assembled from the figures API: what the XLSX and the PDF both show.

A unit's report (:func:`unit_report`) holds the unit's figures for a month or a
quarter, by officer and by service, the ratings by the counted levels (Rất hài
lòng, Hài lòng, Không hài lòng) and by the raw button presses with the scale's
mapping stated, the reasons for dissatisfaction, the classification of the
composite score, and the dossiers (mã hồ sơ). The province's report
(:func:`province_report`) ranks every unit the reader may see.

Everything here is plain data with names already resolved (central.names) and
numbers left as numbers: the writers format them (XLSX as typed cells, PDF as
Vietnamese text through central.formats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from central import figures, names
from central.formats import movement, period_label, vi_number
from central.settings import Settings

#: The periods a report covers.
PERIODS = ("month", "quarter")
#: The levels the one-stop rules count, best first, with their Vietnamese names.
COUNTED = {"very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng", "dissatisfied": "Không hài lòng"}


def _now() -> datetime:
    """Now, as the reports print it (the product's time zone)."""
    return datetime.now(ZoneInfo(figures.DEFAULT_TZ)).replace(microsecond=0)


@dataclass
class Line:
    """A row of a breakdown (an officer, a service): its label, its key and its figures row."""

    label: str
    key: str
    figures: dict[str, Any]


@dataclass
class Level:
    """One button of the scale: its position (1 = best), its label, the level it counts as and its presses."""

    level: int
    label: str
    counts_as: str
    presses: int

    @property
    def counted_label(self) -> str:
        """The Vietnamese name of the counted level."""
        return COUNTED.get(self.counts_as, self.counts_as)


@dataclass
class Reason:
    """A reason for dissatisfaction and how often it was given."""

    id: str
    label: str
    count: int
    #: Share of the "Không hài lòng" ratings that gave this reason (None without such ratings).
    share: float | None


@dataclass
class Dossier:
    """A ticket bound to a dossier code, with names resolved."""

    day: date | None
    code: str
    ticket_id: str
    service: str
    counter: int | None
    officer: str
    counted: str | None
    reason: str | None
    wait_min: float | None
    service_min: float | None


@dataclass
class UnitReport:
    """A unit's report for one period."""

    site_code: str
    site_name: str
    period: str
    first: date
    end: date
    total: dict[str, Any]
    score: float | None
    classification: str | None
    officers: list[Line]
    services: list[Line]
    scale: list[Level]
    reasons: list[Reason]
    dossiers: list[Dossier]
    thresholds: list[tuple[str, float]]
    made: datetime = field(default_factory=_now)

    @property
    def label(self) -> str:
        """The period as a heading names it ("Tháng 11/2026", "Quý 4/2026")."""
        return period_label(self.period, self.first, self.end)

    @property
    def mapping(self) -> list[str]:
        """How the buttons count, in words, for each button whose label is not its counted level's."""
        return mapping_notes(self.scale)

    @property
    def unanswered(self) -> int:
        """"Không hài lòng" ratings that gave no reason (no answer is allowed)."""
        return max(0, (self.total.get("dissatisfied") or 0) - sum(r.count for r in self.reasons))


@dataclass
class Ranked:
    """A unit's row of the province's ranking."""

    site_code: str
    site_name: str
    rank: int | None
    previous_rank: int | None
    ranked: bool
    score: float | None
    classification: str | None
    figures: dict[str, Any]

    @property
    def movement(self) -> str:
        """The rank's movement since the previous period: "▲2", "▼1", "—" (same), "mới" (unranked then)."""
        return movement(self.rank, self.previous_rank)


@dataclass
class ProvinceReport:
    """The ranking of the units for one period."""

    period: str
    first: date
    end: date
    min_tickets: int
    rows: list[Ranked]
    thresholds: list[tuple[str, float]]
    made: datetime = field(default_factory=_now)

    @property
    def label(self) -> str:
        """The period as a heading names it."""
        return period_label(self.period, self.first, self.end)



def mapping_notes(scale: list[Level]) -> list[str]:
    """"Mức 'Bình thường' được tính là 'Hài lòng'" for each button counted as a level of another name."""
    return [f"Mức '{lv.label}' được tính là '{lv.counted_label}'" for lv in scale if lv.label != lv.counted_label]


def thresholds(settings: Settings) -> list[tuple[str, float]]:
    """The classification's classes and their lowest scores, best first."""
    return [(grade.name, grade.min_score) for grade in settings.classification]


def thresholds_text(classes: list[tuple[str, float]]) -> str:
    """The thresholds in words: "Xuất sắc ≥ 90; Tốt ≥ 80; Khá ≥ 65; Trung bình ≥ 50; Yếu dưới 50"."""
    parts = []
    for i, (name, score) in enumerate(classes):
        if i and score <= 0:  # the last class takes everything below the one before
            parts.append(f"{name} dưới {vi_number(classes[i - 1][1], 0)}")
        else:
            parts.append(f"{name} ≥ {vi_number(score, 0)}")
    return "; ".join(parts)


def check_period(period: str, day: str | date | None, today: date) -> tuple[str, date]:
    """The report's period and day from a request; ValueError says what is wrong (in Vietnamese and English)."""
    if period not in PERIODS:
        raise ValueError(f"period phải là month hoặc quarter (period must be month or quarter), không phải {period!r}")
    if day is None or day == "":
        chosen = today
    elif isinstance(day, date):
        chosen = day
    else:
        try:
            chosen = date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"day phải là ngày YYYY-MM-DD (day must be a date YYYY-MM-DD), không phải {day!r}") from None
    if not figures.FIRST_DAY <= chosen <= figures.LAST_DAY:
        raise ValueError(f"day phải trong khoảng {figures.FIRST_DAY}..{figures.LAST_DAY} (day out of range)")
    return period, chosen


def unit_report(conn: Connection, site: Any, period: str, day: date, settings: Settings) -> UnitReport:
    """The report of ``site`` for the ``period`` ("month" or "quarter") containing ``day``."""
    data = figures.site_figures(conn, site, period, day)
    dossiers = figures.dossiers(conn, site, data["first"], data["end"])
    return build_unit_report(
        site.code, names.site_label(site), period, data, dossiers,
        names.service_names(site), names.officer_names(conn, site.id), settings,
    )


def build_unit_report(code: str, name: str, period: str, data: dict[str, Any], dossiers: list[dict[str, Any]],
                      services: dict[str, str], officers: dict[str, str], settings: Settings) -> UnitReport:
    """A unit's report from a figures dict (``figures.site_figures``) and its dossier rows (``figures.dossiers``)."""
    total = data["total"]
    raw = total.get("raw") or {}
    scale = [Level(int(lv["level"]), lv["vi"], lv["counts_as"], int(raw.get(str(lv["level"]), 0)))
             for lv in data.get("scale") or []]
    reason_names = data.get("reason_names") or {}
    dissatisfied = total.get("dissatisfied") or 0
    reasons = [Reason(rid, reason_names.get(rid, rid), n, n / dissatisfied if dissatisfied else None)
               for rid, n in sorted((total.get("reasons") or {}).items(), key=lambda kv: (-kv[1], kv[0]))]
    groups = data["groups"]
    return UnitReport(
        site_code=code, site_name=name, period=period, first=data["first"], end=data["end"],
        total=total, score=data["score"], classification=settings.classify(data["score"]),
        officers=sorted((Line(names.officer_label(k, officers), k, row) for k, row in groups["officer"].items()),
                        key=lambda line: line.label),
        services=[Line(services.get(k, k), k, row) for k, row in groups["service"].items()],
        scale=scale, reasons=reasons,
        dossiers=[_dossier(d, services, officers, reason_names) for d in dossiers],
        thresholds=thresholds(settings),
    )


def _dossier(row: dict[str, Any], services: dict[str, str], officers: dict[str, str],
             reason_names: dict[str, str]) -> Dossier:
    day = row.get("day")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            day = None
    reason = row.get("reason")
    return Dossier(
        day=day if isinstance(day, date) else None, code=row["code"], ticket_id=str(row.get("ticket_id") or ""),
        service=services.get(row.get("service") or "", row.get("service") or "—"), counter=row.get("counter"),
        officer=names.officer_label(row.get("officer"), officers),
        counted=COUNTED.get(row.get("counted") or "", None),
        reason=reason_names.get(reason, reason) if reason else None,
        wait_min=row.get("wait_min"), service_min=row.get("service_min"),
    )


def province_report(conn: Connection, sites: list[Any], period: str, day: date, settings: Settings,
                    visible: set[int] | None = None) -> ProvinceReport:
    """The ranking of ``sites`` for the period containing ``day``; only the ``visible`` site ids listed (None: all).

    Ranks are over every site (a unit leader sees their own unit's true rank);
    a unit below ``settings.ranking.min_tickets`` is listed but not ranked, and
    only a ranked unit is classified (a handful of tickets says little).
    """
    min_tickets = settings.ranking.min_tickets
    rows = figures.ranking(conn, sites, period, day, min_tickets=min_tickets)
    first, end = figures.period_days(period, day)
    shown = []
    for r in rows:
        site = r["site"]
        if visible is not None and site.id not in visible:
            continue
        ranked = bool(r.get("ranked")) and r.get("rank") is not None
        shown.append(Ranked(
            site_code=site.code, site_name=names.site_label(site), rank=r.get("rank") if ranked else None,
            previous_rank=r.get("previous_rank"), ranked=ranked, score=r.get("score"),
            classification=settings.classify(r.get("score")) if ranked else None, figures=r,
        ))
    return ProvinceReport(period, first, end, min_tickets, shown, thresholds(settings))
