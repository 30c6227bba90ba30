"""People and places by name: officers from the kiosks' heartbeats, services from the site's configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central import core, names
from kiosk import commands as E
from kiosk.credentials import add_officer
from kiosk.enrolment import enroll
from kiosk.outbox import officers_for_heartbeat
from kiosk.sync import SyncWorker
from kiosk.web.config import WebConfig
from tests.central.conftest import Central, LiveServer, kiosk_store
from tests.central.test_dashboard import build_offices, sign_in, upload
from tests.central.test_sync import fast_config, wait_for
from tests.conftest import small_config

DAY = "/sites/ld?period=day&day=2026-11-24"


def heartbeat(client: TestClient, token: dict, officers: object) -> object:
    return client.post("/api/v1/heartbeat", json={"officers": officers},
                       headers={"Authorization": f"Bearer {token['token']}"})


@pytest.fixture
def offices(central: Central, tmp_path: Path) -> dict:
    """ld and hn as in the dashboard tests, and officer 1234 serving three more citizens at ld's counter 2."""
    client = TestClient(central.app)
    tokens = build_offices(central, client, tmp_path)
    store = kiosk_store(tmp_path / "ld-officer.db", boot_id="boot-officer")
    store.execute(E.SignIn(2, "1234"))
    for _ in range(3):
        store.execute(E.Issue("a", "officer-ticket"))
        store.execute(E.CallNext(2))
        store.execute(E.Complete(2))
    store.close()
    with central.engine.begin() as conn:
        tokens["ld2"] = core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld-2")
    upload(client, tokens["ld2"], tmp_path / "ld-officer.db")
    return tokens


def officer_cell(page: str) -> str:
    return re.search(r'<tr data-officer="1234"><td>([^<]*)</td>', page).group(1)


def test_the_unit_page_shows_an_officer_by_the_name_the_kiosk_sent(central: Central, offices: dict) -> None:
    client = TestClient(central.app)
    assert heartbeat(client, offices["ld"], [{"code": "1234", "name": "Nguyễn Văn An"}]).status_code == 204
    assert officer_cell(sign_in(client, "giamdoc").get(DAY).text) == "Nguyễn Văn An (1234)"


def test_an_officer_no_kiosk_named_is_shown_by_code(central: Central, offices: dict) -> None:
    client = sign_in(TestClient(central.app), "giamdoc")
    assert officer_cell(client.get(DAY).text) == "Cán bộ 1234"


def test_a_kiosk_cannot_name_another_sites_officer(central: Central, offices: dict) -> None:
    client = TestClient(central.app)
    assert heartbeat(client, offices["hn"], [{"code": "1234", "name": "Trần Thị Giả"}]).status_code == 204
    page = sign_in(client, "giamdoc").get(DAY).text
    assert officer_cell(page) == "Cán bộ 1234" and "Trần Thị Giả" not in page


def test_a_later_heartbeat_renames_the_officer(central: Central, offices: dict) -> None:
    client = TestClient(central.app)
    heartbeat(client, offices["ld"], [{"code": "1234", "name": "Nguyễn Văn An"}])
    heartbeat(client, offices["ld2"], [{"code": "1234", "name": "Nguyễn Văn Ân"}])
    assert officer_cell(sign_in(client, "giamdoc").get(DAY).text) == "Nguyễn Văn Ân (1234)"


@pytest.mark.parametrize(("officers", "reason"), [
    ([{"code": "12a4", "name": "Nguyễn Văn An"}], "body.officers.0.code"),
    ([{"code": "123456789", "name": "Nguyễn Văn An"}], "body.officers.0.code"),
    ([{"code": "1234", "name": ""}], "body.officers.0.name"),
    ([{"code": "1234", "name": "   "}], "body.officers.0.name"),
    ([{"code": "1234", "name": "x" * 101}], "body.officers.0.name"),
    ([{"code": "1234", "name": "Nguyễn Văn An", "pin": "123456"}], "body.officers.0.pin"),
    ([{"code": "1234", "name": "Nguyễn\tVăn An"}], "body.officers.0.name"),
    ([{"code": str(i), "name": "Cán bộ"} for i in range(501)], "body.officers"),
    ({"1234": "Nguyễn Văn An"}, "body.officers"),
])
def test_a_bad_officers_list_is_refused_with_the_reason(device: dict, client: TestClient, officers: object, reason: str) -> None:
    answer = client.post("/api/v1/heartbeat", json={"officers": officers}, headers=device["headers"])
    assert answer.status_code == 422
    assert any(reason in line for line in answer.json()["detail"]), answer.json()


def test_services_are_shown_by_their_vietnamese_names(central: Central, offices: dict) -> None:
    with central.engine.begin() as conn:
        core.set_site_config(conn, "ld", small_config().model_dump(mode="json"))
    client = TestClient(central.app)
    client.post("/api/v1/heartbeat", json={"queues": {"a": 1234}}, headers={"Authorization": f"Bearer {offices['ld']['token']}"})
    sign_in(client, "giamdoc")
    page = client.get(DAY).text
    assert re.search(r'<tr data-service="a"><td>Dịch vụ A</td>', page)
    assert "Dịch vụ A: 1.234" in client.get("/").text  # the overview's queues: by name, counts the Vietnamese way


def test_the_overview_shows_the_units_name_and_the_kiosks_serial_not_its_id(central: Central, offices: dict) -> None:
    overview = sign_in(TestClient(central.app), "giamdoc").get("/").text
    assert "Phòng CSGT Lâm Đồng" in overview and "<code>pi-ld</code>" in overview
    assert offices["ld"]["device_id"] not in overview


def test_the_kiosk_sends_its_officers_names_and_never_a_pin(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials.json"
    add_officer(credentials, "1234", "Nguyễn  Văn An", "2468")
    add_officer(credentials, "56", "Lê Thị Bình", "1357")
    config = small_config().model_copy(update={"web": WebConfig(credentials_file=str(credentials))})
    sent = officers_for_heartbeat(config)
    assert sent == [{"code": "56", "name": "Lê Thị Bình"}, {"code": "1234", "name": "Nguyễn Văn An"}]
    assert "2468" not in repr(sent) and officers_for_heartbeat(small_config()) == []


def test_the_sync_worker_names_the_offices_officers_to_central(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    credentials = tmp_path / "credentials.json"
    add_officer(credentials, "1234", "Nguyễn Văn An", "2468")
    office = small_config().model_copy(update={"web": WebConfig(credentials_file=str(credentials))})
    sync = fast_config(live.url, tmp_path)
    enroll(live.url, central.code(), "pi-0001", sync.token_file)
    kiosk_store(tmp_path / "kiosk.db").close()
    worker = SyncWorker(tmp_path / "kiosk.db", sync, on_acked=lambda seq: None, office_config=lambda: office)
    worker.start()
    try:
        wait_for(lambda: central_officers(central) == {"1234": "Nguyễn Văn An"}, what="the officer's name at central")
    finally:
        worker.stop()


def central_officers(central: Central) -> dict[str, str]:
    with central.engine.connect() as conn:
        site_id = conn.exec_driver_sql("SELECT id FROM sites WHERE code = 'ld'").scalar_one()
        return names.officer_names(conn, site_id)
