"""The kiosk API on SQLite and on PostgreSQL: enrolment, ingest, config, heartbeat, time correction."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from central import core
from central.app import create_app
from tests.central.conftest import Central, kiosk_store, serve_citizens, store_rows

UUID = "00000000-0000-4000-8000-{:012d}"


def event(seq: int, **changes: object) -> dict:
    base = {
        "seq": seq,
        "uuid": UUID.format(seq),
        "type": "ticket_issued",
        "payload": {"display": "1001", "label": "Đăng ký xe Lâm Đồng"},
        "wall_time": "2026-11-24T08:00:00+07:00",
        "mono_ns": seq * 1_000_000_000,
        "boot_id": "boot-1",
        "clock_synced": False,
    }
    return {**base, **changes}




def post(client: TestClient, device: dict, events: list[dict], **extra: object) -> httpx.Response:
    # json.dumps escapes non-ASCII, so even a lone surrogate reaches the server as JSON text.
    body = json.dumps({"device_id": device["device_id"], "events": events, **extra})
    return client.post("/api/v1/events", content=body,
                       headers={**device["headers"], "Content-Type": "application/json"})


# -- enrolment --------------------------------------------------------------------


def test_enrolment_code_works_once_and_token_is_stored_hashed(central: Central, client: TestClient) -> None:
    central.site()
    code = central.code()
    first = client.post("/api/v1/enroll", json={"code": code.lower().replace("-", " "), "serial": "pi-1"})
    assert first.status_code == 200
    token = first.json()["token"]
    assert first.json()["site"] == "ld" and first.json()["site_name"] == "Phòng CSGT Lâm Đồng"
    again = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-2"})
    assert again.status_code == 403
    assert "already used" in again.json()["detail"]
    stored = central.scalar("SELECT token_hash FROM devices")
    assert stored == core.sha256(token) and token not in stored


def test_expired_code_is_refused(central: Central, client: TestClient) -> None:
    central.site()
    code = central.code(ttl_s=-1)
    answer = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-1"})
    assert answer.status_code == 403 and "expired" in answer.json()["detail"]


def test_enrolment_is_rate_limited_in_the_database(central: Central, client: TestClient) -> None:
    central.site()
    for serial in ("pi-a", "pi-b", "pi-c", "pi-d", "pi-e", "pi-f", "pi-g", "pi-h", "pi-i", "pi-j", "pi-k"):
        # An installer enrolling a room full of kiosks is never blocked: only failures count.
        assert client.post("/api/v1/enroll", json={"code": central.code(), "serial": serial}).status_code == 200
    statuses = [client.post("/api/v1/enroll", json={"code": "WRONG-CODE", "serial": "x"}).status_code for _ in range(10)]
    assert statuses == [403] * 10
    # A second app on the same database (another server process) sees the same counter.
    other = TestClient(create_app(central.url))
    blocked = other.post("/api/v1/enroll", json={"code": central.code(), "serial": "x"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_revoked_token_is_refused_and_reenrolment_keeps_the_device(central: Central, client: TestClient, device: dict) -> None:
    assert post(client, device, [event(1)]).status_code == 200
    with central.engine.begin() as conn:
        core.revoke(conn, device["device_id"])
    refused = post(client, device, [event(2)])
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    again = client.post("/api/v1/enroll", json={"code": central.code(), "serial": "pi-0001"}).json()
    assert again["device_id"] == device["device_id"]
    headers = {"Authorization": f"Bearer {again['token']}"}
    answer = client.post("/api/v1/events", json={"device_id": again["device_id"], "events": [event(2)]}, headers=headers)
    assert answer.json()["acked_seq"] == 2


def test_a_lost_enrolment_answer_can_be_retried_by_the_same_kiosk(central: Central, client: TestClient) -> None:
    """Issue 11, point 3: the answer was lost after the server created the device; the kiosk asks again."""
    central.site()
    code = central.code()
    lost = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-1"})
    assert lost.status_code == 200
    retry = client.post("/api/v1/enroll", json={"code": code.lower(), "serial": "pi-1"})
    assert retry.status_code == 200, retry.text
    assert retry.json()["device_id"] == lost.json()["device_id"] and retry.json()["site"] == "ld"
    assert retry.json()["token"] != lost.json()["token"]
    assert central.scalar("SELECT COUNT(*) FROM devices") == 1
    # The new token replaces the lost one: one token per device.
    body = {"device_id": retry.json()["device_id"], "events": [event(1)]}
    assert client.post("/api/v1/events", json=body, headers={"Authorization": f"Bearer {lost.json()['token']}"}).status_code == 401
    assert client.post("/api/v1/events", json=body, headers={"Authorization": f"Bearer {retry.json()['token']}"}).status_code == 200
    # Once the server has heard from the kiosk with its token, the code is spent for good.
    again = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-1"})
    assert again.status_code == 403 and "already used" in again.json()["detail"]


def test_an_enrolment_retry_by_anyone_else_is_refused(central: Central, client: TestClient) -> None:
    central.site()
    code = central.code()
    first = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-1"}).json()
    other = client.post("/api/v1/enroll", json={"code": code, "serial": "pi-2"})
    assert other.status_code == 403 and "already used" in other.json()["detail"]
    # After a heartbeat (the kiosk got its token) ...
    headers = {"Authorization": f"Bearer {first['token']}"}
    assert client.post("/api/v1/heartbeat", json={}, headers=headers).status_code == 204
    assert client.post("/api/v1/enroll", json={"code": code, "serial": "pi-1"}).status_code == 403
    # ... after the code expired ...
    late = central.code()
    assert client.post("/api/v1/enroll", json={"code": late, "serial": "pi-3"}).status_code == 200
    with central.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE enrolment_codes SET expires_us = {core.now_us() - 1}")
    assert client.post("/api/v1/enroll", json={"code": late, "serial": "pi-3"}).status_code == 403
    # ... and after an admin revoked the device it created.
    revoked = central.code()
    device = client.post("/api/v1/enroll", json={"code": revoked, "serial": "pi-4"}).json()
    with central.engine.begin() as conn:
        core.revoke(conn, device["device_id"])
    assert client.post("/api/v1/enroll", json={"code": revoked, "serial": "pi-4"}).status_code == 403
    assert central.scalar("SELECT revoked_us FROM devices WHERE serial = 'pi-4'") is not None


def test_the_kiosk_enrols_although_the_first_answer_was_lost(central: Central, live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real kiosk client, through a link that swallows the server's first answer."""
    from kiosk.enrolment import enroll, SyncError
    from kiosk.sync import SyncWorker
    from tests.central.faults import DroppingProxy
    from tests.central.test_sync import fast_config

    central.site()
    code = central.code()
    proxy = DroppingProxy(live.port)
    proxy.drop_responses = 1
    token_file = tmp_path / "token.json"
    try:
        with pytest.raises(SyncError, match="cannot reach"):
            enroll(proxy.url, code, "pi-lost", token_file)
        assert proxy.dropped == 1 and central.scalar("SELECT COUNT(*) FROM devices") == 1  # the server did it
        enroll(proxy.url, code, "pi-lost", token_file)  # what `kiosk enroll` and the first boot do: try again
        token = json.loads(token_file.read_text())
        store = kiosk_store(tmp_path / "kiosk.db")
        serve_citizens(store, 1)
        store.close()
        worker = SyncWorker(tmp_path / "kiosk.db", fast_config(proxy.url, tmp_path, token_file=str(token_file)),
                            on_acked=lambda seq: None)
        worker.sync_once()
        worker.stop()
        assert worker.acked_seq == len(store_rows(tmp_path / "kiosk.db"))
        assert central.scalar("SELECT device_id FROM events LIMIT 1") == token["device_id"]
    finally:
        proxy.close()


