"""The summary tables behind central's figures, one behaviour at a time (the property test: test_summary_agrees.py)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from central import cli, core, figures
from central.models import DayFigures, DayHour, DayReason, Device, SiteDay, TicketFact
from tests.central.conftest import Central
from tests.central.kiosk_events import FakeKiosk

DAY = date(2026, 11, 24)


def send(central: Central, token: dict, events: list[dict[str, Any]]) -> dict[str, Any]:
    answer = TestClient(central.app).post(
        "/api/v1/events", json={"device_id": token["device_id"], "events": events},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def enrol(central: Central, code: str, serial: str = "pi-1") -> dict:
    if not central.scalar(f"SELECT count(*) FROM sites WHERE code = '{code}'"):
        central.site(code, f"Đơn vị {code}")
    with central.engine.begin() as conn:
        return core.enroll(conn, core.new_enrolment_code(conn, code), serial)


def shown(central: Central, code: str = "ld", period: str = "day", day: date = DAY) -> dict[str, Any]:
    with central.engine.connect() as conn:
        return figures.site_figures(conn, central_site(conn, code), period, day)


def central_site(conn: Any, code: str) -> Any:
    return core.site_by_code(conn, code)


def summaries(central: Central) -> dict[str, list]:
    with central.engine.connect() as conn:
        return {t.__tablename__: sorted(tuple(r) for r in conn.execute(select(t.__table__)))
                for t in (TicketFact, DayFigures, DayReason, DayHour, SiteDay)}


def rated(k: FakeKiosk, ticket: str, level: int, **extra: Any) -> None:
    k.serve(ticket)
    k.add("rating_recorded", ticket_id=ticket, counter=1, level=level, **extra)


def test_a_duplicate_batch_changes_nothing(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    rated(k, "t1", 1, scale=4, counted="very_satisfied")
    send(central, token, k.events)
    before = summaries(central)
    again = send(central, token, k.events)
    assert again["duplicates"] == len(k.events) and again["stored"] == 0
    assert summaries(central) == before
    assert shown(central)["total"]["tickets"] == 1


def test_a_late_event_is_counted_once(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    k.serve("t1", wait=4)
    rated(k, "t2", 4, scale=4, counted="dissatisfied")
    called = k.events[1]  # t1's call: lost, then sent again after everything else
    send(central, token, k.events[:1] + k.events[2:])
    assert shown(central)["total"]["wait_avg_min"] == pytest.approx(1)  # t2 only
    send(central, token, [called])
    send(central, token, [called])
    total = shown(central)["total"]
    assert (total["tickets"], total["completed"], total["ratings"]) == (2, 2, 1)
    assert total["wait_avg_min"] == pytest.approx(2.5) and total["wait_p90_min"] == pytest.approx(4)


def test_rebuild_summaries_restores_the_figures_from_the_events(central: Central, capsys: pytest.CaptureFixture) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    rated(k, "t1", 2, scale=4, counted="satisfied")
    k.add("rating_reason_recorded", ticket_id="t1", counter=1, reason="thoi_gian_cho")
    send(central, token, k.events)
    before = shown(central)
    with central.engine.begin() as conn:
        for table in ("ticket_facts", "day_figures", "day_reasons", "day_hours", "site_days"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    assert shown(central)["total"]["tickets"] == 0
    assert cli.main(["rebuild-summaries", "--site", "ld", "--db", central.url]) == 0
    assert "1 tickets" in capsys.readouterr().out
    assert shown(central) == before


def test_rebuild_summaries_names_an_unknown_site(central: Central, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["rebuild-summaries", "--site", "nowhere", "--db", central.url]) == 1
    assert "no site has code 'nowhere'" in capsys.readouterr().err


def test_a_quarter_and_a_year_hold_their_months(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk("2026-09-30 08:00")
    k.serve("sep")
    for day in ("2026-10-05", "2026-11-24", "2026-12-31"):
        k.at(day)
        k.serve(f"t-{day}")
    send(central, token, k.events)
    assert figures.period_days("quarter", DAY) == (date(2026, 10, 1), date(2027, 1, 1))
    assert figures.period_days("year", DAY) == (date(2026, 1, 1), date(2027, 1, 1))
    assert shown(central, period="quarter")["total"]["tickets"] == 3
    assert shown(central, period="quarter", day=date(2026, 9, 1))["total"]["tickets"] == 1
    assert shown(central, period="year")["total"]["tickets"] == 4


def test_the_ranking_shows_the_previous_rank_and_lists_small_samples_unranked(central: Central) -> None:
    waits = {"fast": (1, 30), "slow": (30, 1)}  # minutes of wait in week 1, then week 2
    for code, (first, second) in waits.items():
        k = FakeKiosk("2026-11-17 08:00")
        for i in range(3):
            k.serve(f"{code}-a{i}", wait=first)
        k.at("2026-11-24")
        for i in range(3):
            k.serve(f"{code}-b{i}", wait=second)
        send(central, enrol(central, code), k.events)
    small = FakeKiosk()
    small.serve("one")
    send(central, enrol(central, "small"), small.events)
    with central.engine.connect() as conn:
        rows = figures.ranking(conn, figures.all_sites(conn), "week", DAY, min_tickets=3)
    assert [(r["site"].code, r["rank"], r["previous_rank"], r["ranked"]) for r in rows] == [
        ("slow", 1, 2, True), ("fast", 2, 1, True), ("small", None, None, False),
    ]


def test_trends_give_weeks_and_months_oldest_first(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk("2026-10-20 08:00")
    k.serve("oct")
    for i in range(2):
        k.at("2026-11-17")
        k.serve(f"w47-{i}")
    for i in range(3):
        k.at("2026-11-24")
        k.serve(f"w48-{i}")
    send(central, token, k.events)
    with central.engine.connect() as conn:
        site = central_site(conn, "ld")
        weeks = figures.trend(conn, site, "week", DAY, 3)
        months = figures.trend(conn, site, "month", DAY, 2)
    assert [(w["first"], w["tickets"]) for w in weeks] == [
        (date(2026, 11, 9), 0), (date(2026, 11, 16), 2), (date(2026, 11, 23), 3)]
    assert [(m["first"], m["end"], m["tickets"]) for m in months] == [
        (date(2026, 10, 1), date(2026, 11, 1), 1), (date(2026, 11, 1), date(2026, 12, 1), 5)]
    assert weeks[0]["score"] is None and weeks[2]["wait_avg_min"] == pytest.approx(1)


def test_ratings_without_a_counted_level_are_counted_by_the_scales_default(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    rated(k, "t1", 3)  # an older kiosk: no scale, no counted: four buttons, "Bình thường" is satisfied
    rated(k, "t2", 4, scale=5)  # five buttons: the fourth is dissatisfied
    rated(k, "t3", 2, scale=4, counted="very_satisfied")  # the office decided otherwise: the kiosk said so
    send(central, token, k.events)
    total = shown(central)["total"]
    assert (total["very_satisfied"], total["satisfied"], total["dissatisfied"]) == (1, 1, 1)
    assert total["raw"] == {"2": 1, "3": 1, "4": 1} and total["satisfaction"] == pytest.approx(2 / 3)


def test_an_older_kiosks_rating_follows_the_sites_scale(central: Central) -> None:
    token = enrol(central, "ld")
    with central.engine.begin() as conn:
        core.set_site_config(conn, "ld", {"rating": {"levels": [
            {"vi": "Rất hài lòng"}, {"vi": "Hài lòng"}, {"vi": "Không hài lòng"}]}})
    k = FakeKiosk()
    rated(k, "t1", 3)
    send(central, token, k.events)
    data = shown(central)
    assert data["total"]["dissatisfied"] == 1
    assert [(s["level"], s["vi"], s["counts_as"]) for s in data["scale"]] == [
        (1, "Rất hài lòng", "very_satisfied"), (2, "Hài lòng", "satisfied"), (3, "Không hài lòng", "dissatisfied")]


def test_reasons_are_counted_per_officer_and_named(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    rated(k, "t1", 4, scale=4, counted="dissatisfied")
    k.add("rating_reason_recorded", ticket_id="t1", counter=1, reason="thai_do", label="Thái độ cán bộ")
    send(central, token, k.events)
    data = shown(central)
    assert data["total"]["reasons"] == {"thai_do": 1} and data["groups"]["officer"]["101"]["reasons"] == {"thai_do": 1}
    assert data["reason_names"]["thai_do"] == "Thái độ cán bộ"


def test_dossiers_list_each_ticket_with_its_code_rating_and_times(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    k.serve("t1", wait=3)
    k.add("dossier_attached", ticket_id="t1", counter=1, code="000.00.31.H47-241130-0002", source="scanner")
    k.add("rating_recorded", ticket_id="t1", counter=1, level=1, scale=4, counted="very_satisfied")
    k.serve("t2")
    k.add("dossier_attached", ticket_id="t2", counter=1, code="12", source="keypad")
    k.add("dossier_attached", ticket_id="t2", counter=1, code="000.00.31.H47-241130-0001", source="scanner")
    k.serve("t3")  # no dossier
    send(central, token, k.events)
    with central.engine.connect() as conn:
        rows = figures.dossiers(conn, central_site(conn, "ld"), DAY, date(2026, 11, 25))
    assert [(r["code"], r["ticket_id"], r["level"], r["counted"]) for r in rows] == [
        ("000.00.31.H47-241130-0001", "t2", None, None), ("000.00.31.H47-241130-0002", "t1", 1, "very_satisfied")]
    assert rows[1]["wait_min"] == pytest.approx(3) and rows[1]["service_min"] == pytest.approx(2)
    assert shown(central)["total"]["dossiers"] == 2


def test_a_boot_anchor_that_moves_moves_its_tickets_hour(central: Central) -> None:
    token = enrol(central, "ld")
    k = FakeKiosk()
    k.serve("t1")
    for ev in k.events:
        ev["clock_synced"] = False  # no NTP yet: central places the events by its own clock
        ev["wall_time"] = "2020-01-01T00:00:00+07:00"
    boot_age_ns = k.events[-1]["mono_ns"]
    with central.engine.begin() as conn:
        device = conn.execute(select(Device.__table__).where(Device.id == token["device_id"])).one()
        rows = [{**ev, "payload": json.dumps(ev["payload"]), "wall_us": core.iso_to_us(ev["wall_time"])}
                for ev in k.events]
        core.ingest(conn, device, rows, "boot-1", boot_age_ns)
    first = shown(central)["by_hour"]
    with central.engine.begin() as conn:  # a later request of the same boot: it started 3 hours earlier than thought
        core.ingest(conn, device, [], "boot-1", boot_age_ns + 3 * 3600 * 10**9)
    later = shown(central)["by_hour"]
    (hour_before,), (hour_after,) = first["a"], later["a"]
    assert (hour_before - hour_after) % 24 == 3 and sum(later["a"].values()) == 1
