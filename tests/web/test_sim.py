"""The simulate-mode API: only in simulate mode, only on loopback, and it reaches office.simulation."""

from __future__ import annotations

import io
import wave

import pytest
from PIL import Image

from kiosk import commands as cmd
from kiosk.web.app import create_app
from kiosk.web.config import WebConfig
from tests.conftest import at
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
