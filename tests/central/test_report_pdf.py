"""The PDF report, read back with poppler: the embedded font, the Vietnamese text, page numbers, a rendered page."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image

from central.reports import pdf
from central.reports.data import build_unit_report
from central.settings import Settings
from tests.central import report_sample as sample


def written(tmp_path: Path, content: bytes, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_dejavu_font_is_embedded(tmp_path: Path) -> None:
    fonts = subprocess.run(["pdffonts", str(written(tmp_path, pdf.unit_pdf(sample.unit_report())))],
                           capture_output=True, text=True, check=True).stdout
    dejavu = [line for line in fonts.splitlines() if "DejaVuSans" in line]
    assert dejavu and all(" yes yes yes " in line for line in dejavu)  # embedded, subset, with a Unicode map


def test_the_text_reads_back_with_its_diacritics(tmp_path: Path) -> None:
    text = text_of(written(tmp_path, pdf.unit_pdf(sample.unit_report())))
    for expected in ("Phòng CSGT Lâm Đồng", "Báo cáo Tháng 11/2026", "Không hài lòng", "Thái độ cán bộ",
                     "Nguyễn Văn An (1234)", "Mức 'Bình thường' được tính là 'Hài lòng'",
                     "9,2 phút / 18,4 phút", "90,2%", "000.00.31.H47-261117-0042"):
        assert expected in text, expected


def test_every_page_is_numbered_of_the_total(tmp_path: Path) -> None:
    text = text_of(written(tmp_path, pdf.unit_pdf(sample.unit_report())))
    assert "Trang 1/2" in text and "Trang 2/2" in text


def test_the_ranking_names_the_unranked_unit(tmp_path: Path) -> None:
    text = text_of(written(tmp_path, pdf.province_pdf(sample.province_report())))
    assert "Xếp hạng các đơn vị" in text and "Quý 4/2026" in text
    assert "▲2" in text and "Chưa đủ mẫu (n < 30" in text


def test_page_one_renders_as_an_a4_image(tmp_path: Path) -> None:
    path = written(tmp_path, pdf.unit_pdf(sample.unit_report()))
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png")))
    assert abs(image.height / image.width - 297 / 210) < 0.01
    assert image.convert("L").getextrema()[0] < 64  # something dark (text) was drawn


def test_a_long_list_of_dissatisfied_dossiers_is_cut_and_says_how_many_more(tmp_path: Path) -> None:
    many = [{**sample.DOSSIERS[1], "code": f"HS-{i:04d}"} for i in range(pdf.DOSSIER_ROWS + 35)]
    report = build_unit_report("ld-csgt", "Phòng CSGT Lâm Đồng", "quarter", sample.figures_dict(), many,
                               sample.SERVICES, sample.OFFICERS, Settings())
    text = text_of(written(tmp_path, pdf.unit_pdf(report)))
    assert f"HS-{pdf.DOSSIER_ROWS - 1:04d}" in text and f"HS-{pdf.DOSSIER_ROWS:04d}" not in text
    assert "… và 35 hồ sơ khác: xem tệp XLSX." in text
