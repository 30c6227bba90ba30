"""A report as an XLSX workbook (openpyxl).

Numbers and dates are typed cells with display formats, never text: a reader's
spreadsheet shows them in its own locale (in a Vietnamese one: "0,9", "87,5%",
"1.234", "30/11/2026") and can sum and sort them. Each sheet starts with a title
row (the unit's name and the period), a row saying the dates covered, a blank
row and the header row, frozen so it stays in view.

The workbook is written in openpyxl's write-only mode, row by row (with lxml
doing the XML): a busy office's quarter has tens of thousands of dossiers.

A unit's workbook: "Tổng hợp" (the unit's figures, the ratings by counted level
and by button with the scale's mapping, the score and classification), "Cán bộ"
(per officer), "Dịch vụ" (per service), "Lý do" (reasons for dissatisfaction),
"Hồ sơ" (every ticket bound to a dossier code). The province's: "Xếp hạng".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from central.formats import vi_date
from central.reports.data import Level, ProvinceReport, UnitReport, thresholds_text

INT = "#,##0"
DECIMAL = "0.0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
HEADER_ROW = 4
_BOLD = Font(name="Calibri", bold=True)
_TITLE = Font(name="Calibri", bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_WRAP = Alignment(wrap_text=True, vertical="center")


@dataclass(frozen=True)
class Column:
    """A column of a table sheet: its header, its width (characters) and its cells' number format."""

    header: str
    width: float
    format: str | None = None


def figure_columns(scale: list[Level]) -> list[tuple[Column, Any]]:
    """The columns of a breakdown row (officer, service): each with how to read it from a figures row."""
    columns: list[tuple[Column, Any]] = [
        (Column("Số phiếu", 10, INT), lambda r: r["tickets"]),
        (Column("Đã giải quyết", 12, INT), lambda r: r["completed"]),
        (Column("Không có mặt", 12, INT), lambda r: r["no_shows"]),
        (Column("Tỷ lệ vắng mặt", 13, PERCENT), lambda r: r["no_show_rate"]),
        (Column("Chờ TB (phút)", 12, DECIMAL), lambda r: r["wait_avg_min"]),
        (Column("Chờ P90 (phút)", 12, DECIMAL), lambda r: r["wait_p90_min"]),
        (Column("Phục vụ TB (phút)", 14, DECIMAL), lambda r: r["service_avg_min"]),
        (Column("Phục vụ P90 (phút)", 14, DECIMAL), lambda r: r["service_p90_min"]),
        (Column("Lượt đánh giá", 12, INT), lambda r: r["ratings"]),
        (Column("Rất hài lòng", 12, INT), lambda r: r["very_satisfied"]),
        (Column("Hài lòng", 10, INT), lambda r: r["satisfied"]),
        (Column("Không hài lòng", 13, INT), lambda r: r["dissatisfied"]),
        (Column("Tỷ lệ hài lòng", 13, PERCENT), lambda r: r["satisfaction"]),
    ]
    for lv in scale:  # the raw presses, one column per button
        columns.append((Column(f"Bấm '{lv.label}'", max(12, len(lv.label) + 8), INT),
                        lambda r, key=str(lv.level): (r.get("raw") or {}).get(key, 0)))
    columns.append((Column("Hồ sơ", 8, INT), lambda r: r["dossiers"]))
    return columns


def _sheet(wb: Workbook, name: str, title: str, subtitle: str, columns: list[Column],
           freeze: str = "A") -> WriteOnlyWorksheet:
    """A new sheet with its title rows, column widths and header row (frozen, repeated on printed pages)."""
    ws = wb.create_sheet(name)
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"{freeze}{HEADER_ROW + 1}"
    ws.row_dimensions[HEADER_ROW].height = 32  # two lines of a wrapped header
    ws.page_setup.orientation = "landscape"  # printed (or converted to PDF): A4 landscape,
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1  # the sheet's width on one page,
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes,
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"  # the header on each
    ws.append([_styled(ws, title, font=_TITLE)])
    ws.append([subtitle])
    ws.append([])
    ws.append([_styled(ws, col.header, font=_BOLD, fill=_HEAD_FILL, alignment=_WRAP) for col in columns])
    return ws


