"""Issue 12 at central: figures per priority group, named tickets and the results flow, on pages, CSV and JSON."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central import core, figures
from tests.central.conftest import Central, kiosk_store, serve_citizens
from tests.central.kiosk_events import FakeKiosk
from tests.central.test_dashboard import PASSWORD, sign_in, upload

DAY = date(2026, 11, 24)
CONFIG_GROUPS = [
    {"id": "cao_tuoi", "name": {"vi": "Người cao tuổi (trên 60)", "en": "Elderly (over 60)"}},
    {"id": "khuyet_tat", "name": {"vi": "Người khuyết tật", "en": "Disabled"}},
]


def morning() -> FakeKiosk:
    """One office's Tuesday: groups recorded at issue and later, named tickets, results calls."""
    k = FakeKiosk()
    k.serve("t1", wait=1, named=True, group="cao_tuoi")
    k.serve("t2", wait=3, group="cao_tuoi")
    k.issue("t3")
    k.wait(5)
    k.add("ticket_called", ticket_id="t3", counter=1, officer="101")
    k.add("ticket_group_set", ticket_id="t3", counter=1, group="khuyet_tat")  # the officer records it at the counter
    k.add("ticket_completed", ticket_id="t3", counter=1, officer="101", results_later=False)
    k.no_show("t4", group="cao_tuoi")
    k.issue("t5", group="benh")
    k.add("ticket_group_set", ticket_id="t5", counter=1, group="vay_von")
    k.add("ticket_group_set", ticket_id="t5", counter=1, group="mang_thai")  # the last one wins
    k.wait(2)
    k.add("ticket_called", ticket_id="t5", counter=1, officer="101")
    k.add("ticket_completed", ticket_id="t5", counter=1, officer="101", results_later=False)
    k.serve("t6", wait=1, named=True, results_later=True)
    k.serve("t7", wait=1, group="Not A Group!")  # not a group id: counted as no group
    k.add("ticket_issued", ticket_id="t8", day="2026-11-24", service="b", display="2001")  # an older kiosk: no new keys
    k.add("ticket_called", ticket_id="t8", counter=1, officer="101")
    k.add("ticket_completed", ticket_id="t8", counter=1, officer="101")
    k.serve("t9", wait=1, group="doanh_nghiep")  # a group the site's configuration does not list
    # The results flow: t6 today; a ticket of last Friday not collected today, collected tomorrow; one expired.
    k.wait(60)
    k.results_call("t6", "2026-11-24", named=True)
    k.add("results_recalled", ticket_id="t6", counter=2, recalls=1)
    k.add("results_handed_over", ticket_id="t6", counter=2, officer="101")
    k.results_call("old-1", "2026-11-20")
    k.add("results_no_show", ticket_id="old-1", counter=2)
    k.add("results_expired", ticket_id="old-2")
    k.at("2026-11-25", "09:00")
    k.results_call("old-1", "2026-11-20")
    k.add("results_handed_over", ticket_id="old-1", counter=2, officer="101")
    return k


@pytest.fixture
def office(central: Central) -> dict:
    """Site ld with the morning above and two configured groups; site hn empty; a director and ld's leader."""
    client = TestClient(central.app)
    central.site("ld", "Phòng CSGT Lâm Đồng")
    central.site("hn", "Phòng CSGT Hà Nội")
    with central.engine.begin() as conn:
        token = core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld")
        core.set_site_config(conn, "ld", {"site": {"timezone": "Asia/Ho_Chi_Minh"}, "priority_groups": CONFIG_GROUPS})
        core.add_user(conn, "giamdoc", PASSWORD, "director")
        core.add_user(conn, "truong-hn", PASSWORD, "leader", "hn")
    morning().upload(client, token)
    return {"token": token}


def ld_figures(central: Central, period: str = "day", day: date = DAY) -> dict:
    with central.engine.connect() as conn:
        site = conn.exec_driver_sql("SELECT * FROM sites WHERE code = 'ld'").one()
        return figures.site_figures(conn, site, period, day)


def by_id(data: dict) -> dict:
    return {g["id"]: g for g in data["priority_groups"]}


