"""The operations room's alerts, on SQLite and PostgreSQL: raised once per cause, cleared when it ends, in Vietnamese."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from central import core
from central.app import create_app
from central.models import Alert, Device
from central.ops import alerts
from central.settings import Ops
from tests.central.conftest import Central
from tests.central.ops_offices import OpsOffice, counter
from tests.central.test_ops_tiles import enrol, stream

OPS = Ops(unattended_minutes=10, offline_minutes=5, stream_grace_seconds=0, rating_alert_minutes=60)


def run(central: Central, ops: Ops = OPS, now: int | None = None) -> tuple[int, int]:
    return alerts.evaluate(central.engine, now or core.now_us(), ops)


def listed(central: Central, now: int | None = None) -> list[dict[str, Any]]:
    with central.engine.connect() as conn:
        return alerts.recent(conn, None, now or core.now_us())


def open_details(central: Central) -> dict[str, str]:
    return {a["kind"]: a["detail"] for a in listed(central) if a["open"]}


@pytest.fixture
def office(central: Central) -> OpsOffice:
    client = TestClient(central.app)
    central.site("ld", "Phòng CSGT Lâm Đồng")
    return enrol(central, client, "ld", "pi-ld")


def test_unattended_counter_raised_once_and_cleared_when_an_officer_signs_in(central: Central, office: OpsOffice) -> None:
    office.issue("w1", minutes_ago=12.2, display="1001")
    office.issue("w2", minutes_ago=2, display="1002")
    office.upload()
    office.heartbeat([counter(3), counter(4, "paused")])
    assert run(central) == (1, 0)
    assert open_details(central) == {"unattended": "Quầy 3, 4 không có cán bộ, công dân chờ 12 phút (a)"}
    assert run(central) == (0, 0)  # the same cause: no second alert
    office.heartbeat([counter(3, officer="101"), counter(4, "paused")])
    assert run(central) == (0, 1)
    [alert] = listed(central)
    assert not alert["open"] and alert["cleared"] and alert["unit"] == "Phòng CSGT Lâm Đồng"


def test_a_counter_busy_serving_is_attended_and_short_waits_raise_nothing(central: Central, office: OpsOffice) -> None:
    office.issue("w1", minutes_ago=15)
    office.upload()
    office.heartbeat([counter(1, ticket="0999")])  # serving someone: the wait is a busy office, not an empty counter
    assert run(central) == (0, 0)
    office.waiting = []
    office.issue("w2", minutes_ago=9.5)              # under unattended_minutes, with nobody at the counter
    office.upload()
    office.heartbeat([counter(1)])
    assert run(central) == (0, 0)


def test_only_the_counters_of_the_service_count(central: Central, office: OpsOffice) -> None:
    with central.engine.begin() as conn:  # the unit's pushed configuration: counter 1 serves a, counter 2 serves b
        conn.exec_driver_sql("UPDATE sites SET config_json = '{\"counters\": [{\"number\": 1, \"services\": [\"a\"]}, "
                             "{\"number\": 2, \"services\": [\"b\"]}], \"services\": [{\"id\": \"b\", \"name\": "
                             "{\"vi\": \"Đăng ký xe mô tô\"}}]}'")
    office.issue("wb", service="b", minutes_ago=11)
    office.upload()
    office.heartbeat([counter(1, officer="101"), counter(2)])
    run(central)
    assert open_details(central) == {"unattended": "Quầy 2 không có cán bộ, công dân chờ 11 phút (Đăng ký xe mô tô)"}


def test_dissatisfied_ratings_as_the_figures_count_them(central: Central, office: OpsOffice) -> None:
    office.heartbeat([counter(1, officer="101")])
    office.rate("r1", level=1)                              # very satisfied
    office.rate("r2", level=3)                              # "Bình thường": counted as satisfied on 4 buttons
    office.rate("r3", level=4)                              # no "counted" sent: the 4-button default is dissatisfied
    office.rate("r4", level=2, counted="dissatisfied")      # a site whose 2nd button counts as dissatisfied
    office.upload()  # raised as ingest stores them: no evaluation needed
    details = sorted(a["detail"] for a in listed(central))
    assert len(details) == 2
    assert all(d.startswith("Công dân đánh giá Không hài lòng (quầy 1, Nguyễn Văn An (101), a) lúc ") for d in details)
    office.upload()  # the same events again: stored once, alerted once
    assert run(central) == (0, 0) and len(listed(central)) == 2
    # Open for rating_alert_minutes, then cleared (an hour on, the silent office is offline: its own alert).
    later = core.now_us() + 61 * 60_000_000
    assert run(central, now=later) == (1, 2)
    assert [a["kind"] for a in listed(central, later) if a["open"]] == ["offline"]


def test_a_rating_long_ago_raises_nothing(central: Central, office: OpsOffice) -> None:
    office.kiosk.boot -= timedelta(hours=3)  # up since before the old rating
    office.rate("old", level=4, minutes_ago=2 * 60)  # a kiosk catching up two hours late
    office.rate("new", level=4)
    office.upload()
    assert [a["kind"] for a in listed(central)] == ["rating"]  # the recent one only


def test_office_offline_paper_camera_microphone_and_stream(central: Central, office: OpsOffice) -> None:
    dev = office.device["device_id"]
    office.heartbeat([counter(1, officer="101")], devices={"printer": "paper_out", "camera": "lost", "microphone": "error"})
    stream(central, dev, "live", False, since_us=core.now_us() - 2_000_000)
    assert run(central) == (4, 0)
    assert open_details(central) == {
        "paper_out": "Máy in hết giấy", "camera": "Camera mất tín hiệu", "microphone": "Micrô bị lỗi",
        "stream": open_details(central)["stream"],
    }
    assert open_details(central)["stream"].startswith("Mất hình trực tiếp từ ")
    office.heartbeat([counter(1, officer="101")], devices={"printer": "ok", "camera": "ok", "microphone": "ok"})
    stream(central, dev, "live", True)
    assert run(central) == (0, 4)
    # Not heard from for six minutes: offline (and the stream rule waits for the office to be online).
    with central.engine.begin() as conn:
        conn.execute(Device.__table__.update().values(last_seen_us=core.now_us() - 6 * 60_000_000))
    stream(central, dev, "live", False)
    assert run(central) == (1, 0)
    assert list(open_details(central)) == ["offline"] and open_details(central)["offline"].startswith("Mất kết nối từ ")
    office.heartbeat([counter(1, officer="101")])
    stream(central, dev, "live", True)
    assert run(central) == (0, 1)


def test_a_camera_switched_off_is_no_stream_alert(central: Central, office: OpsOffice) -> None:
    office.heartbeat([counter(1, officer="101")], devices={"camera": "off"})
    stream(central, office.device["device_id"], "live", False, since_us=core.now_us() - 60_000_000)
    assert run(central) == (0, 0)


@pytest.mark.postgres
def test_several_processes_raise_each_cause_once(pg_url: str) -> None:
    """Four server processes' evaluators at the same moment on one PostgreSQL: one alert per cause."""
    apps = [create_app(pg_url) for _ in range(4)]
    central = Central(pg_url, apps[0], apps[0].state.engine)
    client = TestClient(central.app)
    central.site("ld", "Phòng CSGT Lâm Đồng")
    office = enrol(central, client, "ld", "pi-ld")
    office.issue("w1", minutes_ago=20)
    office.rate("r1", level=4)
    office.upload()
    office.heartbeat([counter(1)], devices={"printer": "paper_out"})
    barrier = threading.Barrier(len(apps))
    results: list[tuple[int, int]] = []
    now = core.now_us()
    with central.engine.connect() as conn:  # what each process's evaluator finds
        standing = alerts.standing_causes(conn, now, OPS)

    def evaluate(app: Any) -> None:
        with app.state.engine.begin() as conn:
            barrier.wait()  # every process decides at the same moment
            results.append(alerts.apply(conn, standing, now, OPS))

    threads = [threading.Thread(target=evaluate, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert sorted(r[0] for r in results) == [0, 0, 0, 2]
        with central.engine.connect() as conn:
            kinds = sorted(conn.execute(select(Alert.kind)).scalars())
        assert kinds == ["paper_out", "rating", "unattended"]  # the rating's raised by ingest, once
    finally:
        for app in apps:
            app.state.engine.dispose()


def test_a_rating_payload_no_rule_foresaw_never_costs_its_batch(central: Central, office: OpsOffice) -> None:
    """Odd values in a rating (a kiosk's bug, or a hostile device) store the batch; the sound ratings alert."""
    office.rate("ok", level=4)
    for odd in ({"level": "bốn", "counter": [1], "officer": {"x": 1}, "service": 7},
                {"level": 4, "scale": "4", "counted": ["dissatisfied"], "counter": 10**30},
                {"level": None, "ticket_id": None}):
        office.kiosk.add("rating_recorded", **{"ticket_id": "odd", **odd})
    office.upload()  # asserts the 200
    with central.engine.connect() as conn:
        assert conn.execute(select(Device.acked_seq)).scalar() == len(office.kiosk.events)
    # The sound one, and the level 4 of the second (the figures count it as the 4-button scale's default does).
    assert [a["kind"] for a in listed(central)] == ["rating", "rating"]
