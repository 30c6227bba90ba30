"""One device's clock cannot break a page or move another event (issue 11, point 1).

Times that cannot be right (far ahead of the server's clock, before 2025-01-01
when the product did not exist, a synchronised time that disagrees with its
boot) are quarantined: stored, acknowledged, the reason in the ingest answer and
in the kiosk's log, and never used as the device gave them.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from central import core, times
from kiosk.clock import FakeClock
from kiosk.store import Store
from kiosk.enrolment import enroll
from kiosk.sync import SyncWorker
from kiosk import commands as E
from tests.central.conftest import Central, LiveServer, store_rows
from tests.central.test_sync import fast_config
from tests.conftest import small_config

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "mật-khẩu-đủ-dài"
UUID = "00000000-0000-4000-8000-{:012d}"


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, timezone.utc).isoformat()


def event(seq: int, wall_time: str, mono_s: float, synced: bool, type: str = "ticket_issued", **payload: object) -> dict:
    return {"seq": seq, "uuid": UUID.format(seq), "type": type, "payload": payload, "wall_time": wall_time,
            "mono_ns": int(mono_s * 1e9), "boot_id": "boot-1", "clock_synced": synced}




def post(client: TestClient, device: dict, events: list[dict], **extra: object) -> dict:
    answer = client.post("/api/v1/events", json={"device_id": device["device_id"], "events": events, **extra},
                         headers=device["headers"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def corrected(central: Central) -> dict[int, int | None]:
    with central.engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT seq, corrected_us FROM events").all())


def signed_in(central: Central) -> TestClient:
    with central.engine.begin() as conn:
        core.add_user(conn, "giamdoc", PASSWORD, "director")
    client = TestClient(central.app)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "giamdoc", "password": PASSWORD, "csrf": csrf})
    return client


def test_a_synced_event_dated_9999_breaks_no_page(central: Central, client: TestClient, device: dict) -> None:
    """The reproduction: before, /ranking, /ranking.csv and the site page answered 500 for every user."""
    now = core.now_us()
    today = datetime.now(HCM).date().isoformat()
    answer = post(client, device, [
        event(1, iso(now - 3_600_000_000), 5, False, ticket_id="t-1", day=today, service="a"),
        event(2, "9999-12-31T23:59:59+00:00", 1, True, type="ticket_called", ticket_id="t-1", counter=1),
    ])
    director = signed_in(central)
    for path in ("/ranking", "/ranking.csv", f"/sites/ld?day={today}", f"/sites/ld/export.csv?day={today}",
                 f"/ranking?period=day&day={today}", "/ranking?day=9999-12-31", "/sites/ld?day=9999-12-31"):
        assert director.get(path).status_code == 200, path
    # The ticket is still counted (its call's time is unknown).
    text = director.get(f"/ranking.csv?period=day&day={today}").text.lstrip("\ufeff")
    assert next(csv.DictReader(io.StringIO(text), delimiter=";"))["Số phiếu"] == "1"  # tickets
    assert corrected(central)[1] is None  # not moved to the year 10000 by the bad event's clock
    assert answer["acked_seq"] == 2  # stored and acknowledged: the kiosk is not stuck
    [note] = answer["quarantined"]
    assert note["seq"] == 2 and "ahead of the server's clock" in note["reason"]


@pytest.mark.parametrize("split", [False, True], ids=["same batch", "later batch"])
def test_an_event_dated_2099_does_not_move_a_later_correct_event(central: Central, client: TestClient, device: dict,
                                                                  split: bool) -> None:
    """Before, the 2099 event became the boot's anchor and the later, correctly dated event moved to 2099."""
    now = core.now_us()
    bad = event(1, "2099-01-01T00:00:00+00:00", 1, True)
    good = event(2, iso(now - 1_000_000), 2, False)
    batches = [[bad], [good]] if split else [[bad, good]]
    before = core.now_us()
    answers = [post(client, device, b, boot_id="boot-1", sent_mono_ns=3 * 10**9) for b in batches]
    after = core.now_us()
    # The good event is placed by the server's own clock: sent 1 s after it was written.
    assert before - 1_100_000 <= corrected(central)[2] <= after - 900_000
    assert [n["seq"] for a in answers for n in a["quarantined"]] == [1]
    assert "2099-01-01" in answers[0]["quarantined"][0]["reason"]
    with central.engine.connect() as conn:
        boot = conn.exec_driver_sql("SELECT source, ntp_us FROM boots").one()
    assert boot.source == "server" and boot.ntp_us is None  # the bad clock never became the anchor
    quarantine = central.scalar("SELECT quarantine FROM events WHERE seq = 1")
    assert "ahead of the server's clock" in quarantine


