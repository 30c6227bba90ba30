"""`kiosk run --simulate` and `kiosk demo` as processes, as a technician starts them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import wave

import pytest
from PIL import Image

from tests.conftest import DEMO, ROOT

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
    tickets = sorted((out / "printer").glob("ticket-*.png"))
    assert len(tickets) == summary["tickets_printed"] >= 20
    assert Image.open(tickets[0]).width == 576
    frames = sorted((out / "board").glob("board-*.png"))
    assert len(frames) == summary["board_frames"] >= 4
    assert Image.open(frames[-1]).size == (1920, 1080)
    calls = sorted((out / "speaker").glob("announce-*.wav"))
    assert len(calls) == summary["announcements"] >= 5
    with wave.open(str(calls[0])) as audio:
        assert audio.getnchannels() == 1 and audio.getnframes() > 0
    texts = [p.read_text(encoding="utf-8") for p in sorted((out / "speaker").glob("announce-*.txt"))]
    assert any(t.startswith("Mời công dân có số thứ tự") for t in texts)
    assert any(t.startswith("Kính mời công dân đánh giá mức độ hài lòng") for t in texts)
    events = _types(out / "kiosk.db")
    for kind in ("ticket_issued", "ticket_called", "ticket_recalled", "ticket_no_show", "ticket_transferred",
                 "ticket_completed", "rating_recorded", "officer_signed_in"):
        assert events.get(kind, 0) >= 1, kind


def _types(path) -> dict[str, int]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall())
    finally:
        connection.close()
