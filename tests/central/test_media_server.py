"""``kiosk-central media``: nginx run from the settings file in the foreground and stopped cleanly, a clear
message naming the fix when nginx or its RTMP module is missing, the retention running beside it while
a stream records, and the systemd unit as shipped."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from central.media.nginx import RECORD_FRAGMENT_S
from tests.central.conftest import ROOT_DIR, free_port
from tests.central.media_server import MediaRig, push


def kiosk_central(*args: str) -> list[str]:
    return [sys.executable, "-m", "central", *args]


def start_media(tmp_path: Path, web: int) -> subprocess.Popen[str]:
    """``kiosk-central media`` on a settings file in ``tmp_path``: the front door on ``web``, the rest on free ports."""
    config = tmp_path / "central.toml"
    config.write_text(f"""[media]
enabled = true
web_listen = "127.0.0.1"
web_port = {web}
rtmp_port = {free_port()}
central_port = {free_port()}
runtime_dir = "run"
live_dir = "live"
record_dir = "rec"
""", encoding="utf-8")
    return subprocess.Popen(kiosk_central("media", "--config", str(config)), cwd=ROOT_DIR,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_the_media_command_runs_nginx_until_stopped(tmp_path: Path) -> None:
    web = free_port()
    proc = start_media(tmp_path, web)
    try:
        deadline = time.monotonic() + 20
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{web}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        # nginx answers on the web port; central is not running behind it: a 502 from nginx.
        assert answer is not None and answer.status_code == 502
        assert (tmp_path / "run" / "nginx.pid").exists() and (tmp_path / "media.secret").exists()
        assert (tmp_path / "run" / "nginx.conf").stat().st_mode & 0o077 == 0  # holds the hook secret
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert not (tmp_path / "run" / "nginx.pid").exists()  # nginx itself stopped
    try:
        httpx.get(f"http://127.0.0.1:{web}/", timeout=1)
        raise AssertionError("nginx still answers after the media server stopped")
    except httpx.TransportError:
        pass


def test_a_stop_while_nginx_starts_leaves_no_nginx_behind(tmp_path: Path) -> None:
    """SIGTERM at any moment of the start (here: as soon as nginx's pid file appears, before the
    supervisor may have seen it listen) stops nginx too: nothing keeps the ports or the output open."""
    web = free_port()
    proc = start_media(tmp_path, web)
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "run" / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)  # EOF: no nginx holds the output either
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", web))  # free again


def test_a_missing_nginx_or_module_or_switch_says_what_to_do(tmp_path: Path) -> None:
    config = tmp_path / "central.toml"
    cases = {
        'enabled = true\nnginx = "/nonexistent/nginx"': "apt-get install nginx-light libnginx-mod-rtmp",
        'enabled = true\nrtmp_module = "/nonexistent/ngx_rtmp_module.so"': "apt-get install libnginx-mod-rtmp",
        "enabled = false": "[media] enabled is false",
        "enabled = true\nweb_port = 0": "media.web_port",
    }
    for body, message in cases.items():
        config.write_text(f"[media]\n{body}\nruntime_dir = 'run'\n", encoding="utf-8")
        result = subprocess.run(kiosk_central("media", "--config", str(config)), cwd=ROOT_DIR,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 2 and message in result.stderr, (body, result.stderr)


def test_the_retention_keeps_the_recordings_within_the_quota_while_recording(tmp_path: Path) -> None:
    quota = 1536 * 1024  # about two fragments of the 850 kbit/s test stream
    with MediaRig(tmp_path, retention_every_s=0.5, record_quota_gb=quota / 1024**3) as rig:
        rig.site("ld")
        dev = rig.enroll("ld")
        folder = Path(rig.media.record_dir) / dev["device_id"]
        seen: set[str] = set()
        with push(rig.publish_urls(dev)["main"]):
            deadline = time.monotonic() + 5 * RECORD_FRAGMENT_S + 2
            while time.monotonic() < deadline:
                now = {p.name for p in folder.glob("*.ts")}
                seen |= now
                time.sleep(0.25)
        kept = sorted(p.name for p in folder.glob("*.ts"))
        sizes = sum(p.stat().st_size for p in folder.glob("*.ts"))
    seen |= set(kept)  # nginx may close one more fragment after the last look (seen on a loaded machine)
    assert len(seen) >= 4 and len(kept) < len(seen)
    # The newest are kept, the oldest went first; what is left fits (one fragment's slack: the retention runs
    # every half second while nginx writes).
    assert kept == sorted(seen)[-len(kept):]
    assert sizes <= quota + max(p.stat().st_size for p in folder.glob("*.ts"))


def test_the_unit_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    stand_in = tmp_path / "kiosk-central"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    text = (ROOT_DIR / "systemd" / "kiosk-central-media.service").read_text()
    assert "ExecStart=/opt/kiosk/venv/bin/kiosk-central media" in text
    (tmp_path / "kiosk-central-media.service").write_text(text.replace("/opt/kiosk/venv/bin/kiosk-central", str(stand_in)))
    result = subprocess.run(["systemd-analyze", "verify", "kiosk-central-media.service"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
