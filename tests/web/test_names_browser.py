"""A named citizen through the pages in headless Chromium: the sim panel's card scanner, the counter page's
priority group and results-ready controls, the leader's columns, and no name in a log line or a leader's page."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api  # the Python package only; the browser is Debian's chromium

from kiosk import commands as cmd
from kiosk.web.config import WebConfig
from kiosk.web.server import start_server
from tests.conftest import at
from tests.web.conftest import LEADER_PASSWORD, OFFICERS
from tests.web.fakes import FakeOffice
from tests.web.test_browser import ARGS, CHROMIUM, TABLET

pytestmark = pytest.mark.browser  # headless Chromium: not in make test-fast

NAME = "Nguyễn Thị Hường"  # the first sample card's (made-up) holder
TODAY = "2026-11-24"


class _Records(logging.Handler):
    """Every record of the process at any level, formatted: the root logger's and uvicorn's (which do not
    propagate). :meth:`listen` after the server has started: uvicorn's config replaces its loggers' handlers."""

    LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def listen(self) -> None:
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            self._levels.setdefault(name, logger.level)
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self)

    def close(self) -> None:
        for name, level in self._levels.items():
            logging.getLogger(name).removeHandler(self)
            logging.getLogger(name).setLevel(level)
        super().close()


@pytest.fixture
def logs() -> Iterator[_Records]:
    records = _Records()
    yield records
    records.close()


def _wait_message(page: sync_api.Page, text: str) -> None:
    page.wait_for_function(f"document.getElementById('message').textContent.includes({text!r})", timeout=10000)


def test_a_scanned_citizen_is_grouped_called_for_results_and_named_only_for_the_officer(
    demo_config, credentials: Path, tmp_path: Path, logs: _Records
) -> None:
    shots = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    office = FakeOffice(demo_config, at(f"{TODAY} 09:00"), simulate=True)
    server = start_server(office, WebConfig(bind="127.0.0.1", port=0, credentials_file=str(credentials)))
    logs.listen()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            # The sim panel: a sample card on the scanner, the board greets the citizen, a press names the ticket.
            sim = browser.new_page(viewport={"width": 1280, "height": 900})
            sim.goto(f"{server.url}/sim")
            sim.wait_for_selector("#card-1")
            assert sim.inner_text("#card-1").startswith(NAME)
            sim.click("#card-1")
            sim.wait_for_selector("#greeting:not(.hidden)")
            assert sim.inner_text("#greeting").startswith("Xin chào Nguyễn T. H. Mời chọn dịch vụ")
            assert "chỉ dùng để gọi công dân" in sim.inner_text("#privacy")
            sim.screenshot(path=str(shots / "sim-scan.png"), full_page=True)
            sim.click("#press-oto")
            _wait_message(sim, "Đã cấp số 1001")
            # Anything else on the scanner is refused with the board's note; the next ticket has no name.
            sim.fill("#scan-code", "https://example.com/not-a-card")
            sim.click("#scan")
            sim.wait_for_function("document.getElementById('banners').textContent.includes('không phải căn cước')")
            assert ("scan", "https://example.com/not-a-card") in office.simulation.calls
            sim.click("#press-oto")
            _wait_message(sim, "Đã cấp số 1002")
            assert [t.named for t in office.view().queue] == [True, False]

            # The officer calls 1001: the full name on the counter page; records the citizen's priority group.
            counter = browser.new_page(viewport=TABLET)
            counter.goto(f"{server.url}/counter/1")
            counter.fill("#code", "1234")
            counter.fill("#pin", OFFICERS["1234"][1])
            counter.click("#login-button")
            counter.wait_for_selector("#panel:not(.hidden)")
            counter.click("#btn-next")
            counter.wait_for_function("document.getElementById('held-name').textContent === 'Nguyễn Thị Hường'")
            assert counter.inner_text("#ticket") == "1001"
            counter.select_option("#group-select", label="Người cao tuổi")
            counter.click("#btn-group")
            _wait_message(counter, "Đã ghi nhóm ưu tiên")
            assert office.last(cmd.SetGroup) == cmd.SetGroup(1, "cao_tuoi")
            counter.wait_for_function("document.getElementById('held-group').textContent.includes('Người cao tuổi')")

            # The leader sees the group and that the ticket is named, the masked name only.
            leader = browser.new_context(viewport=TABLET).new_page()
            leader.goto(f"{server.url}/leader")
            leader.fill("#password", LEADER_PASSWORD)
            leader.click("#login-form button")
            leader.wait_for_selector("#queue tr[data-ticket='1001']")
            row = leader.inner_text("#queue tr[data-ticket='1001']")
            assert "Người cao tuổi" in row and "Có tên" in row
            assert "Nguyễn T. H." in leader.inner_text("#counters tr[data-counter='1']")

            # Served; the car papers come later: the page lists the result awaited, one click calls the citizen.
            counter.click("#btn-start")
            _wait_message(counter, "Bắt đầu phục vụ")
            counter.click("#btn-complete")
            counter.wait_for_selector(f"#awaiting button[data-result='{TODAY}/1001']")
            assert counter.inner_text(f"#awaiting button[data-result='{TODAY}/1001']").startswith("1001 · Nguyễn T. H.")
            counter.click(f"#awaiting button[data-result='{TODAY}/1001']")
            _wait_message(counter, "Đã mời nhận kết quả số 1001")
            assert "Nhận kết quả" in counter.inner_text("#ticket-state")
            assert counter.inner_text("#held-name") == NAME
            assert counter.is_enabled("#btn-recall") and counter.is_enabled("#btn-no_show")
            assert counter.is_disabled("#btn-start")
            leader.wait_for_function("document.getElementById('counters').textContent.includes('Nhận kết quả')")
            counter.screenshot(path=str(shots / "counter-results.png"), full_page=True)
            counter.click("#btn-recall")
            _wait_message(counter, "Đã gọi lại số 1001")
            counter.click("#btn-complete")  # handed over: the rating follows
            _wait_message(counter, "Đã hoàn thành")
            assert office.view().counters[0].rating_open

            # 1002 is served too; its citizen comes back: the officer types the number and picks the day.
            office.submit(cmd.Rate(1, 1))
            counter.click("#btn-next")
            counter.wait_for_function("document.getElementById('ticket').textContent === '1002'")
            assert counter.is_hidden("#held-name")  # no card was scanned for it
            counter.click("#btn-start")
            _wait_message(counter, "Bắt đầu phục vụ")
            counter.click("#btn-complete")
            counter.wait_for_selector(f"#awaiting button[data-result='{TODAY}/1002']")
            counter.fill("form[data-action=results_ready] input[name=number]", "1002")
            counter.fill("form[data-action=results_ready] input[name=day]", TODAY)
            counter.click("form[data-action=results_ready] button")
            _wait_message(counter, "Đã mời nhận kết quả số 1002")
            assert office.last(cmd.ResultsReady) == cmd.ResultsReady(1, "1002", TODAY)
            counter.click("#btn-no_show")  # nobody came: it waits again
            _wait_message(counter, "Đã báo vắng")
            leader.wait_for_selector(f"#results tr[data-result='{TODAY}/1002']")
            leader.screenshot(path=str(shots / "leader-groups-results.png"), full_page=True)
            assert NAME not in leader.inner_text("body") and "Hường" not in leader.content()
            browser.close()
    finally:
        server.stop()
    lines = "\n".join(logs.lines)
    assert "web: officer 1234 signed in at counter 1" in lines and "Shutting down" in lines  # both were heard
    assert "Hường" not in lines and "Nguyen Thi Huong" not in lines
