"""The simulate-mode API: only in simulate mode, only on loopback, and it reaches office.simulation."""

from __future__ import annotations

import io
import wave
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image

from kiosk import commands as cmd
from kiosk.config import load_config
from kiosk.run import Process, board_state
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config
from kiosk.web.app import create_app
from kiosk.web.config import WebConfig
from tests.conftest import DEMO, at
from tests.test_office import drive, wait_for
from tests.web.fakes import FakeOffice

SIM_URLS = [
    ("post", "/sim/press/oto"), ("post", "/sim/rate/1/1"), ("post", "/sim/keypad/1"), ("post", "/sim/paper?present=0"),
    ("get", "/sim/ticket.png"), ("get", "/sim/board.png"), ("get", "/sim/announcement.wav"), ("get", "/sim"),
    ("get", "/sim/view"), ("post", "/sim/scan"), ("get", "/sim/layout"),
]


@pytest.mark.parametrize(("method", "url"), SIM_URLS)
def test_sim_api_does_not_exist_outside_simulate_mode(make_client, method, url) -> None:
    client, office = make_client(simulate=False)
    response = getattr(client, method)(url)
    assert response.status_code == 404
    assert "chế độ mô phỏng" in response.json()["vi"]
    assert office.commands == []


def test_sim_routes_refused_on_a_network_address(demo_config) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), simulate=True)
    with pytest.raises(ValueError, match="loopback"):
        create_app(office, WebConfig(bind="0.0.0.0"))
    create_app(office, WebConfig(bind="127.0.0.1"))  # fine
    create_app(office, WebConfig(bind="::1"))


def test_press_prints_a_ticket(make_client) -> None:
    client, office = make_client(simulate=True)
    assert client.get("/sim/ticket.png").status_code == 404
    assert client.post("/sim/press/xemay?priority=1").status_code == 200
    assert office.simulation.calls == [("press_service", "xemay", True, None)]
    assert office.last(cmd.Issue).priority is True
    png = client.get("/sim/ticket.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (384, 240)
    wav = client.get("/sim/announcement.wav")
    assert wav.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(wav.content)) as w:
        assert w.getnframes() == 1600
    assert Image.open(io.BytesIO(client.get("/sim/board.png").content)).format == "PNG"


def test_keypad_rate_and_paper_reach_the_simulation(make_client) -> None:
    client, office = make_client(simulate=True)
    assert client.post("/sim/keypad/3", content=b"1234E").status_code == 200
    assert client.post("/sim/rate/1/2").status_code == 200
    assert client.post("/sim/paper?present=0").status_code == 200
    assert office.simulation.calls == [("type_keys", 3, "1234E"), ("press_rating", 1, 2), ("set_paper", False)]
    view = client.get("/sim/view").json()
    assert view["banners"][0]["text_vi"] == "Máy in hết giấy"
    assert client.post("/sim/paper?present=1").status_code == 200
    assert office.simulation.paper is True


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        ("/sim/press/nothing", None, 404),
        ("/sim/press/oto?priority=maybe", None, 422),
        ("/sim/rate/2/1", None, 422),  # counter 2 has no rating buttons
        ("/sim/rate/1/5", None, 422),
        ("/sim/rate/1/0", None, 422),
        ("/sim/rate/77/1", None, 404),
        ("/sim/rate/x/1", None, 422),
        ("/sim/keypad/1", b"12a", 422),
        ("/sim/keypad/1", b"", 422),
        ("/sim/keypad/1", b"1" * 65, 422),
        ("/sim/keypad/1", b"\xff\xfe", 422),
        ("/sim/keypad/9", b"1E", 404),
        ("/sim/paper", None, 422),
        ("/sim/paper?present=2", None, 422),
    ],
)
def test_bad_sim_requests_get_4xx(make_client, url, body, status) -> None:
    client, office = make_client(simulate=True)
    response = client.post(url, content=body)
    assert response.status_code == status, response.text
    assert response.json()["vi"]
    assert office.simulation.calls == []


