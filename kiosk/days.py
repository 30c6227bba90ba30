"""Business days and opening hours, in the site's time zone.

A business day starts at ``site.day_starts_at`` local time (00:00 by default).
These are pure functions of a timezone-aware instant and the config; they never
read the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.config import WEEKDAYS, Service

_DAY_NAMES_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_DAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def business_day(now: datetime, tz: ZoneInfo, starts_at: int = 0) -> date:
    """The business day that ``now`` falls in.

    Computed on the local wall-clock reading, so a day that starts at 03:00 starts
    at 03:00 local time on both sides of a daylight-saving change.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    day = local.date()
    if local.time() < time(starts_at):
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class Opening:
    """Why a service does or does not take tickets at a moment."""

    open: bool
    reason: str = ""  # "", "closed_today", "not_open_yet" or "closed_for_today"
    opens: str = ""  # "07:30": when it next opens (today or on next_day)
    next_day: date | None = None


def _next_open_day(service: Service, after: date) -> date | None:
    for step in range(1, 8):
        candidate = after + timedelta(days=step)
        if WEEKDAYS[candidate.weekday()] in service.opening.days:
            return candidate
    return None


def opening(service: Service, day: date, local_time: time) -> Opening:
    """Whether ``service`` takes tickets on business day ``day`` at ``local_time``.

    The weekday comes from the business day (not from the wall clock), so a clock
    that jumped backwards cannot reopen a service on a day it is closed.
    """
    periods = service.opening.periods()
    if not periods or WEEKDAYS[day.weekday()] not in service.opening.days:
        nxt = _next_open_day(service, day)
        return Opening(False, "closed_today", _first_open(service), nxt)
    for start, end in periods:
        if start <= local_time < end:
            return Opening(True)
        if local_time < start:
            return Opening(False, "not_open_yet", start.strftime("%H:%M"))
    return Opening(False, "closed_for_today", _first_open(service), _next_open_day(service, day))


def _first_open(service: Service) -> str:
    periods = service.opening.periods()
    return periods[0][0].strftime("%H:%M") if periods else ""


def day_name(day: date | None, lang: str) -> str:
    """``thứ Ba 01/12`` / ``Tuesday 01/12``; a placeholder when there is none."""
    if day is None:
        return "(không có ngày mở)" if lang == "vi" else "(never)"
    names = _DAY_NAMES_VI if lang == "vi" else _DAY_NAMES_EN
    return f"{names[day.weekday()]} {day:%d/%m}"
