"""``make province``: the simulated province comes up, its operations room shows the offices live, and
Ctrl-C leaves nothing running.

Runs ``scripts/province.py`` as ``make province`` does (real central, nginx, three ``kiosk run
--simulate`` processes), signs in with the passwords it printed, and reads what the director and
a leader see on ``/ops``.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = {"Phòng Cảnh sát giao thông - Công an tỉnh Lâm Đồng", "Công an thành phố Bảo Lộc", "Công an huyện Đức Trọng"}

pytestmark = pytest.mark.process


def _read_banner(process: subprocess.Popen[bytes], timeout_s: float) -> str:
    """The launcher's output up to its "Ctrl-C" line."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    data = b""
    deadline = time.monotonic() + timeout_s
    while b"Ctrl-C" not in data:
        assert time.monotonic() < deadline, f"no banner within {timeout_s:g} s:\n{data.decode()}"
        assert process.poll() is None, f"the launcher stopped ({process.returncode}):\n{data.decode()}"
        if selector.select(1.0):
            data += os.read(fd, 65536)
    return data.decode("utf-8")


def _sign_in(url: str, user: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"username": user, "password": password, "csrf": csrf})
    assert answer.status_code == 303 and "error" not in answer.headers["location"], answer.headers
    return client


def _descendants(root: int) -> set[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_province_runs_its_offices_live_and_stops_everything(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "province.py"), "--dir", str(tmp_path / "p")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    children: set[int] = set()
    try:
        banner = _read_banner(process, 180)
        url = re.search(r"Operations room: (http://\S+)/ops", banner).group(1)
        logins = dict(re.findall(r"^  (giamdoc|truong-\S+)\s+(\S+)", banner, re.MULTILINE))
        assert set(logins) == {"giamdoc", "truong-csgt", "truong-baoloc", "truong-ductrong"}
        # Random passwords, a different one each: no default password to guess.
        assert len(set(logins.values())) == 4 and all(len(p) >= 16 for p in logins.values())
        kiosks = re.findall(r"(http://127\.0\.0\.1:\d+)/sim", banner)
        assert len(kiosks) == 3
        children = _descendants(process.pid)
        live = Path(tomllib.loads((tmp_path / "p" / "central.toml").read_text())["media"]["live_dir"])
        assert (live / "live").is_dir()
        assert any(b"nginx" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children if _alive(pid))

        director = _sign_in(url, "giamdoc", logins["giamdoc"])
        deadline = time.monotonic() + 90
        tiles: list[dict] = []
        while time.monotonic() < deadline:
            tiles = director.get("/ops/state.json").json()["tiles"]
            if len(tiles) == 3 and all(t["state"] == "live" for t in tiles) and \
                    sorted(t["officers"] for t in tiles) == [4, 6, 6]:
                break
            time.sleep(1)
        assert {t["unit"] for t in tiles} == UNITS, tiles
        assert all(t["state"] == "live" for t in tiles), [(t["unit"], t["status"]) for t in tiles]
        # The director watches any office's thumbnail through the front door.
        playlist = director.get(tiles[0]["thumb"])
        assert playlist.status_code == 200 and "#EXTM3U" in playlist.text
        # Officers signed in on their keypads, as the heartbeat tells (Đức Trọng leaves its violations
        # counters unstaffed).
        assert sorted(t["officers"] for t in tiles) == [4, 6, 6]

        leader = _sign_in(url, "truong-baoloc", logins["truong-baoloc"])
        own = leader.get("/ops/state.json").json()["tiles"]
        assert [t["unit"] for t in own] == ["Công an thành phố Bảo Lộc"]
        other = next(t for t in tiles if t["unit"] != "Công an thành phố Bảo Lộc")
        assert leader.get(other["main"]).status_code == 403

        # Citizens take tickets at every office.
        deadline = time.monotonic() + 90
        issued: list[int] = []
        while time.monotonic() < deadline:
            issued = [httpx.get(f"{k}/sim/view", timeout=10).json()["figures"]["issued"] for k in kiosks]
            if all(issued):
                break
            time.sleep(2)
        assert all(issued), issued
        director.close()
        leader.close()

        process.send_signal(signal.SIGINT)  # Ctrl-C
        output = process.communicate(timeout=60)[0].decode("utf-8")
        assert process.returncode == 0, output
        assert "province: stopped" in output
        time.sleep(0.5)
        assert [pid for pid in children if _alive(pid)] == []
        assert not live.exists()  # the live HLS in RAM is removed
    finally:
        if process.poll() is None:
            process.terminate()  # it stops what it started and removes its live folder
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
