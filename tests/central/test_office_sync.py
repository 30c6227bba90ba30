"""The whole kiosk process syncing to a real central server, and going offline and back."""

from __future__ import annotations

import sqlite3
import time

import pytest

from kiosk.config import SyncConfig, load_config
from kiosk.printing import ticket_view
from kiosk.enrolment import enroll_with, read_token
from tests.central.conftest import assert_exactly_once
from tests.conftest import DEMO
from tests.test_office import office_config, run_office, wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast


def office_with_sync(tmp_path, live, central):
    central.site("ld")
    sync = SyncConfig(
        server_url=live.url,
        enrolment_code=central.code("ld"),
        token_file=str(tmp_path / "token.json"),
        config_cache=str(tmp_path / "central-config.json"),
        interval_seconds=0.5,
        backoff_base_seconds=0.2,
        backoff_max_seconds=0.5,
    )
    config = office_config(tmp_path).model_copy(update={"sync": sync})  # officer 1234, PIN 2580
    enroll_with(sync)
    return config, read_token(sync.token_file)["device_id"]


def unacked(db_path) -> int:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("SELECT COUNT(*) FROM events WHERE acked = 0").fetchone()[0]
    finally:
        connection.close()


def test_the_office_syncs_every_event_exactly_once_and_shows_when_it_is_offline(tmp_path, live, central):
    config, device_id = office_with_sync(tmp_path, live, central)
    db_path = config.store.path

    def body(process, sim):
        sim.type_keys(1, "**1234*2580E")
        sim.press_service("oto")
        sim.press_service("xemay", priority=True)
        wait_for(lambda: process.office.view().figures.issued == 2)
        sim.type_keys(1, "E")
        wait_for(lambda: process.office.view().counters[0].ticket)
        sim.type_keys(1, "+")  # car registration: the papers are handed over later
        wait_for(lambda: not process.office.view().counters[0].ticket)
        sim.type_keys(1, "1001+")  # "your results are ready"
        wait_for(lambda: process.office.view().counters[0].results)
        sim.type_keys(1, "+")  # handed over: the rating follows
        wait_for(lambda: process.office.view().counters[0].rating_open)
        sim.press_rating(1, 1)
        wait_for(lambda: unacked(db_path) == 0 and central.events(device_id), seconds=15)

        live.stop()  # the network goes down
        sim.press_service("vipham")
        wait_for(lambda: any(b.kind == "offline" for b in process.office.view().banners), seconds=15)
        banner = next(b for b in process.office.view().banners if b.kind == "offline")
        assert banner.text_vi.startswith("Mất kết nối từ ") and banner.text_en.startswith("Offline since ")
        assert process.office.view().figures.issued == 3  # the office keeps working
        assert unacked(db_path) > 0
        live.start()  # and comes back
        wait_for(lambda: not any(b.kind == "offline" for b in process.office.view().banners), seconds=15)
        wait_for(lambda: unacked(db_path) == 0, seconds=15)

    run_office(config, body)
    assert_exactly_once(central, device_id, db_path)
    types = [row.type for row in central.events(device_id)]
    assert types.count("ticket_issued") == 3 and "rating_recorded" in types
    assert types.index("results_called") < types.index("results_handed_over") < types.index("rating_recorded")


def test_the_ticket_qr_code_opens_its_public_page(tmp_path):
    from kiosk.state import Ticket

    config = load_config(DEMO).model_copy(update={"sync": SyncConfig(server_url="https://central.example.vn/")})
    ticket = Ticket(id="t-1", day="2026-11-24", service="oto", number=1001, display="1001", priority=False,
                    issued_at="2026-11-24T08:00:00+07:00", queue_seq=1)
    assert ticket_view(config, ticket).qr_url == "https://central.example.vn/t/t-1"
    assert ticket_view(load_config(DEMO), ticket).qr_url is None
