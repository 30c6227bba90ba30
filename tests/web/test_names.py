"""Named tickets, results calls and priority groups through the pages' API (the fake office over the real engine).

The privacy rule of the pages: a citizen's full name (and birth date) goes only
to the officer signed in at the counter that holds the ticket; the leader, other
counters and the sim panel see the board's masked form.
"""

from __future__ import annotations

import logging

import pytest

from tests.web.conftest import login_leader, login_officer

NAME = "Nguyễn Thị Hường"
MASKED = "Nguyễn T. H."
BIRTH = "1985-03-12"


def _holding_a_named_ticket(make_client, simulate: bool = False):
    """Counter 3 (motorbikes) has called a ticket issued to NAME; returns (client, office, officer headers)."""
    client, office = make_client(simulate=simulate)
    number = office.issue("xemay", name=NAME, birth_date=BIRTH)
    headers = login_officer(client, counter=3)
    assert client.post("/api/counter/3/next", headers=headers).json()["counter"]["ticket"] == number
    return client, office, headers


def _no_full_name(text: str) -> None:
    assert NAME not in text and "Hường" not in text and BIRTH not in text


def test_the_counters_officer_sees_the_full_name_and_birth_date(make_client) -> None:
    client, _, _ = _holding_a_named_ticket(make_client)
    counter = client.get("/api/view").json()["counters"][2]
    assert (counter["held_name"], counter["held_birth_date"], counter["called_name"]) == (NAME, BIRTH, MASKED)


def test_the_leader_never_receives_a_full_name(make_client) -> None:
    client, office, _ = _holding_a_named_ticket(make_client)
    leader = type(client)(client.app)  # another browser
    login_leader(leader)
    for url in ("/api/view", f"/api/view?since={office.view().version - 1}&wait=1"):
        response = leader.get(url)
        _no_full_name(response.text)
        counter = response.json()["counters"][2]
        assert counter["called_name"] == MASKED and counter["held_name"] is None
        assert [t["named"] for t in response.json()["queue"] if t["number"] == "2001"] == [True]


def test_another_counters_officer_never_receives_a_full_name(make_client) -> None:
    client, _, _ = _holding_a_named_ticket(make_client)
    other = type(client)(client.app)
    login_officer(other, counter=2, code="5678")
    response = other.get("/api/view")
    _no_full_name(response.text)
    assert response.json()["counters"][2]["called_name"] == MASKED


def test_the_sim_panel_never_receives_a_full_name(make_client) -> None:
    client, _, _ = _holding_a_named_ticket(make_client, simulate=True)
    response = client.get("/sim/view")
    _no_full_name(response.text)
    assert response.json()["counters"][2]["called_name"] == MASKED


def test_an_officer_who_moved_to_another_counter_no_longer_sees_the_name(make_client) -> None:
    client, _, headers = _holding_a_named_ticket(make_client)
    assert client.post("/api/counter/3/logout", headers=headers).status_code == 200
    login_officer(client, counter=4)
    _no_full_name(client.get("/api/view").text)


def test_the_view_lists_the_priority_groups_in_vietnamese(make_client) -> None:
    client, _ = make_client()
    login_leader(client)
    groups = client.get("/api/view").json()["priority_groups"]
    assert len(groups) == 7
    assert groups[0] == {"id": "xuat_khau_ld", "vi": "Xuất khẩu lao động", "en": "Labour export"}
    assert {"id": "mang_thai", "vi": "Phụ nữ mang thai", "en": "Pregnant women"} in groups


# -- priority groups


@pytest.mark.parametrize(("group", "expected"), [("cao_tuoi", "cao_tuoi"), ("5", "cao_tuoi"), ("1", "xuat_khau_ld")])
def test_the_officer_records_the_held_tickets_group(make_client, group: str, expected: str) -> None:
    client, _, headers = _holding_a_named_ticket(make_client)
    answer = client.post("/api/counter/3/set_group", json={"group": group}, headers=headers)
    assert answer.status_code == 200 and answer.json()["events"] == ["ticket_group_set"]
    assert answer.json()["counter"]["group"] == expected
    assert [t["group"] for t in client.get("/api/view").json()["queue"] if t["number"] == "2001"] == [expected]


def test_group_zero_clears_it(make_client) -> None:
    client, _, headers = _holding_a_named_ticket(make_client)
    client.post("/api/counter/3/set_group", json={"group": "benh"}, headers=headers)
    assert client.post("/api/counter/3/set_group", json={"group": "0"}, headers=headers).json()["counter"]["group"] is None


def test_an_unknown_group_is_refused_in_vietnamese(make_client) -> None:
    client, _, headers = _holding_a_named_ticket(make_client)
    answer = client.post("/api/counter/3/set_group", json={"group": "9"}, headers=headers)
    assert answer.status_code == 409
    assert answer.json()["vi"] == "Không có nhóm ưu tiên số 9 (có 7 nhóm)"


