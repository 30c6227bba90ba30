"""The dashboards in a real browser (Playwright driving Debian's chromium), desktop and phone sizes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from tests.central.conftest import Central, LiveServer
from tests.central.test_dashboard import PASSWORD, build_offices

pytestmark = pytest.mark.browser  # headless Chromium: not in make test-fast

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def site_server(central: Central, tmp_path: Path) -> Iterator[LiveServer]:
    build_offices(central, TestClient(central.app), tmp_path)
    server = LiveServer(central.app).start()
    yield server
    server.stop()


def no_outside_requests(page: Page, base: str) -> list[str]:
    """Every URL the page loads; the tests assert all are the server's own (no CDN)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_director_signs_in_and_reads_figures(browser: Browser, site_server: LiveServer, tmp_path: Path) -> None:
    base = site_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = no_outside_requests(page, base)
    sign_in(page, base, "giamdoc")
    assert page.get_by_text("Phòng CSGT Hà Nội").count() >= 1
    page.get_by_role("link", name="Phòng CSGT Lâm Đồng").first.click()
    page.locator("select[name=period]").select_option("week")
    day = page.locator("input[name=day]")
    day.fill("24/11")  # half a day: the browser asks for the rest before sending
    assert day.evaluate("field => field.validity.patternMismatch")
    day.fill("24/11/2026")  # as a Vietnamese reader writes it, whatever the browser's language
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**day=24%2F11%2F2026**")
    assert page.locator("input[name=day]").input_value() == "24/11/2026"
    card = page.locator('[data-figure="Satisfaction index"] b')
    assert card.inner_text() == "75,0%"  # levels 1, 2, 3, 4: Bình thường counts as Hài lòng
    bars = page.locator("svg rect.bar")
    assert bars.count() == 2  # service a and b at 8h
    box = bars.first.bounding_box()
    assert box is not None and box["height"] > 10  # drawn, visible
    # These kiosks record no priority group and call nobody back for results: one row, zeros.
    assert page.locator('#priority-groups tr[data-group=""] td').first.inner_text().startswith("Không thuộc nhóm")
    assert page.locator('[data-results="called"] b').inner_text() == "0"
    page.screenshot(path=str(tmp_path / "site.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("Đơn vị;Kỳ;Từ ngày") and "ld;Tuần 23/11–29/11/2026;23/11/2026;29/11/2026" in text
    page.get_by_role("link", name="Xếp hạng").click()
    assert page.locator("table tbody tr").count() == 2
    # Two units with a handful of tickets: both listed, neither ranked (the minimum sample is 30).
    assert page.locator("td.rank").first.inner_text() == "Chưa đủ mẫu (n < 30 phiếu)"
    page.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)
    assert all(u.startswith(base) for u in seen), [u for u in seen if not u.startswith(base)]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_leader_is_kept_to_his_site_on_a_phone(browser: Browser, site_server: LiveServer, tmp_path: Path) -> None:
    base = site_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, base, "truong-ld")
    assert page.get_by_text("Phòng CSGT Hà Nội").count() == 0
    page.get_by_role("link", name="Phòng CSGT Lâm Đồng").first.click()
    page.goto(f"{base}/sites/ld?period=day&day=2026-11-24")
    # Usable on a phone: the page itself does not scroll sideways (wide tables scroll in their own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    response = page.goto(f"{base}/sites/hn")
    assert response is not None and response.status == 403
    assert "Hà Nội" not in page.content()
    page.goto(f"{base}/ranking")
    assert page.locator("table tbody tr").count() == 1
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/sites/ld")
    assert page.url == f"{base}/login"
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_public_ticket_page_on_a_phone(browser: Browser, central: Central, site_server: LiveServer) -> None:
    from central import core

    with central.engine.begin() as conn:
        device = conn.exec_driver_sql("SELECT * FROM devices WHERE serial = 'pi-ld'").one()
        core.heartbeat(conn, device, {"tickets": [
            {"ticket_id": "q-1", "display": "1005", "service": "a", "state": "waiting", "position": 3, "wait_minutes": 20, "counter": None},
        ]})
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{site_server.url}/t/q-1")
    assert page.locator("#number").inner_text() == "1005"
    assert page.locator("#ahead").inner_text() == "2"
    assert page.locator("#wait").inner_text() == "khoảng 15–30 phút"  # wait_range(20), as the ticket prints it
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
