"""A report as a PDF (fpdf2), A4, for printing and filing.

The text is drawn with DejaVu Sans, embedded in the file (fpdf2 embeds the
subset used), so every Vietnamese letter prints on any reader; the font is
Debian's ``fonts-dejavu-core``, found as the tickets find it (drivers.fonts).
Numbers and dates are written as a Vietnamese reader writes them
(central.formats: "0,9 phút", "87,5%", "1.234", "30/11/2026"); each page has
the unit and period at the top and "Trang 1/3" at the foot.

A unit's PDF lists the dossiers rated "Không hài lòng" (the ones to follow up,
at most :data:`DOSSIER_ROWS`) and counts the rest: a quarter of a busy office
has thousands of dossiers, which the XLSX's "Hồ sơ" sheet lists in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from central.formats import vi_date, vi_int, vi_minutes, vi_number, vi_percent
from central.reports.data import COUNTED, Line, ProvinceReport, UnitReport, thresholds_text
from drivers.fonts import font_path

FONT = "DejaVu"
#: At most this many dossiers rated "Không hài lòng" are listed (a few pages); the XLSX lists every one.
DOSSIER_ROWS = 200
_HEAD = FontFace(emphasis="BOLD", fill_color=(221, 230, 240))


class ReportPDF(FPDF):
    """An A4 page with the report's running head and "Trang n/N" at the foot."""

    def __init__(self, running_head: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_head = running_head
        self.add_font(FONT, "", str(font_path()))
        self.add_font(FONT, "B", str(font_path(bold=True)))
        self.set_margins(12, 14, 12)
        self.set_auto_page_break(True, margin=16)
        self.set_creator("kiosk-central")
        self.set_lang("vi")

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, "", 8)
            self.set_text_color(90)
            self.cell(0, 5, self.running_head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align=Align.C)

    def title_block(self, title: str, subtitle: str, line: str) -> None:
        """The first page's title, the period and a line of context."""
        self.add_page()
        self.set_font(FONT, "B", 15)
        self.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)
        self.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def section(self, title: str) -> None:
        """A section heading (on a new page when too little room is left for a table under it)."""
        if self.get_y() > self.h - 50:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def note(self, text: str) -> None:
        """A line of small text under a table."""
        self.set_font(FONT, "", 8)
        self.multi_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
             align: Sequence[str]) -> None:
        """A table with a bold header row repeated on every page it spans."""
        self.set_font(FONT, "", 8)
        with self.table(col_widths=tuple(widths), text_align=tuple(align), headings_style=_HEAD,
                        line_height=4.6, repeat_headings=1, width=sum(widths), align="LEFT") as table:
            head = table.row()
            for h in headers:
                head.cell(h)
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(v)
        self.ln(1)


def _span(report: UnitReport | ProvinceReport) -> str:
    return f"từ {vi_date(report.first)} đến {vi_date(report.end - timedelta(days=1))}"


def _made(report: UnitReport | ProvinceReport) -> str:
    return f"lập lúc {report.made.strftime('%H:%M')} ngày {vi_date(report.made.date())}"


