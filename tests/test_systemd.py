"""The systemd unit and the notify protocol."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.systemd import Watchdog, notify, watchdog_interval
from tests.conftest import ROOT

UNIT = ROOT / "systemd" / "kiosk.service"
INSTALLED_BINARY = "/opt/kiosk/venv/bin/kiosk"


def test_unit_passes_systemd_analyze_verify_with_no_output(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: scripts/setup.sh installs systemd")
    # The kiosk binary is installed on the Pi; here a stand-in takes its place,
    # and everything else in the unit is checked as shipped.
    stand_in = tmp_path / "kiosk"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    text = UNIT.read_text()
    assert INSTALLED_BINARY in text
    unit = tmp_path / "kiosk.service"
    unit.write_text(text.replace(INSTALLED_BINARY, str(stand_in)))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_unit_has_what_the_kiosk_relies_on():
    text = UNIT.read_text()
    for line in ("Type=notify", "WatchdogSec=30", "Restart=always", "StartLimitIntervalSec=0", "User=kiosk",
                 "SupplementaryGroups=gpio lp audio video input", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert line in text, line
    assert "ProtectClock" not in text.replace("Not ProtectClock", "")  # it would block reading the NTP state
    assert "PrivateDevices=yes" not in text


def test_notify_sends_datagrams(tmp_path, monkeypatch):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(tmp_path / "n.sock"))
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "n.sock"))
    assert notify("READY=1")
    assert server.recv(64) == b"READY=1"
    server.close()
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert notify("READY=1") is False


def test_watchdog_interval(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert watchdog_interval() is None


def test_watchdog_stops_pinging_when_the_heartbeat_is_stale():
    now = {"t": 100.0}
    beat = {"t": 100.0}
    sent = []
    dog = Watchdog(lambda: beat["t"], interval=1.0, stale_after=2.0, send=lambda m: sent.append(m) or True,
                   clock=lambda: now["t"])
    for _ in range(5):  # the engine keeps beating: a ping a second
        dog.poll()
        now["t"] += 1.0
        beat["t"] = now["t"]
    assert len(sent) == 5
    pinged_while_hung = []
    for _ in range(6):  # the engine hangs: its last beat gets older by a second each time
        now["t"] += 1.0
        before = len(sent)
        dog.poll()
        pinged_while_hung.append(len(sent) > before)
    # Pings go on while the last beat is at most 2 s old, then stop.
    assert pinged_while_hung == [True, True, False, False, False, False]
