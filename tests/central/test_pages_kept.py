"""A page's figures are kept a few seconds (``[pages] figures_max_age_seconds``): what a reader sees, and never more."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from central import core
from central.settings import Pages
from tests.central.conftest import Central, kiosk_store, serve_citizens
from tests.central.test_dashboard import build_offices, sign_in, upload
from tests.central.test_recent import Clock

DAY = "/sites/ld?period=day&day=2026-11-24"
MONTH = "period=month&day=2026-11-24"


def tickets(page: str) -> str:
    return re.search(r'data-figure="Tickets">.*?<b>(.*?)</b>', page, re.S).group(1)


def two_more_citizens(central: Central, client: TestClient, tmp_path: Path) -> None:
    """A second kiosk of ld uploads two more citizens served on the same day."""
    with central.engine.begin() as conn:
        token = core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld-2")
    store = kiosk_store(tmp_path / "ld-2.db", boot_id="boot-ld-2")
    serve_citizens(store, 2, prefix="ld2")
    store.close()
    upload(client, token, tmp_path / "ld-2.db")


def test_a_page_shows_new_figures_once_the_kept_ones_are_max_age_old(central: Central, tmp_path: Path) -> None:
    client = TestClient(central.app)
    build_offices(central, client, tmp_path)
    central.app.state.recent.clock = clock = Clock()
    max_age = Pages().figures_max_age_seconds  # the default, 5 s
    director = sign_in(client, "giamdoc")
    assert tickets(director.get(DAY).text) == "6"
    two_more_citizens(central, client, tmp_path)
    clock.now += max_age - 0.1
    assert tickets(director.get(DAY).text) == "6"  # kept
    clock.now += 0.1
    assert tickets(director.get(DAY).text) == "8"


def test_a_leader_sees_only_their_unit_of_what_the_director_made_the_server_keep(central: Central, tmp_path: Path) -> None:
    build_offices(central, TestClient(central.app), tmp_path)
    central.app.state.recent.clock = Clock()  # nothing kept ever grows old here
    director = sign_in(TestClient(central.app), "giamdoc")
    assert set(re.findall(r'data-site="(\w+)"', director.get(f"/ranking?{MONTH}").text)) == {"ld", "hn"}
    assert director.get(f"/sites/hn?{MONTH}").status_code == 200
    assert 'href="/sites/hn"' in director.get("/").text
    leader = sign_in(TestClient(central.app), "truong-ld")
    assert set(re.findall(r'data-site="(\w+)"', leader.get(f"/ranking?{MONTH}").text)) == {"ld"}
    assert leader.get(f"/sites/hn?{MONTH}").status_code == 403
    overview = leader.get("/").text
    assert 'href="/sites/ld"' in overview and 'href="/sites/hn"' not in overview
