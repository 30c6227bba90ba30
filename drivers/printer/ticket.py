"""The queue ticket, drawn as one black-and-white image at the printer's dot width.

Cheap thermal printers cannot print Vietnamese in text mode, so the whole ticket
is drawn here with Pillow and DejaVu Sans (which has every Vietnamese letter)
and sent to the printer as a raster image (see :mod:`drivers.printer.raster`).

Layout, top to bottom: unit name; service name (English below, smaller); the
label "SỐ THỨ TỰ"; the number, as large as fits the width; the citizen's name
on a named ticket ("Công dân: Nguyễn Thị Hường"); the priority band ("ƯU
TIÊN"), white on black, for priority tickets; the priority group ("Ưu tiên:
Người cao tuổi"); people waiting ahead and the expected wait; date and time; a
QR code; the hotline; the notice that the area is recorded (while the camera is
on), with a recording dot; the personal-data notice, small. English lines appear
only when ``"en"`` is in ``TicketView.languages``; Vietnamese is always printed.

A citizen's name is personal data: it is left out of ``TicketView``'s repr,
and measured and drawn without entering this module's caches, so that it does
not outlive the print in the kiosk's memory.

Sizes are chosen for elderly readers: at 58 mm (384 dots, 8 dots per mm) the
Vietnamese lines are bold and 23-30 dots (3-4 mm) high, English ones regular and
a little smaller; at 80 mm (576 dots) sizes are a quarter larger and lines hold
more words, so the ticket does not get much longer. Text is drawn without
anti-aliasing (a thermal head prints dots, not greys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import segno
from PIL import Image, ImageChops, ImageDraw, ImageFont

from drivers.base import nfc
from drivers.fonts import font_path

# Letters whose marks reach furthest up and down: every line of a given font
# size gets a box tall enough for them, so no accent is ever clipped and lines
# of one size are evenly spaced.
_TALLEST = "ỖẪỮỂẴỀÂĐÁ"
_DEEPEST = "gjpqyỵỹỴẬ"

_WHITE = 1
_BLACK = 0

#: Printed before the recording notice: the dot of a recording camera.
RECORDING_MARK = "●"


@dataclass(frozen=True)
class TicketView:
    """Everything printed on one ticket, already formatted for the citizen.

    Text is NFC-normalised on creation. ``issued_at`` must be timezone-aware and
    already in the office's local time (it is printed as is).

    ``citizen_name`` is printed in full on a named ticket (personal data: not
    in ``repr``). ``group_vi``/``group_en`` is the priority group ("Người cao
    tuổi" / "The elderly"). ``notice_vi``/``notice_en`` is the one-line
    personal-data notice printed small at the bottom ("" = none).
    ``recording_vi``/``recording_en`` is the notice that the area is recorded
    ("Khu vực giao dịch được ghi hình và ghi âm"; "" = none), printed above it.
    Blank texts count as unset.
    """

    unit_name_vi: str
    service_name_vi: str
    number: str
    issued_at: datetime
    hotline: str = ""
    unit_name_en: str | None = None
    service_name_en: str | None = None
    priority: bool = False
    people_ahead: int = 0
    wait_minutes: int | None = None
    # (low, high) minutes, printed "khoảng 10–20 phút" (low 0: "dưới 5 phút"); when given, instead of wait_minutes.
    wait_range: tuple[int, int] | None = None
    qr_url: str | None = None
    languages: tuple[str, ...] = ("vi", "en")
    citizen_name: str | None = field(default=None, repr=False)
    group_vi: str | None = None
    group_en: str | None = None
    notice_vi: str = ""
    notice_en: str = ""
    recording_vi: str = ""
    recording_en: str = ""

    def __post_init__(self) -> None:
        for name in ("notice_vi", "notice_en", "recording_vi", "recording_en"):  # None prints nothing, as ""
            object.__setattr__(self, name, getattr(self, name) or "")
        for name in ("unit_name_vi", "service_name_vi", "number", "hotline", "unit_name_en", "service_name_en", "qr_url",
                     "notice_vi", "notice_en", "recording_vi", "recording_en"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, nfc(value).strip())
        for name in ("citizen_name", "group_vi", "group_en"):
            value = getattr(self, name)
            if value is not None:  # one line, single spaces; blank = unset
                object.__setattr__(self, name, " ".join(nfc(value).split()) or None)
        object.__setattr__(self, "languages", tuple(self.languages))
        unknown = [lang for lang in self.languages if lang not in ("vi", "en")]
        if unknown:
            raise ValueError(f"languages: unknown language(s) {unknown}; use 'vi' and 'en'")
        if not self.number:
            raise ValueError("number: must not be empty")
        if not self.unit_name_vi or not self.service_name_vi:
            raise ValueError("unit_name_vi and service_name_vi must not be empty")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at: must be timezone-aware (local time of the office)")
        if self.people_ahead < 0:
            raise ValueError(f"people_ahead: {self.people_ahead} is negative")
        if self.wait_minutes is not None and self.wait_minutes < 0:
            raise ValueError(f"wait_minutes: {self.wait_minutes} is negative")
        if self.wait_range is not None:
            low, high = self.wait_range
            object.__setattr__(self, "wait_range", (low, high))
            if not 0 <= low < high:
                raise ValueError(f"wait_range: {self.wait_range} is not (low, high) with 0 <= low < high")

    @property
    def english(self) -> bool:
        """Whether English lines are printed."""
        return "en" in self.languages


@dataclass(frozen=True)
class TextLine:
    """One line of text drawn on the ticket, and where (for tests and tools)."""

    kind: str  # unit, service, label, number, citizen, priority, group, ahead, wait, date, hotline, recording, notice
    lang: str | None  # "vi", "en", or None for language-neutral (the number, the date)
    text: str
    size: int
    bold: bool
    inverted: bool  # white on black (the priority band)
    box: tuple[int, int, int, int]  # left, top, right, bottom in the ticket image


@dataclass(frozen=True)
class TicketLayout:
    """A rendered ticket: the image and what was drawn where."""

    image: Image.Image
    lines: tuple[TextLine, ...]
    # Non-text parts: "number" (ink of the number), "priority" (the black band),
    # "qr" (the code without its white border), "rule" boxes are not listed.
    regions: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    qr_module: int = 0  # dots per QR module, 0 when there is no QR code

    def texts(self, lang: str | None = None) -> list[str]:
        """The text of every line, optionally only those in ``lang``."""
        return [line.text for line in self.lines if lang is None or line.lang == lang]


# ---------------------------------------------------------------------------
# Fonts and single lines


@lru_cache(maxsize=128)
def get_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (Bold) at ``size`` dots, cached.

    The basic layout engine is used on purpose: text is NFC (precomposed
    letters), so no shaping is needed, and the result is the same on every
    machine whether or not libraqm is installed.
    """
    return ImageFont.truetype(str(font_path(bold)), size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=128)
def _line_box(size: int, bold: bool) -> tuple[int, int]:
    """(top, bottom) offsets, from the drawing origin, that hold any Vietnamese line."""
    font = get_font(size, bold)
    ascent, descent = font.getmetrics()
    top = min(0, font.getbbox(_TALLEST)[1])
    bottom = max(ascent + descent, font.getbbox(_DEEPEST)[3])
    return top, bottom


@lru_cache(maxsize=512)
def draw_line(text: str, size: int, bold: bool = False, inverted: bool = False) -> Image.Image:
    """One line of text as a mode "1" image as wide as its advance, black on white.

    With ``inverted`` it is white on black. Every line of one size and weight
    has the same height (see ``_TALLEST``/``_DEEPEST``). Cached: most lines of
    a ticket (names, labels) are the same on every ticket. Do not modify the
    returned image.
    """
    return _draw_line(text, size, bold, inverted)


def _draw_line(text: str, size: int, bold: bool = False, inverted: bool = False) -> Image.Image:
    """:func:`draw_line` without the cache (for a citizen's name)."""
    font = get_font(size, bold)
    top, bottom = _line_box(size, bold)
    width = max(1, int(round(font.getlength(text))), font.getbbox(text)[2] if text else 0)
    # Drawn in grey, then cut at half: FreeType's one-bit rendering drops small marks
    # (a comma at 21 dots vanished), which grey rendering keeps.
    grey = Image.new("L", (width, bottom - top), 255)
    ImageDraw.Draw(grey).text((0, -top), text, font=font, fill=0)
    image = grey.point(lambda v: 255 if v >= 128 else 0, "1")
    if inverted:
        image = ImageChops.invert(image.convert("L")).convert("1")
    return image


@lru_cache(maxsize=4096)
def text_width(text: str, size: int, bold: bool = False) -> int:
    """Width in dots of ``text`` (its advance), as wrapping counts it."""
    return _advance(text, size, bold)


def _advance(text: str, size: int, bold: bool = False) -> int:
    """:func:`text_width` without the cache (for a citizen's name)."""
    return int(round(get_font(size, bold).getlength(text)))


#: How a width is measured: cached, or not for personal data.
Measure = Callable[[str, int, bool], int]


# Costs for choosing line breaks. Vietnamese words are written as separate
# syllables ("giao thông"), so breaking at any space can split a word in two:
# prefer breaking after punctuation and before a capitalised word (the start of
# a name such as "Công an tỉnh"), and never inside a phone number.
_COST_LINE = 1.0
_COST_AFTER_PUNCTUATION = 0.0
_COST_BEFORE_CAPITAL = 0.5
_COST_INSIDE_PHRASE = 2.0
_COST_INSIDE_NUMBER = 6.0


def _break_cost(before: str, after: str) -> float:
    if before[-1] in ",;:.)" or after[0] in "(-–":
        return _COST_AFTER_PUNCTUATION
    if before[-1].isdigit() and after[0].isdigit():
        return _COST_INSIDE_NUMBER
    if after[0].isupper():
        return _COST_BEFORE_CAPITAL
    return _COST_INSIDE_PHRASE


def _break_lines(words: list[str], size: int, bold: bool, max_width: int,
                 measure: Measure = text_width) -> list[str]:
    """Best line breaks for ``words``: few lines, natural breaks, even widths."""
    n = len(words)
    best: list[float] = [0.0] * (n + 1)
    choice: list[int] = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = float("inf")
        for j in range(i + 1, n + 1):
            width = measure(" ".join(words[i:j]), size, bold)
            if width > max_width and j > i + 1:
                break
            slack = (max_width - width) / max_width
            cost = _COST_LINE + slack * slack + best[j]
            if j < n:
                cost += _break_cost(words[j - 1], words[j])
            if cost < best[i]:
                best[i], choice[i] = cost, j
    lines: list[str] = []
    i = 0
    while i < n:
        lines.append(" ".join(words[i : choice[i]]))
        i = choice[i]
    return lines


@lru_cache(maxsize=512)
def _wrap_cached(text: str, size: int, bold: bool, max_width: int, min_size: int) -> tuple[tuple[str, ...], int]:
    lines, used = _wrap(text, size, bold, max_width, min_size)
    return tuple(lines), used


def wrap(text: str, size: int, bold: bool, max_width: int, min_size: int = 12) -> tuple[list[str], int]:
    """Break ``text`` into lines no wider than ``max_width``; never split a word.

    Returns the lines and the font size used: when one word alone is wider than
    the line, the size is lowered until it fits. A newline in ``text`` forces a
    break there (so a technician can choose where a long name breaks). Otherwise
    breaks go where they read best (see ``_break_cost``) and lines come out
    about even, so a heading does not end with one lonely word.
    """
    lines, used = _wrap_cached(text, size, bold, max_width, min_size)
    return list(lines), used


def _wrap(text: str, size: int, bold: bool, max_width: int, min_size: int,
          measure: Measure = text_width) -> tuple[list[str], int]:
    paragraphs = [p.split() for p in text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return [], size
    words = [w for p in paragraphs for w in p]
    while size > min_size and max(measure(w, size, bold) for w in words) > max_width:
        size -= 1
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(_break_lines(paragraph, size, bold, max_width, measure))
    return lines, size


# ---------------------------------------------------------------------------
# The ticket


def _qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), without the quiet zone."""
    code = segno.make(url, error="m", micro=False)
    return [[bool(v) for v in row] for row in code.matrix]


def _qr_image(url: str, max_width: int, target_width: int) -> tuple[Image.Image, int]:
    matrix = _qr_matrix(url)
    n = len(matrix)
    # At least 4 dots (0.5 mm) per module, so phone cameras read it from paper.
    scale = max(4, target_width // n)
    scale = min(scale, max_width // n)
    if scale < 2:
        raise ValueError(f"qr_url is too long for a QR code on this paper ({n} modules)")
    data = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (n, n), data)
    big = small.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    return big.convert("1", dither=Image.Dither.NONE), scale


class _Sheet:
    """Stacks centred rows, then pastes them onto one image."""

    def __init__(self, width: int, scale: float) -> None:
        self.width = width
        self.scale = scale
        self.margin = 8
        self.inner = width - 2 * self.margin
        # (kind, image, gap above, TextLine fields or None)
        self.rows: list[tuple[str, Image.Image | None, int, dict | None]] = []

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    def text(self, kind: str, lang: str | None, text: str, size: float, bold: bool = False, gap: float = 0,
             private: bool = False, dots: bool = False) -> None:
        """Add a paragraph, wrapped onto as many lines as it needs.

        ``size`` is in 58 mm dots, scaled like the rest (``dots``: in dots of
        this paper, as is). ``private``: the text holds personal data (a name)
        and enters no cache.
        """
        size_px = round(size) if dots else self.px(size)
        if private:
            lines, used = _wrap(text, size_px, bold, self.inner, 12, _advance)
        else:
            lines, used = wrap(text, size_px, bold, self.inner)
        for i, line in enumerate(lines):
            image = (_draw_line if private else draw_line)(line, used, bold)
            info = {"kind": kind, "lang": lang, "text": line, "size": used, "bold": bold, "inverted": False}
            self.rows.append((kind, image, self.px(gap) if i == 0 else 0, info))

    def image(self, kind: str, image: Image.Image, gap: float = 0) -> None:
        self.rows.append((kind, image, self.px(gap), None))

    def space(self, height: float) -> None:
        """Blank paper of ``height`` (in 58 mm dots, scaled like the rest)."""
        self.rows.append(("space", None, self.px(height), None))

    def rule(self, gap: float = 10) -> None:
        """A dashed line across the ticket, to separate sections."""
        thickness = self.px(2)
        image = Image.new("1", (self.inner, thickness), _WHITE)
        draw = ImageDraw.Draw(image)
        dash = self.px(8)
        for x in range(0, self.inner, 2 * dash):
            draw.rectangle((x, 0, x + dash - 1, thickness - 1), fill=_BLACK)
        self.rows.append(("rule", image, self.px(gap), None))

    def finish(self, bottom_gap: float) -> tuple[Image.Image, list[TextLine], list[tuple[str, tuple[int, int, int, int]]]]:
        height = sum(gap + (img.height if img else 0) for _, img, gap, _ in self.rows) + self.px(bottom_gap)
        height = (height + 7) // 8 * 8  # whole 8-dot bands: what print heads feed
        sheet = Image.new("1", (self.width, height), _WHITE)
        lines: list[TextLine] = []
        boxes: list[tuple[str, tuple[int, int, int, int]]] = []
        y = 0
        for kind, img, gap, info in self.rows:
            y += gap
            if img is None:
                continue
            x = (self.width - img.width) // 2
            sheet.paste(img, (x, y))
            box = (x, y, x + img.width, y + img.height)
            if info is not None:
                lines.append(TextLine(box=box, **info))
            else:
                boxes.append((kind, box))
            y += img.height
        return sheet, lines, boxes


def _wait_texts(view: TicketView) -> tuple[str, str] | None:
    if view.wait_range is not None:
        low, high = view.wait_range
        if low == 0:
            return f"Thời gian chờ dự kiến: dưới {high} phút", f"Estimated wait: under {high} min"
        # An en dash between the figures, as Vietnamese and English print a range.
        return f"Thời gian chờ dự kiến: khoảng {low}–{high} phút", f"Estimated wait: about {low}–{high} min"
    minutes = view.wait_minutes
    if minutes is None:
        return None
    if minutes < 1:
        return "Thời gian chờ dự kiến: dưới 1 phút", "Estimated wait: under 1 minute"
    unit = "minute" if minutes == 1 else "minutes"
    return f"Thời gian chờ dự kiến: khoảng {minutes} phút", f"Estimated wait: about {minutes} {unit}"


def _number_image(number: str, max_width: int, max_size: int) -> tuple[Image.Image, int]:
    """The number, bold, as large as fits ``max_width`` (at most ``max_size``); tight ink box."""
    reference = 200
    left, _, right, _ = get_font(reference, True).getbbox(number)
    size = min(max_size, int(reference * max_width / max(1, right - left)))
    while size > 10:
        left, top, right, bottom = get_font(size, True).getbbox(number)
        if right - left <= max_width:
            break
        size -= 1
    font = get_font(size, True)
    left, top, right, bottom = font.getbbox(number)
    image = Image.new("1", (right - left, bottom - top), _WHITE)
    ImageDraw.Draw(image).text((-left, -top), number, font=font, fill=_BLACK)
    return image, size


def _priority_band(view: TicketView, width: int, sheet: _Sheet) -> tuple[Image.Image, list[dict]]:
    """A black band with "ƯU TIÊN" (and "Priority") in white: seen at a glance."""
    texts = [("ƯU TIÊN", "vi", sheet.px(34))]
    if view.english:
        texts.append(("Priority", "en", sheet.px(24)))
    images = [draw_line(text, size, True, inverted=True) for text, _, size in texts]
    pad = sheet.px(8)
    height = pad * 2 + sum(img.height for img in images)
    band = Image.new("1", (width, height), _BLACK)
    infos = []
    y = pad
    for (text, lang, size), img in zip(texts, images):
        x = (width - img.width) // 2
        band.paste(img, (x, y))
        infos.append(
            {"kind": "priority", "lang": lang, "text": text, "size": size, "bold": True, "inverted": True,
             "offset": (x, y, x + img.width, y + img.height)}
        )
        y += img.height
    return band, infos


def _citizen_rows(sheet: _Sheet, name: str) -> None:
    """"Công dân: Nguyễn Thị Hường" on one line; else the label, then the name on a line of its own.

    A long name is first printed a little smaller (down to the body text's
    size), then wrapped between its syllables: never cut inside one. No English
    line: it would only repeat the name.
    """
    size = sheet.px(26)
    sizes = range(size, sheet.px(23) - 1, -1)
    line = f"Công dân: {name}"
    fitting = next((s for s in sizes if _advance(line, s, True) <= sheet.inner), None)
    if fitting is not None:
        sheet.text("citizen", "vi", line, fitting, bold=True, gap=12, private=True, dots=True)
        return
    sheet.text("citizen", "vi", "Công dân:", 23, bold=True, gap=12)
    fitting = next((s for s in sizes if _advance(name, s, True) <= sheet.inner), size)
    sheet.text("citizen", "vi", name, fitting, bold=True, gap=2, private=True, dots=True)


def layout_ticket(view: TicketView, width_dots: int) -> TicketLayout:
    """Draw the ticket for ``view`` at ``width_dots`` and say what is where."""
    if width_dots < 256:
        raise ValueError(f"width_dots {width_dots} is too narrow for a ticket (58 mm paper is 384)")
    # Wider paper gets somewhat bigger text and fewer wrapped lines, rather
    # than the 58 mm ticket blown up (which would be 20 cm long at 80 mm).
    scale = 1 + (width_dots / 384 - 1) / 2
    sheet = _Sheet(width_dots, scale)
    en = view.english

    sheet.text("unit", "vi", view.unit_name_vi, 24, bold=True, gap=4)
    if en and view.unit_name_en:
        sheet.text("unit", "en", view.unit_name_en, 19, gap=2)
    sheet.rule(gap=10)
    sheet.text("service", "vi", view.service_name_vi, 30, bold=True, gap=10)
    if en and view.service_name_en:
        sheet.text("service", "en", view.service_name_en, 22, gap=2)

    sheet.text("label", "vi", "SỐ THỨ TỰ", 24, bold=True, gap=14)
    if en:
        sheet.text("label", "en", "Queue number", 19)
    number_image, number_size = _number_image(view.number, sheet.inner, round(0.36 * width_dots))
    sheet.image("number", number_image, gap=12)
    if view.citizen_name:
        _citizen_rows(sheet, view.citizen_name)

    priority_infos: list[dict] = []
    if view.priority:
        band, priority_infos = _priority_band(view, sheet.inner, sheet)
        sheet.image("priority", band, gap=14)
    if view.group_vi:
        sheet.text("group", "vi", f"Ưu tiên: {view.group_vi}", 24, bold=True, gap=10)
        if en and view.group_en:
            sheet.text("group", "en", f"Priority: {view.group_en}", 19)

    sheet.rule(gap=14)
    sheet.text("ahead", "vi", f"Số người đang chờ trước: {view.people_ahead}", 23, bold=True, gap=10)
    if en:
        sheet.text("ahead", "en", f"People ahead of you: {view.people_ahead}", 19)
    wait = _wait_texts(view)
    if wait is not None:
        sheet.text("wait", "vi", wait[0], 23, bold=True, gap=8)
        if en:
            sheet.text("wait", "en", wait[1], 19)
    stamp = view.issued_at.strftime("%d/%m/%Y - %H:%M")
    sheet.text("date", "vi", f"Ngày {stamp}", 23, bold=True, gap=8)

    qr_module = 0
    if view.qr_url:
        qr, qr_module = _qr_image(view.qr_url, sheet.inner, round(0.36 * width_dots))
        # Scanners need a white margin of 4 modules around the code.
        quiet = 4 * qr_module / scale
        sheet.image("qr", qr, gap=max(14, quiet))
        sheet.space(quiet)

    if view.hotline:
        sheet.rule(gap=14)
        sheet.text("hotline", "vi", f"Đường dây nóng: {view.hotline}", 22, bold=True, gap=10)
        if en:
            sheet.text("hotline", "en", f"Hotline: {view.hotline}", 19)

    if view.recording_vi:
        # Citizens are told they are recorded (camera and sound): as legible as the hotline's English.
        if not view.hotline:
            sheet.rule(gap=14)
        sheet.text("recording", "vi", f"{RECORDING_MARK} {view.recording_vi}", 20, bold=True, gap=10)
        if en and view.recording_en:
            sheet.text("recording", "en", view.recording_en, 19, gap=2)

    if view.notice_vi:
        # The personal-data notice the law asks for: small, last, below everything the citizen needs.
        if not view.hotline and not view.recording_vi:
            sheet.rule(gap=14)
        sheet.text("notice", "vi", view.notice_vi, 17, gap=10)
        if en and view.notice_en:
            sheet.text("notice", "en", view.notice_en, 16, gap=2)

    image, lines, boxes = sheet.finish(bottom_gap=8)
    regions = {kind: box for kind, box in boxes if kind != "rule"}
    # The number is a text line too (language-neutral), drawn in its tight ink box.
    left, top, right, bottom = regions["number"]
    all_lines = list(lines)
    all_lines.append(TextLine("number", None, view.number, number_size, True, False, regions["number"]))
    if "priority" in regions:
        bx, by = regions["priority"][:2]
        for info in priority_infos:
            ox0, oy0, ox1, oy1 = info.pop("offset")
            all_lines.append(TextLine(box=(bx + ox0, by + oy0, bx + ox1, by + oy1), **info))
    all_lines.sort(key=lambda line: (line.box[1], line.box[0]))
    return TicketLayout(image=image, lines=tuple(all_lines), regions=regions, qr_module=qr_module)


def render_ticket(view: TicketView, width_dots: int) -> Image.Image:
    """The ticket as a mode "1" image ``width_dots`` wide (black = printed)."""
    return layout_ticket(view, width_dots).image


def sample_view(**changes: object) -> TicketView:
    """A realistic ticket, for the self-test print, the benchmark and the docs."""
    from datetime import timedelta, timezone

    values: dict[str, object] = {
        "unit_name_vi": "Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa",
        "unit_name_en": "Traffic Police Department, Khanh Hoa Provincial Police",
        "service_name_vi": "Đăng ký xe mô tô, xe gắn máy, xe máy điện",
        "service_name_en": "Motorcycle, moped and e-bike registration",
        "number": "1005",
        "priority": False,
        "people_ahead": 5,
        "wait_minutes": 20,
        "issued_at": datetime(2026, 11, 27, 8, 15, tzinfo=timezone(timedelta(hours=7))),
        "qr_url": "https://dichvucong.example.vn/q/KH-PC08/1005",
        "hotline": "0258 3822 113",
        "languages": ("vi", "en"),
    }
    values.update(changes)
    return TicketView(**values)  # type: ignore[arg-type]