def test_each_priority_group_has_its_tickets_served_waits_and_no_shows(central: Central, office: dict) -> None:
    elderly = by_id(ld_figures(central))["cao_tuoi"]
    assert (elderly["tickets"], elderly["completed"], elderly["no_shows"]) == (3, 2, 1)
    assert elderly["wait_avg_min"] == pytest.approx(5 / 3) and elderly["wait_p90_min"] == pytest.approx(3)


def test_a_group_recorded_at_the_counter_counts_and_the_last_one_wins(central: Central, office: dict) -> None:
    groups = by_id(ld_figures(central))
    assert groups["khuyet_tat"]["tickets"] == 1 and groups["khuyet_tat"]["wait_avg_min"] == pytest.approx(5)
    assert groups["mang_thai"]["tickets"] == 1
    assert "benh" not in groups and "vay_von" not in groups


def test_tickets_without_a_valid_group_are_not_in_any_group(central: Central, office: dict) -> None:
    groups = by_id(ld_figures(central))
    assert groups[None]["tickets"] == 3  # t6 (none), t7 (not a group id), t8 (an older kiosk's event)
    assert groups[None]["name_vi"] == "Không thuộc nhóm"


def test_groups_are_named_by_the_sites_config_else_the_kiosks_defaults_else_their_id(central: Central, office: dict) -> None:
    rows = ld_figures(central)["priority_groups"]
    assert [(g["id"], g["name_vi"], g["name_en"]) for g in rows] == [
        ("cao_tuoi", "Người cao tuổi (trên 60)", "Elderly (over 60)"),  # the site's configured order first
        ("khuyet_tat", "Người khuyết tật", "Disabled"),
        ("doanh_nghiep", "doanh_nghiep", None),  # unknown anywhere: its id
        ("mang_thai", "Phụ nữ mang thai", "Pregnant women"),  # no longer configured: the kiosk's default name
        (None, "Không thuộc nhóm", "No group"),
    ]


def test_a_site_without_configuration_shows_the_default_group_names(central: Central, office: dict) -> None:
    with central.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sites SET config_json = NULL WHERE code = 'ld'")
    names = {g["id"]: g["name_vi"] for g in ld_figures(central)["priority_groups"]}
    assert names["cao_tuoi"] == "Người cao tuổi" and names["khuyet_tat"] == "Người khuyết tật"


def test_named_tickets_are_counted_as_a_share(central: Central, office: dict) -> None:
    total = ld_figures(central)["total"]
    assert (total["tickets"], total["named"]) == (9, 2)
    assert total["named_share"] == pytest.approx(2 / 9)


def test_results_calls_count_on_the_day_they_happen(central: Central, office: dict) -> None:
    assert ld_figures(central)["results"] == {
        "later": 1, "called": 2, "called_named": 1, "recalls": 1, "handed_over": 1, "no_show": 1, "expired": 1,
    }
    next_day = ld_figures(central, "day", date(2026, 11, 25))["results"]
    assert (next_day["called"], next_day["handed_over"], next_day["later"]) == (1, 1, 0)
    week = ld_figures(central, "week", DAY)["results"]
    assert (week["called"], week["handed_over"], week["no_show"]) == (3, 2, 1)


def test_old_kiosk_events_without_the_new_keys_are_unnamed_and_in_no_group(central: Central, tmp_path: Path) -> None:
    central.site("hn", "Phòng CSGT Hà Nội")
    with central.engine.begin() as conn:
        token = core.enroll(conn, core.new_enrolment_code(conn, "hn"), "pi-hn")
    store = kiosk_store(tmp_path / "hn.db")
    serve_citizens(store, 3)
    store.close()
    upload(TestClient(central.app), token, tmp_path / "hn.db")
    with central.engine.connect() as conn:
        site = conn.exec_driver_sql("SELECT * FROM sites WHERE code = 'hn'").one()
        data = figures.site_figures(conn, site, "day", DAY)
    assert [(g["id"], g["tickets"]) for g in data["priority_groups"]] == [(None, 3)]
    assert data["total"]["named"] == 0 and data["results"]["called"] == 0


