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
    ("get", "/sim/view"),
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
    assert office.simulation.calls == [("press_service", "xemay", True)]
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
