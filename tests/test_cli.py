"""The kiosk command, run as a technician runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk.cli import QUEUE_COMMANDS, build_parser
from tests.conftest import DEMO, ROOT

AT = "2026-11-24T08:00"  # a Tuesday morning, all demo services open


def kiosk(*args: str, db=None, at: str = AT) -> subprocess.CompletedProcess:
    extra = ["--config", str(DEMO), "--db", str(db), "--at", at] if db is not None else []
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, *extra], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


@pytest.mark.parametrize("command", ["check-config", "status", "events", *QUEUE_COMMANDS])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: kiosk " + command)


def test_a_ticket_life_through_the_cli(tmp_path):
    db = tmp_path / "k.db"
    first = kiosk("issue", "oto", db=db)
    assert first.returncode == 0, first.stderr
    assert "Số/Ticket 1001 - Đăng ký xe ô tô - 0 người chờ trước/ahead" in first.stdout
    assert "Số/Ticket 1002 ƯU TIÊN/PRIORITY" in kiosk("issue", "oto", "--priority", db=db).stdout
    assert kiosk("sign-in", "1", "1234", db=db).returncode == 0
    assert "Quầy/Counter 1: mời số/calling 1002" in kiosk("next", "1", db=db).stdout
    assert "Quầy/Counter 1: mời số/calling 1002" in kiosk("recall", "1", db=db).stdout
    assert kiosk("complete", "1", db=db).returncode == 0  # car registration: papers handed over later
    assert "rating_ignored" in kiosk("rate", "1", "1", db=db).stdout
    assert kiosk("results-ready", "1", "1002", db=db).returncode == 0
    assert kiosk("complete", "1", db=db).returncode == 0  # handed over: now the citizen rates
    assert "rating_recorded" in kiosk("rate", "1", "1", db=db).stdout

    refused = kiosk("complete", "1", db=db)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "Không thực hiện được: Quầy 1 không có số nào để hoàn thành",
        "Refused: counter 1 has no ticket to complete",
    ]

    status = kiosk("status", db=db).stdout
    assert "Ngày làm việc / Business day: 2026-11-24" in status
    assert any(line.startswith("Đăng ký xe ô tô") and line.split()[-3:] == ["1", "0", "2"] for line in status.splitlines())
    assert any(line.split()[:4] == ["1", "mở/open", "1234", "-"] for line in status.splitlines())

    lines = kiosk("events", db=db).stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "day_started"
    rated = [e for e in events if e["type"] == "rating_recorded"]
    assert rated[0]["data"]["officer"] == "1234" and rated[0]["data"]["level"] == 1
    since = [json.loads(line)["seq"] for line in kiosk("events", "--since", "5", db=db).stdout.splitlines()]
    assert since == list(range(6, len(events) + 1))


def test_closed_service_is_refused_with_the_reason(tmp_path):
    result = kiosk("issue", "vipham", db=tmp_path / "k.db", at="2026-11-28T08:00")  # Saturday
    assert result.returncode == 1
    assert "Dịch vụ Xử lý vi phạm hành chính về trật tự, an toàn giao thông hôm nay không làm việc; " \
           "mở lại thứ Hai 30/11 lúc 07:30" in result.stderr


def test_bad_at_and_unknown_service_do_not_crash(tmp_path):
    bad = kiosk("status", db=tmp_path / "k.db", at="yesterday")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    unknown = kiosk("issue", "nope", db=tmp_path / "k.db")
    assert unknown.returncode == 1 and "there is no service 'nope'" in unknown.stderr


def test_missing_config_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "status", "--config", str(tmp_path / "none.toml")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr
