"""Dashboards over HTTP: sign-in, CSRF, figures, CSV, ranking, the public ticket page, and site isolation."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central import core, figures
from kiosk import commands as E
from tests.central.conftest import Central, kiosk_store, serve_citizens, store_rows
from tests.conftest import small_config

PASSWORD = "mật-khẩu-đủ-dài"


def upload(client: TestClient, token: dict, db: Path) -> None:
    rows = store_rows(db)
    events = [{"seq": r[0], "uuid": r[1], "type": r[2], "payload": json.loads(r[3]), "wall_time": r[4],
               "mono_ns": r[5], "boot_id": r[6], "clock_synced": bool(r[7])} for r in rows]
    answer = client.post("/api/v1/events", json={"device_id": token["device_id"], "events": events},
                         headers={"Authorization": f"Bearer {token['token']}"})
    assert answer.json()["acked_seq"] == len(rows)


def build_offices(central: Central, client: TestClient, tmp_path: Path) -> dict:
    """Two sites with real kiosk data: ld serves 4 citizens (one no-show), hn serves 1."""
    central.site("ld", "Phòng CSGT Lâm Đồng")
    central.site("hn", "Phòng CSGT Hà Nội")
    tokens = {}
    for code, n in (("ld", 4), ("hn", 1)):
        with central.engine.begin() as conn:
            tokens[code] = core.enroll(conn, core.new_enrolment_code(conn, code), f"pi-{code}")
        store = kiosk_store(tmp_path / f"{code}.db")
        serve_citizens(store, n, prefix=code)
        if code == "ld":
            store.execute(E.Issue("a", "ld-noshow"))
            store.execute(E.CallNext(1))
            store.execute(E.NoShow(1))
            store.execute(E.Issue("b", "ld-waiting"))
        store.close()
        upload(client, tokens[code], tmp_path / f"{code}.db")
    with central.engine.begin() as conn:
        core.add_user(conn, "giamdoc", PASSWORD, "director")
        core.add_user(conn, "truong-ld", PASSWORD, "leader", "ld")
    return tokens


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"username": username, "password": password, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    return client


@pytest.fixture
def offices(central: Central, tmp_path: Path) -> dict:
    return build_offices(central, TestClient(central.app), tmp_path)


def test_pages_need_a_session(central: Central, offices: dict) -> None:
    client = TestClient(central.app)
    for path in ("/", "/sites/ld", "/sites/ld/export.csv", "/ranking", "/ranking.csv"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path


def test_wrong_password_and_missing_csrf_do_not_sign_in(central: Central, offices: dict) -> None:
    client = TestClient(central.app)
    sign_in(client, "giamdoc", "sai-mat-khau")
    assert client.get("/", follow_redirects=False).status_code == 303
    client.get("/login")
    answer = client.post("/login", data={"username": "giamdoc", "password": PASSWORD}, follow_redirects=False)
    assert "/login?error" in answer.headers["location"]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token(central: Central, offices: dict) -> None:
    client = sign_in(TestClient(central.app), "giamdoc")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").status_code == 200
    csrf = re.search(r'action="/logout"><input type="hidden" name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_passwords_are_hashed(central: Central, offices: dict) -> None:
    stored = central.scalar("SELECT password_hash FROM users WHERE username = 'giamdoc'")
    assert stored.startswith("scrypt$") and PASSWORD not in stored


def test_site_figures_from_real_kiosk_events(central: Central, offices: dict) -> None:
    with central.engine.connect() as conn:
        site = conn.exec_driver_sql("SELECT * FROM sites WHERE code = 'ld'").one()
        data = figures.site_figures(conn, site, "day", figures.date(2026, 11, 24))
    t = data["total"]
    assert t["tickets"] == 6 and t["completed"] == 4 and t["no_shows"] == 1
    assert t["wait_avg_min"] == pytest.approx(0.8)  # four waited 1 min, the no-show 0
    assert t["service_avg_min"] == pytest.approx(2.0) and t["service_p90_min"] == pytest.approx(2.0)
    assert t["no_show_rate"] == pytest.approx(0.2)
    assert t["satisfaction"] == pytest.approx(0.75)  # levels 1, 2, 3 (Bình thường counts as Hài lòng), 4
    assert data["score"] == pytest.approx(100 * (0.4 * 0.75 + 0.3 * (1 - 0.8 / 60) + 0.3 * 0.8), abs=0.05)
    assert data["by_hour"] == {"a": {8: 5}, "b": {8: 1}}
    assert set(data["groups"]["counter"]) == {1}


def test_director_sees_every_site_and_the_ranking(central: Central, offices: dict) -> None:
    client = sign_in(TestClient(central.app), "giamdoc")
    overview = client.get("/").text
    assert "Phòng CSGT Lâm Đồng" in overview and "Phòng CSGT Hà Nội" in overview
    page = client.get("/sites/ld?period=day&day=2026-11-24").text
    assert "<svg" in page and 'class="bar"' in page
    assert re.search(r'data-figure="Satisfaction index">.*?<b>75,0%</b>', page)
    ranking = client.get("/ranking?period=month&day=2026-11-24").text
    assert ranking.index("Hà Nội") < ranking.index("Lâm Đồng")  # hn: 1 ticket, no wait, no no-show
    text = client.get("/ranking.csv?period=month&day=2026-11-24").text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["Mã"] for r in rows] == ["hn", "ld"] and [r["Đơn vị"] for r in rows] == ["Phòng CSGT Hà Nội", "Phòng CSGT Lâm Đồng"]


def test_csv_export_has_the_same_figures(central: Central, offices: dict) -> None:
    client = sign_in(TestClient(central.app), "giamdoc")
    answer = client.get("/sites/ld/export.csv?period=week&day=2026-11-24")
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.startswith("\ufeff")  # UTF-8 with BOM: a spreadsheet reads the Vietnamese right
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff")), delimiter=";"))
    site = next(r for r in rows if r["Nhóm"] == "Đơn vị")
    assert site["Số phiếu"] == "6" and site["Vắng mặt"] == "1" and site["Chỉ số hài lòng (%)"] == "75,0"
    assert site["Chờ TB (phút)"] == "0,80" and (site["Từ ngày"], site["Đến ngày"]) == ("23/11/2026", "29/11/2026")
    assert site["Kỳ"] == "Tuần 23/11–29/11/2026"
    assert {r["Mã"] for r in rows if r["Nhóm"] == "Dịch vụ"} == {"a", "b"}


def test_a_unit_leader_cannot_read_another_site(central: Central, offices: dict) -> None:
    client = sign_in(TestClient(central.app), "truong-ld")
    overview = client.get("/").text
    assert "Lâm Đồng" in overview and "Hà Nội" not in overview and "pi-hn" not in overview
    assert client.get("/sites/ld").status_code == 200
    for path in ("/sites/hn", "/sites/hn/export.csv", "/sites/hn?period=month", "/sites/nope"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Hà Nội" not in answer.text
    ranking = client.get("/ranking").text + client.get("/ranking.csv").text
    assert "Hà Nội" not in ranking and "hn" not in re.split(r"[\s;]+", re.sub(r"<[^>]+>", "", ranking))
    # The kiosk API cannot be used to read either: it takes a device token, not a session.
    assert client.get("/api/v1/config").status_code == 401


def test_public_ticket_page_shows_place_and_counter_only(central: Central, offices: dict, tmp_path: Path) -> None:
    token = offices["ld"]
    headers = {"Authorization": f"Bearer {token['token']}"}
    from kiosk.outbox import heartbeat_from_store, open_read_only

    conn = open_read_only(tmp_path / "ld.db")
    body = heartbeat_from_store(conn, 0, small_config())
    conn.close()
    assert [t["ticket_id"] for t in body["tickets"]] == ["ld-waiting"]
    body["tickets"].append({"ticket_id": "ld-at-3", "display": "1009", "service": "a", "state": "serving", "counter": 3})
    TestClient(central.app).post("/api/v1/heartbeat", json=body, headers=headers)
    public = TestClient(central.app)
    waiting = public.get("/t/ld-waiting").text
    assert "B001" in waiting and "<b id='ahead'>0</b>" in waiting
    serving = public.get("/t/ld-at-3").text
    assert "Đang được phục vụ tại quầy số <b>3</b>" in serving and "Being served at counter 3" in serving
    gone = public.get("/t/unknown").text
    assert "không còn trong hàng chờ" in gone
    for text in (waiting, serving):
        assert "Lâm Đồng" not in text and "pi-ld" not in text and "Đăng xuất" not in text
    assert public.get("/t/%00").status_code == 200


def test_a_tickets_qr_page_says_the_wait_its_ticket_printed(central: Central, tmp_path: Path) -> None:
    """The ticket, the heartbeat and the public page: one estimate, one range, the same words."""
    from drivers.printer.ticket import layout_ticket
    from kiosk.printing import ticket_view
    from kiosk.outbox import heartbeat_from_store, open_read_only

    central.site("ld", "Phòng CSGT Lâm Đồng")
    with central.engine.begin() as conn:
        token = core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld")
    store = kiosk_store(tmp_path / "ld.db")
    config, clock = store.engine.config, store.clock
    store.execute(E.SignIn(1, "101"))
    for i in range(4):
        store.execute(E.Issue("a", f"ld-{i}"))
    store.execute(E.CallNext(1))
    store.execute(E.Issue("b", "ld-b"))  # service b: no counter staffed, no estimate
    ticket = store.engine.state.tickets["ld-3"]
    lines = layout_ticket(ticket_view(config, ticket), 576).lines
    printed = {lang: " ".join(line.text for line in lines if line.kind == "wait" and line.lang == lang)
               for lang in ("vi", "en")}
    store.close()
    conn = open_read_only(tmp_path / "ld.db")
    body = heartbeat_from_store(conn, 0, config, now=clock.now())
    conn.close()
    answer = TestClient(central.app).post("/api/v1/heartbeat", json=body, headers={"Authorization": f"Bearer {token['token']}"})
    assert answer.status_code < 300
    page = TestClient(central.app).get("/t/ld-3").text
    assert ticket.wait_minutes == 30  # counter 1 alone, 10 configured minutes a citizen, 3 ahead
    assert printed == {"vi": "Thời gian chờ dự kiến: khoảng 25–40 phút", "en": "Estimated wait: about 25–40 min"}
    assert '<b id="wait">khoảng 25–40 phút</b>' in page and "Estimated wait: about 25–40 min" in page
    unknown = TestClient(central.app).get("/t/ld-b").text
    assert '<b id="wait">chưa rõ</b>' in unknown and "Estimated wait: unknown" in unknown
