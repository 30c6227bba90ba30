"""The officer actions and the JSON API against the fake office (real engine behind it)."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import commands as cmd
from kiosk.errors import DomainError
from tests.web.conftest import login_leader, login_officer

ACTION_COMMANDS = [
    ("next", None, cmd.CallNext(2)),
    ("recall", None, cmd.Recall(2)),
    ("no_show", None, cmd.NoShow(2)),
    ("start", None, cmd.StartService(2)),
    ("complete", None, cmd.Complete(2)),
    ("pause", None, cmd.Pause(2)),
    ("resume", None, cmd.Resume(2)),
    ("close", None, cmd.CloseCounter(2)),
    ("call_number", {"number": "1005"}, cmd.CallNumber(2, "1005")),
    ("transfer", {"service": "xemay"}, cmd.Transfer(2, "xemay")),
    ("reactivate", {"number": "2001"}, cmd.Reactivate("2001", 2)),
    ("reprint", {"number": "1001"}, cmd.Reprint("1001", 2)),
    ("call_name", {"name": "Nguyễn Thị Hoa"}, cmd.CallByName(2, "Nguyễn Thị Hoa")),
    ("results_ready", {"number": "1005"}, cmd.ResultsReady(2, "1005")),
    ("results_ready", {"number": "1005", "day": "2026-11-23"}, cmd.ResultsReady(2, "1005", "2026-11-23")),
    ("results_ready", {"number": "1005", "day": ""}, cmd.ResultsReady(2, "1005")),  # the empty date picker
    ("set_group", {"group": "cao_tuoi"}, cmd.SetGroup(2, "cao_tuoi")),
    ("set_group", {"group": "0"}, cmd.SetGroup(2, "0")),
]


@pytest.mark.parametrize(("action", "body", "expected"), ACTION_COMMANDS, ids=[a[0] for a in ACTION_COMMANDS])
def test_each_action_submits_its_engine_command(make_client, action, body, expected) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=2)
    response = client.post(f"/api/counter/2/{action}", json=body, headers=headers)
    assert response.status_code in (200, 409), response.text  # the engine may refuse; the mapping is checked
    assert office.commands[-1] == expected


def test_a_citizens_visit_through_the_page(make_client) -> None:
    client, office = make_client()
    office.issue("xemay")
    office.issue("xemay")
    headers = login_officer(client, counter=3)
    response = client.post("/api/counter/3/next", headers=headers)
    assert response.status_code == 200
    assert response.json()["counter"]["ticket"] == "2001"
    assert response.json()["events"] == ["ticket_called"]
    assert client.post("/api/counter/3/start", headers=headers).json()["counter"]["ticket_state"] == "serving"
    done = client.post("/api/counter/3/complete", headers=headers).json()
    assert done["counter"]["ticket"] is None and done["counter"]["rating_open"] is True
    view = client.get("/api/view").json()
    assert view["figures"]["served"] == 1 and view["figures"]["issued"] == 2
    assert view["counters"][2]["officer_name"] == "Nguyễn Văn An"
    assert [s["waiting"] for s in view["services"] if s["id"] == "xemay"] == [1]


def test_refused_command_gives_409_with_vietnamese_text(make_client) -> None:
    client, _ = make_client()
    headers = login_officer(client, counter=1)
    response = client.post("/api/counter/1/complete", headers=headers)
    assert response.status_code == 409
    expected = DomainError("no_ticket", counter=1, action="complete", action_vi="hoàn thành")
    data = response.json()
    assert data["error"] == "no_ticket"
    assert data["vi"] == "Quầy 1 không có số nào để hoàn thành" == expected.text("vi")
    assert data["en"] == expected.text("en")
    response = client.post("/api/counter/1/next", headers=headers)
    assert response.status_code == 409 and data["vi"] and "Không có công dân nào đang chờ" in response.json()["vi"]


def test_engine_timeout_is_503(make_client) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=1)
    office.refuse_with = TimeoutError()
    response = client.post("/api/counter/1/next", headers=headers)
    assert response.status_code == 503 and response.json()["vi"] == "Máy kiosk đang bận, hãy thử lại."


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        ("/api/counter/1/call_number", None, 422),
        ("/api/counter/1/call_number", {"number": ""}, 422),
        ("/api/counter/1/call_number", {"number": "10 05; DROP"}, 422),
        ("/api/counter/1/call_number", {"number": "1" * 200}, 422),
        ("/api/counter/1/transfer", {}, 422),
        ("/api/counter/1/call_name", {"name": "   "}, 422),
        ("/api/counter/1/results_ready", {}, 422),
        ("/api/counter/1/results_ready", {"number": "1005", "day": "2026-11-24T09:00"}, 422),
        ("/api/counter/1/call_number", {"number": "1005", "day": "2026-11-24"}, 422),  # a day only for results
        ("/api/counter/1/set_group", {}, 422),
        ("/api/counter/1/set_group", {"group": "g" * 41}, 422),
        ("/api/counter/1/next", {"counter": 5}, 422),
        ("/api/counter/1/next", [1, 2], 422),
        ("/api/counter/1/fly", None, 404),
        ("/api/counter/99/next", None, 404),
        ("/api/counter/abc/next", None, 422),
        ("/api/counter/1/login", {"code": "1234"}, 422),
    ],
)
def test_malformed_requests_get_4xx_with_a_reason(make_client, url, body, status) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=1)
    before = len(office.commands)
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["vi"] and response.json()["en"]
    assert len(office.commands) == before


@pytest.mark.parametrize("body", [b'{"number": ', b'{"number": "\xff\xfe"}', b"\x00\x01", b"null", b"[]"])
def test_broken_json_body_is_4xx(make_client, body: bytes) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=1)
    before = len(office.commands)
    response = client.post("/api/counter/1/call_number", content=body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code in (400, 422) and response.json()["vi"]  # "Yêu cầu không hợp lệ", "Hãy nhập số"
    assert len(office.commands) == before


def test_bad_name_is_refused_by_the_engine_with_its_text(make_client) -> None:
    client, _ = make_client()
    headers = login_officer(client, counter=1)
    response = client.post("/api/counter/1/call_name", json={"name": "<script>"}, headers=headers)
    assert response.status_code == 409 and response.json()["error"] == "bad_name"


# What a browser can send: any Unicode text but lone surrogates (not encodable as UTF-8).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(["next", "call_number", "transfer", "reactivate", "reprint", "call_name",
                            "results_ready", "set_group", "x"]),
    body=st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(["number", "service", "name", "group", "day", "other"]),
                        st.one_of(TEXT, st.integers(), st.none(), st.lists(st.integers())),
                        max_size=3),
        TEXT,
    ),
)
def test_no_body_gives_a_500(make_client, action, body) -> None:
    client, _ = make_client()
    headers = login_officer(client, counter=2)
    response = client.post(f"/api/counter/2/{action}", json=body, headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["vi"]


def test_actions_need_the_officer_of_that_counter(make_client) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=1)
    response = client.post("/api/counter/2/pause", headers=headers)
    assert response.status_code == 401 and response.json()["vi"] == "Hãy đăng nhập tại quầy 2."
    # Signed out on the keypad: the page's session no longer acts.
    office.submit(cmd.SignOut(1))
    response = client.post("/api/counter/1/pause", headers=headers)
    assert response.status_code == 401 and response.json()["error"] == "signed_out"


def test_logout_signs_the_officer_out(make_client) -> None:
    client, office = make_client()
    headers = login_officer(client, counter=4)
    assert client.post("/api/counter/4/logout", headers=headers).status_code == 200
    assert office.last(cmd.SignOut) == cmd.SignOut(4)
    assert office.view().counters[3].officer is None
    assert client.get("/api/view").status_code == 401


def test_leader_view_has_counters_queue_and_figures(make_client) -> None:
    client, office = make_client()
    office.issue("oto")
    office.issue("xemay", priority=True)
    login_leader(client)
    view = client.get("/api/view").json()
    assert [c["number"] for c in view["counters"]] == [1, 2, 3, 4, 5, 6]
    assert [t["number"] for t in view["queue"]] == ["1001", "2001"]
    assert view["queue"][1]["priority"] is True
    assert view["figures"]["issued"] == 2 and view["figures"]["waiting"] == 2
    assert [lvl["vi"] for lvl in view["rating_levels"]] == ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"]
    assert view["camera"] is False and view["simulation"] is False


def test_long_poll_returns_when_the_office_changes(make_client) -> None:
    client, office = make_client()
    login_leader(client)
    version = client.get("/api/view").json()["version"]
    threading.Timer(0.3, lambda: office.issue("oto")).start()
    started = time.monotonic()
    view = client.get(f"/api/view?since={version}&wait=10").json()
    assert view["version"] > version and view["figures"]["issued"] == 1
    assert time.monotonic() - started < 5
    started = time.monotonic()
    same = client.get(f"/api/view?since={view['version']}&wait=0.3").json()
    assert same["version"] == view["version"] and time.monotonic() - started >= 0.25


def test_pages_are_vietnamese_first(make_client) -> None:
    client, _ = make_client()
    page = client.get("/counter/3").text
    assert page.index("Gọi số tiếp theo") < page.index("Call next")
    assert 'lang="vi"' in page and "Đăng nhập cán bộ" in page
    assert client.get("/counter/42").status_code == 404
    index = client.get("/").text
    assert "Quầy 6" in index and "Lãnh đạo" in index and "/sim" not in index
