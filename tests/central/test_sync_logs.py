"""The kiosk's journal: every sync request is debug detail, not an info line a minute."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.config import SyncConfig
from kiosk.enrolment import enroll
from kiosk.outbox import mark_acked
from kiosk.sync import SyncWorker
from tests.central.conftest import Central, LiveServer, kiosk_store, serve_citizens


def test_sync_requests_log_at_debug_not_info(central: Central, live: LiveServer, tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "kiosk.db"
    store = kiosk_store(db)
    serve_citizens(store, 2)
    store.close()
    config = SyncConfig(server_url=live.url, token_file=str(tmp_path / "token.json"),
                        config_cache=str(tmp_path / "config.json"))
    caplog.set_level(logging.INFO)  # the kiosk's default level
    enroll(live.url, central.code(central.site()), "pi-0001", config.token_file)
    worker = SyncWorker(db, config, on_acked=lambda seq: mark_acked(db, seq))
    try:
        assert worker.sync_once() > 0  # upload, heartbeat, config check: several requests
    finally:
        worker.stop()
    http = [r for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]
    assert http == [], [r.getMessage() for r in http]

    caplog.clear()
    caplog.set_level(logging.DEBUG)  # kiosk -v: the requests are there, at debug
    worker = SyncWorker(db, config, on_acked=lambda seq: mark_acked(db, seq))
    try:
        worker.sync_once()
    finally:
        worker.stop()
    requests = [r for r in caplog.records if r.name == "httpx" and r.getMessage().startswith("HTTP Request")]
    assert requests and {r.levelname for r in requests} == {"DEBUG"}
