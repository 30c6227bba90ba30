"""Config files: the shipped ones load, and every kind of mistake gets its own clear line."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from tests.conftest import DEMO, ROOT

EXAMPLE = ROOT / "config" / "kiosk.example.toml"


def test_demo_is_the_traffic_police_office():
    config = load_config(DEMO)
    assert [s.name.vi for s in config.services] == [
        "Đăng ký xe ô tô",
        "Đăng ký xe mô tô, xe gắn máy, xe máy điện",
        "Xử lý vi phạm hành chính về trật tự, an toàn giao thông",
    ]
    assert len(config.counters) == 6
    assert [level.vi for level in config.rating.levels] == ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"]
    assert config.site.hotline
    assert config.site.timezone == "Asia/Ho_Chi_Minh"


def test_example_loads_and_comments_every_key():
    config = load_config(EXAMPLE)
    assert config.service("cccd").opening.days == ["tue", "thu", "sat"]
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in ("unit_name", "timezone", "day_starts_at", "hotline", "board", "ticket", "voice", "numbering",
                "daily_cap", "opening", "priority_allowed", "expected_minutes", "rating_buttons", "priority_every",
                "across_services", "recalls_before_no_show", "transfer_position", "window_seconds", "levels", "path"):
        line = next(i for i, l in enumerate(text.splitlines()) if l.strip().startswith(key))
        assert text.splitlines()[line - 1].strip().startswith("#") or "#" in text.splitlines()[line], key


def test_text_is_stored_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Đăng ký xe ô tô")
    text = DEMO.read_text(encoding="utf-8").replace("Đăng ký xe ô tô", decomposed)
    path = tmp_path / "nfd.toml"
    path.write_text(text, encoding="utf-8")
    assert decomposed != "Đăng ký xe ô tô"
    assert load_config(path).services[0].name.vi == "Đăng ký xe ô tô"


def _demo_with(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


MALFORMED = [
    # (what to change in demo.toml, replacement, the exact line expected)
    ("numbering = { start = 2001, end = 2999 }", "numbering = { start = 1001, end = 999 }",
     "services[2].numbering: end 999 is below start 1001"),
    ("daily_cap = 300", "daly_cap = 300", "services[1].daly_cap: unknown key (did you mean 'daily_cap'?)"),
    ('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hanoi"',
     "site.timezone: unknown time zone 'Asia/Hanoi' (e.g. 'Asia/Ho_Chi_Minh')"),
    ("day_starts_at = 0", "day_starts_at = 25", "site.day_starts_at: input should be less than or equal to 23"),
    ('services = ["vipham"]', 'services = ["vipam"]',
     "counters[5].services[1]: no service has id 'vipam' (known: oto, xemay, vipham)"),
    ("number = 6", "number = 5", "counters[6].number: counter number 5 is used twice"),
    ('priority = "interleave"', 'priority = "sometimes"',
     "queue.priority: 'sometimes' is not allowed; use one of 'strict' or 'interleave'"),
    ('hours = [["07:30", "11:30"], ["13:30", "17:00"]] }\n\n[[services]]\nid = "xemay"',
     'hours = [["07:30", "11:30"], ["13:30", "25:00"]] }\n\n[[services]]\nid = "xemay"',
     "services[1].opening.hours: '25:00' is not a time of day like '07:30'"),
    ('days = ["mon", "tue", "wed", "thu", "fri"]', 'days = ["mon", "tue", "wed", "thu", "fri", "funday"]',
     "services[3].opening.days[6]: 'funday' is not allowed; use one of 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"),
    ("daily_cap = 500", "daily_cap = 1500",
     "services[2]: daily_cap 1500 is more than the 999 numbers of numbering 2001-2999"),
    ("numbering = { start = 3001, end = 3999 }", "numbering = { start = 2500, end = 3999 }",
     "services[3].numbering: numbers 2500-3999 overlap those of service 'xemay' (2001-2999); give each service its "
     "own range or its own prefix"),
    ('id = "oto"', 'id = "Ô tô"', "services[1].id: 'Ô tô' is not a valid id: use lower-case letters, digits, '-' or '_'"),
    ("window_seconds = 30", 'window_seconds = "thirty"',
     "rating.window_seconds: input should be a valid integer, unable to parse string as an integer"),
    ('vi = "Phòng Cảnh sát giao thông - Công an tỉnh Lâm Đồng", ', "", "site.unit_name.vi: required key is missing"),
    ('[queue]', '[queue]\nrecalls_before_noshow = 3',
     "queue.recalls_before_noshow: unknown key (did you mean 'recalls_before_no_show'?)"),
    ('board = ["vi", "en"]', 'board = ["vi", "vi"]', "site.languages.board: a language is listed twice"),
]


@pytest.mark.parametrize(("old", "new", "expected"), MALFORMED, ids=[m[2].split(":")[0] for m in MALFORMED])
def test_malformed_file_names_the_key_and_the_problem(tmp_path, old, new, expected):
    with pytest.raises(ConfigError) as info:
        load_config(_demo_with(tmp_path, old, new))
    assert expected in [str(p) for p in info.value.problems]


def test_every_problem_is_reported_at_once(tmp_path):
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace("daily_cap = 300", "daly_cap = 300")
    text = text.replace("numbering = { start = 2001, end = 2999 }", "numbering = { start = 1001, end = 999 }")
    text = text.replace("day_starts_at = 0", "day_starts_at = -1")
    path = tmp_path / "many.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 3
    assert "services[2].numbering: end 999 is below start 1001" in lines


def test_not_toml_gives_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[site]\nunit_name = { vi = "x" \n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith("not valid TOML:") and "line 2" in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[site]\nunit_name = { vi = "Café" }\n'.encode("latin-1"))  # saved as Windows text
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "none.toml")


def test_check_config_command_exit_2_one_line_each_no_traceback(tmp_path):
    path = _demo_with(tmp_path, "daily_cap = 300", "daly_cap = 300")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "check-config", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: cấu hình không hợp lệ / invalid configuration:",
        "  services[1].daly_cap: unknown key (did you mean 'daily_cap'?)",
    ]


def test_check_config_command_ok():
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "check-config", str(DEMO)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    assert "3 dịch vụ/services, 6 quầy/counters" in result.stdout


def test_names_and_priority_groups_errors_name_the_key():
    from kiosk.config import ConfigError
    from tests.conftest import small_config

    with pytest.raises(ConfigError) as info:
        small_config(names={"board": "initial", "scan_window_seconds": 1},
                     priority_groups=[{"id": "cao_tuoi", "name": {"vi": "Người cao tuổi"}},
                                      {"id": "cao_tuoi", "name": {"vi": "Người già"}}])
    text = str(info.value)
    assert "names.board: 'initial' is not allowed" in text
    assert "names.scan_window_seconds" in text
    with pytest.raises(ConfigError) as info:
        small_config(priority_groups=[{"id": "cao_tuoi", "name": {"vi": "A"}}, {"id": "cao_tuoi", "name": {"vi": "B"}}])
    assert "priority_groups[2].id: group id 'cao_tuoi' is used twice" in str(info.value)
