"""The SD card's kiosk.toml over the image's defaults, and the last good configuration."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.bootconfig import load_at_boot, overlay, remove_enrolment_code
from kiosk.config import load_config, parse_config, resolve_paths
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from tests.conftest import DEMO, ROOT
from tests.office_files import office_documents, toml_text
from tests.test_office import drive, wait_for

EXAMPLE = ROOT / "config" / "kiosk.example.toml"  # the image's /etc/kiosk/kiosk.toml

BOOT = """
[site]
unit_name = { vi = "Công an huyện Đức Trọng", en = "Duc Trong District Police" }
hotline = "0263 3843 113"
"""


def layers(tmp_path: Path, boot_text: str | None, defaults_file: Path = DEMO) -> tuple[Path, Path, Path]:
    defaults = tmp_path / "etc" / "kiosk.toml"
    defaults.parent.mkdir()
    defaults.write_text(defaults_file.read_text(encoding="utf-8"), encoding="utf-8")
    boot = tmp_path / "boot" / "kiosk.toml"
    boot.parent.mkdir()
    if boot_text is not None:
        boot.write_text(boot_text, encoding="utf-8")
    return defaults, boot, tmp_path / "state" / "last-good.json"


# -- the overlay rules -------------------------------------------------------------------


def test_a_section_of_the_boot_file_replaces_the_defaults_section_whole():
    lower = {"site": {"unit_name": {"vi": "A", "en": "A"}, "hotline": "1"}, "services": [{"id": "a"}],
             "printer": {"backend": "real", "vendor_id": "0416"}}
    upper = {"site": {"unit_name": {"vi": "B"}}, "services": [{"id": "b"}]}
    assert overlay(lower, upper).document == {
        "site": {"unit_name": {"vi": "B"}}, "services": [{"id": "b"}], "printer": {"backend": "real", "vendor_id": "0416"},
    }


def test_renaming_a_service_in_the_boot_file_is_valid_over_the_defaults(tmp_path):
    # The issue's case: the card's copy of the example file with service cccd renamed to hochieu.
    # Keyed tables ([buttons.services]) used to merge, so the old key stayed and the office issued nothing.
    renamed = EXAMPLE.read_text(encoding="utf-8").replace('"cccd"', '"hochieu"').replace("cccd = {", "hochieu = {")
    defaults, boot, last_good = layers(tmp_path, renamed, defaults_file=EXAMPLE)
    load_config(boot)  # `kiosk check-config` accepts it on its own
    loaded = load_at_boot(defaults, boot, last_good)
    assert (loaded.source, loaded.problem, loaded.notes) == ("files", None, ())
    assert [s.id for s in loaded.config.services] == ["oto", "hochieu"]
    assert sorted(loaded.config.buttons.services) == ["hochieu", "oto"]


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=office_documents(), defaults_file=st.sampled_from([EXAMPLE, DEMO]))
def test_every_boot_file_valid_on_its_own_is_valid_over_the_defaults(tmp_path_factory, document, defaults_file):
    folder = tmp_path_factory.mktemp("office")
    defaults, boot, last_good = layers(folder, toml_text(document), defaults_file)
    load_config(boot)  # valid on its own, as `kiosk check-config` sees it
    loaded = load_at_boot(defaults, boot, last_good)
    assert (loaded.source, loaded.problem) == ("files", None)
    # What the file says is what runs, section by section (relative paths: from the defaults' folder).
    alone = resolve_paths(parse_config(tomllib.loads(boot.read_text(encoding="utf-8"))), defaults.parent)
    for section in document:
        assert getattr(loaded.config, section) == getattr(alone, section), section
    # A defaults' section the file leaves out is either the defaults' own or left out with a note on the board.
    image = load_config(defaults)
    for section in ("rating", "buttons"):
        if section not in document and getattr(loaded.config, section) != getattr(image, section):
            assert any(f"the defaults' [{section}] is left out" in note.en for note in loaded.notes), section


def test_a_defaults_section_that_does_not_fit_is_left_out_and_said(tmp_path):
    office = {"site": {"unit_name": {"vi": "Công an xã"}}, "services": [{"id": "hochieu", "name": {"vi": "Hộ chiếu"}}],
              "counters": [{"number": 1, "services": ["hochieu"]}]}
    defaults, boot, last_good = layers(tmp_path, toml_text(office), defaults_file=EXAMPLE)
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "files" and loaded.config.buttons is None
    assert loaded.config.printer == load_config(defaults).printer  # the other sections are the image's
    assert [n.vi for n in loaded.notes] == [
        "kiosk.toml: không dùng mục [buttons] của cấu hình mặc định vì không khớp: "
        "buttons.services.oto: no service 'oto' in [services]"
    ]


# -- good, broken, empty and cut files ----------------------------------------------------------


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


GOOD = EXAMPLE.read_text(encoding="utf-8").replace('hotline = "0263 3822 113"', 'hotline = "0263 3999 999"')
HEADER = GOOD[: GOOD.index("[site]")]  # the file's opening comments


@pytest.mark.parametrize("broken, problem", [
    (b"", "kiosk.toml holds no settings: it is empty or only comments (cut short by a power cut?)"),
    (b"\r\n  \n\t\n", "kiosk.toml holds no settings: it is empty or only comments (cut short by a power cut?)"),
    (HEADER.encode(), "kiosk.toml holds no settings: it is empty or only comments (cut short by a power cut?)"),
    (b"\x00" * len(GOOD.encode()), "kiosk.toml is damaged: NUL bytes from byte 0 on (cut short by a power cut?)"),
    (GOOD.encode()[:4000] + b"\x00" * 5000, "kiosk.toml is damaged: NUL bytes from byte 4000 on (cut short by a power cut?)"),
    (GOOD.encode()[: GOOD.encode().index(b"0263 3999") + 4], "kiosk.toml is not valid TOML: "),
    (GOOD.encode("cp1258", errors="replace"), "kiosk.toml is not UTF-8 text (byte "),
    (GOOD.encode("utf-16"), 'kiosk.toml is saved as UTF-16 ("Unicode"); save it as UTF-8'),
], ids=["empty", "blank", "only-comments", "all-nul", "nul-tail", "cut-in-a-string", "not-utf8", "utf-16"])
def test_an_empty_damaged_or_cut_file_keeps_the_last_good_config(tmp_path, broken, problem):
    defaults, boot, last_good = layers(tmp_path, GOOD, defaults_file=EXAMPLE)
    assert load_at_boot(defaults, boot, last_good).source == "files"
    kept = last_good.read_bytes()
    boot.write_bytes(broken)
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "last-good" and loaded.problem.startswith(problem)
    assert loaded.config.site.hotline == "0263 3999 999"
    assert last_good.read_bytes() == kept


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(GOOD.encode()) - 1))
def test_a_file_cut_anywhere_never_replaces_the_last_good_with_nothing(tmp_path_factory, cut):
    defaults, boot, last_good = layers(tmp_path_factory.mktemp("cut"), GOOD, defaults_file=EXAMPLE)
    load_at_boot(defaults, boot, last_good)
    kept = last_good.read_bytes()
    whole = GOOD.encode()
    # FAT after a power cut: the file's length was written but its last clusters were not (zeros).
    boot.write_bytes(whole[:cut] + b"\x00" * (len(whole) - cut))
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "last-good" and "NUL bytes" in loaded.problem and last_good.read_bytes() == kept
    # Cut short: refused (last good kept, byte for byte), or a shorter file that is valid in its own right.
    boot.write_bytes(whole[:cut])
    loaded = load_at_boot(defaults, boot, last_good)
    try:
        settings_left = tomllib.loads(whole[:cut].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        settings_left = None
    if not settings_left:
        assert loaded.source == "last-good" and loaded.problem and last_good.read_bytes() == kept
        assert loaded.config.site.hotline == "0263 3999 999"
    else:
        assert loaded.config is not None and loaded.source in ("files", "last-good")


def test_a_notepad_file_with_a_byte_order_mark_is_accepted(tmp_path):
    notepad = ("\ufeff" + GOOD).replace("\n", "\r\n").encode("utf-8")
    defaults, boot, last_good = layers(tmp_path, None, defaults_file=EXAMPLE)
    boot.write_bytes(notepad)
    loaded = load_at_boot(defaults, boot, last_good)
    assert (loaded.source, loaded.problem) == ("files", None)
    assert loaded.config.site.hotline == "0263 3999 999"
    assert load_config(boot).site.hotline == "0263 3999 999"
    check = subprocess.run([sys.executable, "-m", "kiosk.cli", "check-config", str(boot)],
                           capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0 and check.stdout.startswith(f"OK: {boot}: Phòng Cảnh sát giao thông"), check.stderr


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


# -- the whole process ---------------------------------------------------------------------------


def start(loaded, tmp_path: Path, defaults: Path, boot: Path) -> Process:
    config = simulated_config(loaded.config, tmp_path / "office", web_port=0)
    pair_keypads(config)
    process = Process(config, defaults, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True,
                      boot_path=boot, startup_problem=loaded.problem, layers=loaded.layers)
    process.start()
    return process


@pytest.mark.process
def test_the_board_shows_the_error_and_tickets_are_still_issued(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT)
    load_at_boot(defaults, boot, last_good)
    boot.write_text("[site\n", encoding="utf-8")
    loaded = load_at_boot(defaults, boot, last_good)
    process = start(loaded, tmp_path, defaults, boot)
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
def test_a_file_applied_by_sighup_becomes_the_last_good_and_notes_reach_the_board(tmp_path):
    defaults, boot, last_good = layers(tmp_path, BOOT)
    process = start(load_at_boot(defaults, boot, last_good), tmp_path, defaults, boot)
    seen = {}

    def body() -> None:
        # A whole office of its own without [buttons]: the image's buttons (for oto, xemay, vipham) do not fit.
        office = {"site": {"unit_name": {"vi": "Công an xã Hiệp Thạnh"}, "hotline": "0263 3555 555"},
                  "services": [{"id": "hochieu", "name": {"vi": "Hộ chiếu"}}],
                  "counters": [{"number": 1, "services": ["hochieu"]}]}
        boot.write_text(toml_text(office), encoding="utf-8")
        process.main.call(process.reload)
        wait_for(lambda: process.office.view().hotline == "0263 3555 555")
        seen["banner"] = wait_for(lambda: next((b for b in process.office.view().banners
                                                if "[buttons]" in b.text_vi), None)).text_vi

    drive(process, body)
    assert seen["banner"].startswith("kiosk.toml: không dùng mục [buttons] của cấu hình mặc định vì không khớp: ")
    boot.write_bytes(b"")  # and then the card loses the file in a power cut
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "last-good"
    assert (loaded.config.site.hotline, [s.id for s in loaded.config.services]) == ("0263 3555 555", ["hochieu"])


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


# -- first boot -----------------------------------------------------------------------------------


def test_the_used_enrolment_code_is_commented_out(tmp_path):
    boot = tmp_path / "kiosk.toml"
    boot.write_text('[sync]\nserver_url = "https://c.example.vn"\nenrolment_code = "ABCD-1234"\n', encoding="utf-8")
    assert remove_enrolment_code(boot, datetime(2026, 11, 24, 8, 5))
    text = boot.read_text(encoding="utf-8")
    assert "ABCD-1234" not in text
    assert "# enrolment_code: used and removed by the kiosk on 2026-11-24 08:05" in text
    assert 'server_url = "https://c.example.vn"' in text
    assert not remove_enrolment_code(boot, datetime(2026, 11, 24, 8, 6))


def test_a_notepad_files_bom_and_line_endings_survive_the_code_removal(tmp_path):
    boot = tmp_path / "kiosk.toml"
    boot.write_bytes('\ufeff[sync]\r\nenrolment_code = "ABCD-1234"\r\nserver_url = "https://c.example.vn"\r\n'.encode())
    assert remove_enrolment_code(boot, datetime(2026, 11, 24, 8, 5))
    assert boot.read_bytes() == ('\ufeff[sync]\r\n# enrolment_code: used and removed by the kiosk on 2026-11-24 08:05\r\n'
                                 'server_url = "https://c.example.vn"\r\n').encode()
