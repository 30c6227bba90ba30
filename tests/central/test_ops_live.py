"""The operations room's server-sent events through a real server: tiles every 2 s, alerts within 5 s, by role."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from central import core
from central.access import COOKIE
from central.app import create_app
from central.models import Alert, Session, User
from central.ops import alerts, live
from central.settings import Ops, Settings
from tests.central.conftest import LiveServer
from tests.central.ops_offices import OpsOffice, counter

SETTINGS = Settings(ops=Ops(unattended_minutes=10, offline_minutes=5, stream_grace_seconds=0))


def session(engine: Any, username: str, role: str, site: str | None = None) -> str:
    """A signed-in user's session cookie value."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        core.add_user(conn, username, "mat-khau-1", role, site)
        user_id = conn.execute(User.__table__.select().where(User.username == username)).first().id
        conn.execute(Session.__table__.insert().values(token_hash=core.sha256(token), user_id=user_id, csrf="x",
                                                      expires_us=core.now_us() + 3600 * 1_000_000))
    return token


class Events:
    """An open ``/ops/stream``: read events until a condition holds or time runs out."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()
        self.seen: list[tuple[str, Any]] = []

    def until(self, condition: Any, timeout_s: float) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout_s
        kind = None
        while time.monotonic() < deadline:
            line = next(self.lines)  # a snapshot comes every 2 s: never blocks long
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                event = (kind, json.loads(line[6:]))
                self.seen.append(event)
                if condition(*event):
                    return event
        raise AssertionError(f"not within {timeout_s} s; seen: {[k for k, _ in self.seen]}")


@contextmanager
def events(base_url: str, cookie: str) -> Iterator[Events]:
    with httpx.Client(base_url=base_url, cookies={COOKIE: cookie}, timeout=10) as client:
        with client.stream("GET", "/ops/stream") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["x-accel-buffering"] == "no"
            yield Events(response)


@contextmanager
def province(db_url: str) -> Iterator[tuple[LiveServer, dict[str, OpsOffice], dict[str, str]]]:
    app = create_app(db_url, settings=SETTINGS)
    server = LiveServer(app).start()
    api = httpx.Client(base_url=server.url, timeout=10)
    try:
        engine = app.state.engine
        offices, cookies = {}, {}
        for code, name in (("ld", "Phòng CSGT Lâm Đồng"), ("hn", "Phòng CSGT Hà Nội")):
            with engine.begin() as conn:
                core.add_site(conn, code, name)
                code_ = core.new_enrolment_code(conn, code)
            device = api.post("/api/v1/enroll", json={"code": code_, "serial": f"pi-{code}"}).json()
            offices[code] = OpsOffice(api, device)
            offices[code].heartbeat([counter(1, officer="101")], devices={"printer": "ok", "camera": "ok"})
        cookies["director"] = session(engine, "giamdoc", "director")
        cookies["leader"] = session(engine, "truong-ld", "leader", "ld")
        yield server, offices, cookies
    finally:
        api.close()
        server.stop()
        app.state.engine.dispose()


def test_tiles_stream_and_an_alert_arrives_within_five_seconds(db_url: str) -> None:
    with province(db_url) as (server, offices, cookies):
        with events(server.url, cookies["director"]) as director, events(server.url, cookies["leader"]) as leader:
            kind, first = director.until(lambda k, d: k == "alerts", 5)
            assert first == []
            _, snap = director.until(lambda k, d: k == "tiles" and d["tiles"], 5)
            assert sorted(t["site"] for t in snap["tiles"]) == ["hn", "ld"]
            _, snap = leader.until(lambda k, d: k == "tiles" and d["tiles"], 5)
            assert [t["site"] for t in snap["tiles"]] == ["ld"]
            # Snapshots keep coming, each with its time.
            _, again = director.until(lambda k, d: k == "tiles" and d["at"] != snap["at"], 5)
            # A dissatisfied rating in Hà Nội, then one in Lâm Đồng.
            offices["hn"].rate("hn-r1", level=4)
            offices["hn"].upload()
            sent = time.monotonic()
            _, alert = director.until(lambda k, d: k == "alert", 5)
            assert time.monotonic() - sent < 5
            assert alert["site"] == "hn" and alert["detail"].startswith("Công dân đánh giá Không hài lòng (quầy 1")
            _, listed = director.until(lambda k, d: k == "alerts" and d, 5)
            assert [a["site"] for a in listed] == ["hn"] and listed[0]["open"]
            offices["ld"].rate("ld-r1", level=4)
            offices["ld"].upload()
            _, alert = leader.until(lambda k, d: k == "alert", 5)
            assert alert["site"] == "ld"
            assert all(d["site"] == "ld" for k, d in leader.seen if k == "alert")
            assert all(a["site"] == "ld" for k, d in leader.seen if k == "alerts" for a in d)
            assert all(t["site"] == "ld" for k, d in leader.seen if k == "tiles" for t in d["tiles"])


def test_a_paper_out_printer_reaches_the_page(db_url: str) -> None:
    with province(db_url) as (server, offices, cookies):
        with events(server.url, cookies["director"]) as director:
            director.until(lambda k, d: k == "tiles", 5)
            offices["ld"].heartbeat([counter(1, officer="101")], devices={"printer": "paper_out", "camera": "ok"})
            _, alert = director.until(lambda k, d: k == "alert", 5)
            assert (alert["site"], alert["kind"], alert["detail"]) == ("ld", "paper_out", "Máy in hết giấy")
            _, snap = director.until(lambda k, d: k == "tiles" and any(
                dev["text"] == "Hết giấy" for t in d["tiles"] for dev in t["devices"]), 5)
            offices["ld"].heartbeat([counter(1, officer="101")], devices={"printer": "ok", "camera": "ok"})
            _, listed = director.until(lambda k, d: k == "alerts" and d and not d[0]["open"], 5)
            assert listed[0]["cleared"]


@pytest.mark.postgres
def test_an_alert_raised_by_one_process_reaches_the_viewers_of_another(pg_url: str) -> None:
    with province(pg_url) as (server, offices, cookies):
        other = create_app(pg_url, settings=SETTINGS)
        second = LiveServer(other).start()
        try:
            with events(second.url, cookies["director"]) as director:
                director.until(lambda k, d: k == "tiles", 5)
                offices["ld"].rate("ld-r1", level=4)
                offices["ld"].upload()  # through the first server
                _, alert = director.until(lambda k, d: k == "alert", 5)
                assert alert["site"] == "ld"
                time.sleep(2.5)  # both processes evaluate again: still one alert
            with other.state.engine.connect() as conn:
                assert conn.execute(Alert.__table__.select()).all().__len__() == 1
        finally:
            second.stop()
            other.state.engine.dispose()


def test_a_signed_out_viewer_stops_receiving(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(live, "STREAM_S", 3.0)
    with province(f"sqlite:///{tmp_path / 'central.db'}") as (server, offices, cookies):
        with events(server.url, cookies["director"]) as director:
            director.until(lambda k, d: k == "tiles" and d["tiles"], 5)
            with server.app.state.engine.begin() as conn:  # signed out (or the session expired)
                conn.execute(Session.__table__.delete())
            started = time.monotonic()
            with pytest.raises(StopIteration):  # the stream ends ...
                director.until(lambda k, d: False, 10)
            assert time.monotonic() - started < 5
        answer = httpx.get(f"{server.url}/ops/stream", cookies={COOKIE: cookies["director"]}, timeout=10)
        assert answer.status_code == 401  # ... and the browser's reconnection is refused


def test_a_database_away_is_logged_once_per_outage(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                                   tmp_path: Any) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'central.db'}")
    hub = live.Hub(app.state.engine, SETTINGS.ops, tick_s=0.02, snapshot_s=0.02, idle_s=0.02)
    real = alerts.evaluate

    def away(*_args: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(alerts, "evaluate", away)
    hub.start()
    try:
        time.sleep(0.5)  # about 25 failed passes
        monkeypatch.setattr(alerts, "evaluate", real)
        deadline = time.monotonic() + 5
        while not any("evaluating again" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        hub.stop()
        app.state.engine.dispose()
    messages = [r.getMessage() for r in caplog.records if r.name == "central.ops.live"]
    assert sum("evaluation failed" in m for m in messages) == 1, messages
    assert "operations room: evaluating again" in messages