def test_sim_refuses_other_sites_and_other_hosts(make_client) -> None:
    client, office = make_client(simulate=True)
    assert client.post("/sim/press/oto", headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/sim/press/oto", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get("/sim/board.png", headers={"Host": "evil.example"}).status_code == 403  # DNS rebinding
    assert office.simulation.calls == []
    assert client.post("/sim/press/oto", headers={"Host": "127.0.0.1:8080", "Origin": "http://127.0.0.1:8080"}
                       ).status_code == 200


def test_sim_page_lists_the_panel(make_client) -> None:
    client, _ = make_client(simulate=True)
    assert "Mô phỏng thiết bị" in client.get("/sim").text
    layout = client.get("/sim/layout").json()
    assert [s["id"] for s in layout["services"]] == ["oto", "xemay", "vipham"]
    assert [c["number"] for c in layout["counters"] if c["rating_buttons"]] == [1, 3, 5]
    assert "/sim" in client.get("/").text


def test_simulate_mode_serves_on_the_configured_port(tmp_path: Path) -> None:
    demo = load_config(DEMO)
    assert simulated_config(demo, tmp_path).web.port == demo.web.port == 8080
    on_8123 = demo.model_copy(update={"web": demo.web.model_copy(update={"port": 8123, "bind": "0.0.0.0"})})
    web = simulated_config(on_8123, tmp_path).web
    assert (web.bind, web.port) == ("127.0.0.1", 8123)  # [web] port honoured; loopback only
    assert simulated_config(on_8123, tmp_path, web_port=9000).web.port == 9000  # kiosk run --simulate --port 9000
    assert simulated_config(demo.model_copy(update={"web": None}), tmp_path).web.port == 8080
    assert simulated_config(demo, tmp_path, pages=False).web.enabled is False  # kiosk demo: headless


@pytest.mark.process
def test_a_refused_press_is_on_the_board_and_in_the_sim_answer(tmp_path: Path) -> None:
    """At 01:38 a press gives no ticket: the board says why and when it opens, and so does /sim's answer."""
    config = simulated_config(load_config(DEMO), tmp_path / "office", web_port=0)
    pair_keypads(config)
    clock = ScaledClock(at("2026-11-24 01:38"))  # a Tuesday night
    process = Process(config, None, clock, simulate=True)
    process.start()
    closed_vi = "Dịch vụ Đăng ký xe ô tô chưa mở cửa; mở lúc 07:30"

    def body() -> None:
        with httpx.Client(base_url=process.web.url, timeout=20) as client:
            answer = client.post("/sim/press/oto")  # through the button's mock pin, as on a Pi
            assert answer.status_code == 409, answer.text
            assert (answer.json()["error"], answer.json()["vi"]) == ("not_open_yet", closed_vi)
            banners = client.get("/sim/view").json()["banners"]
            assert {"kind": "closed", "text_vi": closed_vi} in [{k: b[k] for k in ("kind", "text_vi")} for b in banners]
            shown = board_state(process.office.view(), process.office.config).banners
            assert [(b.kind, b.text_vi) for b in shown] == [("closed", closed_vi)]  # what the board draws
            assert process.office.view().figures.issued == 0

            clock.start += timedelta(hours=6, minutes=22)  # 08:00: the same button gives a number
            answer = client.post("/sim/press/oto")
            assert answer.status_code == 200, answer.text
            assert answer.json()["ticket"] == "1001"
            assert closed_vi not in [b["text_vi"] for b in client.get("/sim/view").json()["banners"]]

            assert client.post("/sim/paper?present=0").status_code == 200
            wait_for(lambda: "Máy in hết giấy" in [b.text_vi for b in process.office.view().banners])
            answer = client.post("/sim/press/oto")  # no number without paper, and the panel is told
            assert answer.status_code == 409
            assert (answer.json()["error"], answer.json()["vi"]) == ("printer", "Máy in không in được: chưa cấp số")

    drive(process, body)


# A made-up card in the CCCD's layout: ID|old ID|name|birth|sex|address|issued.
CARD = "001190012345||Đặng Văn Ước|15081990|Nam|Số 1 phố Huế, Hà Nội|01022021"


def test_scan_types_the_code_on_the_scanner_and_never_echoes_it(make_client) -> None:
    client, office = make_client(simulate=True)
    response = client.post("/sim/scan", json={"code": CARD})
    assert response.status_code == 200, response.text
    assert office.simulation.calls == [("scan", CARD)]
    assert response.json() == {"ok": True, "length": len(CARD)}  # the name stays out of the answer
    assert "Ước" not in response.text


@pytest.mark.parametrize(
    "code",
    ["not a card", "001190012345||Đặng Văn", "|||||||", "x" * 10240, "\x00\x1b[A\n\t", "<script>alert(1)</script>"],
    ids=["text", "truncated", "pipes", "10KB-burst", "control-keys", "markup"],
)
def test_garbage_reaches_the_scanner_as_it_is(make_client, code: str) -> None:
    client, office = make_client(simulate=True)
    assert client.post("/sim/scan", json={"code": code}).status_code == 200
    assert office.simulation.calls == [("scan", code)]


def test_a_lone_surrogate_no_keyboard_can_type_becomes_a_replacement_character(make_client) -> None:
    client, office = make_client(simulate=True)
    response = client.post("/sim/scan", content=b'{"code": "ab\\ud800c"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert office.simulation.calls == [("scan", "ab\ufffdc")]


@pytest.mark.parametrize(
    ("body", "status", "vi"),
    [
        ({"code": "x" * 11001}, 413, "Mã quá dài: tối đa 11000 ký tự."),
        ({"code": ""}, 422, "Hãy nhập mã cần quét."),
        ({"code": 12}, 422, 'Hãy gửi {"code": "mã cần quét"}.'),
        ({"code": "a", "extra": 1}, 422, 'Hãy gửi {"code": "mã cần quét"}.'),
        ({}, 422, 'Hãy gửi {"code": "mã cần quét"}.'),
        (["a"], 422, 'Hãy gửi {"code": "mã cần quét"}.'),
    ],
    ids=["too-long", "empty", "number", "extra-field", "no-code", "list"],
)
def test_bad_scans_are_refused_with_the_reason(make_client, body, status: int, vi: str) -> None:
    client, office = make_client(simulate=True)
    response = client.post("/sim/scan", json=body)
    assert response.status_code == status
    assert response.json()["vi"] == vi
    assert office.simulation.calls == []


@pytest.mark.parametrize("body", [b"not json", b'{"code": ', b"\xff\xfe", b""])
def test_a_body_that_is_not_json_is_refused(make_client, body: bytes) -> None:
    client, office = make_client(simulate=True)
    response = client.post("/sim/scan", content=body)
    assert response.status_code == 422 and response.json()["error"] == "bad_scan"
    assert office.simulation.calls == []


def test_a_huge_body_is_refused_before_it_is_read(make_client) -> None:
    client, office = make_client(simulate=True)
    response = client.post("/sim/scan", content=b'{"code": "' + b"x" * 100_000 + b'"}')
    assert response.status_code == 413 and "tối đa 11000 ký tự" in response.json()["vi"]
    assert office.simulation.calls == []


def test_scan_refuses_other_sites(make_client) -> None:
    client, office = make_client(simulate=True)
    assert client.post("/sim/scan", json={"code": CARD}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/sim/scan", json={"code": CARD}, headers={"Host": "evil.example"}).status_code == 403
    assert office.simulation.calls == []


def test_the_panel_lists_the_sample_cards_by_name(make_client) -> None:
    from kiosk.cccd import SAMPLE_CARDS, parse_cccd

    client, _ = make_client(simulate=True)
    cards = client.get("/sim/layout").json()["sample_cards"]
    assert [c["code"] for c in cards] == list(SAMPLE_CARDS)
    assert [c["name"] for c in cards][:1] == [parse_cccd(SAMPLE_CARDS[0]).name]
    assert 'id="scan-code"' in client.get("/sim").text


def test_a_scan_greets_the_holder_in_the_sim_view(make_client) -> None:
    client, _ = make_client(simulate=True)
    assert client.get("/sim/view").json()["greeting"] is None
    client.post("/sim/scan", json={"code": CARD})
    greeting = client.get("/sim/view").json()["greeting"]
    assert greeting == ["Xin chào Đặng V. Ư. Mời chọn dịch vụ", "Hello Đặng V. Ư. Please choose a service"]
    assert "Đặng Văn Ước" not in client.get("/sim/view").text  # masked, as on the board


def test_a_priority_group_button_gives_a_priority_ticket_of_that_group(make_client) -> None:
    client, office = make_client(simulate=True)
    answer = client.post("/sim/press/xemay?group=cao_tuoi")
    assert answer.status_code == 200 and answer.json()["group"] == "cao_tuoi"
    assert office.simulation.calls == [("press_service", "xemay", False, "cao_tuoi")]
    row = client.get("/sim/view").json()["queue"][0]
    assert (row["priority"], row["group"]) == (True, "cao_tuoi")
    # The demo's header has no pin left for a group button: the press above is posted as one would be.
    assert client.get("/sim/layout").json()["group_buttons"] == []


def test_an_unknown_group_is_refused(make_client) -> None:
    client, office = make_client(simulate=True)
    answer = client.post("/sim/press/xemay?group=vip")
    assert answer.status_code == 404 and answer.json()["vi"] == "Không có nhóm ưu tiên 'vip'."
    assert office.simulation.calls == []
