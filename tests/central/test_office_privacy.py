"""Personal data through the whole chain: citizens' cards scanned at a real kiosk process that syncs to a
real central server; after the day's purge no name is anywhere.

Searched: the kiosk's SQLite file with its WAL and shared memory (free pages
included: the bytes, not the rows), every event payload, every log record
(message and extra fields) of both processes, and central's database. The
simulated loudspeaker's WAV and text files are not searched: they are the
simulation's output on purpose; a real Pi writes no announcement to disk.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from central import figures
from kiosk.cccd import SAMPLE_CARDS, parse_cccd
from tests.central.test_office_sync import office_with_sync, unacked
from tests.central.test_privacy import forms, found_in_database
from tests.test_office import run_office, wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast

CARDS = SAMPLE_CARDS[:4]
HOLDERS = [parse_cccd(card) for card in CARDS]
# What must not survive: names, and what a card holds besides (ID numbers, birth dates, addresses).
SECRETS = [h.name for h in HOLDERS] + [card.split("|")[0] for card in CARDS] + [card.split("|")[5] for card in CARDS]


def found_in(data: bytes) -> list[str]:
    return [s for s in SECRETS if any(f in data for f in forms(s))]


def kept(db_path: str) -> list[str]:
    connection = sqlite3.connect(db_path)
    try:
        return [row[0] for row in connection.execute("SELECT name FROM personal")]
    finally:
        connection.close()


def test_no_name_survives_the_business_day_on_the_kiosk_the_logs_or_central(tmp_path, live, central, caplog):
    caplog.set_level(logging.DEBUG)
    config, device_id = office_with_sync(tmp_path, live, central)
    db_path = config.store.path

    def body(process, sim):
        sim.type_keys(3, "**1234*2580E")
        for card in CARDS[:3]:
            sim.scan(card)
            wait_for(lambda: process.office.view().greeting)
            sim.press_service("xemay")  # counter 3
        sim.scan(CARDS[3])
        wait_for(lambda: process.office.view().greeting)
        sim.press_service("oto")  # results handed over later: called back by name
        wait_for(lambda: len(kept(db_path)) == 4)
        sim.type_keys(3, "E")
        wait_for(lambda: process.office.view().counters[2].called_name)
        sim.type_keys(3, "*5E")  # the officer records the group: người cao tuổi
        sim.type_keys(1, "E+")
        wait_for(lambda: any(r.named for r in process.office.view().awaiting_results))
        sim.type_keys(1, "1001+")
        wait_for(lambda: process.office.view().counters[0].results)
        sim.type_keys(1, "+")  # handed over: that name goes at once
        wait_for(lambda: len(kept(db_path)) == 3)
        wait_for(lambda: unacked(db_path) == 0, seconds=15)
        # The next business day: every name of the day is deleted.
        process.clock.start += timedelta(days=1)
        wait_for(lambda: kept(db_path) == [], seconds=15)
        sim.press_service("xemay")  # the new day's first ticket, synced like the rest
        wait_for(lambda: unacked(db_path) == 0, seconds=15)

    process = run_office(config, body)
    assert process.office is not None

    store_files = b"".join(p.read_bytes() for p in Path(db_path).parent.glob(Path(db_path).name + "*"))
    assert b"SQLite format 3" in store_files
    assert found_in(store_files) == []
    connection = sqlite3.connect(db_path)
    try:
        payloads = "\n".join(row[0] for row in connection.execute("SELECT payload FROM events"))
        assert connection.execute("SELECT COUNT(*) FROM tickets WHERE named = 1").fetchone()[0] == 4
    finally:
        connection.close()
    assert found_in(payloads.encode()) == []
    logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    assert any(r.name.startswith("kiosk.") for r in caplog.records)  # the kiosk's logs were captured
    assert found_in(logged.encode()) == []
    assert found_in_database(central.url, central.engine, SECRETS) == []
    types = [row.type for row in central.events(device_id)]
    assert "results_handed_over" in types and types.count("ticket_issued") == 5
    # The group recorded at the counter is in central's figures per group; the names are not.
    with central.engine.connect() as conn:
        site = conn.exec_driver_sql("SELECT * FROM sites WHERE code = 'ld'").one()
        day = process.office.view().now.date() - timedelta(days=1)
        data = figures.site_figures(conn, site, "day", day)
    groups = {g["id"]: g for g in data["priority_groups"]}
    assert groups["cao_tuoi"]["tickets"] == 1 and groups["cao_tuoi"]["name_vi"] == "Người cao tuổi"
    assert groups[None]["tickets"] == 3