def _styled(ws: WriteOnlyWorksheet, value: Any, number_format: str | None = None, **style: Any) -> Any:
    """A cell with a number format or a style; the bare value when it needs neither (the fast path)."""
    if value is None or (number_format is None and not style):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if number_format:
        cell.number_format = number_format
    for key, v in style.items():
        setattr(cell, key, v)
    return cell


def _rows(ws: WriteOnlyWorksheet, columns: list[Column], rows: Iterable[list[Any]]) -> None:
    formats = [col.format for col in columns]
    for values in rows:
        ws.append([_styled(ws, v, f) for v, f in zip(values, formats, strict=True)])


def _tenths(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes, 1)


def _period_line(report: UnitReport | ProvinceReport) -> str:
    last = report.end - timedelta(days=1)
    return f"{report.label}: từ {vi_date(report.first)} đến {vi_date(last)}"


def unit_workbook(report: UnitReport) -> Workbook:
    """The workbook of a unit's report (write-only: save it once, with :func:`to_bytes`)."""
    wb = Workbook(write_only=True)
    wb.properties.title = f"Báo cáo {report.site_name} {report.label}"
    wb.properties.creator = "kiosk-central"
    title = f"{report.site_name}: báo cáo {report.label}"
    subtitle = _period_line(report)
    _summary(wb, report, title, subtitle)

    columns = figure_columns(report.scale)
    for sheet, head, width, lines in (("Cán bộ", "Cán bộ", 32, report.officers),
                                      ("Dịch vụ", "Dịch vụ", 36, report.services)):
        table = [Column(head, width), *(c for c, _ in columns)]
        ws = _sheet(wb, sheet, title, subtitle, table, freeze="B")
        _rows(ws, table, ([line.label, *(read(line.figures) for _, read in columns)] for line in lines))

    table = [Column("Lý do", 30), Column("Số lượt", 10, INT), Column("Tỷ lệ trên số 'Không hài lòng'", 18, PERCENT)]
    ws = _sheet(wb, "Lý do", title, subtitle + " — lý do công dân không hài lòng", table)
    dissatisfied = report.total.get("dissatisfied") or 0
    _rows(ws, table, [*([r.label, r.count, r.share] for r in report.reasons),
                      ["Không nêu lý do", report.unanswered, report.unanswered / dissatisfied if dissatisfied else None]])

    # A quarter holds tens of thousands of these rows: only the date is a styled cell (styling is
    # what costs in openpyxl); minutes are rounded to one decimal and shown in the General format.
    table = [Column("Ngày", 12, DATE), Column("Mã hồ sơ", 28), Column("Dịch vụ", 30), Column("Quầy", 7),
             Column("Cán bộ", 30), Column("Đánh giá", 15), Column("Lý do", 22),
             Column("Chờ (phút)", 10), Column("Phục vụ (phút)", 12), Column("Mã phiếu", 20)]
    ws = _sheet(wb, "Hồ sơ", title, subtitle + " — phiếu gắn mã hồ sơ", table, freeze="C")
    _rows(ws, table, ([d.day, d.code, d.service, d.counter, d.officer, d.counted, d.reason, _tenths(d.wait_min),
                       _tenths(d.service_min), d.ticket_id] for d in report.dossiers))
    return wb