def test_a_group_without_a_ticket_is_refused(make_client) -> None:
    client, _ = make_client()
    headers = login_officer(client, counter=3)
    answer = client.post("/api/counter/3/set_group", json={"group": "benh"}, headers=headers)
    assert answer.status_code == 409 and "Quầy 3 không có số nào" in answer.json()["vi"]


# -- results: the car registration (oto) hands its papers over later


def _awaiting_result(make_client):
    """Counter 1 has served ticket 1001 (named "Đặng Văn Ước"); its papers are not ready yet."""
    client, office = make_client()
    office.issue("oto", name="Đặng Văn Ước", birth_date="1956-01-01")
    headers = login_officer(client, counter=1)
    for action in ("next", "start", "complete"):
        assert client.post(f"/api/counter/1/{action}", headers=headers).status_code == 200
    return client, office, headers


def test_a_served_ticket_waits_for_its_result_with_the_masked_name(make_client) -> None:
    client, office, _ = _awaiting_result(make_client)
    rows = client.get("/api/view").json()["awaiting_results"]
    assert [(r["number"], r["service"], r["day"], r["masked_name"]) for r in rows] == [
        ("1001", "oto", office.view().day, "Đặng V. Ư.")]
    assert "Đặng Văn Ước" not in client.get("/api/view").text  # the list is for everyone: masked


def test_results_ready_calls_the_citizen_back_and_the_rating_follows_the_handover(make_client) -> None:
    client, office, headers = _awaiting_result(make_client)
    called = client.post("/api/counter/1/results_ready", json={"number": "1001", "day": office.view().day},
                         headers=headers).json()
    assert called["events"] == ["results_called"]
    counter = called["counter"]
    assert (counter["ticket"], counter["ticket_state"], counter["results"]) == ("1001", "results", True)
    assert (counter["held_name"], counter["called_name"]) == ("Đặng Văn Ước", "Đặng V. Ư.")
    assert client.post("/api/counter/1/recall", headers=headers).json()["events"] == ["results_recalled"]
    handed = client.post("/api/counter/1/complete", headers=headers).json()
    assert handed["events"] == ["results_handed_over", "rating_window_opened"]
    assert handed["counter"]["ticket"] is None and handed["counter"]["rating_open"] is True
    assert client.get("/api/view").json()["awaiting_results"] == []


def test_a_results_call_nobody_answers_goes_back_to_waiting(make_client) -> None:
    client, _, headers = _awaiting_result(make_client)
    client.post("/api/counter/1/results_ready", json={"number": "1001"}, headers=headers)
    assert client.post("/api/counter/1/no_show", headers=headers).json()["events"] == ["results_no_show"]
    assert [r["number"] for r in client.get("/api/view").json()["awaiting_results"]] == ["1001"]


def test_results_ready_for_a_number_not_awaiting_is_refused_in_vietnamese(make_client) -> None:
    client, _, headers = _awaiting_result(make_client)
    answer = client.post("/api/counter/1/results_ready", json={"number": "1999"}, headers=headers)
    assert answer.status_code == 409 and answer.json()["vi"] == "Không có số 1999 đang chờ trả kết quả"


@pytest.mark.parametrize("day", ["24/11/2026", "2026-W48-2", "2026-02-30", "20261124", "hôm qua"])
def test_a_day_that_is_not_a_date_is_refused(make_client, day: str) -> None:
    client, office, headers = _awaiting_result(make_client)
    before = len(office.commands)
    answer = client.post("/api/counter/1/results_ready", json={"number": "1001", "day": day}, headers=headers)
    assert answer.status_code == 422 and answer.json()["vi"]
    assert len(office.commands) == before


# -- logs


def test_no_name_reaches_a_log_line(make_client, caplog: pytest.LogCaptureFixture) -> None:
    from kiosk.cccd import SAMPLE_CARDS, parse_cccd

    caplog.set_level(logging.DEBUG)
    client, office = make_client(simulate=True)
    names = [parse_cccd(code).name for code in SAMPLE_CARDS[:2]]
    for code in SAMPLE_CARDS[:2]:
        client.post("/sim/scan", json={"code": code})
        client.post("/sim/press/oto")
    client.post("/sim/scan", json={"code": SAMPLE_CARDS[0] + "|garbage"})
    headers = login_officer(client, counter=1)
    for action in ("next", "start", "complete"):
        client.post(f"/api/counter/1/{action}", headers=headers)
    client.post("/api/counter/1/results_ready", json={"number": "1001"}, headers=headers)
    client.post("/api/counter/1/call_name", json={"name": "Lê Thị Ánh Tuyết"}, headers=headers)
    client.post("/api/counter/1/call_name", json={"name": "Lê Thị <b>"}, headers=headers)
    client.get("/api/view")
    assert office.view().queue[0].named and client.get("/api/view").json()["counters"][0]["held_name"] == names[0]
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for name in [*names, "Lê Thị Ánh Tuyết"]:
        assert name not in logged
