"""Central keeps no citizen's personal data: names, birth dates, ID numbers and addresses are dropped at ingest.

The database itself is searched for the test names afterwards: every byte of
the SQLite file (and its WAL), or the text of every PostgreSQL table.
"""

from __future__ import annotations

import json
import logging
import unicodedata
import uuid
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central import core, privacy
from central.app import create_app
from central.db import alembic_config, make_engine, migrate
from central.models import Event
from tests.central.conftest import Central
from tests.central.kiosk_events import FakeKiosk

NAMES = ["Nguyễn Thị Hường", "Đặng Văn Ước", "Lê Thị Ánh Tuyết", "Hoàng Quốc Việt"]
BIRTH = "15081962"
ID_NUMBER = "079162001234"
ADDRESS = "12 Phan Đình Phùng, Phường 1, Đà Lạt"
SECRETS = [*NAMES, BIRTH, ID_NUMBER, ADDRESS]


def forms(text: str) -> list[bytes]:
    """The ways ``text`` could sit in a file: UTF-8 (NFC and NFD) and JSON's ASCII escapes."""
    return [unicodedata.normalize(f, text).encode() for f in ("NFC", "NFD")] + [json.dumps(text)[1:-1].encode()]


def kiosk_with_personal_data() -> FakeKiosk:
    """A kiosk that sends personal data every way it could: an older kiosk, and worse."""
    k = FakeKiosk()
    k.add("ticket_issued", ticket_id="t1", day="2026-11-24", service="a", display="1001", named=True,
          group="cao_tuoi", full_name=NAMES[0], birth_date=BIRTH)
    k.add("name_called", counter=1, name=NAMES[1])  # what kiosks before issue 12 sent
    k.add("ticket_group_set", ticket_id="t1", counter=1, group="cao_tuoi",
          citizen={"Ho_Ten": NAMES[2], "DOB": BIRTH, "cards": [{"CCCD": ID_NUMBER, "Address": ADDRESS}]})
    k.add("results_called", ticket_id="t1", day="2026-11-24", display="1001", service="a", counter=2,
          officer="101", named=True, **{"FullName": NAMES[3], "họ tên": NAMES[0], "id-number": ID_NUMBER})
    return k


def enrolled(central: Central) -> dict:
    central.site("ld", "Phòng CSGT Lâm Đồng")
    with central.engine.begin() as conn:
        return core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld")