def _summary(wb: Workbook, report: UnitReport, title: str, subtitle: str) -> None:
    """The "Tổng hợp" sheet: one figure a row (label, value, note), then the buttons and how they count."""
    t = report.total
    last = report.end - timedelta(days=1)
    rows: list[tuple[str, Any, str | None, str]] = [
        ("Đơn vị", report.site_name, None, report.site_code),
        ("Kỳ báo cáo", report.label, None, ""),
        ("Từ ngày", report.first, DATE, ""),
        ("Đến ngày", last, DATE, ""),
        ("Số phiếu", t["tickets"], INT, "phiếu lấy số trong kỳ"),
        ("Đã giải quyết", t["completed"], INT, ""),
        ("Không có mặt", t["no_shows"], INT, ""),
        ("Tỷ lệ vắng mặt", t["no_show_rate"], PERCENT, "không có mặt / (đã giải quyết + không có mặt)"),
        ("Thời gian chờ trung bình (phút)", t["wait_avg_min"], DECIMAL, "từ lấy số đến khi được gọi"),
        ("Thời gian chờ P90 (phút)", t["wait_p90_min"], DECIMAL, "9 trên 10 công dân chờ không quá"),
        ("Thời gian phục vụ trung bình (phút)", t["service_avg_min"], DECIMAL, ""),
        ("Thời gian phục vụ P90 (phút)", t["service_p90_min"], DECIMAL, ""),
        ("Lượt đánh giá", t["ratings"], INT, ""),
        ("Rất hài lòng", t["very_satisfied"], INT, "mức được tính"),
        ("Hài lòng", t["satisfied"], INT, "mức được tính"),
        ("Không hài lòng", t["dissatisfied"], INT, "mức được tính"),
        ("Tỷ lệ hài lòng", t["satisfaction"], PERCENT, "(Rất hài lòng + Hài lòng) / lượt đánh giá"),
        ("Số hồ sơ gắn mã", t["dossiers"], INT, "phiếu có mã hồ sơ"),
        ("Điểm tổng hợp (0-100)", report.score, DECIMAL, "40% hài lòng, 30% thời gian chờ, 30% có mặt"),
        ("Xếp loại", report.classification or "—", None, thresholds_text(report.thresholds)),
    ]
    ws = _sheet(wb, "Tổng hợp", title, subtitle, [Column("Chỉ tiêu", 36), Column("Giá trị", 22), Column("Ghi chú", 52)])
    for label, value, number_format, note in rows:
        ws.append([label, _styled(ws, value, number_format), note])
    ws.append([])
    ws.append([_styled(ws, header, font=_BOLD, fill=_HEAD_FILL)
               for header in ("Nút bấm (mức trên bảng)", "Số lần bấm", "Được tính là")])
    for lv in report.scale:
        ws.append([f"{lv.level}. {lv.label}", _styled(ws, lv.presses, INT), lv.counted_label])
    for note in report.mapping:
        ws.append([_styled(ws, note, font=Font(name="Calibri", italic=True))])
    ws.append([])
    ws.append(["Lập lúc", _styled(ws, report.made.replace(tzinfo=None), DATETIME)])


def province_workbook(report: ProvinceReport) -> Workbook:
    """The workbook of the province's ranking: the "Xếp hạng" sheet (write-only: save it once)."""
    wb = Workbook(write_only=True)
    wb.properties.title = f"Xếp hạng các đơn vị {report.label}"
    wb.properties.creator = "kiosk-central"
    columns = [Column("Hạng", 7, INT), Column("Thay đổi", 9), Column("Đơn vị", 36), Column("Mã", 12),
               Column("Số phiếu", 10, INT), Column("Đã giải quyết", 12, INT), Column("Không có mặt", 12, INT),
               Column("Chờ TB (phút)", 12, DECIMAL), Column("Lượt đánh giá", 12, INT),
               Column("Tỷ lệ hài lòng", 13, PERCENT), Column("Điểm", 8, DECIMAL), Column("Xếp loại", 12),
               Column("Ghi chú", 30)]
    ws = _sheet(wb, "Xếp hạng", f"Xếp hạng các đơn vị: {report.label}",
                _period_line(report) + f"; đơn vị dưới {report.min_tickets} phiếu được liệt kê nhưng không xếp hạng",
                columns, freeze="D")
    rows = []
    for u in report.rows:
        f = u.figures
        note = "" if u.ranked else (f"Chưa đủ mẫu (n < {report.min_tickets} phiếu)" if f.get("tickets") else "Không có phiếu")
        rows.append([u.rank, u.movement, u.site_name, u.site_code, f.get("tickets"), f.get("completed"),
                     f.get("no_shows"), f.get("wait_avg_min"), f.get("ratings"), f.get("satisfaction"), u.score,
                     u.classification, note])
    _rows(ws, columns, rows)
    return wb


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
