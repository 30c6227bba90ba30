"""Fixtures for the central server: a database on SQLite or the real PostgreSQL, a live server, kiosks."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central import core
from central.app import create_app
from kiosk import commands as E
from kiosk.clock import FakeClock
from kiosk.store import Store
from tests.central.pg_cluster import find_or_start
from tests.conftest import at, small_config


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server URL: the machine's on 127.0.0.1:5432 when it answers (trust auth for
    ``postgres``), else a private cluster started for this session (each xdist worker its own) and
    stopped at its end (tests/central/pg_cluster.py). Never skipped: without initdb it fails."""
    url, cluster = find_or_start()
    try:
        yield url
    finally:
        if cluster is not None:
            cluster.stop()


def new_pg_database(pg_server: str) -> tuple[str, Callable[[], None]]:
    """A scratch database with a unique name on ``pg_server``, and a function that drops it."""
    name = f"central_test_{uuid.uuid4().hex[:12]}"
    admin = f"{pg_server}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{pg_server}/{name}", drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty central database: a SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    url, drop = new_pg_database(request.getfixturevalue("pg_server"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A scratch PostgreSQL database only (tests about several server processes)."""
    url, drop = new_pg_database(pg_server)
    try:
        yield url
    finally:
        drop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The real app under uvicorn in a thread, on a fixed port: can be stopped and started again."""

    def __init__(self, app: Any, port: int | None = None, **ssl: Any) -> None:
        self.app = app
        self.port = port or free_port()
        self.ssl = ssl
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> "LiveServer":
        # A stop waits at most 2 s for open requests: the operations room's event streams never end by themselves.
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=2, **self.ssl)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(10)
            self._server = None


@dataclass
class Central:
    """A migrated central database, its app and helpers to set it up."""

    url: str
    app: Any
    engine: Engine

    def site(self, code: str = "ld", name: str = "Phòng CSGT Lâm Đồng") -> str:
        with self.engine.begin() as conn:
            core.add_site(conn, code, name, province="Lâm Đồng", department="CSGT")
        return code

    def code(self, site: str = "ld", ttl_s: int = 3600) -> str:
        with self.engine.begin() as conn:
            return core.new_enrolment_code(conn, site, ttl_s)

    def events(self, device_id: str | None = None) -> list[Any]:
        with self.engine.connect() as conn:
            sql = "SELECT device_id, seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced FROM events"
            if device_id:
                return conn.exec_driver_sql(sql + " WHERE device_id = %s ORDER BY seq" % _q(device_id)).all()
            return conn.exec_driver_sql(sql + " ORDER BY device_id, seq").all()

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()


def _q(text: str) -> str:
    assert "'" not in text
    return f"'{text}'"


@pytest.fixture
def central(db_url: str) -> Iterator[Central]:
    app = create_app(db_url)
    c = Central(db_url, app, app.state.engine)
    yield c
    c.engine.dispose()


@pytest.fixture
def live(central: Central) -> Iterator[LiveServer]:
    server = LiveServer(central.app).start()
    yield server
    server.stop()


def enroll_device(base_url: str, code: str, serial: str = "pi-0001") -> dict[str, Any]:
    response = httpx.post(f"{base_url}/api/v1/enroll", json={"code": code, "serial": serial})
    assert response.status_code == 200, response.text
    return response.json()


# -- real kiosk events ---------------------------------------------------------------


def kiosk_store(path: Path, boot_id: str = "boot-1", synced: bool = True, start: str = "2026-11-24 08:00") -> Store:
    """A real kiosk store on ``path`` with the small test office."""
    return Store(path, small_config(), FakeClock(at(start), synced=synced, boot_id=boot_id))


def serve_citizens(store: Store, n: int, prefix: str = "t") -> None:
    """Issue, call, serve, complete and rate ``n`` tickets (about six events each)."""
    clock = store.clock
    for i in range(n):
        store.execute(E.Issue("a", f"{prefix}-{uuid.uuid4()}"))
        clock.advance(minutes=1)
        store.execute(E.CallNext(1))
        store.execute(E.StartService(1))
        clock.advance(minutes=2)
        store.execute(E.Complete(1))
        store.execute(E.Rate(1, 1 + i % 4))


def store_rows(db_path: Path) -> list[tuple]:
    """The kiosk's events as (seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced FROM events ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()


def assert_exactly_once(central: Central, device_id: str, db_path: Path) -> None:
    """The central rows of a device are exactly the kiosk's events, each once, unchanged."""
    import json

    kiosk = store_rows(db_path)
    rows = central.events(device_id)
    assert len(rows) == len(kiosk)
    assert len({r.uuid for r in rows}) == len(rows)
    for k, c in zip(kiosk, rows):
        assert (c.seq, c.uuid, c.type, c.wall_time, c.mono_ns, c.boot_id, bool(c.clock_synced)) == (
            k[0], k[1], k[2], k[4], k[5], k[6], bool(k[7])
        )
        assert json.loads(c.payload) == json.loads(k[3])


ROOT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(central: Central) -> TestClient:
    """The central app in-process (no server), on the test's database."""
    return TestClient(central.app)


@pytest.fixture
def device(central: Central, client: TestClient) -> dict:
    """An enrolled device of a new site: its id, token and the Authorization header to send."""
    central.site()
    answer = client.post("/api/v1/enroll", json={"code": central.code(), "serial": "pi-0001"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    data["headers"] = {"Authorization": f"Bearer {data['token']}"}
    return data

