"""The SD card's kiosk.toml over the image's defaults, and the last good configuration."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.bootconfig import load_at_boot, merge, remove_enrolment_code
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from tests.conftest import DEMO, ROOT
from tests.test_office import drive, wait_for

BOOT = """
[site]
unit_name = { vi = "Công an huyện Đức Trọng", en = "Duc Trong District Police" }
hotline = "0263 3843 113"
"""


def layers(tmp_path: Path, boot_text: str | None) -> tuple[Path, Path, Path]:
    defaults = tmp_path / "etc" / "kiosk.toml"
    defaults.parent.mkdir()
    defaults.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    boot = tmp_path / "boot" / "kiosk.toml"
    boot.parent.mkdir()
    if boot_text is not None:
        boot.write_text(boot_text, encoding="utf-8")
    return defaults, boot, tmp_path / "state" / "last-good.json"


def test_merge_lays_tables_over_and_replaces_the_rest():
    base = {"site": {"unit_name": {"vi": "A"}, "hotline": "1"}, "services": [{"id": "a"}], "rating": {"window_seconds": 30}}
    over = {"site": {"hotline": "2"}, "services": [{"id": "b"}]}
    assert merge(base, over) == {
        "site": {"unit_name": {"vi": "A"}, "hotline": "2"}, "services": [{"id": "b"}], "rating": {"window_seconds": 30},
    }


def test_a_good_boot_file_overrides_the_defaults_and_becomes_the_last_good(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT)
    loaded = load_at_boot(defaults, boot, last_good)
    assert (loaded.source, loaded.problem) == ("files", None)
    assert loaded.config.site.unit_name.vi == "Công an huyện Đức Trọng"
    assert [s.id for s in loaded.config.services] == ["oto", "xemay", "vipham"]  # from the defaults
    assert json.loads(last_good.read_text(encoding="utf-8"))["data"]["site"]["hotline"] == "0263 3843 113"


def test_a_corrupt_boot_file_keeps_the_last_good_config_with_the_exact_error(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT)
    load_at_boot(defaults, boot, last_good)
    boot.write_text(BOOT.replace('hotline = "0263 3843 113"', 'hotline = "0263 3843 113'), encoding="utf-8")
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "last-good"
    assert loaded.problem.startswith("kiosk.toml is not valid TOML: ")
    assert "line 4" in loaded.problem
    assert loaded.config.site.unit_name.vi == "Công an huyện Đức Trọng"


def test_a_missing_boot_file_keeps_the_last_good_config(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT)
    load_at_boot(defaults, boot, last_good)
    boot.unlink()
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "last-good" and loaded.problem == f"{boot} is missing"


def test_an_invalid_value_names_the_key(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT + "\n[queue]\npriority = \"sometimes\"\n")
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "none" and loaded.config is None
    assert loaded.problem == "queue.priority: 'sometimes' is not allowed; use one of 'strict' or 'interleave'"


@pytest.mark.process
def test_the_board_shows_the_error_and_tickets_are_still_issued(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT)
    load_at_boot(defaults, boot, last_good)
    boot.write_text("[site\n", encoding="utf-8")
    loaded = load_at_boot(defaults, boot, last_good)
    config = simulated_config(loaded.config, tmp_path / "office", web_port=0)
    pair_keypads(config)
    process = Process(config, defaults, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True,
                      boot_path=boot, startup_problem=loaded.problem)
    process.start()
    seen = {}

    def body() -> None:
        banner = next(b for b in process.office.view().banners if b.kind == "error")
        seen["banner"] = banner.text_vi
        process.office.simulation.press_service("oto")
        wait_for(lambda: process.office.view().figures.issued == 1)
        seen["unit"] = process.office.view().unit_vi

    drive(process, body)
    assert seen["banner"].startswith("kiosk.toml không hợp lệ, đang dùng cấu hình tốt gần nhất: kiosk.toml is not valid TOML")
    assert seen["unit"] == "Công an huyện Đức Trọng"


@pytest.mark.process
def test_with_no_good_config_the_kiosk_shows_the_error_and_issues_nothing(tmp_path):
    defaults, boot, last_good = layers(tmp_path, "[site\n")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(tmp_path / "notify.sock"))
    server.settimeout(30)
    env = {**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "SDL_VIDEODRIVER": "dummy"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(defaults), "--boot-config", str(boot),
         "--last-good", str(last_good)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.recv(64) == b"READY=1"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        server.close()
    assert process.returncode == 0
    assert f"kiosk: {boot}: kiosk.toml is not valid TOML" in err
    assert not (tmp_path / "var").exists()  # no store: no ticket can be issued


def test_the_used_enrolment_code_is_commented_out(tmp_path):
    boot = tmp_path / "kiosk.toml"
    boot.write_text('[sync]\nserver_url = "https://c.example.vn"\nenrolment_code = "ABCD-1234"\n', encoding="utf-8")
    assert remove_enrolment_code(boot, datetime(2026, 11, 24, 8, 5))
    text = boot.read_text(encoding="utf-8")
    assert "ABCD-1234" not in text
    assert "# enrolment_code: used and removed by the kiosk on 2026-11-24 08:05" in text
    assert 'server_url = "https://c.example.vn"' in text
    assert not remove_enrolment_code(boot, datetime(2026, 11, 24, 8, 6))