@pytest.mark.parametrize(
    "wall, words",
    [
        ("2024-06-01T08:00:00+07:00", "before 2025-01-01"),
        ("1970-01-01T00:00:00+00:00", "before 2025-01-01"),
        ("0000-01-01T00:00:00Z", "before 2025-01-01"),
        ("9999-12-31T23:59:60Z", "ahead of the server's clock"),
    ],
)
def test_impossible_synced_times_are_quarantined_with_the_reason(central: Central, client: TestClient, device: dict,
                                                                 wall: str, words: str) -> None:
    answer = post(client, device, [event(1, wall, 10, True)])
    assert answer["acked_seq"] == 1 and answer["stored"] == 1
    assert words in answer["quarantined"][0]["reason"]
    assert central.scalar("SELECT corrected_us FROM events") is None


def test_a_clock_ahead_of_the_server_when_the_same_boot_spoke_is_quarantined(central: Central, client: TestClient,
                                                                             device: dict) -> None:
    # 30 min ahead: within no fixed bound of its own, but the boot sent this request 10 s after
    # writing the event, and the server's clock then was 30 minutes earlier than the event claims.
    now = core.now_us()
    answer = post(client, device, [event(1, iso(now + 30 * 60_000_000 - 10_000_000), 100, True)],
                  boot_id="boot-1", sent_mono_ns=110 * 10**9)
    assert "ahead of the server's clock" in answer["quarantined"][0]["reason"]
    # Its time comes from the server's observation instead: about 10 s before the request.
    assert abs(corrected(central)[1] - (now - 10_000_000)) < 5_000_000


def test_synced_events_that_disagree_stop_correcting_their_boot(central: Central, client: TestClient,
                                                                device: dict) -> None:
    """A corrected time that disagrees with an event's own synchronised time: the boot is disputed."""
    now = core.now_us()
    first = event(1, iso(now - 3_600_000_000), 10, True)  # boot started an hour and 10 s ago, it says
    stepped = event(2, iso(now - 3_000_000_000 + 300_000_000), 20, True)  # ... and 5 minutes later, it says
    answer = post(client, device, [first, stepped], boot_id="boot-1", sent_mono_ns=30 * 10**9)
    [note] = answer["quarantined"]
    assert note["seq"] == 2 and "disagrees by" in note["reason"]
    rows = corrected(central)
    assert rows[1] == core.iso_to_us(first["wall_time"]) and rows[2] == core.iso_to_us(stepped["wall_time"])
    later = post(client, device, [event(3, "2020-01-01T00:00:00+00:00", 25, False)])
    assert later["quarantined"] == []
    # Corrected from the server's own observation (sent at mono 30 s), not from either synced event.
    assert abs(corrected(central)[3] - (now - 5_000_000)) < 5_000_000
    assert central.scalar("SELECT source FROM boots") == "server"


def test_a_bad_device_changes_no_other_device(central: Central, client: TestClient, device: dict) -> None:
    other = client.post("/api/v1/enroll", json={"code": central.code(), "serial": "pi-0002"}).json()
    other_headers = {"Authorization": f"Bearer {other['token']}"}
    now = core.now_us()
    good = [event(1, iso(now - 60_000_000), 1, True), event(2, "2020-01-01T00:00:00+00:00", 2, False)]
    assert client.post("/api/v1/events", json={"device_id": other["device_id"], "events": good},
                       headers=other_headers).status_code == 200
    with central.engine.connect() as conn:
        before = conn.exec_driver_sql(f"SELECT seq, corrected_us FROM events WHERE device_id = '{other['device_id']}'").all()
    # The bad device uses the same boot id and sequence numbers, with impossible times.
    post(client, device, [event(1, "9999-01-01T00:00:00+00:00", 1, True), event(2, "2099-01-01T00:00:00Z", 2, True)],
         boot_id="boot-1", sent_mono_ns=2**62)
    with central.engine.connect() as conn:
        after = conn.exec_driver_sql(f"SELECT seq, corrected_us FROM events WHERE device_id = '{other['device_id']}'").all()
    assert after == before


