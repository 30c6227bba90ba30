"""The "Không hài lòng" alerts, raised as ingest stores each rating.

``central.app`` hands :func:`raiser` to ``core.ingest``, which calls it in the
batch's transaction with the events it has just stored. An event is stored
once, so each rating raises its alert once (key ``rating:<event uuid>``), and
the operations room never polls the events table, which grows by thousands of
rows a second at national scale. The counted level is the figures' own
(``central.summary.fold``: the event's ``counted``, else the scale's default).
A rating that happened more than ``rating_alert_minutes`` before it reached
central (a kiosk catching up after a day offline) raises nothing; the alert
evaluation clears a rating alert when it is that old (``central.ops.alerts``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, insert, select

from central import names, summary
from central.models import Alert, Site
from central.ops import tiles
from central.settings import Ops

log = logging.getLogger(__name__)

#: A kiosk's clock may run this far ahead of central's and its rating still counts as now.
AHEAD_US = 60 * 1_000_000


def describe(data: dict[str, Any], site: Any, officers: dict[str, str], at_us: int, now_us: int) -> str:
    """The alert's sentence: "Công dân đánh giá Không hài lòng (quầy 3, Nguyễn Văn An (101), dịch vụ) lúc 08:15"."""
    parts = []
    counter = data.get("counter")
    if isinstance(counter, int) and not isinstance(counter, bool):
        parts.append(f"quầy {counter}")
    if isinstance(data.get("officer"), str) and data["officer"]:
        parts.append(names.officer_label(data["officer"], officers))
    if isinstance(data.get("service"), str) and data["service"]:
        parts.append(names.service_names(site)[data["service"]])
    where = f" ({', '.join(parts)})" if parts else ""
    return f"Công dân đánh giá Không hài lòng{where} lúc {tiles.clock(site, at_us, now_us)}"


def raise_alerts(conn: Connection, site_id: int, stored: list[dict[str, Any]], now_us: int, ops: Ops) -> int:
    """Raise an alert for each "Không hài lòng" rating among ``stored`` (events just inserted); how many."""
    ratings = [ev for ev in stored if ev["type"] == "rating_recorded"]
    if not ratings:
        return 0
    site = conn.execute(select(Site.__table__).where(Site.id == site_id)).one()
    rules = summary.rules_for(conn, site_id)
    oldest = now_us - ops.rating_alert_minutes * 60_000_000
    officers: dict[str, str] | None = None
    raised = []
    for ev in ratings:
        try:
            at = summary.when(ev.get("corrected_us"), ev.get("wall_us"), ev.get("quarantine"))
            if at is None or not oldest <= at <= now_us + AHEAD_US:
                continue
            data = ev["data"] if "data" in ev else summary.payload(ev["payload"])
            if summary.fold([(ev["seq"], "rating_recorded", data, at)], rules,
                            summary.TicketFacts(issued=True)).counted != "dissatisfied":
                continue
            if officers is None:  # read only for a unit with a dissatisfied citizen
                officers = names.officer_names(conn, site_id)
            detail = describe(data, site, officers, at, now_us)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # A payload no rule foresaw costs its alert, never the batch it came in (the event is stored).
            log.warning("rating alert not raised for an event of site %s: %s", site_id, type(exc).__name__)
            continue
        raised.append({"site_id": site_id, "kind": "rating", "key": f"rating:{ev['uuid']}",
                       "detail": detail, "raised_us": now_us, "cleared_us": None})
    if raised:
        conn.execute(insert(Alert), raised)
    return len(raised)


def raiser(ops: Ops) -> Callable[[Connection, int, list[dict[str, Any]], int], int]:
    """:func:`raise_alerts` with ``[ops]`` bound, as ``core.ingest``'s ``on_stored`` takes it."""
    return lambda conn, site_id, stored, now_us: raise_alerts(conn, site_id, stored, now_us, ops)
