"""The XLSX report, opened with openpyxl: the sheets, the title, an officer's row, typed numbers and dates."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from central.reports import xlsx
from tests.central import report_sample as sample


def opened(book: Workbook) -> Workbook:
    """The workbook as a reader gets it: saved to .xlsx bytes and opened again."""
    return load_workbook(BytesIO(xlsx.to_bytes(book)))


def rows(ws) -> list[list]:  # type: ignore[no-untyped-def]
    return [list(r) for r in ws.iter_rows(min_row=xlsx.HEADER_ROW, values_only=True)]


def test_a_unit_report_has_its_five_sheets() -> None:
    book = opened(xlsx.unit_workbook(sample.unit_report()))
    assert book.sheetnames == ["Tổng hợp", "Cán bộ", "Dịch vụ", "Lý do", "Hồ sơ"]


def test_each_sheet_is_titled_with_the_unit_and_the_period() -> None:
    book = opened(xlsx.unit_workbook(sample.unit_report()))
    for ws in book.worksheets:
        assert ws["A1"].value == "Phòng CSGT Lâm Đồng: báo cáo Tháng 11/2026", ws.title
        assert ws["A2"].value.startswith("Tháng 11/2026: từ 01/11/2026 đến 30/11/2026"), ws.title
        assert ws.freeze_panes.endswith(str(xlsx.HEADER_ROW + 1)), ws.title


def test_an_officer_row_has_their_name_and_figures() -> None:
    ws = opened(xlsx.unit_workbook(sample.unit_report()))["Cán bộ"]
    header, *body = rows(ws)
    an = dict(zip(header, next(r for r in body if r[0] == "Nguyễn Văn An (1234)")))
    assert an["Số phiếu"] == 40 and an["Đã giải quyết"] == 36 and an["Không có mặt"] == 2
    assert an["Chờ TB (phút)"] == 7.25 and an["Phục vụ TB (phút)"] == 4.5
    assert (an["Rất hài lòng"], an["Hài lòng"], an["Không hài lòng"]) == (20, 11, 3)
    assert (an["Bấm 'Hài lòng'"], an["Bấm 'Bình thường'"]) == (8, 3)  # the raw presses beside the counted levels
    assert an["Hồ sơ"] == 30


def test_an_officer_no_kiosk_has_named_is_shown_by_code() -> None:
    ws = opened(xlsx.unit_workbook(sample.unit_report()))["Cán bộ"]
    assert "Cán bộ 5678" in [r[0] for r in rows(ws)]


def test_numbers_are_typed_cells_with_vietnamese_display_formats() -> None:
    ws = opened(xlsx.unit_workbook(sample.unit_report()))["Cán bộ"]
    header = rows(ws)[0]
    wait = ws.cell(row=xlsx.HEADER_ROW + 1, column=header.index("Chờ TB (phút)") + 1)
    share = ws.cell(row=xlsx.HEADER_ROW + 1, column=header.index("Tỷ lệ hài lòng") + 1)
    assert isinstance(wait.value, float) and wait.number_format == "0.0"
    assert isinstance(share.value, float) and share.number_format == "0.0%"


def test_dossier_days_are_dates_shown_day_first() -> None:
    ws = opened(xlsx.unit_workbook(sample.unit_report()))["Hồ sơ"]
    cell = ws.cell(row=xlsx.HEADER_ROW + 1, column=1)
    assert cell.value == datetime(2026, 11, 3) and cell.number_format == "dd/mm/yyyy"
    assert ws.cell(row=xlsx.HEADER_ROW + 1, column=2).value == "000.00.31.H47-261103-0001"


def test_the_summary_states_how_the_buttons_count() -> None:
    ws = opened(xlsx.unit_workbook(sample.unit_report()))["Tổng hợp"]
    texts = [c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert "Mức 'Bình thường' được tính là 'Hài lòng'" in texts
    summary = {r[0]: r[1] for r in rows(ws)}
    assert summary["3. Bình thường"] == 4 and summary["Hài lòng"] == 17
    assert summary["Xếp loại"] == "Tốt" and summary["Điểm tổng hợp (0-100)"] == 84.3


def test_reasons_count_the_dissatisfied_who_gave_none() -> None:
    ws = opened(xlsx.unit_workbook(sample.unit_report()))["Lý do"]
    reasons = {r[0]: r[1] for r in rows(ws)[1:]}
    assert reasons == {"Thái độ cán bộ": 2, "Hướng dẫn chưa rõ": 1, "Thời gian chờ": 1, "Không nêu lý do": 1}


def test_the_ranking_sheet_shows_movement_and_the_unranked_unit() -> None:
    book = opened(xlsx.province_workbook(sample.province_report()))
    assert book.sheetnames == ["Xếp hạng"]
    ws = book["Xếp hạng"]
    assert ws["A1"].value == "Xếp hạng các đơn vị: Quý 4/2026"
    header, *body = rows(ws)
    by_unit = {r[2]: dict(zip(header, r)) for r in body}
    assert by_unit["Phòng CSGT Lâm Đồng"]["Hạng"] == 1 and by_unit["Phòng CSGT Lâm Đồng"]["Thay đổi"] == "▲2"
    assert by_unit["Phòng CSGT Hà Nội"]["Thay đổi"] == "mới"
    small = by_unit["Công an huyện Đà Lạt"]
    assert small["Hạng"] is None and small["Ghi chú"] == "Chưa đủ mẫu (n < 30 phiếu)"