def test_the_site_page_shows_the_groups_named_share_and_results(central: Central, office: dict) -> None:
    page = sign_in(TestClient(central.app), "giamdoc").get("/sites/ld?period=day&day=2026-11-24").text
    assert "Theo nhóm ưu tiên" in page and "Trả kết quả" in page
    elderly = re.search(r'<tr data-group="cao_tuoi">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", elderly, re.S)
    assert cells[0].startswith("Người cao tuổi (trên 60)")
    assert cells[1:6] == ["3", "2", "1,7", "3,0", "1"]  # tickets, served, avg wait, P90 wait, no-shows (Vietnamese numbers)
    assert '<tr data-group=""><td>Không thuộc nhóm' in page
    assert re.search(r'data-figure="Named tickets \(ID card scanned\)">.*?<b>22,2%</b>', page)
    assert re.search(r'data-results="handed_over">.*?<b>1</b>', page, re.S)
    assert re.search(r'data-results="no_show">Vắng mặt, chưa nhận.*?<b>1</b>', page, re.S)


def test_the_json_api_gives_the_same_figures(central: Central, office: dict) -> None:
    client = sign_in(TestClient(central.app), "giamdoc")
    answer = client.get("/sites/ld/figures.json?period=day&day=2026-11-24")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert (body["first_day"], body["last_day"]) == ("2026-11-24", "2026-11-24")
    groups = {g["id"]: g for g in body["by_priority_group"]}
    assert groups["cao_tuoi"]["name_vi"] == "Người cao tuổi (trên 60)" and groups["cao_tuoi"]["no_shows"] == 1
    assert body["results"]["handed_over"] == 1 and body["total"]["named"] == 2
    ranking = client.get("/ranking.json?period=day&day=2026-11-24").json()
    ld = next(r for r in ranking["rows"] if r["site"]["code"] == "ld")
    assert ld["rank"] is None and not ld["ranked"]  # listed, not ranked: fewer tickets than the minimum sample (30)
    assert ld["results"]["called"] == 2 and ld["named"] == 2


def test_the_csv_has_a_row_per_group_and_the_results(central: Central, office: dict) -> None:
    client = sign_in(TestClient(central.app), "giamdoc")
    text = client.get("/sites/ld/export.csv?day=2026-11-24").text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # the Vietnamese-locale CSV (docs/central.md)
    groups = {r["Mã"]: r for r in rows if r["Nhóm"] == "Nhóm ưu tiên"}
    assert groups["cao_tuoi"]["Số phiếu"] == "3" and groups["cao_tuoi"]["Vắng mặt"] == "1"
    assert groups["cao_tuoi"]["Tên"] == "Người cao tuổi (trên 60)"
    assert groups[""]["Số phiếu"] == "3"  # no group
    results = {r["Mã"]: r["Số phiếu"] for r in rows if r["Nhóm"] == "Trả kết quả"}
    assert results["called"] == "2" and results["handed_over"] == "1" and results["no_show"] == "1"
    text = client.get("/ranking.csv?period=day&day=2026-11-24").text.lstrip("\ufeff")
    ld = next(r for r in csv.DictReader(io.StringIO(text), delimiter=";") if r["Mã"] == "ld")
    assert (ld["Phiếu có tên"], ld["Kết quả: Đã gọi nhận kết quả"], ld["Kết quả: Đã trả kết quả"]) == ("2", "2", "1")


def test_the_ranking_page_shows_results_handed_over_of_called(central: Central, office: dict) -> None:
    page = sign_in(TestClient(central.app), "giamdoc").get("/ranking?period=day&day=2026-11-24").text
    assert "Kết quả: đã trả / đã gọi" in page and '<td class="results">1 / 2</td>' in page


def test_a_unit_leader_cannot_read_another_sites_json(central: Central, office: dict) -> None:
    client = sign_in(TestClient(central.app), "truong-hn")
    answer = client.get("/sites/ld/figures.json?day=2026-11-24")
    assert answer.status_code == 403 and "cao_tuoi" not in answer.text
    ranking = client.get("/ranking.json?period=day&day=2026-11-24").json()
    assert [r["site"]["code"] for r in ranking["rows"]] == ["hn"]
    assert TestClient(central.app).get("/sites/ld/figures.json", follow_redirects=False).status_code == 303
