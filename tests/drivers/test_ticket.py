"""The ticket image: what a citizen sees on the printed ticket."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
import segno
from PIL import Image, ImageChops, ImageDraw, ImageFont

from drivers.fonts import font_path
from drivers.printer import ticket as ticket_module
from drivers.printer.decode import decode
from drivers.printer.raster import ticket_bytes
from drivers.printer.ticket import TicketLayout, draw_line, get_font, layout_ticket, render_ticket, sample_view, wrap

WIDTHS = (384, 576)
ICT = timezone(timedelta(hours=7))

# ---------------------------------------------------------------------------
# helpers


def vietnamese_letters() -> list[str]:
    """Every Vietnamese letter with every tone, both cases, NFC, plus đ/Đ."""
    bases = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # ngang, huyền, sắc, hỏi, ngã, nặng
    letters = []
    for base in bases:
        for tone in tones:
            for case in (str.lower, str.upper):
                letters.append(unicodedata.normalize("NFC", case(base) + tone))
    return letters + ["đ", "Đ"]


def glyph_pixels(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (font.size * 2, font.size * 2), 0)
    ImageDraw.Draw(image).text((font.size // 2, font.size // 4), char, font=font, fill=255)
    return image.tobytes()


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def black_fraction(image: Image.Image) -> float:
    histogram = image.convert("L").histogram()
    return histogram[0] / (image.width * image.height)


def joined(layout: TicketLayout, kind: str, lang: str | None) -> str:
    return " ".join(line.text for line in layout.lines if line.kind == kind and line.lang == lang)


def assert_lines_drawn(layout: TicketLayout) -> None:
    """Each recorded line is really in the image, where recorded, uncovered."""
    image = layout.image
    for line in layout.lines:
        left, top, right, bottom = line.box
        assert 0 <= left and right <= image.width and 0 <= top and bottom <= image.height, line
        crop = image.crop(line.box)
        if line.kind == "number":
            font = ImageFont.truetype(str(font_path(True)), line.size, layout_engine=ImageFont.Layout.BASIC)
            l, t, r, b = font.getbbox(line.text)
            expected = Image.new("1", (r - l, b - t), 1)
            ImageDraw.Draw(expected).text((-l, -t), line.text, font=font, fill=0)
        else:
            expected = draw_line(line.text, line.size, line.bold, line.inverted)
        assert same(crop, expected), f"line {line.text!r} is not drawn as expected"
    boxes = [line.box for line in layout.lines]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, f"lines overlap: {a} {b}"


# ---------------------------------------------------------------------------
# the font


@pytest.mark.parametrize("bold", [False, True])
def test_every_vietnamese_letter_has_a_real_glyph(bold: bool) -> None:
    letters = vietnamese_letters()
    assert len(letters) == 12 * 6 * 2 + 2
    assert all(len(letter) == 1 for letter in letters), "each letter is one precomposed code point"
    font = get_font(32, bold)
    notdef = glyph_pixels(font, "\u0378")  # an unassigned code point: drawn as the .notdef box
    assert glyph_pixels(font, "\u4e2d") == notdef, "the check must see a missing glyph (DejaVu has no CJK)"
    drawings = {}
    for letter in letters:
        pixels = glyph_pixels(font, letter)
        assert pixels != notdef, f"{letter!r} (U+{ord(letter):04X}) has no glyph"
        assert any(pixels), f"{letter!r} draws nothing"
        drawings[pixels] = letter
    # Every letter looks different: no tone mark or case is lost.
    assert len(drawings) == len(letters)


# ---------------------------------------------------------------------------
# the ticket


@pytest.mark.parametrize("width", WIDTHS)
def test_ticket_is_one_bit_at_the_printer_width(width: int) -> None:
    image = render_ticket(sample_view(), width)
    assert image.mode == "1"
    assert image.width == width
    assert image.height % 8 == 0
    assert 0.02 < black_fraction(image) < 0.5


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "changes",
    [{}, {"priority": True}, {"languages": ("vi",)}, {"qr_url": None, "wait_minutes": None}, {"hotline": ""}],
)
def test_every_line_is_drawn_where_recorded_without_overlap(width: int, changes: dict) -> None:
    assert_lines_drawn(layout_ticket(sample_view(**changes), width))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("number", ["1005", "A001", "7", "AB123456"])
def test_number_is_very_large(width: int, number: str) -> None:
    layout = layout_ticket(sample_view(number=number), width)
    left, top, right, bottom = layout.regions["number"]
    body = max(line.box[3] - line.box[1] for line in layout.lines if line.kind == "ahead")
    if len(number) <= 4:
        assert bottom - top > 2.5 * body, "the number is much taller than body text"
    else:  # as large as the width allows
        assert bottom - top > body
    if len(number) >= 4:
        assert right - left >= 0.85 * width, "a 4+ character number spans most of the width"
    else:
        assert bottom - top >= 0.2 * width
    assert joined(layout, "number", None) == number
    # The number sits below the service name and above the waiting information.
    service_bottom = max(line.box[3] for line in layout.lines if line.kind == "service")
    ahead_top = min(line.box[1] for line in layout.lines if line.kind == "ahead")
    assert service_bottom < top and bottom < ahead_top


def test_different_numbers_differ_only_in_the_number() -> None:
    a = layout_ticket(sample_view(number="1005"), 384)
    b = layout_ticket(sample_view(number="1006"), 384)
    diff = ImageChops.difference(a.image.convert("L"), b.image.convert("L")).getbbox()
    assert diff is not None
    top, bottom = a.regions["number"][1], a.regions["number"][3]
    assert top <= diff[1] and diff[3] <= bottom


@pytest.mark.parametrize("width", WIDTHS)
def test_priority_mark_only_on_priority_tickets(width: int) -> None:
    plain = layout_ticket(sample_view(priority=False), width)
    priority = layout_ticket(sample_view(priority=True), width)
    # A black band across the ticket: rows that are almost entirely black.
    def solid_rows(image: Image.Image) -> int:
        return sum(
            1 for y in range(image.height) if black_fraction(image.crop((0, y, image.width, y + 1))) > 0.9
        )

    assert solid_rows(plain.image) == 0
    assert "priority" not in plain.regions
    assert "ƯU TIÊN" not in plain.texts()
    band = priority.regions["priority"]
    assert solid_rows(priority.image) >= 10
    assert black_fraction(priority.image.crop(band)) > 0.6
    assert "ƯU TIÊN" in priority.texts("vi") and "Priority" in priority.texts("en")
    mark = next(line for line in priority.lines if line.text == "ƯU TIÊN")
    assert mark.inverted and band[1] <= mark.box[1] and mark.box[3] <= band[3]
    assert "Priority" not in layout_ticket(sample_view(priority=True, languages=("vi",)), width).texts()


@pytest.mark.parametrize("width", WIDTHS)
def test_english_lines_only_when_enabled(width: int) -> None:
    vi = layout_ticket(sample_view(languages=("vi",)), width)
    both = layout_ticket(sample_view(languages=("vi", "en")), width)
    assert vi.texts("en") == []
    assert vi.image.height < both.image.height
    english = " | ".join(both.texts("en"))
    for text in ("Queue number", "People ahead of you: 5", "Estimated wait: about 20 minutes", "Hotline: 0258 3822 113"):
        assert text in english
    assert joined(both, "service", "en") == "Motorcycle, moped and e-bike registration"
    assert joined(both, "unit", "en") == "Traffic Police Department, Khanh Hoa Provincial Police"
    # Vietnamese comes first: each English line sits below the Vietnamese ones of its kind.
    for kind in ("unit", "service", "ahead", "wait", "hotline"):
        vi_bottom = max(line.box[3] for line in both.lines if line.kind == kind and line.lang == "vi")
        en_top = min(line.box[1] for line in both.lines if line.kind == kind and line.lang == "en")
        assert vi_bottom <= en_top, kind
    # Vietnamese text is the same either way.
    assert [t for t in vi.texts("vi")] == [t for t in both.texts("vi")]


def test_vietnamese_wording() -> None:
    layout = layout_ticket(sample_view(people_ahead=5, wait_minutes=20), 576)
    assert joined(layout, "unit", "vi") == "Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa"
    assert joined(layout, "service", "vi") == "Đăng ký xe mô tô, xe gắn máy, xe máy điện"
    assert joined(layout, "label", "vi") == "SỐ THỨ TỰ"
    assert joined(layout, "ahead", "vi") == "Số người đang chờ trước: 5"
    assert joined(layout, "wait", "vi") == "Thời gian chờ dự kiến: khoảng 20 phút"
    assert joined(layout, "date", "vi") == "Ngày 27/11/2026 - 08:15"
    assert joined(layout, "hotline", "vi") == "Đường dây nóng: 0258 3822 113"
    for text in layout.texts():
        assert unicodedata.is_normalized("NFC", text)


def test_wait_wording_edge_cases() -> None:
    unknown = layout_ticket(sample_view(wait_minutes=None), 384)
    assert not [line for line in unknown.lines if line.kind == "wait"]
    assert not any("phút" in t or "minute" in t for t in unknown.texts())
    one = layout_ticket(sample_view(wait_minutes=1), 384)
    assert joined(one, "wait", "en") == "Estimated wait: about 1 minute"
    zero = layout_ticket(sample_view(wait_minutes=0, people_ahead=0), 384)
    assert joined(zero, "wait", "vi") == "Thời gian chờ dự kiến: dưới 1 phút"
    assert joined(zero, "ahead", "vi") == "Số người đang chờ trước: 0"


def test_date_is_printed_as_given_in_local_time() -> None:
    view = sample_view(issued_at=datetime(2026, 1, 5, 14, 7, tzinfo=ICT))
    assert joined(layout_ticket(view, 384), "date", "vi") == "Ngày 05/01/2026 - 14:07"


@pytest.mark.parametrize("width", WIDTHS)
def test_long_names_wrap_without_cutting_a_word(width: int) -> None:
    long_name = (
        "Đội Cảnh sát đăng ký, quản lý phương tiện giao thông cơ giới đường bộ, "
        "Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa"
    )
    service = "Xử lý vi phạm hành chính về trật tự, an toàn giao thông đường bộ"
    layout = layout_ticket(sample_view(unit_name_vi=long_name, service_name_vi=service), width)
    for kind, text in (("unit", long_name), ("service", service)):
        lines = [line for line in layout.lines if line.kind == kind and line.lang == "vi"]
        assert len(lines) >= 2
        assert [w for line in lines for w in line.text.split(" ")] == text.split(" "), "no word cut or lost"
        for line in lines:
            assert line.box[0] >= 8 and line.box[2] <= width - 8, "inside the margins"
    assert_lines_drawn(layout)


def test_wrap_prefers_natural_breaks_and_honours_newlines() -> None:
    lines, _ = wrap("Đăng ký xe mô tô, xe gắn máy, xe máy điện", 30, True, 368)
    assert all(line.endswith(",") for line in lines[:-1]), lines
    lines, _ = wrap("Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa", 24, True, 368)
    assert lines == ["Phòng Cảnh sát giao thông", "Công an tỉnh Khánh Hòa"]
    lines, _ = wrap("Công an tỉnh\nKhánh Hòa", 24, True, 368)
    assert lines == ["Công an tỉnh", "Khánh Hòa"]
    lines, _ = wrap("Đường dây nóng: 0258 3822 113", 22, True, 300)
    assert lines == ["Đường dây nóng:", "0258 3822 113"]


def test_a_word_wider_than_the_paper_is_shrunk_not_cut() -> None:
    word = "Siêu-dài-không-thể-vừa-một-dòng-giấy"
    lines, size = wrap(word, 30, True, 368)
    assert lines == [word] and size < 30
    assert draw_line(word, size, True).width <= 368


@pytest.mark.parametrize("width", WIDTHS)
def test_qr_code_matches_segno_and_only_when_given(width: int) -> None:
    url = "https://dichvucong.example.vn/q/KH-PC08/1005"
    layout = layout_ticket(sample_view(qr_url=url), width)
    left, top, right, bottom = layout.regions["qr"]
    module = layout.qr_module
    assert module >= 4, "modules of at least 0.5 mm, for phone cameras"
    matrix = segno.make(url, error="m", micro=False).matrix
    n = len(matrix)
    assert (right - left, bottom - top) == (n * module, n * module)
    expected = Image.new("1", (n * module, n * module), 1)
    draw = ImageDraw.Draw(expected)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle((c * module, r * module, (c + 1) * module - 1, (r + 1) * module - 1), fill=0)
    assert same(layout.image.crop(layout.regions["qr"]), expected)
    # A quiet zone of 4 modules around it is white.
    q = 4 * module
    zone = layout.image.crop((max(0, left - q), top - q, min(width, right + q), bottom + q))
    inner = (left - max(0, left - q), q, left - max(0, left - q) + n * module, q + n * module)
    zone.paste(1, inner)
    assert black_fraction(zone) == 0
    without = layout_ticket(sample_view(qr_url=None), width)
    assert "qr" not in without.regions and without.qr_module == 0
    assert without.image.height < layout.image.height - n * module


def test_no_hotline_means_no_footer() -> None:
    layout = layout_ticket(sample_view(hotline=""), 384)
    assert not [line for line in layout.lines if line.kind == "hotline"]


def test_view_validates_and_normalises() -> None:
    decomposed = unicodedata.normalize("NFD", "Cấp căn cước")
    view = sample_view(service_name_vi=decomposed)
    assert view.service_name_vi == "Cấp căn cước" and unicodedata.is_normalized("NFC", view.service_name_vi)
    with pytest.raises(ValueError, match="timezone-aware"):
        sample_view(issued_at=datetime(2026, 11, 27, 8, 15))
    with pytest.raises(ValueError, match="languages"):
        sample_view(languages=("vi", "fr"))
    with pytest.raises(ValueError, match="number"):
        sample_view(number="")
    with pytest.raises(ValueError, match="people_ahead"):
        sample_view(people_ahead=-1)
    with pytest.raises(ValueError, match="narrow"):
        render_ticket(sample_view(), 100)


# ---------------------------------------------------------------------------
# named tickets, priority groups and the personal-data notice

NAMES = ("Nguyễn Thị Hường", "Đặng Văn Ước", "Lê Thị Ánh Tuyết", "Hoàng Quốc Việt")
NOTICE = ("Họ tên chỉ dùng để gọi tên và được xóa cuối ngày (Nghị định 13/2023/NĐ-CP).",
          "Your name is used only to call you and is deleted at the end of the day.")


def printed(layout: TicketLayout, width: int) -> Image.Image:
    """The ticket as the printer would print it: its bytes decoded back into a picture."""
    job = decode(ticket_bytes(layout.image, width))
    assert job.cut and job.text == b"", "a raster image and a cut, nothing in text mode"
    return job.image()


def named_view(name: str, **changes: object):
    return sample_view(citizen_name=name, notice_vi=NOTICE[0], notice_en=NOTICE[1], **changes)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", NAMES)
def test_a_named_ticket_prints_the_full_name_under_the_number(width: int, name: str, tmp_path) -> None:
    layout = layout_ticket(named_view(name), width)
    printed(layout, width).save(tmp_path / f"named-{width}.png")
    assert same(printed(layout, width), layout.image)  # what the printer prints is the laid-out picture
    assert_lines_drawn(layout)
    assert joined(layout, "citizen", "vi") == f"Công dân: {name}"
    assert not [line for line in layout.lines if line.kind == "citizen" and line.lang != "vi"]  # no English repeat
    citizen_top = min(line.box[1] for line in layout.lines if line.kind == "citizen")
    citizen_bottom = max(line.box[3] for line in layout.lines if line.kind == "citizen")
    ahead_top = min(line.box[1] for line in layout.lines if line.kind == "ahead")
    assert layout.regions["number"][3] < citizen_top and citizen_bottom < ahead_top
    body = max(line.size for line in layout.lines if line.kind == "ahead" and line.lang == "vi")
    assert min(line.size for line in layout.lines if line.kind == "citizen") >= body  # as large as the body text


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_name_wraps_between_syllables_never_inside_one(width: int) -> None:
    name = "Công Tằng Tôn Nữ Thị Phương Thảo Linh Hoàng Anh"
    layout = layout_ticket(named_view(name), width)
    lines = [line for line in layout.lines if line.kind == "citizen"]
    assert lines[0].text == "Công dân:"  # the label on its own line, the name whole below it
    assert [w for line in lines[1:] for w in line.text.split(" ")] == name.split(" ")
    for line in lines:
        assert line.box[0] >= 8 and line.box[2] <= width - 8, "inside the margins"
    assert_lines_drawn(layout)


def test_a_name_is_printed_smaller_on_one_line_before_it_is_wrapped() -> None:
    full = layout_ticket(named_view("Đặng Văn Ước"), 384)
    (line,) = [line for line in full.lines if line.kind == "citizen"]
    assert line.text == "Công dân: Đặng Văn Ước" and line.size == 26
    smaller = layout_ticket(named_view("Hoàng Quốc Việt"), 384)
    (line,) = [line for line in smaller.lines if line.kind == "citizen"]
    assert line.text == "Công dân: Hoàng Quốc Việt" and 23 <= line.size < 26
    assert line.box[2] - line.box[0] <= 384 - 16


def test_an_unnamed_ticket_has_no_name_line() -> None:
    for view in (sample_view(), sample_view(citizen_name="  ")):
        layout = layout_ticket(view, 384)
        assert not [line for line in layout.lines if line.kind in ("citizen", "group", "notice")]
        assert not any("Công dân" in text for text in layout.texts())
    assert same(layout_ticket(sample_view(citizen_name=" "), 384).image, render_ticket(sample_view(), 384))


def test_the_name_stays_out_of_repr() -> None:
    view = named_view("Nguyễn Thị Hường")
    assert "Hường" not in repr(view) and "Nguyễn" not in str(view)
    assert "number='1005'" in repr(view)


def test_a_name_enters_no_cache() -> None:
    """A name must be gone from the kiosk's memory once printed: it never enters a cache."""
    layout_ticket(named_view("Nguyễn Thị Hường"), 576)
    caches = (ticket_module.draw_line, ticket_module._wrap_cached, ticket_module.text_width)
    before = [cache.cache_info().currsize for cache in caches]
    for name in NAMES[1:] + ("Công Tằng Tôn Nữ Thị Phương Thảo Linh Hoàng Anh",):
        layout_ticket(named_view(name), 576)
    assert [cache.cache_info().currsize for cache in caches] == before


