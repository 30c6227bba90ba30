"""The counter page's dossier code (mã hồ sơ): the field, its button, the POST behind it, and the code shown.

The page posts ``{"code": ...}`` to ``/api/counter/N/dossier`` with the
CSRF token, as its other forms post their actions; the office (the tests'
fake over the real engine) attaches it with ``AttachDossier(N, code, "web")``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk import commands as cmd
from kiosk.web.config import WebConfig
from kiosk.web.server import start_server
from tests.conftest import at
from tests.web.conftest import OFFICERS, csrf_of, login_officer
from tests.web.fakes import FakeOffice

RECEIPT = "000.00.31.H47-241130-0001"


def called(make_client):
    """A client logged in at counter 1, which has called a ticket; and the office."""
    client, office = make_client()
    headers = login_officer(client, 1)
    office.issue("oto")
    assert client.post("/api/counter/1/next", headers=headers).status_code == 200
    return client, office, headers


def test_the_counter_page_has_the_dossier_field_and_its_button(make_client):
    client, _ = make_client()
    page = client.get("/counter/1").text
    assert 'data-action="dossier" data-field="code"' in page
    assert 'aria-label="Mã hồ sơ"' in page
    assert "Gắn mã hồ sơ<small>Attach dossier code</small>" in page


def test_posting_a_code_attaches_it_to_the_counters_ticket(make_client):
    client, office, headers = called(make_client)
    response = client.post("/api/counter/1/dossier", json={"code": RECEIPT}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["dossier_attached"]
    assert office.commands[-1] == cmd.AttachDossier(1, RECEIPT, "web")


def test_whitespace_around_the_code_is_stripped(make_client):
    client, office, headers = called(make_client)
    client.post("/api/counter/1/dossier", json={"code": f"  {RECEIPT}  "}, headers=headers)
    assert office.commands[-1] == cmd.AttachDossier(1, RECEIPT, "web")


def test_the_view_shows_the_code_attached_to_the_current_ticket(make_client):
    client, _, headers = called(make_client)
    client.post("/api/counter/1/dossier", json={"code": RECEIPT}, headers=headers)
    counter = next(c for c in client.get("/api/view").json()["counters"] if c["number"] == 1)
    assert counter["dossier"] == RECEIPT


def test_a_code_that_is_no_dossier_code_is_a_422_with_the_reason(make_client):
    client, office, headers = called(make_client)
    before = len(office.commands)
    response = client.post("/api/counter/1/dossier", json={"code": "001099000001||Nguyễn Thị Hường"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["vi"] == "Mã hồ sơ gồm 1 đến 40 ký tự: chữ, chữ số và các dấu . / -"
    assert len(office.commands) == before  # never reaches the engine, nor its events


def test_a_code_with_no_ticket_at_the_counter_is_a_409_saying_so(make_client):
    client, _ = make_client()
    headers = login_officer(client, 1)
    response = client.post("/api/counter/1/dossier", json={"code": RECEIPT}, headers=headers)
    assert response.status_code == 409
    assert response.json()["vi"] == "Quầy 1 không có số nào để gắn mã hồ sơ"


def test_attaching_needs_the_csrf_token(make_client):
    client, office, _ = called(make_client)
    response = client.post("/api/counter/1/dossier", json={"code": RECEIPT})
    assert response.status_code == 403
    assert not any(isinstance(c, cmd.AttachDossier) for c in office.commands)


def test_attaching_needs_the_officer_of_that_counter(make_client):
    client, office, headers = called(make_client)
    response = client.post("/api/counter/2/dossier", json={"code": RECEIPT}, headers=headers)
    assert response.status_code == 401
    assert not any(isinstance(c, cmd.AttachDossier) for c in office.commands)


def test_a_body_without_a_code_is_a_422(make_client):
    client, _ = make_client()
    token = csrf_of(client, "/counter/1")
    response = client.post("/api/counter/1/dossier", json={"dossier": RECEIPT}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422


@pytest.mark.browser
def test_the_officer_attaches_a_code_on_the_page_and_sees_it(demo_config, credentials, tmp_path: Path) -> None:
    from playwright import sync_api

    from tests.web.test_browser import ARGS, CHROMIUM, TABLET

    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: apt-get install -y chromium"
    office = FakeOffice(demo_config, at("2026-11-24 09:00"))
    office.issue("oto")
    server = start_server(office, WebConfig(bind="127.0.0.1", port=0, credentials_file=str(credentials)))
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport=TABLET)
            page.goto(f"{server.url}/counter/1")
            page.fill("#code", "1234")
            page.fill("#pin", OFFICERS["1234"][1])
            page.click("#login-button")
            page.wait_for_selector("#panel:not(.hidden)")
            page.click("#btn-next")
            page.wait_for_function("document.getElementById('ticket').textContent === '1001'")
            page.fill("#dossier-code", RECEIPT)
            page.click("#btn-dossier")
            page.wait_for_function("document.getElementById('message').textContent.includes('Đã gắn mã hồ sơ')")
            assert f"Đã gắn mã hồ sơ {RECEIPT}" in page.inner_text("#message")
            page.wait_for_selector("#dossier:not(.hidden)")
            assert f"Mã hồ sơ: {RECEIPT}" in page.inner_text("#dossier")
            assert page.input_value("#dossier-code") == ""
            page.screenshot(path=str(tmp_path / "counter-dossier.png"), full_page=True)
            browser.close()
    finally:
        server.stop()
    assert office.commands[-1] == cmd.AttachDossier(1, RECEIPT, "web")
