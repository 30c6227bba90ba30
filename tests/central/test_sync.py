"""The kiosk's sync worker against the real server, with faults: a real store, a real HTTP server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk import enrolment, sync
from kiosk.config import SyncConfig
from kiosk.enrolment import enroll, SyncError
from kiosk.outbox import mark_acked
from kiosk.sync import SyncWorker
from tests.central.conftest import (
    ROOT_DIR,
    Central,
    LiveServer,
    assert_exactly_once,
    free_port,
    kiosk_store,
    serve_citizens,
    store_rows,
)
from tests.central.faults import DroppingProxy


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def acked_flags(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT acked FROM events ORDER BY seq")]
    finally:
        conn.close()


def fast_config(url: str, tmp: Path, **changes: object) -> SyncConfig:
    values = dict(server_url=url, token_file=str(tmp / "token.json"), config_cache=str(tmp / "config.json"),
                  interval_seconds=0.05, backoff_base_seconds=0.05, backoff_max_seconds=0.3, heartbeat_seconds=0.2,
                  config_seconds=0.2)
    values.update(changes)
    return SyncConfig(**values)


class Kiosk:
    """A kiosk: a real store on a temporary file, enrolled, with a sync worker."""

    def __init__(self, central: Central, url: str, tmp: Path, serial: str = "pi-0001", **config: object) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.db = tmp / "kiosk.db"
        self.store = kiosk_store(self.db)
        self.config = fast_config(url, tmp, **config)
        enroll(url, central.code(), serial, self.config.token_file)
        self.device_id = json.loads(Path(self.config.token_file).read_text())["device_id"]
        self.acked: list[int] = []
        self.worker = SyncWorker(self.db, self.config, on_acked=self._on_acked)

    def _on_acked(self, seq: int) -> None:
        self.acked.append(seq)
        mark_acked(self.db, seq)

    def synced(self) -> bool:
        return self.worker.acked_seq == len(store_rows(self.db))


def test_enrol_writes_a_private_token_file(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    path = enroll(live.url, central.code(), "pi-9", tmp_path / "state" / "token.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert set(data) >= {"device_id", "token", "server_url"}
    with pytest.raises(SyncError, match="already used"):
        enroll(live.url, "AAAA-BBBB-CCCC", "pi-9", tmp_path / "other.json")
    os.chmod(path, 0o644)
    enrolment.read_token(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # loosened by hand: tightened again


def test_worker_uploads_everything_once_and_marks_acked_after_the_answer(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    kiosk = Kiosk(central, live.url, tmp_path)
    serve_citizens(kiosk.store, 5)
    kiosk.worker.start()
    try:
        wait_for(kiosk.synced, what="sync")
        serve_citizens(kiosk.store, 2, prefix="later")  # while running
        wait_for(kiosk.synced, what="sync of later events")
    finally:
        kiosk.worker.stop()
        kiosk.store.close()
    assert_exactly_once(central, kiosk.device_id, kiosk.db)
    assert set(acked_flags(kiosk.db)) == {1}
    assert kiosk.acked == sorted(kiosk.acked)
    hb = json.loads(central.scalar("SELECT heartbeat_json FROM devices"))
    assert hb["software_version"] == sync.SOFTWARE_VERSION and hb["free_disk_bytes"] > 0


def test_server_down_then_back(central: Central, tmp_path: Path) -> None:
    central.site()
    server = LiveServer(central.app).start()
    kiosk = Kiosk(central, server.url, tmp_path)
    server.stop()  # the server is down "all day"
    kiosk.worker.start()
    try:
        serve_citizens(kiosk.store, 4)  # the kiosk keeps working, nothing blocks
        wait_for(lambda: kiosk.worker.failures >= 3, what="failed attempts")
        assert "cannot reach" in (kiosk.worker.last_error or "")
        assert acked_flags(kiosk.db) == [0] * len(store_rows(kiosk.db))
        server = LiveServer(central.app, port=server.port).start()
        wait_for(kiosk.synced, what="sync after the server came back")
    finally:
        kiosk.worker.stop()
        kiosk.store.close()
        server.stop()
    assert_exactly_once(central, kiosk.device_id, kiosk.db)


def test_answer_lost_after_commit_is_resent_and_nothing_doubles(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    proxy = DroppingProxy(live.port)
    kiosk = Kiosk(central, proxy.url, tmp_path, batch_size=10)
    serve_citizens(kiosk.store, 5)
    total = len(store_rows(kiosk.db))
    proxy.drop_responses = 3  # the first three answers (after the server committed) never arrive
    kiosk.worker.start()
    try:
        wait_for(kiosk.synced, what="sync through a lossy link")
    finally:
        kiosk.worker.stop()
        kiosk.store.close()
        proxy.close()
    assert proxy.dropped == 3
    assert central.scalar("SELECT COUNT(*) FROM events") == total
    assert_exactly_once(central, kiosk.device_id, kiosk.db)


@pytest.mark.crash
def test_kiosk_killed_during_upload(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    db = tmp_path / "kiosk.db"
    store = kiosk_store(db)
    serve_citizens(store, 60)  # about 360 events
    store.close()
    token = tmp_path / "token.json"
    enroll(live.url, central.code(), "pi-k", token)
    device_id = json.loads(token.read_text())["device_id"]
    total = len(store_rows(db))
    command = [sys.executable, "-m", "tests.central.sync_proc", str(db), live.url, str(token), "7"]
    for attempt in range(3):
        proc = subprocess.Popen(command, cwd=ROOT_DIR, stdout=subprocess.PIPE)
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == b"started"
            done = central.scalar("SELECT COUNT(*) FROM events")
            wait_for(lambda: central.scalar("SELECT COUNT(*) FROM events") > done + 20 or
                     central.scalar("SELECT COUNT(*) FROM events") == total, what="upload progress")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    assert central.scalar("SELECT COUNT(*) FROM events") < total  # it really was killed mid-way
    proc = subprocess.Popen(command, cwd=ROOT_DIR, stdout=subprocess.PIPE)
    try:
        wait_for(lambda: set(acked_flags(db)) == {1}, what="upload after the kills")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert_exactly_once(central, device_id, db)


def test_fifty_kiosks_at_once(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    kiosks = []
    for i in range(50):
        kiosk = Kiosk(central, live.url, tmp_path / f"k{i}", serial=f"pi-{i:04d}")
        serve_citizens(kiosk.store, 2, prefix=f"k{i}")
        kiosks.append(kiosk)
    start = threading.Barrier(50)

    def go(k: Kiosk) -> None:
        start.wait()
        k.worker.start()

    threads = [threading.Thread(target=go, args=(k,)) for k in kiosks]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: all(k.synced() for k in kiosks), timeout=120, what="50 kiosks synced")
    finally:
        for k in kiosks:
            k.worker.stop()
            k.store.close()
    for k in kiosks:
        assert_exactly_once(central, k.device_id, k.db)
    assert central.scalar("SELECT COUNT(DISTINCT device_id) FROM events") == 50


def test_config_from_the_server_is_validated_applied_and_cached(central: Central, live: LiveServer, tmp_path: Path) -> None:
    from central import core
    from tests.conftest import small_config

    central.site()
    received: list[tuple[int, object]] = []
    kiosk = Kiosk(central, live.url, tmp_path)
    kiosk.worker.on_config = lambda version, config: received.append((version, config))
    good = json.loads(small_config().model_dump_json())
    good["site"]["hotline"] = "1900 1234"
    with central.engine.begin() as conn:
        core.set_site_config(conn, "ld", good)
        core.set_site_config(conn, "ld", {**good, "counters": []})  # version 2 is broken
    kiosk.worker.sync_once()
    assert received == []  # the broken one is not applied
    with central.engine.begin() as conn:
        core.set_site_config(conn, "ld", good)  # version 3
    kiosk.worker._next_config = 0
    kiosk.worker.sync_once()
    assert [v for v, _ in received] == [3]
    assert received[0][1].site.hotline == "1900 1234"
    assert json.loads(Path(kiosk.config.config_cache).read_text())["version"] == 3
    again = SyncWorker(kiosk.db, kiosk.config, on_acked=lambda s: None, on_config=lambda v, c: received.append((v, c)))
    again.sync_once()
    assert len(received) == 1  # ETag from the cache: 304, nothing new
    again.stop()
    kiosk.worker.stop()
    kiosk.store.close()


class _Busy(BaseHTTPRequestHandler):
    times: list[float] = []

    def do_POST(self) -> None:  # noqa: N802
        _Busy.times.append(time.monotonic())
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_backoff_honours_retry_after(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    enrolment.write_token(tmp_path / "token.json", {"device_id": "d", "token": "t"})
    store = kiosk_store(tmp_path / "kiosk.db")
    serve_citizens(store, 1)
    worker = SyncWorker(tmp_path / "kiosk.db", fast_config(url, tmp_path), on_acked=lambda s: None)
    worker.start()
    try:
        wait_for(lambda: len(_Busy.times) >= 3, timeout=10, what="three attempts")
    finally:
        worker.stop()
        server.shutdown()
        store.close()
    gaps = [b - a for a, b in zip(_Busy.times, _Busy.times[1:])]
    assert all(g >= 0.3 for g in gaps[:2])  # capped at backoff_max (0.3 s here), never sooner
    assert "503" in (worker.last_error or "")


def test_full_jitter_stays_within_the_growing_cap(tmp_path: Path) -> None:
    enrolment.write_token(tmp_path / "token.json", {"device_id": "d", "token": "t"})
    config = SyncConfig(server_url="http://127.0.0.1:9", token_file=str(tmp_path / "token.json"),
                        config_cache=str(tmp_path / "c.json"), backoff_base_seconds=1, backoff_max_seconds=60)
    worker = SyncWorker(tmp_path / "kiosk.db", config, on_acked=lambda s: None)
    waits = [worker._backoff(None) for _ in range(12)]
    caps = [min(60, 2**i) for i in range(12)]
    assert all(0 <= w <= c for w, c in zip(waits, caps))
    assert len(set(waits)) == len(waits)  # random, not a fixed schedule
    assert worker._backoff(120) == 60  # Retry-After, bounded by the largest backoff
    assert worker._backoff(7) >= 7


def test_tls_with_a_custom_ca(central: Central, tmp_path: Path) -> None:
    ca_key, ca_crt, key, csr, crt = (tmp_path / n for n in ("ca.key", "ca.crt", "srv.key", "srv.csr", "srv.crt"))
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
        "-days", "2", "-subj", "/CN=Test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext = tmp_path / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(crt), "-days", "2", "-extfile", str(ext))
    central.site()
    server = LiveServer(central.app, ssl_certfile=str(crt), ssl_keyfile=str(key)).start()
    try:
        with pytest.raises(SyncError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            enroll(server.url, central.code(), "pi-t", tmp_path / "t0.json")
        token = enroll(server.url, central.code(), "pi-t", tmp_path / "t.json", ca_file=str(ca_crt))
        db = tmp_path / "kiosk.db"
        store = kiosk_store(db)
        serve_citizens(store, 1)
        config = fast_config(server.url, tmp_path, token_file=str(token), ca_file=str(ca_crt))
        worker = SyncWorker(db, config, on_acked=lambda s: mark_acked(db, s))
        worker.sync_once()
        worker.stop()
        store.close()
        assert set(acked_flags(db)) == {1}
    finally:
        server.stop()


def test_wake_uploads_at_once_without_waiting_the_interval(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    kiosk = Kiosk(central, live.url, tmp_path, interval_seconds=60)
    kiosk.worker.start()
    try:
        wait_for(lambda: kiosk.worker.acked_seq == 0 and central.scalar("SELECT heartbeat_us FROM devices") is not None,
                 what="first round")
        serve_citizens(kiosk.store, 1)
        started = time.monotonic()
        kiosk.worker.wake()
        wait_for(kiosk.synced, timeout=5, what="sync after wake()")
        assert time.monotonic() - started < 5  # far sooner than the 60 s interval
    finally:
        kiosk.worker.stop()
        kiosk.store.close()


def test_enroll_with_the_sync_section(central: Central, live: LiveServer, tmp_path: Path) -> None:
    central.site()
    config = fast_config(live.url, tmp_path, enrolment_code=central.code())
    path = enrolment.enroll_with(config, serial="pi-config")
    assert json.loads(path.read_text())["site"] == "ld"
    with pytest.raises(SyncError, match="no enrolment code"):
        enrolment.enroll_with(fast_config(live.url, tmp_path), serial="x")
    with pytest.raises(SyncError, match="server_url is not set"):
        enrolment.enroll_with(SyncConfig(), serial="x")
    assert enrolment.serial_number()  # the machine has a serial or a machine id
