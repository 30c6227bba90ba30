"""Numbers, shares, durations, dates and periods as a Vietnamese reader writes them.

Vietnamese groups thousands with a dot and writes decimals with a comma
("1.234", "0,9 phút", "87,5%"), and dates day first ("30/11/2026"). Every page,
chart and export a person reads uses these; the JSON API keeps machine formats
(ISO dates, dot decimals). Nothing to measure is shown as "—".
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

#: What a figure reads as when there is nothing to measure.
NONE = "—"


def _usable(x: float | None) -> bool:
    return x is not None and not (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def vi_number(x: float | None, digits: int = 1) -> str:
    """``x`` with ``digits`` decimals, thousands grouped by "." and a decimal comma: 1234.5 -> "1.234,5"."""
    if not _usable(x):
        return NONE
    text = f"{x:,.{digits}f}"  # "1,234.5": swap the separators
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vi_int(n: int | float | None) -> str:
    """A count with thousands grouped by ".": 1234 -> "1.234"."""
    if not _usable(n):
        return NONE
    return f"{round(n):,d}".replace(",", ".")  # type: ignore[arg-type]


def vi_percent(share: float | None, digits: int = 1) -> str:
    """A share 0-1 as a percentage: 0.875 -> "87,5%"."""
    if not _usable(share):
        return NONE
    return vi_number(share * 100, digits) + "%"  # type: ignore[operator]


def vi_minutes(x: float | None) -> str:
    """Minutes with one decimal: 0.9 -> "0,9 phút"."""
    if not _usable(x):
        return NONE
    return vi_number(x, 1) + " phút"


def vi_date(d: date) -> str:
    """A date day first: 2026-11-30 -> "30/11/2026"."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def vi_day(iso: str) -> str:
    """A day given as ISO text, day first: "2026-11-30" -> "30/11/2026" (text that is no date: as it is)."""
    try:
        return vi_date(date.fromisoformat(iso))
    except ValueError:
        return iso


_VI_DAY = re.compile(r"\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*", re.ASCII)


def parse_day(text: str) -> date:
    """A day as a person types it, day first ("30/11/2026", "1/2/2026", "30.11.2026"), or ISO ("2026-11-30").

    The pages' day fields are text, so that every browser shows and takes the
    day as Vietnamese write it (a date field follows the browser's language);
    links keep ISO days. ValueError says what is wrong.
    """
    found = _VI_DAY.fullmatch(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(f"không có ngày {text.strip()} / no such day") from None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"ngày viết dạng ngày/tháng/năm, ví dụ 30/11/2026 / a day as dd/mm/yyyy: {text!r}") from None


def period_label(period: str, first: date, end: date) -> str:
    """A period as a heading names it; ``end`` is the day after the last.

    "Ngày 30/11/2026", "Tuần 23/11–29/11/2026", "Tháng 11/2026", "Quý 4/2026", "Năm 2026";
    any other span: "30/11/2026–06/12/2026".
    """
    last = end - timedelta(days=1)
    if period == "day":
        return f"Ngày {vi_date(first)}"
    if period == "week":
        if first.year == last.year:
            return f"Tuần {first.day:02d}/{first.month:02d}–{vi_date(last)}"
        return f"Tuần {vi_date(first)}–{vi_date(last)}"
    if period == "month":
        return f"Tháng {first.month:02d}/{first.year}"
    if period == "quarter":
        return f"Quý {(first.month - 1) // 3 + 1}/{first.year}"
    if period == "year":
        return f"Năm {first.year}"
    return f"{vi_date(first)}–{vi_date(last)}"


def movement(rank: int | None, previous: int | None) -> str:
    """A unit's move in the ranking since the previous period: "▲2", "▼1", "—" (same), "mới" (not ranked
    then); "" for a unit not ranked now."""
    if rank is None:
        return ""
    if previous is None:
        return "mới"
    if previous == rank:
        return "—"
    return f"▲{previous - rank}" if previous > rank else f"▼{rank - previous}"
