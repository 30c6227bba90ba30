"""The counter page offers a reprint for each ticket of its services not known to be printed (headless Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright import sync_api  # the Python package only; the browser is Debian's chromium

from kiosk import commands as cmd
from kiosk.web.config import WebConfig
from kiosk.web.server import start_server
from tests.conftest import at
from tests.web.conftest import OFFICERS
from tests.web.test_browser import ARGS, CHROMIUM
from tests.web.fakes import FakeOffice

pytestmark = pytest.mark.browser  # headless Chromium: not in make test-fast


def test_unprinted_tickets_are_offered_for_reprint(demo_config, credentials: Path) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"))
    printed, unknown = office.issue("xemay"), office.issue("xemay")
    ticket_id = next(t.id for t in office.engine.state.tickets.values() if t.display == printed)
    office.submit(cmd.PrintResult(ticket_id, True))  # the other one's print was never reported
    office.issue("oto")  # not a service of counter 3: offered at its own counter only
    server = start_server(office, WebConfig(bind="127.0.0.1", port=0, credentials_file=str(credentials)))
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            page.goto(f"{server.url}/counter/3")
            page.fill("#code", "5678")
            page.fill("#pin", OFFICERS["5678"][1])
            page.click("#login-button")
            page.wait_for_selector("#reprints button")
            offers = page.locator("#reprints button")
            assert offers.count() == 1
            assert offers.first.inner_text().splitlines() == [f"In lại phiếu {unknown}", f"Not printed: reprint {unknown}"]
            offers.first.click()
            # The login's greeting is in #message already: wait for the reprint's own answer.
            page.wait_for_function(
                "document.getElementById('message').textContent.includes('Đã gửi lệnh in lại')", timeout=10000)
            assert office.last(cmd.Reprint) == cmd.Reprint(unknown, 3)
            browser.close()
    finally:
        server.stop()
