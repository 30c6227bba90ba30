"""Loose input is refused as the OpenAPI document says (issue 11, point 2).

Strict types (a string is not a number, "yes" is not a boolean), 422 with the
reason for a body that is not UTF-8 or nests too deep, and 413 for a body over
the limit, decided before it is read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central import guard
from central.app import create_app
from kiosk.enrolment import enroll
from kiosk.sync import SyncWorker
from tests.central.conftest import Central, LiveServer, kiosk_store, serve_citizens, store_rows
from tests.central.test_sync import fast_config

UUID = "00000000-0000-4000-8000-{:012d}"


def event(seq: int, **changes: object) -> dict:
    return {"seq": seq, "uuid": UUID.format(seq), "type": "ticket_issued", "payload": {"display": "1001"},
            "wall_time": "2026-11-24T08:00:00+07:00", "mono_ns": seq * 10**9, "boot_id": "boot-1",
            "clock_synced": False, **changes}




@pytest.mark.parametrize(
    "change, field",
    [
        ({"seq": "1"}, "events.0.seq"),
        ({"clock_synced": "yes"}, "events.0.clock_synced"),
        ({"clock_synced": 1}, "events.0.clock_synced"),
        ({"mono_ns": "12345"}, "events.0.mono_ns"),
        ({"seq": 1.5}, "events.0.seq"),
        ({"seq": True}, "events.0.seq"),
        ({"type": 5}, "events.0.type"),
    ],
)
def test_events_take_json_types_as_they_are(central: Central, client: TestClient, device: dict, change: dict,
                                            field: str) -> None:
    answer = client.post("/api/v1/events", json={"device_id": device["device_id"], "events": [{**event(1), **change}]},
                         headers=device["headers"])
    assert answer.status_code == 422
    assert any(line.startswith(f"body.{field}:") for line in answer.json()["detail"]), answer.json()
    assert central.scalar("SELECT COUNT(*) FROM events") == 0


def test_a_whole_number_written_with_a_point_is_an_integer(client: TestClient, device: dict) -> None:
    # JSON Schema's "integer" (what the OpenAPI document says) includes 2.0.
    answer = client.post("/api/v1/events", json={"device_id": device["device_id"],
                                                 "events": [{**event(1), "seq": 1.0, "mono_ns": 2.0e9}]},
                         headers=device["headers"])
    assert answer.status_code == 200 and answer.json()["acked_seq"] == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"clock_synced": "yes"}, "clock_synced"),
        ({"sent_mono_ns": "12345", "boot_id": "b"}, "sent_mono_ns"),
        ({"outbox_depth": "3"}, "outbox_depth"),
        ({"queues": {"a": "2"}}, "queues.a"),
        ({"oldest_unsynced_age_s": "1.5"}, "oldest_unsynced_age_s"),
        ({"counters": [{"number": "3", "mode": "open"}]}, "counters.0.number"),
    ],
)
def test_heartbeats_take_json_types_as_they_are(central: Central, client: TestClient, device: dict, change: dict,
                                                field: str) -> None:
    answer = client.post("/api/v1/heartbeat", json={"queues": {"a": 1}, **change}, headers=device["headers"])
    assert answer.status_code == 422
    assert any(line.startswith(f"body.{field}:") for line in answer.json()["detail"]), answer.json()
    assert central.scalar("SELECT heartbeat_json FROM devices") is None


def test_enrolment_takes_json_types_as_they_are(central: Central, client: TestClient) -> None:
    central.site()
    answer = client.post("/api/v1/enroll", json={"code": 123456789012, "serial": "pi-1"})
    assert answer.status_code == 422 and any(line.startswith("body.code:") for line in answer.json()["detail"])


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/heartbeat", "/api/v1/enroll"])
@pytest.mark.parametrize(
    "body, words",
    [
        (b'{"device_id": "\xff\xfe"}', "not UTF-8"),
        (b"\xff\x00garbage", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper than 64 levels"),
        (b'{"a": ' * 70 + b"1" + b"}" * 70, "nests deeper than 64 levels"),
        (b'{"device_id": ' + b"9" * 5000 + b"}", "cannot be read as JSON"),
        (b'{"device_id": ', "not JSON"),
    ],
    ids=["bad-utf8", "garbage", "deep-recursion", "deep", "huge-number", "truncated"],
)
def test_unreadable_bodies_are_422_with_the_reason(client: TestClient, device: dict, path: str, body: bytes,
                                                   words: str) -> None:
    answer = client.post(path, content=body, headers={**device["headers"], "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert words in " ".join(answer.json()["detail"])


def test_the_documented_answers_are_listed(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/events", "/api/v1/heartbeat", "/api/v1/enroll"):
        assert {"413", "422"} <= set(spec["paths"][path]["post"]["responses"])
    mono = spec["components"]["schemas"]["EventIn"]["properties"]["mono_ns"]
    assert mono["maximum"] == 2**62 and isinstance(mono["maximum"], int)  # exact, not 4.611686018427388e+18


def raw_request(port: int, head: bytes, body: bytes = b"", timeout: float = 10.0) -> tuple[int, bytes, float]:
    """Send a request by hand; return the status, the answer and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
            next((line.split(b":")[1] for line in data.split(b"\r\n") if line.lower().startswith(b"content-length:")),
                 b"0")
        ):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), data, time.monotonic() - started


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/enroll", "/api/v1/heartbeat", "/api/v1/config"])
def test_a_100_mb_body_is_refused_before_it_is_read(live: LiveServer, path: str) -> None:
    """Unauthenticated, Content-Length 100 MB, and only the first kilobyte ever sent: 413 at once."""
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * 1024 * 1024}\r\n\r\n").encode()
    status, answer, took = raw_request(live.port, head, b"{" + b" " * 1023)
    assert status == 413 and took < 5  # the server did not wait for (or read) the other 99.99 MB
    assert b"larger than 8388608 bytes" in answer