@pytest.mark.parametrize("width", WIDTHS)
def test_the_priority_group_is_printed_under_the_priority_band(width: int) -> None:
    view = named_view("Hoàng Quốc Việt", priority=True, group_vi="Người cao tuổi", group_en="The elderly")
    layout = layout_ticket(view, width)
    assert_lines_drawn(layout)
    assert same(printed(layout, width), layout.image)
    assert joined(layout, "group", "vi") == "Ưu tiên: Người cao tuổi"
    assert joined(layout, "group", "en") == "Priority: The elderly"
    group_top = min(line.box[1] for line in layout.lines if line.kind == "group")
    assert layout.regions["priority"][3] < group_top
    assert max(line.box[3] for line in layout.lines if line.kind == "citizen") < layout.regions["priority"][1]
    vi_only = layout_ticket(view.__class__(**{**view.__dict__, "languages": ("vi",)}), width)
    assert joined(vi_only, "group", "vi") == "Ưu tiên: Người cao tuổi" and joined(vi_only, "group", "en") == ""


def test_a_long_group_name_wraps() -> None:
    group = "Người có công với cách mạng và thân nhân"
    layout = layout_ticket(sample_view(priority=True, group_vi=group), 384)
    lines = [line for line in layout.lines if line.kind == "group"]
    assert len(lines) >= 2 and " ".join(line.text for line in lines) == f"Ưu tiên: {group}"
    assert_lines_drawn(layout)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("hotline", ["0258 3822 113", ""])
