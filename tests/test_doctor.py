"""`kiosk doctor`, `kiosk announce` and `kiosk pair`, run as a technician runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from tests.conftest import DEMO, ROOT

EXAMPLE = ROOT / "config" / "kiosk.example.toml"


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """The demo config in a temporary folder: its ../var/demo files land under tmp_path."""
    folder = tmp_path / "config"
    folder.mkdir()
    shutil.copy(DEMO, folder / "demo.toml")
    return folder / "demo.toml"


def kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**__import__("os").environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"},
    )


def lines(result: subprocess.CompletedProcess) -> dict[str, str]:
    found = {}
    for line in result.stdout.splitlines():
        if line[:4] in ("OK  ", "FAIL"):
            name, _, detail = line[5:].partition(": ")
            found[name] = line[:4].strip() + " " + detail
    return found


def test_doctor_on_the_simulated_office_checks_and_exercises_every_device(office, tmp_path):
    result = kiosk("doctor", "--config", str(office), "--test-print", "--speak", "--blink")
    assert "Traceback" not in result.stderr
    report = lines(result)
    assert list(report) == ["printer", "board", "speaker", "buttons", "keypads", "scanner", "camera", "clock", "disk",
                            "store", "central"]
    assert report["printer"] == "OK simulated, ready; test ticket printed"
    assert report["board"] == "OK simulated, 1920x1080"
    assert report["speaker"].startswith("OK simulated, vi; said: Mời công dân có số thứ tự một nghìn không trăm linh năm")
    assert report["buttons"] == "OK simulated, 15 buttons; LEDs blinked for 3 s"
    assert report["camera"].startswith("OK simulated, a ")
    assert report["store"].startswith("OK ") and "not created yet" in report["store"]
    # The exit status says whether anything failed (this machine's clock may not be NTP-synchronised).
    failed = [name for name, text in report.items() if text.startswith("FAIL")]
    assert failed in ([], ["clock"])
    assert result.returncode == (1 if failed else 0)
    printed = sorted((tmp_path / "var" / "demo" / "printer").glob("ticket-*.png"))
    assert len(printed) == 1
    spoken = sorted((tmp_path / "var" / "demo" / "speaker").glob("announce-*.wav"))
    assert len(spoken) == 1


def test_doctor_on_real_backends_without_hardware_says_how_to_fix_each(tmp_path):
    config = tmp_path / "kiosk.toml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("/var/lib/kiosk/", str(tmp_path) + "/")
    config.write_text(text, encoding="utf-8")
    result = kiosk("doctor", "--config", str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    report = lines(result)
    assert report["printer"].startswith(
        "FAIL not found on USB 0416:5011 (is it plugged in, and is the kiosk user in group lp?"
    )
    for device in ("board", "speaker", "buttons", "keypads"):
        assert report[device].startswith("FAIL "), (device, report[device])
        assert "(" in report[device], f"{device}: a FAIL line must say how to fix it: {report[device]}"
    assert report["camera"] == "OK not enabled"


def test_doctor_finds_a_damaged_store(office, tmp_path):
    store = tmp_path / "var" / "demo" / "kiosk.db"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"this is not a database" * 100)
    report = lines(kiosk("doctor", "--config", str(office)))
    assert report["store"].startswith("FAIL ") and "cannot be read" in report["store"]


def test_announce_prints_and_writes_the_call(office, tmp_path):
    text = kiosk("announce", "1005", "3", "--text", "--config", str(office))
    assert text.returncode == 0
    assert text.stdout.strip() == "Mời công dân có số thứ tự một nghìn không trăm linh năm đến quầy số ba"
    out = tmp_path / "call.wav"
    written = kiosk("announce", "21", "6", "--out", str(out), "--config", str(office))
    assert written.returncode == 0, written.stderr
    assert "hai mươi mốt" in written.stdout
    with wave.open(str(out)) as wav:
        assert wav.getnframes() / wav.getframerate() > 3  # chime + phrase
    bad = kiosk("announce", "abc!", "3", "--text", "--config", str(office))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_pair_lists_and_resets(office, tmp_path):
    pairings = tmp_path / "var" / "demo" / "keypads.json"
    assert kiosk("pair", "--list", "--config", str(office)).stdout.strip() == "no keypad is paired"
    pairings.parent.mkdir(parents=True, exist_ok=True)
    pairings.write_text(json.dumps({"version": 1, "keypads": [
        {"device": "/dev/input/by-id/usb-Keypad_A-event-kbd", "counter": 2, "paired_at": "2026-11-24T08:00:00"}
    ]}))
    listed = kiosk("pair", "--config", str(office))
    assert listed.returncode == 0, listed.stderr
    assert "quầy/counter 2: /dev/input/by-id/usb-Keypad_A-event-kbd" in listed.stdout
    reset = kiosk("pair", "--reset", "--config", str(office))
    assert reset.stdout.startswith("1 pairing(s) removed")
    assert kiosk("pair", "--list", "--config", str(office)).stdout.strip() == "no keypad is paired"


def test_sounds_build_makes_the_missing_clips(tmp_path):
    folder = tmp_path / "sounds"
    (folder / "vi").mkdir(parents=True)
    (folder / "vi" / "mot.wav").write_bytes(b"a recording an office made")
    result = kiosk("sounds", "build", "--out", str(folder), "--lang", "vi", "--missing")
    assert result.returncode == 0, result.stderr
    assert (folder / "vi" / "mot.wav").read_bytes() == b"a recording an office made"  # kept
    made = sorted((folder / "vi").glob("*.wav"))
    assert len(made) > 40
    with wave.open(str(folder / "vi" / "hai.wav")) as clip:
        assert clip.getnframes() > 0


def test_wiring_command_prints_the_pin_map_and_writes_the_picture(office, tmp_path):
    svg = tmp_path / "wiring.svg"
    result = kiosk("wiring", "--config", str(office), "--svg", str(svg))
    assert result.returncode == 0, result.stderr
    assert "Nút: Đăng ký xe ô tô" in result.stdout and "Button: Car registration" in result.stdout
    import xml.etree.ElementTree as ET

    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_users_command_sets_the_pages_passwords(office, tmp_path):
    def users(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kiosk", "users", "--config", str(office), *args],
                              input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)

    assert users("set-leader-password", "--stdin", stdin="mật khẩu lãnh đạo\n").returncode == 0
    assert users("add-officer", "1234", "Nguyễn Văn An", "--stdin", stdin="2580\n").returncode == 0
    listed = users("list").stdout
    assert "1234\tNguyễn Văn An" in listed and "2580" not in listed
    credentials = tmp_path / "var" / "simulate" / "credentials.json"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    assert "2580" not in credentials.read_text(encoding="utf-8")  # stored hashed