def found_in_database(url: str, engine: Engine, secrets: list[str] = SECRETS) -> list[str]:
    """Which of ``secrets`` the database holds anywhere (file bytes on SQLite, every table on PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        # Read while the server's connections are open: the WAL file still holds its frames then.
        path = Path(url.removeprefix("sqlite:///"))
        data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        return [s for s in secrets if any(f in data for f in forms(s))]
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).scalars().all()
        text = "\n".join(
            conn.exec_driver_sql(f'SELECT COALESCE(string_agg(t::text, \'\n\'), \'\') FROM "{name}" t').scalar()
            for name in tables
        )
    return [s for s in secrets if any(f.decode() in text for f in forms(s))]


# -- the rule ----------------------------------------------------------------------


def test_personal_keys_are_dropped_at_any_depth_whatever_their_case() -> None:
    payload = {"ticket_id": "t1", "NAME": "x", "extra": {"Full_Name": "x", "list": [{"họ_tên": "x", "ok": 1}]},
               "birthDate": "x", "dob": "x", "ID Number": "x", "cccd": "x", "address": "x", "named": True}
    cleaned, dropped = privacy.scrub(payload)
    assert cleaned == {"ticket_id": "t1", "extra": {"list": [{"ok": 1}]}, "named": True}
    assert sorted(dropped) == sorted(["NAME", "Full_Name", "họ_tên", "birthDate", "dob", "ID Number", "cccd", "address"])


def test_keys_that_only_contain_a_personal_word_are_kept() -> None:
    payload = {"service_name": "Đăng ký xe", "unit_name": "Phòng CSGT", "names": True, "group": "cao_tuoi"}
    assert privacy.scrub(payload) == (payload, [])


def test_a_payload_without_personal_keys_is_stored_as_it_came() -> None:
    text = '{"at":"2026-11-24T08:00:00+07:00","ticket_id":"t1"}'
    assert privacy.scrub_json(text) == (text, {"at": "2026-11-24T08:00:00+07:00", "ticket_id": "t1"}, [])


# -- ingest ---------------------------------------------------------------------------


def test_ingest_drops_the_personal_keys_and_keeps_the_rest(central: Central) -> None:
    token = enrolled(central)
    answer = kiosk_with_personal_data().upload(TestClient(central.app), token)
    assert answer["personal_keys_dropped"] == 10 and answer["stored"] == 4
    stored = {r.type: json.loads(r.payload) for r in central.events()}
    assert stored["name_called"] == {"counter": 1, "at": "2026-11-24T08:00:00+07:00"}
    assert stored["ticket_issued"]["named"] is True and stored["ticket_issued"]["group"] == "cao_tuoi"
    assert stored["ticket_group_set"]["citizen"] == {"cards": [{}]}
    assert stored["results_called"]["officer"] == "101" and "FullName" not in stored["results_called"]


def test_the_log_says_which_keys_were_dropped_never_their_values(central: Central, caplog: pytest.LogCaptureFixture) -> None:
    token = enrolled(central)
    with caplog.at_level(logging.WARNING, logger="central.core"):
        kiosk_with_personal_data().upload(TestClient(central.app), token)
    assert "dropped 10 personal-data key(s)" in caplog.text and "name_called.name" in caplog.text
    assert not [s for s in SECRETS if s in caplog.text]


def test_no_personal_data_anywhere_in_the_database(central: Central) -> None:
    token = enrolled(central)
    client = TestClient(central.app)
    kiosk = kiosk_with_personal_data()
    kiosk.upload(client, token)
    kiosk.upload(client, token)  # a resent batch: duplicates, nothing more stored
    assert len(central.events()) == 4
    assert found_in_database(central.url, central.engine) == []


def test_the_scan_finds_a_name_the_database_holds(central: Central) -> None:
    """The scan above can fail: a name stored under a key the rule does not cover is found."""
    token = enrolled(central)
    kiosk = FakeKiosk()
    kiosk.add("device_status", device="printer", state="ok", message=NAMES[1])
    kiosk.upload(TestClient(central.app), token)
    assert found_in_database(central.url, central.engine) == [NAMES[1]]


# -- names stored before this rule ------------------------------------------------------------


def test_the_upgrade_drops_names_stored_by_older_servers(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config(db_url)
    with engine.begin() as conn:  # the database as the server before issue 12 left it
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        core.add_site(conn, "ld", "Phòng CSGT Lâm Đồng")
        device = core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld")["device_id"]
        site_id = conn.exec_driver_sql("SELECT id FROM sites").scalar()
        rows = [
            ("name_called", {"counter": 1, "name": NAMES[0], "at": "2026-11-24T08:00:00+07:00"}),
            ("ticket_issued", {"ticket_id": "t1", "day": "2026-11-24", "ho_ten": NAMES[1], "address": ADDRESS}),
            ("ticket_called", {"ticket_id": "t1", "counter": 1}),
        ]
        conn.execute(Event.__table__.insert(), [
            {"device_id": device, "site_id": site_id, "seq": i, "uuid": str(uuid.uuid4()), "type": kind,
             "payload": json.dumps(payload, ensure_ascii=False), "wall_time": "2026-11-24T08:00:00+07:00",
             "wall_us": core.iso_to_us("2026-11-24T08:00:00+07:00"), "mono_ns": i, "boot_id": "b",
             "clock_synced": True, "received_us": core.now_us()}
            for i, (kind, payload) in enumerate(rows, start=1)
        ])
    assert found_in_database(db_url, engine) == [NAMES[0], NAMES[1], ADDRESS]  # the check can fail
    migrate(engine)
    with engine.connect() as conn:
        stored = [json.loads(p) for p in conn.exec_driver_sql("SELECT payload FROM events ORDER BY seq").scalars()]
    assert stored == [{"counter": 1, "at": "2026-11-24T08:00:00+07:00"}, {"ticket_id": "t1", "day": "2026-11-24"},
                      {"ticket_id": "t1", "counter": 1}]
    assert found_in_database(db_url, engine) == []
    engine.dispose()
    create_app(db_url).state.engine.dispose()  # and the server starts on it