def test_the_personal_data_notice_is_small_and_last(width: int, hotline: str) -> None:
    layout = layout_ticket(named_view("Lê Thị Ánh Tuyết", hotline=hotline), width)
    assert_lines_drawn(layout)
    assert same(printed(layout, width), layout.image)
    assert joined(layout, "notice", "vi") == NOTICE[0]
    assert joined(layout, "notice", "en") == NOTICE[1]
    notice = [line for line in layout.lines if line.kind == "notice"]
    others = [line for line in layout.lines if line.kind != "notice"]
    assert min(line.box[1] for line in notice) > max(line.box[3] for line in others)  # at the very bottom
    assert max(line.size for line in notice) < min(line.size for line in others)  # smaller than anything else
    assert all(not line.bold for line in notice)


def test_the_notice_has_english_only_when_enabled_and_given() -> None:
    layout = layout_ticket(named_view("Lê Thị Ánh Tuyết", languages=("vi",)), 384)
    assert joined(layout, "notice", "vi") == NOTICE[0] and joined(layout, "notice", "en") == ""
    view = sample_view(citizen_name="Lê Thị Ánh Tuyết", notice_vi=NOTICE[0], notice_en=None)  # none configured
    assert view.notice_en == "" and joined(layout_ticket(view, 384), "notice", "en") == ""


def test_new_fields_are_nfc() -> None:
    view = sample_view(citizen_name=unicodedata.normalize("NFD", " Đặng  Văn Ước "),
                       group_vi=unicodedata.normalize("NFD", "Người cao tuổi"),
                       notice_vi=unicodedata.normalize("NFD", NOTICE[0]))
    assert view.citizen_name == "Đặng Văn Ước" and view.group_vi == "Người cao tuổi" and view.notice_vi == NOTICE[0]
    for text in layout_ticket(view, 384).texts():
        assert unicodedata.is_normalized("NFC", text)