def test_a_streamed_body_is_cut_off_at_the_limit(central: Central) -> None:
    """Chunked, no Content-Length: the server stops reading just past the limit and answers 413."""
    chunk = b" " * 65536
    read = 0

    async def receive() -> dict:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": read < 2000}  # 125 MiB offered

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/events", "raw_path": b"/api/v1/events", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80)}
    asyncio.run(central.app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert read * len(chunk) <= guard.MAX_BODY_BYTES + len(chunk)
    assert "larger than" in json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["detail"]


def test_a_body_under_the_limit_is_read(client: TestClient, device: dict) -> None:
    events = [event(s, payload={"text": "x" * 7000}) for s in range(1, 1001)]  # about 7.3 MB
    answer = client.post("/api/v1/events", json={"device_id": device["device_id"], "events": events},
                         headers=device["headers"])
    assert answer.status_code == 200 and answer.json()["acked_seq"] == 1000


def test_the_kiosk_sends_less_at_a_time_when_the_server_says_too_large(db_url: str, tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(db_url, max_body_bytes=40_000)  # a few dozen events per request at most
    central = Central(db_url, app, app.state.engine)
    central.site()
    server = LiveServer(app).start()
    try:
        store = kiosk_store(tmp_path / "kiosk.db")
        serve_citizens(store, 40)  # about 240 events, 60 KB and more
        config = fast_config(server.url, tmp_path, batch_size=500)
        enroll(server.url, central.code(), "pi-0001", config.token_file)
        worker = SyncWorker(tmp_path / "kiosk.db", config, on_acked=lambda seq: None)
        with caplog.at_level(logging.WARNING, logger="kiosk.sync"):
            worker.sync_once()
        assert worker.acked_seq == len(store_rows(tmp_path / "kiosk.db"))
        assert worker.batch_size < 500
        assert any("too large for one request" in r.getMessage() for r in caplog.records)
        worker.stop()
        store.close()
    finally:
        server.stop()
        app.state.engine.dispose()