def test_missing_or_unknown_token_is_401(client: TestClient, device: dict) -> None:
    body = {"device_id": device["device_id"], "events": [event(1)]}
    assert client.post("/api/v1/events", json=body).status_code == 401
    assert client.post("/api/v1/events", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401


# -- ingest -----------------------------------------------------------------------------


def test_same_batch_twice_changes_nothing(central: Central, client: TestClient, device: dict) -> None:
    batch = [event(s) for s in range(1, 6)]
    first = post(client, device, batch).json()
    second = post(client, device, batch).json()
    assert first == {"acked_seq": 5, "stored": 5, "duplicates": 0, "rejected": [], "gaps": [], "quarantined": [],
                     "personal_keys_dropped": 0}
    assert second == {"acked_seq": 5, "stored": 0, "duplicates": 5, "rejected": [], "gaps": [], "quarantined": [],
                      "personal_keys_dropped": 0}
    assert central.scalar("SELECT COUNT(*) FROM events") == 5


def test_out_of_order_batches_report_gaps_until_filled(central: Central, client: TestClient, device: dict) -> None:
    late = post(client, device, [event(s) for s in (7, 8, 4)]).json()
    assert late["acked_seq"] == 0 and late["gaps"] == [[1, 3], [5, 6]]
    middle = post(client, device, [event(s) for s in (1, 2, 3)]).json()
    assert middle["acked_seq"] == 4 and middle["gaps"] == [[5, 6]]
    done = post(client, device, [event(6), event(5)]).json()
    assert done["acked_seq"] == 8 and done["gaps"] == []
    assert central.scalar("SELECT acked_seq FROM devices") == 8


def test_conflicting_events_are_rejected_with_a_reason(central: Central, client: TestClient, device: dict) -> None:
    post(client, device, [event(1), event(2)])
    answer = post(client, device, [event(2, uuid=UUID.format(99)), event(3, uuid=UUID.format(1)), event(4), event(4, uuid=UUID.format(98))]).json()
    reasons = {r["seq"]: r["reason"] for r in answer["rejected"]}
    assert "already holds another event" in reasons[2]
    assert "already stored" in reasons[3]
    assert "twice in the batch" in reasons[4]
    assert answer["stored"] == 1
    assert central.scalar("SELECT COUNT(*) FROM events") == 3


def _copied_store(pg_url: str) -> tuple[Any, Central, TestClient, dict, dict]:
    """Central on PostgreSQL with two kiosks enrolled: an original and a copy of its store."""
    app = create_app(pg_url)
    central = Central(pg_url, app, app.state.engine)
    central.site()
    client = TestClient(app)
    kiosks = []
    for serial in ("pi-original", "pi-copy"):
        answer = client.post("/api/v1/enroll", json={"code": central.code(), "serial": serial}).json()
        kiosks.append({**answer, "headers": {"Authorization": f"Bearer {answer['token']}"}})
    return app, central, client, kiosks[0], kiosks[1]


def _issued(seq: int, uuid: str) -> dict:
    return event(seq, uuid=uuid, payload={"ticket_id": f"t-{uuid[-3:]}", "day": "2026-11-24", "service": "oto"})


def _original_stores(app: Any, original: dict, seq: int, uuid: str, on_call: int, monkeypatch) -> list[bool]:
    """Make the original kiosk store ``uuid`` as its ``seq`` inside the copy's next ingest, on its
    ``on_call``-th timing of a batch (after the checks of that attempt, before its insert); the list returned
    says it happened."""
    from sqlalchemy import select

    from central import times
    from central.models import Device

    real_boots, calls, raced = times.Boots, [], []

    def original_commits_first(*args: object, **kwargs: object) -> object:
        calls.append(True)
        if len(calls) == on_call:
            raced.append(True)
            with app.state.engine.begin() as conn:
                dev = conn.execute(select(Device.__table__).where(Device.id == original["device_id"])).one()
                ev = _issued(seq, uuid)
                core.ingest(conn, dev, [{**ev, "payload": json.dumps(ev["payload"]),
                                         "wall_us": core.iso_to_us(ev["wall_time"])}])
        return real_boots(*args, **kwargs)

    monkeypatch.setattr(times, "Boots", original_commits_first)
    return raced


def test_a_uuid_another_kiosk_stores_during_a_batch_is_refused_exactly_once(pg_url: str, monkeypatch) -> None:
    """A copied store racing its original (PostgreSQL: one transaction per server process). Between a
    batch's checks and its insert, the other kiosk's batch stores one of the batch's uuids: the insert finds
    it taken, the batch is stored again looking its uuids up, and that event is refused with the reason;
    its ticket is counted once, and a citizen's name in the batch is still never stored."""
    app, central, client, original, copy = _copied_store(pg_url)
    taken = UUID.format(903)
    raced = _original_stores(app, original, 1, taken, 1, monkeypatch)
    batch = [_issued(1, UUID.format(901)), _issued(2, UUID.format(902)), _issued(3, taken), _issued(4, UUID.format(904))]
    batch[1]["payload"]["ho_ten"] = "Nguyễn Văn An"
    answer = post(client, copy, batch).json()
    assert raced
    assert answer["personal_keys_dropped"] == 1
    assert central.scalar("SELECT count(*) FROM events WHERE strpos(payload, 'Nguyễn') > 0 OR strpos(payload, 'ho_ten') > 0") == 0
    assert (answer["stored"], answer["acked_seq"], answer["gaps"]) == (3, 2, [[3, 3]])
    assert [(r["seq"], r["reason"]) for r in answer["rejected"]] == [
        (3, "this uuid is already stored under another seq or device")]
    assert central.scalar(f"SELECT count(*) FROM events WHERE uuid = '{taken}'") == 1
    facts = central.scalar("SELECT string_agg(ticket_id, ',' ORDER BY ticket_id) FROM ticket_facts")
    assert facts == "t-901,t-902,t-903,t-904"  # the original's t-903 once; the copy's refused event not at all
    assert central.scalar("SELECT sum(tickets) FROM site_days") == 4
    app.state.engine.dispose()


def test_a_uuid_taken_while_a_batch_looks_its_uuids_up_is_skipped_exactly_once(pg_url: str, monkeypatch) -> None:
    """The rarer race: a batch already being stored again (one of its uuids was taken before it came) meets
    another uuid taken between its look-up and its insert. That event is skipped (no error; not stored, so a
    gap), the rest is stored, and it is refused when sent again."""
    app, central, client, original, copy = _copied_store(pg_url)
    post(client, original, [_issued(1, UUID.format(902))])
    taken = UUID.format(903)
    raced = _original_stores(app, original, 2, taken, 2, monkeypatch)
    batch = [_issued(1, UUID.format(901)), _issued(2, UUID.format(902)), _issued(3, taken), _issued(4, UUID.format(904))]
    answer = post(client, copy, batch).json()
    assert raced
    assert (answer["stored"], answer["acked_seq"], answer["gaps"]) == (2, 1, [[2, 3]])
    assert [r["seq"] for r in answer["rejected"]] == [2]
    again = post(client, copy, [batch[2]]).json()
    assert again["stored"] == 0 and "already stored" in again["rejected"][0]["reason"]
    assert central.scalar(f"SELECT count(*) FROM events WHERE uuid = '{taken}'") == 1
    facts = central.scalar("SELECT string_agg(ticket_id, ',' ORDER BY ticket_id) FROM ticket_facts")
    assert facts == "t-901,t-902,t-903,t-904"
    assert central.scalar("SELECT sum(tickets) FROM site_days") == 4
    app.state.engine.dispose()


def test_another_devices_events_are_forbidden(central: Central, client: TestClient, device: dict) -> None:
    other = client.post("/api/v1/enroll", json={"code": central.code(), "serial": "pi-0002"}).json()
    body = {"device_id": other["device_id"], "events": [event(1)]}
    answer = client.post("/api/v1/events", json=body, headers=device["headers"])
    assert answer.status_code == 403
    answer = post(client, device, [event(1, device_id=other["device_id"])])
    assert answer.status_code == 403
    assert central.scalar("SELECT COUNT(*) FROM events") == 0


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"wall_time": "2026-11-24T08:00:00"}, "UTC offset"),
        ({"wall_time": "hôm qua"}, "ISO 8601"),
        ({"uuid": "not-a-uuid"}, "not a UUID"),
        ({"seq": 0}, "greater than or equal to 1"),
        ({"payload": "[]"}, "valid dictionary"),
        ({"type": "DROP TABLE"}, "should match pattern"),
        ({"mono_ns": -5}, "greater than or equal to 0"),
        ({"boot_id": ""}, "should match pattern"),
        ({"payload": {"x": "\ud800"}}, "UTF-8"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_malformed_events_get_422_with_the_reason(central: Central, client: TestClient, device: dict, bad: dict, words: str) -> None:
    answer = post(client, device, [event(1), {**event(2), **bad}])
    assert answer.status_code == 422
    detail = " ".join(answer.json()["detail"])
    assert "events.1." in detail and words in detail
    assert central.scalar("SELECT COUNT(*) FROM events") == 0


def test_batches_over_1000_are_refused(client: TestClient, device: dict) -> None:
    answer = post(client, device, [event(s) for s in range(1, 1002)])
    assert answer.status_code == 422 and "at most 1000" in " ".join(answer.json()["detail"])
    assert post(client, device, [event(s) for s in range(1, 1001)]).json()["acked_seq"] == 1000


def test_non_json_body_is_422_with_the_reason(client: TestClient, device: dict) -> None:
    answer = client.post("/api/v1/events", content=b"\xff\x00garbage", headers={**device["headers"], "Content-Type": "application/json"})
    assert answer.status_code == 422 and "not UTF-8" in answer.json()["detail"][0]


def test_real_kiosk_events_round_trip_unchanged(central: Central, client: TestClient, device: dict, tmp_path) -> None:
    store = kiosk_store(tmp_path / "kiosk.db")
    serve_citizens(store, 3)
    store.close()
    rows = store_rows(tmp_path / "kiosk.db")
    events = [
        {"seq": r[0], "uuid": r[1], "type": r[2], "payload": json.loads(r[3]), "wall_time": r[4], "mono_ns": r[5],
         "boot_id": r[6], "clock_synced": bool(r[7])}
        for r in rows
    ]
    random.Random(5).shuffle(events)
    halves = [events[: len(events) // 2], events[len(events) // 2 :]]
    for batch in (halves[1], halves[0], halves[1], events):  # reordered and duplicated
        assert post(client, device, batch).status_code == 200
    stored = central.events(device["device_id"])
    assert [(r.seq, r.uuid, r.type) for r in stored] == [(r[0], r[1], r[2]) for r in rows]
    assert [json.loads(r.payload) for r in stored] == [json.loads(r[3]) for r in rows]
    assert any("Dịch vụ" in r.payload or "ticket_issued" == r.type for r in stored)


# -- time -----------------------------------------------------------------------------------


def test_unsynced_boot_is_corrected_from_the_server_receive_time(central: Central, client: TestClient, device: dict) -> None:
    # The device thinks it is 2020 (no RTC, no NTP); it sends at mono 100 s; its events were at mono 40 s and 70 s.
    events = [event(1, wall_time="2020-01-01T00:00:40+07:00", mono_ns=40 * 10**9),
              event(2, wall_time="2020-01-01T00:01:10+07:00", mono_ns=70 * 10**9)]
    before = core.now_us()
    post(client, device, events, boot_id="boot-1", sent_mono_ns=100 * 10**9)
    after = core.now_us()
    with central.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT seq, wall_us, corrected_us, received_us FROM events ORDER BY seq").all()
        boot = conn.exec_driver_sql("SELECT source, offset_us FROM boots").one()
    assert boot.source == "server"
    assert before - 60 * 10**6 <= rows[0].corrected_us <= after - 60 * 10**6  # 60 s before it was sent
    assert rows[1].corrected_us - rows[0].corrected_us == 30 * 10**6
    assert rows[0].wall_us == core.iso_to_us("2020-01-01T00:00:40+07:00")  # the device's own time is kept
    assert boot.offset_us > 6 * 365 * 86400 * 10**6  # the clock was years behind
    assert all(before <= r.received_us <= after for r in rows)


def test_a_later_ntp_sync_corrects_earlier_events_of_the_same_boot(central: Central, client: TestClient, device: dict) -> None:
    post(client, device, [event(1, wall_time="2020-01-01T00:00:10+00:00", mono_ns=10 * 10**9)])
    assert central.scalar("SELECT corrected_us FROM events") is None  # nothing known yet about this boot
    post(client, device, [event(2, wall_time="2026-11-24T01:00:20+00:00", mono_ns=20 * 10**9, clock_synced=True)])
    first = central.scalar("SELECT corrected_us FROM events WHERE seq = 1")
    assert first == core.iso_to_us("2026-11-24T01:00:10+00:00")
    assert central.scalar("SELECT source FROM boots") == "ntp"


# -- config and heartbeat ---------------------------------------------------------------------


def test_config_has_an_etag_and_304(central: Central, client: TestClient, device: dict) -> None:
    assert client.get("/api/v1/config", headers=device["headers"]).status_code == 404
    with central.engine.begin() as conn:
        core.set_site_config(conn, "ld", {"site": {"unit_name": {"vi": "Phòng CSGT"}}})
    first = client.get("/api/v1/config", headers=device["headers"])
    assert first.status_code == 200 and first.json()["version"] == 1
    assert first.json()["config"]["site"]["unit_name"]["vi"] == "Phòng CSGT"
    etag = first.headers["ETag"]
    same = client.get("/api/v1/config", headers={**device["headers"], "If-None-Match": etag})
    assert same.status_code == 304
    with central.engine.begin() as conn:
        core.set_site_config(conn, "ld", {"site": {"unit_name": {"vi": "Phòng CSGT mới"}}})
    newer = client.get("/api/v1/config", headers={**device["headers"], "If-None-Match": etag})
    assert newer.status_code == 200 and newer.headers["ETag"] != etag


def test_heartbeat_is_kept_with_live_tickets(central: Central, client: TestClient, device: dict) -> None:
    body = {"queues": {"a": 2}, "counters": [{"number": 3, "mode": "open", "ticket": "1001"}], "outbox_depth": 7,
            "oldest_unsynced_age_s": 12.5, "clock_synced": True, "software_version": "0.1.0", "config_version": 1,
            "free_disk_bytes": 10**9, "tickets": [{"ticket_id": "t-1", "display": "1001", "service": "a",
                                                   "state": "called", "counter": 3}]}
    assert client.post("/api/v1/heartbeat", json=body, headers=device["headers"]).status_code == 204
    saved = json.loads(central.scalar("SELECT heartbeat_json FROM devices"))
    assert saved["outbox_depth"] == 7 and saved["queues"] == {"a": 2}
    assert central.scalar("SELECT counter FROM live_tickets WHERE ticket_id = 't-1'") == 3
    body["tickets"] = []
    client.post("/api/v1/heartbeat", json=body, headers=device["headers"])
    assert central.scalar("SELECT COUNT(*) FROM live_tickets") == 0


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/enroll", "/api/v1/events", "/api/v1/heartbeat", "/api/v1/config"} <= set(spec["paths"])


# -- several server processes on one PostgreSQL ------------------------------------------


@pytest.mark.postgres
def test_two_servers_on_one_postgresql_store_concurrent_duplicates_once(pg_url: str) -> None:
    apps = [create_app(pg_url), create_app(pg_url)]
    with apps[0].state.engine.begin() as conn:
        core.add_site(conn, "ld", "Lâm Đồng")
        code = core.new_enrolment_code(conn, "ld")
    clients = [TestClient(a) for a in apps]
    dev = clients[0].post("/api/v1/enroll", json={"code": code, "serial": "pi"}).json()
    headers = {"Authorization": f"Bearer {dev['token']}"}
    batches = [[event(s) for s in range(start, start + 50)] for start in range(1, 500, 50)]
    jobs = [(clients[i % 2], b) for i, b in enumerate(batches * 3)]
    random.Random(1).shuffle(jobs)

    def send(job: tuple) -> int:
        c, b = job
        return c.post("/api/v1/events", json={"device_id": dev["device_id"], "events": b}, headers=headers).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(send, jobs)) == {200}
    with apps[0].state.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*), COUNT(DISTINCT seq) FROM events").one() == (500, 500)
        assert conn.exec_driver_sql("SELECT acked_seq FROM devices").scalar() == 500
    for a in apps:
        a.state.engine.dispose()


@pytest.mark.postgres
def test_database_down_is_503_with_retry_after(pg_server: str) -> None:
    from tests.central.conftest import new_pg_database

    url, drop = new_pg_database(pg_server)
    app = create_app(url)
    with app.state.engine.begin() as conn:
        core.add_site(conn, "ld", "Lâm Đồng")
        code = core.new_enrolment_code(conn, "ld")
    client = TestClient(app)
    device = client.post("/api/v1/enroll", json={"code": code, "serial": "pi"}).json()
    drop()  # the database disappears under the running server
    answer = client.post("/api/v1/events", json={"device_id": device["device_id"], "events": [event(1)]},
                         headers={"Authorization": f"Bearer {device['token']}"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
    app.state.engine.dispose()
