"""The geometry of the dashboards' charts, drawn as inline SVG by ``templates/chart.html``.

No script and no CDN: the page works offline and on a phone. Every label on a
chart (axis values, titles, tooltips) is already formatted the Vietnamese way
(:mod:`central.formats`), so the templates only place text.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from central.formats import vi_int, vi_minutes, vi_number, vi_percent

COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0969da", "#57606a"]


def hourly(by_hour: dict[str, dict[int, int]], service_names: dict[str, str]) -> dict[str, Any]:
    """The tickets-by-hour chart, stacked by service (named by ``service_names``, else by id)."""
    hours = sorted({h for per in by_hour.values() for h in per}) or list(range(7, 18))
    hours = list(range(min(hours), max(hours) + 1))
    services = sorted(by_hour)
    totals = {h: sum(by_hour[s].get(h, 0) for s in services) for h in hours}
    top = max(totals.values(), default=0) or 1
    width, height, left, bottom = 40 * len(hours) + 50, 220, 40, 30
    scale = (height - bottom - 10) / top
    label = {s: service_names.get(s, s) for s in services}
    columns = []
    for i, h in enumerate(hours):
        y: float = height - bottom
        bars = []
        for j, s in enumerate(services):
            n = by_hour[s].get(h, 0)
            if n:
                y -= n * scale  # stacked: each service's bar sits on the previous one
                bars.append({"y": y, "height": n * scale, "colour": COLOURS[j % len(COLOURS)],
                             "title": f"{label[s]}, {h} giờ: {vi_int(n)} phiếu"})
        columns.append({"hour": h, "x": left + 5 + i * 40, "bars": bars})
    return {
        "width": width, "height": height, "left": left, "baseline": height - bottom, "top": vi_int(top),
        "hours": columns,
        "legend": [{"service": label[s], "colour": COLOURS[j % len(COLOURS)]} for j, s in enumerate(services)],
    }


#: The trend charts: (key of a figures.trend row, Vietnamese title, English title, how values read, drawn as).
TRENDS = [
    ("tickets", "Số phiếu", "Tickets", "count", "bars"),
    ("satisfaction", "Chỉ số hài lòng", "Satisfaction", "percent", "line"),
    ("wait_avg_min", "Thời gian chờ trung bình (phút)", "Average wait (min)", "minutes", "line"),
]
_SHOW = {"count": vi_int, "percent": vi_percent, "minutes": vi_minutes}
#: A point's own label is short (the chart's title says the unit): "5,8" rather than "5,8 phút".
_LABEL = {"count": vi_int, "percent": lambda v: vi_percent(v, 0), "minutes": vi_number}


def _nice_top(value: float) -> float:
    """A round axis maximum at or above ``value``: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def period_tick(unit: str, first: Any) -> str:
    """A trend column's label: a week by its Monday ("23/11"), a month as "11/2026"."""
    return f"{first.day:02d}/{first.month:02d}" if unit == "week" else f"{first.month:02d}/{first.year}"


def trend(points: list[dict[str, Any]], unit: str, key: str, kind: str, drawn: str) -> dict[str, Any]:
    """One trend chart of ``points`` (figures.trend rows, oldest first) for the figure ``key``.

    ``kind`` says how values read ("count", "percent", "minutes"); ``drawn`` is
    "bars" or "line". A period with nothing to measure has no bar or point (the
    line breaks there) and reads "—".
    """
    show = _SHOW[kind]
    values = [p.get(key) for p in points]
    known = [v for v in values if v is not None]
    top = 1.0 if kind == "percent" else _nice_top(max(known, default=0))
    step, left, height, bottom, head = 46, 56, 190, 34, 22
    width = left + step * max(len(points), 1) + 10
    baseline = height - bottom
    scale = (baseline - head) / top
    columns, path, pen_down = [], [], False
    for i, (p, v) in enumerate(zip(points, values)):
        x = left + i * step + step / 2
        y = baseline - v * scale if v is not None else None
        last_day = p["end"] - timedelta(days=1)
        columns.append({
            "x": x, "y": y, "height": baseline - y if y is not None else 0,
            "tick": period_tick(unit, p["first"]), "value": _LABEL[kind](v),
            "title": f"{p['first'].day:02d}/{p['first'].month:02d}/{p['first'].year}–"
                     f"{last_day.day:02d}/{last_day.month:02d}/{last_day.year}: {show(v)}",
        })
        if y is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    top_label = vi_percent(1.0, 0) if kind == "percent" else (vi_number(top, 1) if top % 1 else vi_int(top))
    return {
        "width": width, "height": height, "left": left, "baseline": baseline, "head": head, "drawn": drawn,
        "top": top_label, "zero": vi_percent(0.0, 0) if kind == "percent" else "0",
        "columns": columns, "path": " ".join(path), "bar_width": step - 14,
    }


def trends(points: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """The three trend charts (tickets, satisfaction, average wait) of ``points``, each with its titles."""
    return [{"vi": vi, "en": en, "key": key, **trend(points, unit, key, kind, drawn)}
            for key, vi, en, kind, drawn in TRENDS]
