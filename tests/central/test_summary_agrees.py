"""The summary tables kept at ingest always agree with a rebuild from the events, and with a plain fold.

Random kiosk event streams (several sites and devices; tickets issued, called,
served, completed, no-show, reactivated, rated with a reason, given a dossier
code and a group; results calls), some with an unsynchronised clock whose boot
anchor moves as requests arrive, are delivered in random batches: shuffled
(late events), duplicated. Then:

- the maintained summaries equal what ``summary.rebuild`` computes from the events;
- ``site_figures`` equal a straightforward fold of the stored events written here
  (the reference: :func:`reference_tickets`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from central import core, figures, summary
from central.app import create_app
from central.models import DayFigures, DayHour, DayReason, Device, Event, Site, SiteDay, TicketFact
from kiosk.config import default_counts

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = (date(2026, 11, 23), date(2026, 11, 24))
COUNTED = ("very_satisfied", "satisfied", "dissatisfied")

# One ticket's story after its issue: what happens to it, in order.
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("ticket_called"), st.fixed_dictionaries({"counter": st.integers(1, 3),
                                                                    "officer": st.sampled_from(["101", "102"])})),
        st.tuples(st.just("service_started"), st.fixed_dictionaries({"counter": st.integers(1, 3)})),
        st.tuples(st.just("ticket_completed"), st.fixed_dictionaries(
            {"counter": st.integers(1, 3), "results_later": st.booleans()},
            optional={"officer": st.sampled_from(["101", "103"])})),
        st.tuples(st.just("ticket_no_show"), st.just({"counter": 1})),
        st.tuples(st.just("ticket_reactivated"), st.just({})),
        st.tuples(st.just("rating_recorded"), st.one_of(
            st.fixed_dictionaries({"level": st.integers(1, 4), "scale": st.just(4),
                                   "counted": st.sampled_from(COUNTED)}),
            st.fixed_dictionaries({"level": st.integers(1, 5)}, optional={"scale": st.integers(2, 5)}),  # legacy
        )),
        st.tuples(st.just("rating_reason_recorded"),
                  st.fixed_dictionaries({"reason": st.sampled_from(["thai_do", "thoi_gian_cho", "khac"])})),
        st.tuples(st.just("dossier_attached"), st.fixed_dictionaries(
            {"code": st.sampled_from(["000.00.31.H47-241130-0001", "1234", "A-9"]), "source": st.just("keypad")})),
        st.tuples(st.just("ticket_group_set"), st.fixed_dictionaries(
            {"group": st.sampled_from([None, "cao_tuoi", "benh"])})),
        st.tuples(st.just("results_called"), st.fixed_dictionaries({"named": st.booleans(), "counter": st.just(2)})),
        st.tuples(st.sampled_from(["results_handed_over", "results_no_show", "results_recalled"]), st.just({})),
    ),
    max_size=6,
)
TICKETS = st.lists(
    st.tuples(
        st.fixed_dictionaries({"day": st.sampled_from(DAYS), "service": st.sampled_from(["a", "b"]),
                               "named": st.booleans(), "group": st.sampled_from([None, "cao_tuoi", "khuyet_tat"])}),
        ACTIONS,
        st.lists(st.integers(0, 40), min_size=7, max_size=7),  # minutes before each event
    ),
    min_size=1,
    max_size=6,
)
# A device: its tickets, whether its clock is synchronised from the start, after some events, or never.
DEVICES = st.lists(st.tuples(st.integers(0, 1), TICKETS, st.sampled_from(["synced", "later", "never"])),
                   min_size=1, max_size=3)


def kiosk_events(tickets: list, clock: str) -> list[dict[str, Any]]:
    """One device's events, numbered, with wall and monotonic times as a kiosk writes them."""
    events: list[dict[str, Any]] = []
    boot = datetime(2026, 11, 23, 7, 0, tzinfo=HCM)
    for n, (issue, actions, gaps) in enumerate(tickets):
        tid = f"t{n}"
        now = datetime.combine(issue["day"], datetime.min.time(), HCM) + timedelta(hours=8, minutes=n)
        story = [("ticket_issued", {"day": issue["day"].isoformat(), "service": issue["service"],
                                    "named": issue["named"], "group": issue["group"]})] + list(actions)
        for (kind, data), gap in zip(story, gaps):
            now += timedelta(minutes=gap)
            events.append({"type": kind, "payload": {**data, "ticket_id": tid, "at": now.isoformat()}, "now": now})
    events.sort(key=lambda e: e["now"])
    out = []
    for seq, ev in enumerate(events, start=1):
        synced = clock == "synced" or (clock == "later" and seq > len(events) // 2)
        out.append({"seq": seq, "uuid": str(uuid.uuid4()), "type": ev["type"],
                    "payload": json.dumps(ev["payload"], sort_keys=True, separators=(",", ":")),
                    "wall_time": ev["now"].isoformat(), "wall_us": core.iso_to_us(ev["now"].isoformat()),
                    "mono_ns": int((ev["now"] - boot).total_seconds() * 1e9), "boot_id": "boot-1",
                    "clock_synced": synced})
    return out


# -- the reference: a plain fold of the stored events --------------------------------------------------


def reference_tickets(conn: Any, site: Any) -> tuple[list[dict[str, Any]], Counter]:
    """Every ticket of the site (by its events in seq order) and the results flow per day, folded plainly."""
    tz = figures.site_tz(site)
    tickets: dict[tuple[str, str], dict[str, Any]] = {}
    results: Counter = Counter()
    rows = conn.execute(select(Event.__table__).where(Event.site_id == site.id).order_by(Event.device_id, Event.seq))
    for row in rows:
        data = json.loads(row.payload)
        at = row.corrected_us if row.corrected_us is not None else (row.wall_us if row.quarantine is None else None)
        if row.type.startswith("results_"):
            if at is not None:
                results[(datetime.fromtimestamp(at / 1e6, tz).date(), row.type, data.get("named") is True)] += 1
            continue
        key = (row.device_id, data["ticket_id"])
        if row.type == "ticket_issued":
            tickets[key] = {"day": date.fromisoformat(data["day"]), "service": data["service"], "issued": at,
                            "hour": datetime.fromtimestamp(at / 1e6, tz).hour if at is not None else None,
                            "named": data["named"], "group": data["group"], "state": "waiting", "called": None,
                            "started": None, "finished": None, "counter": None, "officer": None, "level": None,
                            "counted": None, "reason": None, "dossier": None, "later": False}
            continue
        t = tickets.get(key)
        if t is None:
            continue
        if row.type == "ticket_called":
            t.update(state="called", called=t["called"] or at, counter=data["counter"], officer=data["officer"])
        elif row.type == "service_started":
            t.update(state="serving", started=at)
        elif row.type == "ticket_completed":
            t.update(state="completed", finished=at, officer=data.get("officer") or t["officer"],
                     later=data["results_later"])
        elif row.type == "ticket_no_show":
            t["state"] = "no_show"
        elif row.type == "ticket_reactivated":
            t["state"] = "waiting"
        elif row.type == "rating_recorded":
            level, scale = data["level"], data.get("scale", 4)
            counted = data.get("counted") or (default_counts(scale)[level - 1] if level <= scale else None)
            t.update(level=level, counted=counted, reason=None)
        elif row.type == "rating_reason_recorded":
            t["reason"] = data["reason"]
        elif row.type == "dossier_attached":
            t["dossier"] = data["code"]
        elif row.type == "ticket_group_set":
            t["group"] = data["group"]
    return list(tickets.values()), results


def minutes(begin: int | None, end: int | None) -> float | None:
    return (end - begin) / 60e6 if begin is not None and end is not None and 0 <= end - begin <= 7 * 86400e6 else None


def expected_row(tickets: list[dict[str, Any]]) -> dict[str, Any]:
    """What a figures row must say about these tickets."""
    waits = [w for t in tickets if (w := minutes(t["issued"], t["called"])) is not None]
    services = [s for t in tickets if t["state"] == "completed"
                and (s := minutes(t["started"] or t["called"], t["finished"])) is not None]
    counted = Counter(t["counted"] for t in tickets if t["counted"])
    ended = sum(t["state"] in ("completed", "no_show") for t in tickets)

    def p90(values: list[float]) -> float | None:
        return sorted(values)[max(0, math.ceil(0.9 * len(values)) - 1)] if values else None

    ratings = sum(counted.values())
    return {
        "tickets": len(tickets),
        "completed": sum(t["state"] == "completed" for t in tickets),
        "no_shows": sum(t["state"] == "no_show" for t in tickets),
        "wait_avg_min": sum(waits) / len(waits) if waits else None,
        "wait_p90_min": p90(waits),
        "service_avg_min": sum(services) / len(services) if services else None,
        "service_p90_min": p90(services),
        "no_show_rate": sum(t["state"] == "no_show" for t in tickets) / ended if ended else None,
        "ratings": ratings,
        **{c: counted[c] for c in COUNTED},
        "satisfaction": (counted["very_satisfied"] + counted["satisfied"]) / ratings if ratings else None,
        "raw": {str(k): n for k, n in sorted(Counter(t["level"] for t in tickets if t["level"]).items())},
        "reasons": dict(sorted(Counter(t["reason"] for t in tickets if t["reason"]).items())),
        "dossiers": sum(t["dossier"] is not None for t in tickets),
        "named": sum(t["named"] for t in tickets),
        "named_share": sum(t["named"] for t in tickets) / len(tickets) if tickets else None,
    }


def same(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    for key, value in expected.items():
        if isinstance(value, float):
            if actual[key] is None or not math.isclose(actual[key], value, rel_tol=1e-9, abs_tol=1e-9):
                return False
        elif actual[key] != value:
            return False
    return True


# -- the summaries as rows, to compare ---------------------------------------------------------------


def snapshot(conn: Any, site_ids: list[int]) -> dict[str, set]:
    """The summary rows of these sites (rows whose counts are all zero left out: nothing to show)."""
    found = {}
    for table in (TicketFact, DayFigures, DayReason, DayHour, SiteDay):
        keys = {c.name for c in table.__table__.primary_key.columns}
        rows = set()
        for row in conn.execute(select(table.__table__).where(table.site_id.in_(site_ids))):
            values = row._asdict()
            if table is not TicketFact and not any(v for k, v in values.items() if k not in keys):
                continue
            rows.add(tuple(sorted(values.items())))
        found[table.__tablename__] = rows
    return found


@pytest.fixture
def engine(db_url: str) -> Any:
    app = create_app(db_url)
    yield app.state.engine
    app.state.engine.dispose()


@pytest.mark.properties
def test_summaries_kept_at_ingest_agree_with_a_rebuild_and_a_plain_fold(engine: Any) -> None:
    @given(devices=DEVICES, data=st.data())
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    def check(devices: list, data: st.DataObject) -> None:
        codes = [f"s{uuid.uuid4().hex[:8]}" for _ in range(2)]
        batches = []
        with engine.begin() as conn:
            for code in codes:
                core.add_site(conn, code, code)
            for n, (site, tickets, clock) in enumerate(devices):
                token = core.enroll(conn, core.new_enrolment_code(conn, codes[site]), f"pi-{n}")
                events = kiosk_events(tickets, clock)
                cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(events) - 1)), max_size=4)))
                for lo, hi in zip([0, *cuts], [*cuts, len(events)]):
                    if lo < hi:
                        sent = data.draw(st.integers(3600, 4 * 3600)) * 10**9  # the boot's age when it sends
                        batches.append((token["device_id"], events[lo:hi], sent))
        order = data.draw(st.permutations(batches))
        order += data.draw(st.lists(st.sampled_from(batches), max_size=3))  # duplicates
        for device_id, events, sent in order:
            with engine.begin() as conn:
                device = conn.execute(select(Device.__table__).where(Device.id == device_id)).one()
                core.ingest(conn, device, [dict(e) for e in events], "boot-1", sent)
        with engine.connect() as conn:
            sites = conn.execute(select(Site.__table__).where(Site.code.in_(codes))).all()
            ids = [s.id for s in sites]
            kept = snapshot(conn, ids)
        with engine.connect() as conn, conn.begin() as transaction:
            for site_id in ids:
                summary.rebuild(conn, site_id)
            rebuilt = snapshot(conn, ids)
            transaction.rollback()
        assert rebuilt == kept
        with engine.connect() as conn:
            for site in sites:
                tickets, results = reference_tickets(conn, site)
                for first in DAYS:
                    shown = figures.site_figures(conn, site, "day", first)
                    today = [t for t in tickets if t["day"] == first]
                    assert same(shown["total"], expected_row(today))
                    for service in ("a", "b"):
                        mine = [t for t in today if t["service"] == service]
                        if mine:
                            assert same(shown["groups"]["service"][service], expected_row(mine))
                        else:
                            assert service not in shown["groups"]["service"]
                    assert shown["results"]["called"] == sum(
                        n for (d, kind, _), n in results.items() if d == first and kind == "results_called")
                    assert shown["results"]["called_named"] == sum(
                        n for (d, kind, named), n in results.items() if d == first and kind == "results_called" and named)
                    assert shown["results"]["later"] == sum(t["state"] == "completed" and t["later"] for t in today)
                    hours = Counter((t["service"], t["hour"]) for t in today if t["hour"] is not None)
                    assert {(s, h): n for s, per in shown["by_hour"].items() for h, n in per.items()} == dict(hours)

    check()
