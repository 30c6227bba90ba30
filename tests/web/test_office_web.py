"""The pages of the real kiosk process (simulate mode) in headless Chromium.

The same flows as test_browser.py, but behind the pages is the real office:
its engine thread, store, simulated printer, keypads and board.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright import sync_api

from kiosk.config import load_config
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from kiosk.credentials import add_officer, set_leader_password
from tests.conftest import DEMO
from tests.test_office import drive, wait_for
from tests.web.test_browser import ARGS, CHROMIUM, TABLET

pytestmark = [pytest.mark.browser, pytest.mark.process]  # headless Chromium: not in make test-fast

if not shutil.which(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)


def test_officer_leader_and_sim_pages_drive_the_real_office(tmp_path: Path) -> None:
    config = simulated_config(load_config(DEMO), tmp_path / "office", web_port=0)
    # The demo config's credentials file is in the checkout (var/simulate/), which `kiosk run --simulate`
    # uses: the test's known passwords go to its own folder.
    credentials = str(tmp_path / "credentials.json")
    config = config.model_copy(update={"web": config.web.model_copy(update={"credentials_file": credentials})})
    pair_keypads(config)
    assert add_officer(credentials, "1234", "Nguyễn Văn An", "2580")[0] == 0
    assert set_leader_password(credentials, "mật khẩu lãnh đạo")[0] == 0
    process = Process(config, None, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True)
    process.start()
    shots = tmp_path / "shots"
    shots.mkdir()

    def body() -> None:
        url = process.web.url
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport=TABLET)
            # A citizen scans their ID card (a sample card on the sim panel's scanner): the board greets them;
            # then presses the car-registration button, and the ticket carries the name.
            page.goto(f"{url}/sim")
            page.click("#card-1")
            page.wait_for_function(
                "document.getElementById('greeting').textContent.startsWith('Xin chào Nguyễn T. H.')", timeout=10000)
            page.click("#press-oto")
            wait_for(lambda: process.office.view().services[0].waiting == 1)
            assert process.office.view().queue[0].named
            page.wait_for_function("document.getElementById('ticket').naturalWidth > 0", timeout=10000)
            page.screenshot(path=str(shots / "sim.png"), full_page=True)
            # The officer signs in on the counter page and calls the next citizen.
            page.goto(f"{url}/counter/1")
            page.fill("#code", "1234")
            page.fill("#pin", "2580")
            page.click("#login-button")
            page.wait_for_selector("#panel:not(.hidden)")
            page.click("#btn-next")
            page.wait_for_function("document.getElementById('ticket').textContent === '1001'", timeout=10000)
            page.wait_for_function("document.getElementById('held-name').textContent === 'Nguyễn Thị Hường'")
            assert process.office.view().counters[0].officer == "1234"
            wav = wait_for(lambda: process.office.simulation.last_announcement_wav())
            assert wav[:4] == b"RIFF"
            page.screenshot(path=str(shots / "counter.png"), full_page=True)
            # A keypad action the queue refuses (counter 1 still holds 1001) beeps on the counter page.
            process.office.simulation.type_keys(1, "E")
            page.wait_for_function("document.getElementById('message').textContent.includes('đang phục vụ số 1001')",
                                   timeout=10000)
            assert page.is_visible("#message")
            page.screenshot(path=str(shots / "counter-beep.png"), full_page=True)
            # The leader sees the counter with its officer and ticket.
            leader = browser.new_page(viewport=TABLET)
            leader.goto(f"{url}/leader")
            leader.fill("#password", "mật khẩu lãnh đạo")
            leader.click("#login-form button")
            leader.wait_for_selector("#dashboard:not(.hidden)")
            leader.wait_for_selector("#counters tr[data-counter='1']")
            row = leader.inner_text("#counters tr[data-counter='1']")
            assert "1001" in row and "1234" in row and "Nguyễn T. H." in row
            assert "Hường" not in leader.content()  # the leader sees the board's masked name only
            leader.screenshot(path=str(shots / "leader.png"), full_page=True)
            # Someone types a wrong PIN on counter 2's keypad: refused, the counter page says why,
            # the board notes it (the counter page's session at counter 1 is untouched).
            counter2 = browser.new_page(viewport=TABLET)
            counter2.goto(f"{url}/counter/2")
            counter2.fill("#code", "1234")
            counter2.fill("#pin", "2580")
            counter2.click("#login-button")
            counter2.wait_for_selector("#panel:not(.hidden)")
            process.office.simulation.type_keys(2, "**99999*2580E")
            counter2.wait_for_function(
                "document.getElementById('message').textContent.includes('Mã cán bộ hoặc mã PIN không đúng.')",
                timeout=10000)
            assert any(b.text_vi == "Quầy 2: đăng nhập không thành công" for b in process.office.view().banners)
            assert process.office.view().counters[1].officer == "1234"
            counter2.screenshot(path=str(shots / "counter-sign-in-refused.png"), full_page=True)
            # The officer signs out on counter 2's keypad: that page goes back to the login form.
            process.office.simulation.type_keys(2, "**E")
            counter2.wait_for_selector("#login:not(.hidden)", timeout=10000)
            assert process.office.view().counters[1].officer is None
            browser.close()

    drive(process, body)
    print(f"screenshots in {shots}")
