"""The simulation page's counter scanners: a field on each counter that has one, and ``POST /sim/scan/N``."""

from __future__ import annotations

import warnings

from drivers.scanner import CounterScannerConfig
from kiosk.config import Config
from kiosk.web.app import create_app
from kiosk.web.config import WebConfig
from tests.conftest import at
from tests.web.fakes import FakeOffice

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

RECEIPT = "000.00.31.H47-241130-0001"


def client_for(config: Config, credentials) -> tuple[TestClient, FakeOffice]:
    with_scanner = config.model_copy(update={
        "counter_scanners": [CounterScannerConfig(counter=2, backend="simulated", devices=["/dev/input/by-path/x"])]})
    office = FakeOffice(with_scanner, at("2026-11-24 09:00"), simulate=True)
    return TestClient(create_app(office, WebConfig(credentials_file=str(credentials)))), office


def test_the_panel_knows_which_counters_have_a_scanner(demo_config, credentials):
    client, _ = client_for(demo_config, credentials)
    counters = client.get("/sim/layout").json()["counters"]
    assert [c["number"] for c in counters if c["scanner"]] == [2]


def test_a_code_scanned_at_a_counter_reaches_its_simulated_scanner(demo_config, credentials):
    client, office = client_for(demo_config, credentials)
    response = client.post("/sim/scan/2", json={"code": RECEIPT})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "counter": 2, "length": len(RECEIPT)}  # the length, never the code
    assert office.simulation.calls[-1] == ("scan_at_counter", 2, RECEIPT)


def test_a_counter_without_a_scanner_is_a_404_saying_so(demo_config, credentials):
    client, _ = client_for(demo_config, credentials)
    response = client.post("/sim/scan/1", json={"code": RECEIPT})
    assert response.status_code == 404
    assert response.json()["vi"] == "Quầy 1 không có máy quét mã (mục [[counter_scanners]] trong cấu hình)."


def test_a_counter_that_does_not_exist_is_a_404(demo_config, credentials):
    client, _ = client_for(demo_config, credentials)
    assert client.post("/sim/scan/99", json={"code": RECEIPT}).json()["error"] == "unknown_counter"
