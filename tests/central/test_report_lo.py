"""The XLSX report opens in LibreOffice (headless) and holds the figures."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from central.reports import xlsx
from tests.central import report_sample as sample


def test_libreoffice_opens_the_report_and_reads_the_figures(tmp_path: Path) -> None:
    book = tmp_path / "bao-cao.xlsx"
    book.write_bytes(xlsx.to_bytes(xlsx.unit_workbook(sample.unit_report())))
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path), str(book)],
        capture_output=True, timeout=180, check=True,
    )
    with open(tmp_path / "bao-cao.csv", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0][0] == "Phòng CSGT Lâm Đồng: báo cáo Tháng 11/2026"
    figures = {row[0]: row[1] for row in table if len(row) > 1}
    assert figures["Số phiếu"] == "65" and figures["Từ ngày"] == "01/11/2026"
    assert figures["Xếp loại"] == "Tốt"