def unit_pdf(report: UnitReport) -> bytes:
    """The PDF of a unit's report."""
    pdf = ReportPDF(f"{report.site_name} · báo cáo {report.label}")
    pdf.set_title(f"Báo cáo {report.site_name} {report.label}")
    pdf.title_block(report.site_name, f"Báo cáo {report.label}", f"{_span(report)}; {_made(report)}")
    t = report.total

    pdf.section("Tổng hợp")
    pdf.grid(("Chỉ tiêu", "Giá trị"), [
        ("Số phiếu", vi_int(t["tickets"])),
        ("Đã giải quyết", vi_int(t["completed"])),
        ("Không có mặt", f"{vi_int(t['no_shows'])} ({vi_percent(t['no_show_rate'])})"),
        ("Thời gian chờ trung bình / P90", f"{vi_minutes(t['wait_avg_min'])} / {vi_minutes(t['wait_p90_min'])}"),
        ("Thời gian phục vụ trung bình / P90",
         f"{vi_minutes(t['service_avg_min'])} / {vi_minutes(t['service_p90_min'])}"),
        ("Lượt đánh giá", vi_int(t["ratings"])),
        ("Tỷ lệ hài lòng", vi_percent(t["satisfaction"])),
        ("Số hồ sơ gắn mã", vi_int(t["dossiers"])),
        ("Điểm tổng hợp (0–100)", vi_number(report.score)),
        ("Xếp loại", report.classification or "—"),
    ], widths=(80, 60), align=("LEFT", "RIGHT"))
    pdf.note("Điểm tổng hợp: 40% tỷ lệ hài lòng, 30% thời gian chờ, 30% tỷ lệ có mặt. Ngưỡng xếp loại: "
             + thresholds_text(report.thresholds) + ".")

    pdf.section("Mức độ hài lòng")
    ratings = t["ratings"] or 0
    pdf.grid(("Mức được tính", "Số lượt", "Tỷ lệ"), [
        (label, vi_int(t[key]), vi_percent(t[key] / ratings if ratings else None)) for key, label in COUNTED.items()
    ], widths=(60, 30, 30), align=("LEFT", "RIGHT", "RIGHT"))
    pdf.grid(("Nút bấm", "Số lần bấm", "Được tính là"),
             [(f"{lv.level}. {lv.label}", vi_int(lv.presses), lv.counted_label) for lv in report.scale],
             widths=(60, 30, 50), align=("LEFT", "RIGHT", "LEFT"))
    if report.mapping:
        pdf.note(". ".join(report.mapping) + ".")

    pdf.section("Lý do không hài lòng")
    dissatisfied = t["dissatisfied"] or 0
    reasons = [(r.label, vi_int(r.count), vi_percent(r.share)) for r in report.reasons]
    reasons.append(("Không nêu lý do", vi_int(report.unanswered),
                    vi_percent(report.unanswered / dissatisfied if dissatisfied else None)))
    pdf.grid(("Lý do", "Số lượt", "Tỷ lệ trên số 'Không hài lòng'"), reasons,
             widths=(60, 30, 50), align=("LEFT", "RIGHT", "RIGHT"))

    pdf.section("Theo cán bộ")
    _breakdown(pdf, "Cán bộ", report.officers)
    pdf.section("Theo dịch vụ")
    _breakdown(pdf, "Dịch vụ", report.services)

    pdf.section("Hồ sơ được đánh giá 'Không hài lòng'")
    followed = [d for d in report.dossiers if d.counted == COUNTED["dissatisfied"]]
    pdf.note(f"{vi_int(len(report.dossiers))} phiếu gắn mã hồ sơ trong kỳ, {vi_int(len(followed))} phiếu "
             "được đánh giá 'Không hài lòng' (danh sách đầy đủ ở tệp XLSX, trang 'Hồ sơ').")
    if followed:
        pdf.grid(("Ngày", "Mã hồ sơ", "Dịch vụ", "Cán bộ", "Lý do"),
                 [(vi_date(d.day) if d.day else "—", d.code, d.service, d.officer, d.reason or "—")
                  for d in followed[:DOSSIER_ROWS]],
                 widths=(20, 46, 44, 46, 30), align=("LEFT",) * 5)
    if len(followed) > DOSSIER_ROWS:
        pdf.note(f"… và {vi_int(len(followed) - DOSSIER_ROWS)} hồ sơ khác: xem tệp XLSX.")
    return bytes(pdf.output())


def _breakdown(pdf: ReportPDF, head: str, lines: list[Line]) -> None:
    """The figures per officer or per service, one row each."""
    rows = []
    for line in lines:
        r: dict[str, Any] = line.figures
        rows.append((line.label, vi_int(r["tickets"]), vi_int(r["completed"]), vi_int(r["no_shows"]),
                     vi_number(r["wait_avg_min"]), vi_number(r["service_avg_min"]), vi_int(r["ratings"]),
                     vi_int(r["very_satisfied"]), vi_int(r["satisfied"]), vi_int(r["dissatisfied"]),
                     vi_percent(r["satisfaction"])))
    if not rows:
        pdf.note("Không có số liệu trong kỳ.")
        return
    pdf.grid((head, "Số phiếu", "Đã giải quyết", "Không có mặt", "Chờ TB (phút)", "Phục vụ TB (phút)",
              "Lượt đánh giá", "Rất hài lòng", "Hài lòng", "Không hài lòng", "Tỷ lệ hài lòng"),
             rows, widths=(46, 13, 14, 14, 14, 15, 14, 14, 12, 14, 16), align=("LEFT",) + ("RIGHT",) * 10)


def province_pdf(report: ProvinceReport) -> bytes:
    """The PDF of the province's ranking."""
    pdf = ReportPDF(f"Xếp hạng các đơn vị · {report.label}")
    pdf.set_title(f"Xếp hạng các đơn vị {report.label}")
    pdf.title_block("Xếp hạng các đơn vị", report.label, f"{_span(report)}; {_made(report)}")
    rows = []
    for u in report.rows:
        f = u.figures
        note = "" if u.ranked else (f"Chưa đủ mẫu (n < {report.min_tickets} phiếu)" if f.get("tickets") else "Không có phiếu")
        rows.append((vi_int(u.rank) if u.rank else "—", u.movement, u.site_name, vi_int(f.get("tickets")),
                     vi_number(f.get("wait_avg_min")), vi_percent(f.get("satisfaction")), vi_number(u.score),
                     u.classification or note))
    pdf.grid(("Hạng", "Thay đổi", "Đơn vị", "Số phiếu", "Chờ TB (phút)", "Tỷ lệ hài lòng", "Điểm", "Xếp loại"),
             rows, widths=(12, 15, 58, 16, 18, 18, 14, 35), align=("RIGHT", "CENTER", "LEFT") + ("RIGHT",) * 4 + ("LEFT",))
    pdf.note(f"Đơn vị có dưới {report.min_tickets} phiếu trong kỳ được liệt kê nhưng không xếp hạng. "
             "Thay đổi: so với kỳ trước cùng loại (▲ lên, ▼ xuống, — giữ nguyên, 'mới': kỳ trước chưa xếp hạng). "
             "Ngưỡng xếp loại: " + thresholds_text(report.thresholds) + ".")
    return bytes(pdf.output())
