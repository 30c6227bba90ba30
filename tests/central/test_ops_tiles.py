"""The operations room's tiles and access, on SQLite and PostgreSQL: what the wall shows of each office."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from central import core
from central.figures import all_sites
from central.models import Device, MediaStream
from central.ops import tiles
from tests.central.conftest import Central
from tests.central.ops_offices import OpsOffice, counter

PASSWORD = "mat-khau-1"


def enrol(central: Central, client: TestClient, site: str, serial: str) -> OpsOffice:
    answer = client.post("/api/v1/enroll", json={"code": central.code(site), "serial": serial})
    assert answer.status_code == 200, answer.text
    return OpsOffice(client, answer.json())


def stream(central: Central, device_id: str, app: str, publishing: bool, since_us: int | None = None) -> None:
    """What the media server's hooks would have written (central.media owns the hooks)."""
    with central.engine.begin() as conn:
        conn.execute(MediaStream.__table__.delete().where(MediaStream.device_id == device_id, MediaStream.app == app))
        conn.execute(MediaStream.__table__.insert().values(device_id=device_id, app=app, publishing=publishing,
                                                          since_us=since_us or core.now_us()))


def province(central: Central) -> tuple[TestClient, dict[str, OpsOffice]]:
    """Lâm Đồng: a camera kiosk with a queue; Hà Nội: a camera kiosk (stream only) and one without a camera."""
    client = TestClient(central.app)
    central.site("ld", "Phòng CSGT Lâm Đồng")
    central.site("hn", "Phòng CSGT Hà Nội")
    with central.engine.begin() as conn:
        core.add_user(conn, "giamdoc", PASSWORD, "director")
        core.add_user(conn, "truong-ld", PASSWORD, "leader", "ld")
    ld = enrol(central, client, "ld", "pi-ld")
    ld.issue("ld-w1", minutes_ago=12.5, display="1001")
    ld.issue("ld-w2", minutes_ago=3, display="1002")
    ld.rate("ld-r1", level=1)                            # Rất hài lòng
    ld.rate("ld-r2", level=4)                            # Không hài lòng (the 4-button scale's default count)
    ld.upload()
    ld.serving = [{"ticket_id": "ld-s1", "display": "1000", "service": "a", "state": "serving", "counter": 1}]
    ld.heartbeat([counter(1, officer="101", ticket="1000"), counter(2, "paused")],
                 devices={"printer": "ok", "camera": "ok", "microphone": "ok"})
    hn = enrol(central, client, "hn", "pi-hn")
    hn.heartbeat([counter(1)])
    stream(central, hn.device["device_id"], "thumb", True)
    stream(central, hn.device["device_id"], "live", True)
    nocam = enrol(central, client, "hn", "pi-hn-2")
    nocam.heartbeat([counter(2)], devices={"printer": "ok", "camera": "off"})
    return client, {"ld": ld, "hn": hn, "nocam": nocam}


def sign_in(client: TestClient, username: str) -> TestClient:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf},
                         follow_redirects=False)
    assert answer.status_code == 303
    return client


def test_a_tile_per_camera_office_with_its_queue_and_today(central: Central) -> None:
    _, offices = province(central)
    ld, hn = offices["ld"].device["device_id"], offices["hn"].device["device_id"]
    now = core.now_us()
    stream(central, ld, "thumb", True, since_us=now - 60_000_000)
    with central.engine.connect() as conn:
        wall = tiles.wall(conn, all_sites(conn), now)
    assert [t["device_id"] for t in wall] == [hn, ld]  # Hà Nội before Lâm Đồng (by code); no tile without camera
    t = wall[1]
    assert (t["unit"], t["state"]) == ("Phòng CSGT Lâm Đồng", "live")
    assert t["status"] == f"Trực tiếp từ {tiles.clock(_site(central, 'ld'), now - 60_000_000, now)}"
    assert (t["counters_open"], t["counters_total"], t["officers"]) == (1, 2, 1)
    assert (t["waiting"], t["longest_wait_min"], t["longest_wait"]) == (2, 12, "12 phút")
    assert (t["ratings"], t["satisfaction"]) == (2, "50,0%")
    assert t["thumb"] == f"/media/thumb/{ld}/index.m3u8" and t["main"] == f"/media/live/{ld}/index.m3u8"
    assert [d["text"] for d in t["devices"]] == ["Bình thường"] * 3
    queue = t["queue"]
    assert [(c["label"], c["mode"], c["officer"], c["ticket"]) for c in queue["counters"]] == [
        ("Quầy 1", "Mở", "Nguyễn Văn An (101)", "1000"), ("Quầy 2", "Tạm dừng", "Chưa có cán bộ", "—")]
    assert [(w["display"], w["waited"]) for w in queue["waiting"]] == [("1001", "12 phút"), ("1002", "3 phút")]
    assert [(s["display"], s["counter"], s["state"]) for s in queue["serving"]] == [("1000", "Quầy 1", "Đang phục vụ")]
    assert wall[0]["satisfaction"] == "—" and wall[0]["longest_wait"] == "—"