def test_the_kiosk_logs_why_the_server_does_not_believe_its_clock(central: Central, live: LiveServer, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    central.site()
    # Days ahead, in opening hours; NTP said "synchronised", wrongly.
    ahead = datetime.combine(datetime.now(HCM).date() + timedelta(days=4), datetime.min.time(), HCM).replace(hour=10)
    store = Store(tmp_path / "kiosk.db", small_config(), FakeClock(ahead, synced=True, boot_id="boot-9"))
    store.execute(E.Issue("a", "t-ahead"))
    config = fast_config(live.url, tmp_path)
    enroll(live.url, central.code(), "pi-ahead", config.token_file)
    worker = SyncWorker(tmp_path / "kiosk.db", config, on_acked=lambda seq: None)
    with caplog.at_level(logging.WARNING, logger="kiosk.sync"):
        worker.sync_once()
    worker.stop()
    store.close()
    assert worker.acked_seq == len(store_rows(tmp_path / "kiosk.db")) > 0  # acknowledged: nothing resent forever
    lines = [r for r in caplog.records if "does not believe the time" in r.getMessage()]
    assert lines and lines[0].levelno == logging.WARNING
    assert re.search(r"wall_time 20\S+ is \d days ahead of the server's clock", lines[0].getMessage())
    assert "t-ahead" not in lines[0].getMessage()  # the reason, not the event's data


def test_the_upgrade_cleans_impossible_rows_stored_before(central: Central, client: TestClient, device: dict) -> None:
    """Rows stored by the old code (an anchor in 9999) are made harmless by revision 0002's rules too."""
    from alembic import command

    from central.db import alembic_config

    post(client, device, [event(1, iso(core.now_us()), 1, False)], boot_id="boot-1", sent_mono_ns=2 * 10**9)
    with central.engine.begin() as conn:  # what the old code stored
        conn.exec_driver_sql("UPDATE boots SET source = 'ntp', anchor_us = 253402300798000000")
        conn.exec_driver_sql("UPDATE events SET corrected_us = 253402300799000000, clock_synced = false")
        conn.exec_driver_sql("INSERT INTO events (device_id, site_id, seq, uuid, type, payload, wall_time, wall_us, "
                             "mono_ns, boot_id, clock_synced, received_us, corrected_us) SELECT device_id, site_id, 2, "
                             f"'{UUID.format(2)}', type, payload, wall_time, 253402300799000000, mono_ns, boot_id, true, "
                             "received_us, 253402300799000000 FROM events WHERE seq = 1")
    cfg = alembic_config(central.engine.url.render_as_string(hide_password=False))
    with central.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        command.upgrade(cfg, "head")
    rows = corrected(central)
    assert rows == {1: None, 2: None}
    assert "ahead of the server's clock" in central.scalar("SELECT quarantine FROM events WHERE seq = 2")
    assert central.scalar("SELECT source FROM boots") == "none"  # the 9999 anchor is gone
    # The next upload of that boot is timed by the server again, not by the year 9999.
    post(client, device, [event(3, "2020-01-01T00:00:00Z", 3, False)], boot_id="boot-1", sent_mono_ns=4 * 10**9)
    assert abs(corrected(central)[3] - (core.now_us() - 1_000_000)) < 5_000_000


def test_bounds_are_the_documented_ones() -> None:
    assert times.PRODUCT_EPOCH_US == core.iso_to_us("2025-01-01T00:00:00Z")
    assert times.MAX_AHEAD_US == 10 * 60 * 10**6 and times.AGREE_US == 2 * 60 * 10**6
    assert json.dumps(times.span(73 * 365 * 86400 * 10**6)) == '"73 years"'
