"""`kiosk run --simulate` and `kiosk demo` as processes, as a technician starts them."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import httpx
import pytest
from PIL import Image

from kiosk.cccd import SAMPLE_CARDS, parse_cccd
from kiosk.config import load_config
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from tests.conftest import DEMO, ROOT
from tests.test_office import drive, wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast

ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
ENV.pop("DISPLAY", None)
ENV.pop("WAYLAND_DISPLAY", None)


def test_run_simulate_says_ready_and_stops_cleanly_on_sigterm(tmp_path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(tmp_path / "notify.sock"))
    server.settimeout(30)
    env = {**ENV, "NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "2000000"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--simulate", "--config", str(DEMO), "--out", str(tmp_path / "sim")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.recv(64) == b"READY=1"
        assert server.recv(64) == b"WATCHDOG=1"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        server.close()
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "simulated office" in out
    assert (tmp_path / "sim" / "kiosk.db").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_simulate_at_a_chosen_time_on_a_chosen_port(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--simulate", "--config", str(DEMO), "--out", str(tmp_path / "sim"),
         "--at", "2026-11-24T01:38", "--port", str(port)],
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )
    try:
        view = wait_for(lambda: _get_json(f"http://127.0.0.1:{port}/sim/view"), 60)
        assert view["now"].startswith("2026-11-24T01:38")  # the office's clock, not this machine's
        answer = httpx.post(f"http://127.0.0.1:{port}/sim/press/oto", timeout=20)
        assert answer.status_code == 409
        assert answer.json()["vi"] == "Dịch vụ Đăng ký xe ô tô chưa mở cửa; mở lúc 07:30"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err[-2000:]
    assert "clock 2026-11-24 01:38" in out and f"pages on http://127.0.0.1:{port}/sim" in out


def _get_json(url: str) -> dict | None:
    try:
        response = httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def test_run_at_without_simulate_is_refused() -> None:
    result = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(DEMO), "--at", "2026-11-24T08:00"],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "--at needs --simulate" in result.stderr
    bad = subprocess.run([sys.executable, "-m", "kiosk", "run", "--simulate", "--port", "70000"],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and "a TCP port is 0 to 65535" in bad.stderr


def test_a_taken_port_is_named_on_the_board_and_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = simulated_config(load_config(DEMO), tmp_path / "office", web_port=port)
        pair_keypads(config)
        caplog.set_level(logging.INFO)
        process = Process(config, None, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True)
        process.start()

        def body() -> None:
            banner = wait_for(lambda: next((b for b in process.office.view().banners if b.kind == "error"), None))
            assert banner.text_vi == (f"Trang web không chạy được trên cổng {port} (127.0.0.1): "
                                      "cổng đang bị chương trình khác sử dụng")
            assert f"port {port}" in banner.text_en

        drive(process, body)
    logged = [r for r in caplog.records if r.getMessage() == "web pages not served"]
    assert logged and logged[0].port == port


def test_demo_writes_tickets_board_frames_announcements_and_a_summary(tmp_path):
    out = tmp_path / "demo"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--out", str(out), "--minutes", "40", "--speed", "120"],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 120
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["issued"] >= 20 and summary["served"] >= 5
    assert summary["presses_refused_without_paper"] >= 1  # the printer ran out of paper for a while
    assert sum(summary["ratings"]) >= 1 and summary["satisfaction"] is not None
    assert "Đã cấp số / Tickets issued:" in result.stdout
    # Progress while it runs (make demo is 90 s): a first line, then one every 10 simulated minutes.
    lines = result.stdout.splitlines()
    assert lines[0].startswith("demo: 40 phút mô phỏng/simulated minutes from 2026-11-24 07:30, 120x")
    progress = [line for line in lines if line.startswith("demo 0")]
    assert [line.split("(")[1].split(" ")[0] for line in progress] == ["0/40", "10/40", "20/40", "30/40", "40/40"]
    assert f"đã cấp/issued {summary['issued']}," in progress[-1]
    tickets = sorted((out / "printer").glob("ticket-*.png"))
    assert len(tickets) == summary["tickets_printed"] >= 20
    assert Image.open(tickets[0]).width == 576
    frames = sorted((out / "board").glob("board-*.png"))
    assert len(frames) == summary["board_frames"] >= 4
    assert Image.open(frames[-1]).size == (1920, 1080)
    calls = [p for p in sorted((out / "speaker").glob("announce-*.wav"))  # the scan tones apart
             if not p.with_suffix(".txt").read_text(encoding="utf-8").startswith("(tone")]
    assert len(calls) == summary["announcements"] >= 5
    with wave.open(str(calls[0])) as audio:
        assert audio.getnchannels() == 1 and audio.getnframes() > 0
    texts = [p.read_text(encoding="utf-8") for p in sorted((out / "speaker").glob("announce-*.txt"))]
    assert any(t.startswith("Mời công dân có số thứ tự") for t in texts)
    assert any(t.startswith("Kính mời công dân đánh giá mức độ hài lòng") for t in texts)
    # Citizens who scanned their CCCD are called by name; registrations are handed over later, by name
    # or number, and the rating follows the handover.
    names = {parse_cccd(card).name for card in SAMPLE_CARDS}
    assert summary["named_tickets"] >= 3
    assert any(t.startswith("Mời công dân ") and any(f"Mời công dân {n}, số thứ tự" in t for n in names) for t in texts)
    assert any(t.strip().endswith("nhận kết quả") for t in texts)
    assert summary["results_handed_over"] >= 1 and summary["groups"]
    order = _results_then_ratings(out / "kiosk.db")
    assert order and all(rated for rated in order)
    # A dissatisfied citizen is asked why on the rating buttons and answers; officers attach dossier codes.
    assert any(t.startswith("Xin cho biết lý do chưa hài lòng: nút một, thái độ cán bộ;") for t in texts)
    assert any(t.startswith("Cảm ơn ý kiến của công dân") for t in texts)
    assert sum(summary["reasons"].values()) >= 1 and summary["counted"]["dissatisfied"] >= 1
    assert summary["dossiers"] >= 1
    assert "Lý do chưa hài lòng / Reasons given: " in result.stdout
    events = _types(out / "kiosk.db")
    for kind in ("ticket_issued", "ticket_called", "ticket_recalled", "ticket_no_show", "ticket_transferred",
                 "ticket_completed", "rating_recorded", "officer_signed_in", "rating_reason_recorded",
                 "dossier_attached"):
        assert events.get(kind, 0) >= 1, kind


def _results_then_ratings(path) -> list[bool]:
    """For each result handed over at a counter with rating buttons: was the next event there a rating window?"""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT type, payload FROM events ORDER BY seq").fetchall()
    finally:
        connection.close()
    found = []
    for i, (kind, payload) in enumerate(rows):
        if kind == "results_handed_over":
            counter = json.loads(payload)["counter"]
            if counter in (1, 3, 5):  # the demo's counters with rating buttons
                found.append(rows[i + 1][0] == "rating_window_opened")
    return found


def _types(path) -> dict[str, int]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall())
    finally:
        connection.close()