def test_offline_and_stopped_streams_say_since_when(central: Central) -> None:
    _, offices = province(central)
    ld = offices["ld"].device["device_id"]
    now = core.now_us()
    stream(central, ld, "thumb", False, since_us=now - 30_000_000)
    with central.engine.connect() as conn:
        t = next(t for t in tiles.wall(conn, all_sites(conn), now) if t["device_id"] == ld)
    assert t["state"] == "no_video" and re.fullmatch(r"Trực tuyến, mất hình từ \d\d:\d\d", t["status"])
    with central.engine.begin() as conn:
        conn.execute(Device.__table__.update().where(Device.id == ld).values(last_seen_us=now - 10 * 60_000_000))
    with central.engine.connect() as conn:
        t = next(t for t in tiles.wall(conn, all_sites(conn), now) if t["device_id"] == ld)
    shown = tiles.clock(_site(central, "ld"), now - 10 * 60_000_000, now)
    assert (t["state"], t["status"]) == ("offline", f"Mất kết nối từ {shown}")


def _site(central: Central, code: str) -> Any:
    with central.engine.connect() as conn:
        return next(s for s in all_sites(conn) if s.code == code)


def test_a_leader_sees_only_their_unit_and_nobody_without_a_session(central: Central) -> None:
    client, offices = province(central)
    ld, hn = offices["ld"].device["device_id"], offices["hn"].device["device_id"]
    anonymous = TestClient(central.app)
    assert anonymous.get("/ops/state.json").status_code == 401
    assert anonymous.get("/ops/stream").status_code == 401
    page = anonymous.get("/ops", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"

    director = sign_in(TestClient(central.app), "giamdoc")
    state = director.get("/ops/state.json").json()
    assert {t["device_id"] for t in state["tiles"]} == {ld, hn}
    html = director.get("/ops").text
    assert "Phòng điều hành" in html and "/static/vendor/hls.min.js" in html and hn in html

    leader = sign_in(TestClient(central.app), "truong-ld")
    state = leader.get("/ops/state.json").json()
    assert [t["device_id"] for t in state["tiles"]] == [ld]
    html = leader.get("/ops").text
    data = json.loads(re.search(r'<script type="application/json" id="ops-data">(.*?)</script>', html, re.S).group(1))
    assert [t["site"] for t in data["tiles"]] == ["ld"] and hn not in html and "Hà Nội" not in html


def test_the_page_scripts_are_served_with_their_licence(central: Central) -> None:
    client = TestClient(central.app)
    player = client.get("/static/vendor/hls.min.js")
    assert player.status_code == 200 and "javascript" in player.headers["content-type"] and len(player.content) > 100_000
    assert "Apache License" in client.get("/static/vendor/hls.js.LICENSE").text
    script = client.get("/static/ops.js")
    assert script.status_code == 200 and "EventSource" in script.text
    assert client.get("/static/../app.py").status_code == 404


def test_heartbeat_devices_are_checked(central: Central, client: TestClient, device: dict) -> None:
    post = lambda body: client.post("/api/v1/heartbeat", json=body, headers=device["headers"])  # noqa: E731
    assert post({"devices": {"printer": "paper_out", "camera": "lost"}}).status_code == 204
    with central.engine.connect() as conn:
        stored = json.loads(conn.execute(Device.__table__.select()).first().heartbeat_json)
    assert stored["devices"] == {"printer": "paper_out", "camera": "lost", "microphone": None}
    for bad, where in (({"scanner": "ok"}, "body.devices.scanner"), ({"printer": "empty"}, "body.devices.printer"),
                       ({"camera": 1}, "body.devices.camera")):
        answer = post({"devices": bad})
        assert answer.status_code == 422 and any(line.startswith(where) for line in answer.json()["detail"]), answer.text
    assert post({"devices": "ok"}).status_code == 422
