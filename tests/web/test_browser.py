"""The pages in headless Chromium (Debian's) against a real uvicorn on 127.0.0.1.

Screenshots go to $WEB_SCREENSHOTS (default: the test's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api  # the Python package only; the browser is Debian's chromium

from drivers.camera import CameraConfig
from drivers.camera.simulated import SimulatedCamera
from kiosk import commands as cmd
from kiosk.web.config import WebConfig
from kiosk.web.server import start_server
from tests.conftest import at
from tests.web.conftest import LEADER_PASSWORD, OFFICERS
from tests.web.fakes import FakeOffice

pytestmark = pytest.mark.browser  # headless Chromium: not in make test-fast

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PHONE = {"width": 412, "height": 915}
TABLET = {"width": 800, "height": 1280}

if not shutil.which(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def office(demo_config, credentials: Path, tmp_path: Path) -> Iterator[tuple[FakeOffice, str]]:
    camera = SimulatedCamera(CameraConfig(enabled=True, backend="simulated", resolution=(640, 360), frame_rate=5,
                                          snapshot_dir=str(tmp_path / "snaps")), [1, 2, 3])
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), camera=camera, simulate=True)
    server = start_server(office, WebConfig(bind="127.0.0.1", port=0, credentials_file=str(credentials)))
    try:
        yield office, server.url
    finally:
        camera.close()
        server.stop()


def test_officer_logs_in_and_calls_next(browser, office, shots: Path) -> None:
    office, url = office
    office.issue("xemay")
    office.issue("xemay", priority=True)
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{url}/counter/3")
    page.fill("#code", "5678")
    page.fill("#pin", "0000")
    page.click("#login-button")
    page.wait_for_selector("#message.error")
    assert "Mã cán bộ hoặc mã PIN không đúng." in page.inner_text("#message")
    page.fill("#pin", OFFICERS["5678"][1])
    page.click("#login-button")
    page.wait_for_selector("#panel:not(.hidden)")
    assert office.last(cmd.SignIn) == cmd.SignIn(3, "5678")
    page.wait_for_function("document.getElementById('who').textContent.includes('Trần Thị Bình')")
    page.click("#btn-next")
    page.wait_for_function("document.getElementById('ticket').textContent === '2002'")  # priority first
    assert "Đã gọi số 2002" in page.inner_text("#message")
    assert office.last(cmd.CallNext) == cmd.CallNext(3)
    assert "Đã gọi" in page.inner_text("#ticket-state")
    page.screenshot(path=str(shots / "counter-tablet.png"), full_page=True)
    # A refusal is shown in Vietnamese with English below.
    page.fill("form[data-action=call_number] input", "9999")
    page.click("form[data-action=call_number] button")
    page.wait_for_selector("#message.error")
    text = page.inner_text("#message")
    assert "Quầy 3 đang phục vụ số 2002: hãy hoàn thành hoặc báo vắng trước" in text
    assert text.index("Quầy 3") < text.index("counter 3 still has")  # Vietnamese first
    # A change made elsewhere (the keypad) shows without reloading.
    office.submit(cmd.Complete(3))
    page.wait_for_function("document.getElementById('ticket').textContent === '—'")
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "counter-phone.png"), full_page=True)
    copied = page.context.cookies()  # someone copies the login cookie before the officer logs out
    page.click("#logout")
    page.wait_for_selector("#login:not(.hidden)")
    assert office.view().counters[2].officer is None
    page.close()
    # Logging out ended the session on the server: even with the officer back at the counter (keypad),
    # the copied cookie opens the login form, not the panel, and the API refuses it.
    office.submit(cmd.SignIn(3, "5678"))
    context = browser.new_context(viewport=TABLET)
    context.add_cookies(copied)
    other = context.new_page()
    other.goto(f"{url}/counter/3")
    other.wait_for_selector("#login:not(.hidden)")
    assert other.is_hidden("#panel")
    assert context.request.get(f"{url}/api/view").status == 401
    context.close()


def test_leader_sees_counters_figures_and_camera(browser, office, shots: Path) -> None:
    office, url = office
    for service in ("oto", "oto", "xemay", "vipham"):
        office.issue(service)
    office.submit(cmd.SignIn(1, "1234"))
    office.submit(cmd.CallNext(1))
    office.submit(cmd.StartService(1))
    office.submit(cmd.Complete(1))  # car papers are handed over later: the rating follows the handover
    office.submit(cmd.ResultsReady(1, "1001"))
    office.submit(cmd.Complete(1))
    office.submit(cmd.Rate(1, 1))
    office.submit(cmd.SignIn(2, "5678"))
    office.submit(cmd.CallNext(2))
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{url}/leader/camera.mjpg")
    assert "Hãy đăng nhập" in page.inner_text("body")  # no stream without login
    page.goto(f"{url}/leader")
    page.fill("#password", "sai mật khẩu")
    page.click("#login-form button")
    page.wait_for_selector("#message.error")
    assert "Mật khẩu không đúng." in page.inner_text("#message")
    page.fill("#password", LEADER_PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#dashboard:not(.hidden)")
    page.wait_for_selector("#counters tr[data-counter='2']")
    row = page.inner_text("#counters tr[data-counter='2']")
    assert "Trần Thị Bình (5678)" in row and "1002" in row
    assert "Nguyễn Văn An (1234)" in page.inner_text("#counters tr[data-counter='1']")
    figures = page.inner_text("#figures")
    assert "Số đã cấp" in figures and "Chỉ số hài lòng" in figures and "100%" in figures
    assert "Rất hài lòng" in page.inner_text("#ratings")
    assert "3001" in page.inner_text("#queue")
    # The camera picture arrives (a decoded JPEG from the MJPEG stream).
    page.wait_for_function(
        "(() => { const i = document.getElementById('camera-img'); return i && i.naturalWidth === 640; })()",
        timeout=10000,
    )
    page.screenshot(path=str(shots / "leader-tablet.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "leader-phone.png"), full_page=True)
    page.close()


def test_leader_page_without_password_says_how_to_set_one(browser, demo_config, tmp_path: Path, shots: Path) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"))
    server = start_server(office, WebConfig(port=0, credentials_file=str(tmp_path / "none.json")))
    try:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{server.url}/leader")
        page.wait_for_selector("#no-password:not(.hidden)")
        assert "kiosk users set-leader-password" in page.inner_text("#no-password")
        assert page.is_hidden("#login") and page.is_hidden("#dashboard")
        page.screenshot(path=str(shots / "leader-no-password.png"), full_page=True)
        page.close()
    finally:
        server.stop()


def test_sim_panel_buttons_reach_the_simulation(browser, office, shots: Path) -> None:
    office, url = office
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/sim")
    page.click("#press-oto")
    page.wait_for_function("document.getElementById('ticket').src.includes('ticket.png')")
    assert office.simulation.calls[-1] == ("press_service", "oto", False, None)
    page.keyboard.press("p")  # priority on
    page.keyboard.press("F2")  # the second service
    page.click("#key-3-1")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.click("#rate-1-2")
    page.click("#paper")
    page.wait_for_selector("#banners .banner")
    expected = [("press_service", "xemay", True, None), ("type_keys", 3, "E"), ("press_rating", 1, 2), ("set_paper", False)]
    deadline = time.monotonic() + 5
    while not all(call in office.simulation.calls for call in expected) and time.monotonic() < deadline:
        time.sleep(0.05)  # each click is a fetch the page sends on its own
    calls = office.simulation.calls
    assert ("press_service", "xemay", True, None) in calls
    assert ("type_keys", 3, "1") in calls and ("type_keys", 3, "2") in calls and ("type_keys", 3, "E") in calls
    assert ("press_rating", 1, 2) in calls and ("set_paper", False) in calls
    assert "Máy in hết giấy" in page.inner_text("#banners")
    page.wait_for_function("document.getElementById('ticket').naturalWidth > 0")
    page.screenshot(path=str(shots / "sim.png"), full_page=True)
    page.close()
