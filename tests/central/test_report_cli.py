"""`kiosk-central reports`: every unit's XLSX and PDF and the ranking of a period, written to a folder."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from central.cli import main
from central.reports.files import previous_period_day
from tests.central import report_offices
from tests.central.conftest import Central
from tests.conftest import ROOT


def test_the_command_writes_every_units_report_and_the_ranking(central: Central, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    report_offices.build(central)
    out = tmp_path / "bao-cao"
    assert main(["reports", "--db", central.url, "--period", "month", "--day", "2026-11-24", "--out", str(out)]) == 0
    folder = out / "2026-11"
    assert sorted(p.name for p in folder.iterdir()) == [
        "bao-cao-hn-2026-11.pdf", "bao-cao-hn-2026-11.xlsx", "bao-cao-ld-2026-11.pdf", "bao-cao-ld-2026-11.xlsx",
        "xep-hang-2026-11.pdf", "xep-hang-2026-11.xlsx",
    ]
    assert str(folder / "xep-hang-2026-11.pdf") in capsys.readouterr().out
    assert load_workbook(folder / "bao-cao-ld-2026-11.xlsx")["Tổng hợp"]["A1"].value == \
        "Phòng CSGT Lâm Đồng: báo cáo Tháng 11/2026"


def test_a_bad_day_is_named_and_nothing_is_written(central: Central, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reports", "--db", central.url, "--period", "quarter", "--day", "2026-13-01",
                 "--out", str(tmp_path / "out")]) == 2
    assert "day must be a date YYYY-MM-DD" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("period, today, reported", [
    ("month", date(2026, 12, 1), date(2026, 11, 30)),
    ("month", date(2027, 1, 15), date(2026, 12, 31)),
    ("quarter", date(2027, 1, 1), date(2026, 12, 31)),
    ("quarter", date(2026, 11, 30), date(2026, 9, 30)),
])
def test_by_default_the_last_complete_period_is_reported(period: str, today: date, reported: date) -> None:
    assert previous_period_day(period, today) == reported


def test_the_timer_and_its_service_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # kiosk-central is installed on the server; a stand-in takes its place, the rest is checked as shipped.
    stand_in = tmp_path / "kiosk-central"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    for name in ("kiosk-central-reports.service", "kiosk-central-reports.timer"):
        text = (ROOT / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace("/opt/kiosk/venv/bin/kiosk-central", str(stand_in)))
    result = subprocess.run(["systemd-analyze", "verify", "kiosk-central-reports.timer", "kiosk-central-reports.service"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_timer_runs_on_the_first_of_each_month_at_two(tmp_path: Path) -> None:
    timer = (ROOT / "systemd" / "kiosk-central-reports.timer").read_text()
    calendar = next(line.split("=", 1)[1] for line in timer.splitlines() if line.startswith("OnCalendar="))
    result = subprocess.run(["systemd-analyze", "calendar", "--iterations=2", calendar,
                             "--base-time=2026-11-15 12:00:00"], capture_output=True, text=True,
                            env={"TZ": "Asia/Ho_Chi_Minh", "PATH": "/usr/bin:/bin"})
    assert "2026-12-01 02:00:00" in result.stdout and "2027-01-01 02:00:00" in result.stdout, result.stdout
    service = (ROOT / "systemd" / "kiosk-central-reports.service").read_text()
    assert "reports --period month" in service and "reports --period quarter" in service
