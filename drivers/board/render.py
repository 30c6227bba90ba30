"""Drawing the board with pygame: one frame, or only the parts that change.

``draw(surface, state, now)`` draws a whole frame and returns its
:class:`Layout`. Between state changes the board redraws only two regions:
``draw_clock`` (the date and time, once a second) and ``draw_notices`` (the
scrolling notice line). All three are pure: the picture depends only on the
surface size, the state and ``now`` (the scroll position is a function of the
time of day), so a frame can be reproduced in a test.

Text is drawn with DejaVu Sans through ``pygame.freetype``, because pygame's
built-in font lacks most Vietnamese letters. Sizes are given for a 1920x1080
screen and scaled to the real one. Rendered texts and text fits are cached, as
the same strings are drawn frame after frame; the time is drawn glyph by glyph
so that its 86,400 texts a day never enter the caches.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
import pygame.freetype  # noqa: E402

from drivers.board.state import BANNER_KINDS, BoardState, CounterCall, ServiceQueue  # noqa: E402
from drivers.fonts import font_path  # noqa: E402

Colour = tuple[int, int, int]

# High contrast for elderly readers: white on deep navy, black on bright yellow.
BACKGROUND: Colour = (10, 22, 44)
HEADER_BG: Colour = (150, 20, 24)
HEADER_SUBTEXT: Colour = (255, 222, 222)
CARD_BG: Colour = (26, 46, 82)
TEXT: Colour = (255, 255, 255)
SUBTEXT: Colour = (196, 208, 226)
TITLE: Colour = (170, 190, 220)
DIM: Colour = (110, 126, 152)
#: The newest call's card is filled with this colour (and nothing else is).
HIGHLIGHT: Colour = (255, 214, 0)
HIGHLIGHT_TEXT: Colour = (0, 0, 0)
HIGHLIGHT_SUBTEXT: Colour = (70, 56, 0)
COUNT: Colour = (130, 224, 255)
NOTE: Colour = (255, 190, 70)
FOOTER_BG: Colour = (3, 10, 22)
HOTLINE_BG: Colour = (180, 20, 30)

#: Background and text colour of each kind of banner.
BANNER_COLOURS: dict[str, tuple[Colour, Colour]] = {
    "error": ((200, 0, 0), (255, 255, 255)),
    "offline": ((106, 27, 154), (255, 255, 255)),
    "paper": ((255, 120, 0), (0, 0, 0)),
    "closed": ((21, 101, 192), (255, 255, 255)),
    "info": ((84, 110, 122), (255, 255, 255)),
}

#: At most this many banners are shown, the most serious first.
MAX_BANNERS = 3
#: Speed of the notice line, in pixels per second on a 1080-line screen.
NOTICE_SPEED = 150
NOTICE_SEPARATOR = "      •      "

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)

# Letters that reach highest above / lowest below the baseline: lines are
# spaced so that stacked Vietnamese accents (Ẫ, Ỗ) never touch the line above.
_PROBE_TOP = "ẪẤỖỸĐÁÝỶỄẰ"
_PROBE_BOTTOM = "gjpqyỵỴẠỰ"
_MIN_PX = 9


# --- fonts and text -----------------------------------------------------------


class _Fonts:
    """DejaVu Sans regular and bold as freetype fonts (sizes given per call)."""

    def __init__(self) -> None:
        self.regular = pygame.freetype.Font(str(font_path(bold=False)))
        self.bold = pygame.freetype.Font(str(font_path(bold=True)))
        for font in (self.regular, self.bold):
            font.antialiased = True
            font.origin = False
            font.pad = False

    def get(self, bold: bool) -> pygame.freetype.Font:
        return self.bold if bold else self.regular


_fonts_cache: _Fonts | None = None
_TEXT_CACHE_SIZE = 2048
# Bounded by pixels too: each called number is a new text in large digits, and
# a busy day calls over a thousand. The texts drawn on every frame fit many times.
_TEXT_CACHE_BYTES = 8 * 1024 * 1024
_text_cache_bytes = 0
_text_cache: OrderedDict[tuple[str, int, bool, Colour], tuple[pygame.Surface, pygame.Rect]] = OrderedDict()


def fonts() -> _Fonts:
    """The board fonts, (re)loading them when freetype was (re)initialised."""
    global _fonts_cache, _text_cache_bytes
    if not pygame.freetype.get_init():
        pygame.freetype.init()
        _fonts_cache = None
        _text_cache.clear()
        _text_cache_bytes = 0
    if _fonts_cache is None:
        _fonts_cache = _Fonts()
    return _fonts_cache


def render_text(text: str, size: int, bold: bool, colour: Colour) -> tuple[pygame.Surface, pygame.Rect]:
    """Render ``text`` (cached). The rect's ``y`` is the ink's height above the baseline."""
    key = (text, size, bold, colour)
    hit = _text_cache.get(key)
    if hit is not None:
        _text_cache.move_to_end(key)
        return hit
    surface, rect = fonts().get(bold).render(text, colour, size=size)
    if pygame.display.get_surface() is not None:
        # In the display's pixel format an alpha blit is about 8 times faster.
        surface = surface.convert_alpha()
    global _text_cache_bytes
    _text_cache[key] = (surface, rect)
    _text_cache_bytes += _surface_bytes(surface)
    while len(_text_cache) > _TEXT_CACHE_SIZE or (_text_cache_bytes > _TEXT_CACHE_BYTES and len(_text_cache) > 1):
        _, (old, _) = _text_cache.popitem(last=False)
        _text_cache_bytes -= _surface_bytes(old)
    return surface, rect


def _surface_bytes(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


@lru_cache(maxsize=16384)
def text_width(text: str, size: int, bold: bool) -> int:
    """Width in pixels of the ink of ``text``."""
    if not text:
        return 0
    return fonts().get(bold).get_rect(text, size=size).width


@lru_cache(maxsize=1024)
def line_metrics(size: int, bold: bool) -> tuple[int, int]:
    """``(ascent, line height)`` for one line of text at ``size`` pixels."""
    font = fonts().get(bold)
    top = font.get_rect(_PROBE_TOP, size=size)
    bottom = font.get_rect(_PROBE_BOTTOM, size=size)
    ascent = top.y
    descent = bottom.height - bottom.y
    return ascent, ascent + descent + max(1, round(size * 0.06))


def _blit_text(surface: pygame.Surface, text: str, size: int, bold: bool, colour: Colour, x: int, baseline: int) -> None:
    if not text:
        return
    image, rect = render_text(text, size, bold, colour)
    surface.blit(image, (x, baseline - rect.y))


def _split_long_word(word: str, size: int, bold: bool, width: int) -> list[str]:
    """Break a word wider than ``width`` into pieces that fit."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and text_width(current + char, size, bold) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, size: int, bold: bool, width: int) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if text_width(word, size, bold) <= width:
            current = word
        else:
            *full, current = _split_long_word(word, size, bold, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines


def ellipsize(text: str, size: int, bold: bool, width: int) -> str:
    """``text`` cut and ended with "…" so that it fits ``width`` (may be empty)."""
    if text_width(text, size, bold) <= width:
        return text
    cut = text
    while cut:
        cut = cut[:-1].rstrip()
        if text_width(cut + "…", size, bold) <= width:
            return cut + "…"
    return ""


@dataclass(frozen=True)
class Para:
    """A paragraph to fit into a box: its largest size and most lines."""

    text: str
    size: int
    bold: bool
    colour: Colour
    max_lines: int = 1
    #: Dropped (rather than shrinking everything further) when space runs out: English lines.
    optional: bool = False


@dataclass(frozen=True)
class Line:
    """One laid-out line: ``top`` is its offset from the top of the block."""

    text: str
    size: int
    bold: bool
    colour: Colour
    top: int
    ascent: int
    width: int


@dataclass(frozen=True)
class Block:
    """Lines fitted into a box, and the height they take."""

    lines: tuple[Line, ...]
    height: int


_SCALES = tuple(round(1 - 0.05 * i, 2) for i in range(10))  # 1.0 down to 0.55


def _lay_out(paras: tuple[Para, ...], width: int, scale: float) -> tuple[list[Line], int, bool]:
    """Lay out every paragraph at ``scale``; say whether each kept to its max_lines."""
    lines: list[Line] = []
    top = 0
    within = True
    for para in paras:
        if not para.text:
            continue
        size = max(_MIN_PX, round(para.size * scale))
        ascent, height = line_metrics(size, para.bold)
        wrapped = wrap(para.text, size, para.bold, width)
        if len(wrapped) > para.max_lines:
            within = False
            kept = wrapped[: para.max_lines]
            rest = " ".join([kept[-1], *wrapped[para.max_lines:]])
            kept[-1] = ellipsize(rest, size, para.bold, width)
            wrapped = kept
        for text in wrapped:
            line_width = text_width(text, size, para.bold)
            within = within and line_width <= width  # a single letter may be wider than the box
            lines.append(Line(text, size, para.bold, para.colour, top, ascent, line_width))
            top += height
    return lines, top, within


@lru_cache(maxsize=4096)
def fit(paras: tuple[Para, ...], width: int, height: int) -> Block:
    """Fit paragraphs into a ``width`` x ``height`` box, wrapping then shrinking.

    Each paragraph is wrapped to at most its ``max_lines``; when the whole does
    not fit, every size is scaled down (to 55 % at least), then the optional
    paragraphs (English) are left out. If it still does not fit, lines that
    would overflow are dropped and the last kept line ends with "…". No line is
    ever wider than ``width`` and the block never taller than ``height``
    (unless not even one line fits at the smallest size).
    """
    width = max(1, width)
    required = tuple(p for p in paras if not p.optional)
    for candidate in (paras, required):
        for scale in _SCALES:
            lines, total, within = _lay_out(candidate, width, scale)
            if within and total <= height:
                return Block(tuple(lines), total)
    lines, total, _ = _lay_out(required, width, _SCALES[-1])
    # A single letter can be wider than a tiny box: cut such lines (maybe to nothing).
    lines = [_cut(line, width) for line in lines]
    kept = [line for line in lines if line.top + line_metrics(line.size, line.bold)[1] <= height] or lines[:1]
    if len(kept) < len(lines):
        last = kept[-1]
        text = last.text if last.text.endswith("…") else ellipsize(last.text + "…", last.size, last.bold, width)
        kept[-1] = Line(text, last.size, last.bold, last.colour, last.top, last.ascent,
                        text_width(text, last.size, last.bold))
    bottom = kept[-1].top + line_metrics(kept[-1].size, kept[-1].bold)[1] if kept else 0
    return Block(tuple(kept), bottom)


def _cut(line: Line, width: int) -> Line:
    if line.width <= width:
        return line
    text = ellipsize(line.text, line.size, line.bold, width)
    return Line(text, line.size, line.bold, line.colour, line.top, line.ascent, text_width(text, line.size, line.bold))


def draw_block(
    surface: pygame.Surface,
    paras: tuple[Para, ...],
    box: pygame.Rect,
    align: str = "left",
    valign: str = "center",
) -> Block:
    """Fit ``paras`` into ``box`` and draw them; returns the fitted block."""
    block = fit(paras, box.width, box.height)
    if valign == "center":
        y0 = box.y + (box.height - block.height) // 2
    elif valign == "bottom":
        y0 = box.bottom - block.height
    else:
        y0 = box.y
    for line in block.lines:
        if align == "center":
            x = box.x + (box.width - line.width) // 2
        elif align == "right":
            x = box.right - line.width
        else:
            x = box.x
        _blit_text(surface, line.text, line.size, line.bold, line.colour, x, y0 + line.top + line.ascent)
    return block


# --- layout --------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where each part of the board is, for one screen size and state shape.

    ``counters`` and ``services`` are in the order of the state's lists;
    ``banners`` in the order they are shown (see :func:`shown_banners`).
    """

    size: tuple[int, int]
    scale: float
    pad: int
    header: pygame.Rect
    unit_name: pygame.Rect
    clock: pygame.Rect
    banners: tuple[pygame.Rect, ...]
    calls_title: pygame.Rect
    counters: tuple[pygame.Rect, ...]
    services_title: pygame.Rect
    services: tuple[pygame.Rect, ...]
    footer: pygame.Rect
    notices: pygame.Rect
    hotline: pygame.Rect


def _px(value: float) -> int:
    return int(round(value))


def board_scale(size: tuple[int, int]) -> float:
    """Scale factor from the 1920x1080 design to ``size`` (either orientation)."""
    long_side, short_side = max(size), min(size)
    return min(long_side / 1920, short_side / 1080)


def shown_banners(state: BoardState) -> tuple:
    """The banners drawn: the most serious first, at most :data:`MAX_BANNERS`."""
    order = {kind: i for i, kind in enumerate(BANNER_KINDS)}
    return tuple(sorted(state.banners, key=lambda b: order[b.kind]))[:MAX_BANNERS]


def _clock_sizes(s: float) -> tuple[int, int, int]:
    return _px(72 * s), _px(30 * s), _px(24 * s)


def _date_texts(now: datetime) -> tuple[str, str]:
    vi = f"{WEEKDAYS_VI[now.weekday()]}, {now.day:02d}/{now.month:02d}/{now.year}"
    en = f"{WEEKDAYS_EN[now.weekday()]}, {now.day} {MONTHS_EN[now.month - 1]} {now.year}"
    return vi, en


def _clock_width(s: float, english: bool) -> tuple[int, int]:
    """Widths of the (date, time) parts of the clock, wide enough for any date."""
    time_size, date_size, date_en_size = _clock_sizes(s)
    time_w = _time_width(time_size)
    date_w = max(text_width(f"{day}, 00/00/0000", date_size, False) for day in WEEKDAYS_VI)
    if english:
        date_w = max(date_w, max(text_width(f"{day}, 30 September 0000", date_en_size, False) for day in WEEKDAYS_EN))
    return date_w, time_w


@lru_cache(maxsize=256)
def _advance(char: str, size: int, bold: bool) -> int:
    """How far the pen moves after ``char``: digits share one advance in DejaVu Sans."""
    return round(fonts().get(bold).get_metrics(char, size=size)[0][4])


def _time_cells(size: int) -> tuple[int, int]:
    """Widths of a digit's cell and of the colon's cell in the clock's time."""
    return max(_advance(digit, size, True) for digit in "0123456789"), _advance(":", size, True)


def _time_width(size: int) -> int:
    digit, colon = _time_cells(size)
    return 6 * digit + 2 * colon


def _draw_time(surface: pygame.Surface, now: datetime, size: int, box: pygame.Rect) -> None:
    """Draw HH:MM:SS glyph by glyph, each centred in a fixed cell, right-aligned in ``box``.

    Drawn as one text, every second would be a new entry in the text caches
    (86,400 a day, each an image of large digits); glyph by glyph the caches
    hold eleven glyphs, and no digit moves when its neighbour changes.
    """
    digit, colon = _time_cells(size)
    ascent, height = line_metrics(size, True)
    baseline = box.y + (box.height - height) // 2 + ascent
    x = box.right - _time_width(size)
    for char in f"{now.hour:02d}:{now.minute:02d}:{now.second:02d}":
        cell = colon if char == ":" else digit
        image, rect = render_text(char, size, True, TEXT)
        surface.blit(image, (x + (cell - rect.width) // 2, baseline - rect.y))
        x += cell


def compute_layout(size: tuple[int, int], state: BoardState) -> Layout:
    """Place every part of the board on a screen of ``size`` pixels."""
    width, height = size
    s = board_scale(size)
    pad = max(4, _px(20 * s))
    gap = max(3, _px(12 * s))

    header_h = _px(124 * s)
    date_w, time_w = _clock_width(s, state.english)
    clock_w = date_w + 2 * pad + time_w
    if width - clock_w - 3 * pad >= 0.4 * width:  # the unit's name beside the clock
        clock = pygame.Rect(width - pad - clock_w, 0, clock_w, header_h)
        unit_name = pygame.Rect(pad, _px(8 * s), max(1, clock.x - 2 * pad), header_h - _px(16 * s))
    else:  # narrow screen: the unit's name above the clock
        unit_name = pygame.Rect(pad, _px(8 * s), width - 2 * pad, _px(96 * s))
        clock = pygame.Rect(max(0, width - pad - clock_w), unit_name.bottom, min(clock_w, width), header_h)
        header_h = clock.bottom
    header = pygame.Rect(0, 0, width, header_h)

    banner_h = _px(66 * s)
    banners = tuple(
        pygame.Rect(0, header_h + i * (banner_h + 2), width, banner_h)
        for i in range(len(shown_banners(state)))
    )
    banners_bottom = banners[-1].bottom if banners else header_h

    footer_h = _px(84 * s)
    footer = pygame.Rect(0, height - footer_h, width, footer_h)
    if state.hotline:
        label_w = text_width(_hotline_label(state), _px(22 * s), False)
        number_w = text_width(state.hotline, _px(38 * s), True)
        hotline_w = min(max(label_w, number_w) + 2 * pad, width // 2)  # a very long number shrinks
        hotline = pygame.Rect(width - hotline_w, footer.y, hotline_w, footer_h)
    else:
        hotline = pygame.Rect(width, footer.y, 0, footer_h)
    notices = pygame.Rect(0, footer.y, hotline.x, footer_h)

    body = pygame.Rect(pad, banners_bottom + pad, width - 2 * pad, footer.y - pad - (banners_bottom + pad))
    title_h = _px(58 * s)
    if width >= height:  # landscape: calls on the left, services on the right
        calls_w = _px((body.width - pad) * 0.58)
        calls = pygame.Rect(body.x, body.y, calls_w, body.height)
        services_pane = pygame.Rect(calls.right + pad, body.y, body.right - calls.right - pad, body.height)
    else:  # portrait: calls on top, services below
        calls_h = _px((body.height - pad) * 0.58)
        calls = pygame.Rect(body.x, body.y, body.width, calls_h)
        services_pane = pygame.Rect(body.x, calls.bottom + pad, body.width, body.bottom - calls.bottom - pad)

    calls_title = pygame.Rect(calls.x, calls.y, calls.width, title_h)
    services_title = pygame.Rect(services_pane.x, services_pane.y, services_pane.width, title_h)
    counters = _grid(
        pygame.Rect(calls.x, calls_title.bottom, calls.width, calls.bottom - calls_title.bottom),
        len(state.counters), _counter_columns(len(state.counters)), gap, _px(170 * s),
    )
    services = _grid(
        pygame.Rect(services_pane.x, services_title.bottom, services_pane.width,
                    services_pane.bottom - services_title.bottom),
        len(state.services), 1, gap, _px(210 * s),
    )
    return Layout(size, s, pad, header, unit_name, clock, banners, calls_title, counters,
                  services_title, services, footer, notices, hotline)


def _counter_columns(count: int) -> int:
    if count <= 6:
        return 1
    if count <= 14:
        return 2
    return 3


def _grid(area: pygame.Rect, count: int, columns: int, gap: int, max_row: int) -> tuple[pygame.Rect, ...]:
    """``count`` cells filling ``area`` column by column, rows at most ``max_row`` high."""
    if count == 0:
        return ()
    rows = math.ceil(count / columns)
    row_h = max(1, min((area.height - (rows - 1) * gap) // rows, max_row))
    col_w = max(1, (area.width - (columns - 1) * gap) // columns)
    cells = []
    for i in range(count):
        col, row = divmod(i, rows)
        cells.append(pygame.Rect(area.x + col * (col_w + gap), area.y + row * (row_h + gap), col_w, row_h))
    return tuple(cells)


def _counter_zones(card: pygame.Rect, pad: int) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
    """The number, arrow and counter-name zones of a counter card (or its column)."""
    number = pygame.Rect(card.x + pad, card.y, _px(card.width * 0.46) - pad, card.height)
    arrow = pygame.Rect(number.right, card.y, _px(card.width * 0.1), card.height)
    name = pygame.Rect(arrow.right + pad // 2, card.y, max(1, card.right - arrow.right - pad - pad // 2), card.height)
    return number, arrow, name


def _service_zones(card: pygame.Rect, pad: int, s: float) -> tuple[pygame.Rect, pygame.Rect]:
    """The name and waiting-count zones of a service card (or its column)."""
    count_w = min(_px(card.width * 0.32), _px(240 * s))
    count = pygame.Rect(card.right - count_w, card.y, count_w, card.height)
    name = pygame.Rect(card.x + pad, card.y + pad // 2, max(1, count.x - card.x - 2 * pad), max(1, card.height - pad))
    return name, count


def _hotline_label(state: BoardState) -> str:
    return "Đường dây nóng · Hotline" if state.english else "Đường dây nóng"


# --- drawing -------------------------------------------------------------------


def draw(surface: pygame.Surface, state: BoardState, now: datetime) -> Layout:
    """Draw one whole frame of the board for ``state`` at time ``now``."""
    layout = compute_layout(surface.get_size(), state)
    surface.set_clip(None)
    surface.fill(BACKGROUND)
    _draw_header(surface, layout, state)
    draw_clock(surface, layout, state, now)
    _draw_banners(surface, layout, state)
    _draw_calls(surface, layout, state)
    _draw_services(surface, layout, state)
    draw_notices(surface, layout, state, now)
    _draw_hotline(surface, layout, state)
    return layout


def _draw_header(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    s = layout.scale
    surface.fill(HEADER_BG, layout.header)
    paras = (
        Para(state.unit_name_vi.upper(), _px(46 * s), True, TEXT, 1 if state.english else 2),
        Para(state.unit_name_en if state.english else "", _px(28 * s), False, HEADER_SUBTEXT, 1, True),
    )
    draw_block(surface, paras, layout.unit_name)


def draw_clock(surface: pygame.Surface, layout: Layout, state: BoardState, now: datetime) -> pygame.Rect:
    """Draw the date and time (the only part that changes every second)."""
    s = layout.scale
    box = layout.clock
    surface.fill(HEADER_BG, box)
    time_size, date_size, date_en_size = _clock_sizes(s)
    date_w, time_w = _clock_width(s, state.english)
    time_box = pygame.Rect(box.right - time_w, box.y, time_w, box.height)
    date_box = pygame.Rect(box.x, box.y, date_w, box.height)
    _draw_time(surface, now, time_size, time_box)
    date_vi, date_en = _date_texts(now)
    draw_block(surface, (Para(date_vi, date_size, False, TEXT),
                         Para(date_en if state.english else "", date_en_size, False, HEADER_SUBTEXT, 1, True)),
               date_box, align="right")
    return box


def _draw_banners(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    s = layout.scale
    for banner, box in zip(shown_banners(state), layout.banners):
        background, colour = BANNER_COLOURS[banner.kind]
        surface.fill(background, box)
        inner = box.inflate(-2 * layout.pad, -_px(8 * s))
        mark = "" if banner.kind == "info" else "⚠  "  # a thank-you is not a warning
        segments = [(mark + banner.text_vi, _px(38 * s), True)]
        if state.english and banner.text_en:
            segments.append((banner.text_en, _px(28 * s), False))
        _draw_inline(surface, segments, colour, inner)


def _draw_inline(surface: pygame.Surface, segments: list[tuple[str, int, bool]], colour: Colour,
                 box: pygame.Rect) -> None:
    """Draw texts of different sizes on one baseline, shrinking them to fit ``box``."""
    for scale in _SCALES:
        sized = [(text, max(_MIN_PX, round(size * scale)), bold) for text, size, bold in segments]
        gap = sized[0][1]
        total = sum(text_width(t, z, b) for t, z, b in sized) + gap * (len(sized) - 1)
        if total <= box.width:
            break
    else:  # still too wide at the smallest size: cut the last segments with "…"
        remaining = box.width
        cut = []
        for text, size, bold in sized:
            text = ellipsize(text, size, bold, remaining)
            if text:
                cut.append((text, size, bold))
            remaining -= text_width(text, size, bold) + gap
            if remaining <= 0:
                break
        sized = cut
    ascent = max(line_metrics(size, bold)[0] for _, size, bold in sized) if sized else 0
    height = max(line_metrics(size, bold)[1] for _, size, bold in sized) if sized else 0
    baseline = box.y + (box.height - height) // 2 + ascent
    x = box.x
    for text, size, bold in sized:
        _blit_text(surface, text, size, bold, colour, x, baseline)
        x += text_width(text, size, bold) + gap


def _draw_titles(surface: pygame.Surface, layout: Layout, state: BoardState, left: pygame.Rect,
                 vi: str, en: str, align: str) -> None:
    s = layout.scale
    draw_block(surface, (Para(vi, _px(30 * s), True, TITLE),
                         Para(en if state.english else "", _px(22 * s), False, DIM, 1, True)),
               left, align=align, valign="center")


def _column_cards(cards: tuple[pygame.Rect, ...], title: pygame.Rect) -> list[pygame.Rect]:
    """One title-row-high rect above each column of cards."""
    xs: dict[int, pygame.Rect] = {}
    for card in cards:
        xs.setdefault(card.x, pygame.Rect(card.x, title.y, card.width, title.height))
    return list(xs.values()) or [pygame.Rect(title)]


def _draw_calls(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    pad = layout.pad
    for column in _column_cards(layout.counters, layout.calls_title):
        number, _, name = _counter_zones(column, pad)
        _draw_titles(surface, layout, state, number, "SỐ THỨ TỰ", "Number", "center")
        _draw_titles(surface, layout, state, name, "QUẦY", "Counter", "left")
    for call, card in zip(state.counters, layout.counters):
        _draw_counter(surface, layout, state, call, card)


def _draw_counter(surface: pygame.Surface, layout: Layout, state: BoardState, call: CounterCall,
                  card: pygame.Rect) -> None:
    pad = layout.pad
    if call.highlighted:
        background, text, subtext, arrow_colour = HIGHLIGHT, HIGHLIGHT_TEXT, HIGHLIGHT_SUBTEXT, HIGHLIGHT_TEXT
    else:
        background, text, subtext, arrow_colour = CARD_BG, TEXT, SUBTEXT, DIM
    pygame.draw.rect(surface, background, card, border_radius=_px(12 * layout.scale))
    number_box, arrow_box, name_box = _counter_zones(card, pad)
    inner = card.height - pad
    if call.number is None:
        number_para = Para("—", _px(card.height * 0.5), True, DIM)
    else:
        number_para = Para(call.number, _px(card.height * 0.74), True, text)
    draw_block(surface, (number_para,), number_box.inflate(0, -pad // 2), align="center")
    draw_block(surface, (Para("→", _px(card.height * 0.42), True, arrow_colour),), arrow_box, align="center")
    paras = (
        Para(call.counter_name_vi, _px(min(inner * 0.5, 72 * layout.scale)), True, text, 2),
        Para(call.counter_name_en if state.english else "", _px(min(inner * 0.3, 42 * layout.scale)),
             False, subtext, 1, True),
    )
    draw_block(surface, paras, name_box.inflate(0, -pad // 2))


def _draw_services(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    s = layout.scale
    for column in _column_cards(layout.services, layout.services_title):
        name, count = _service_zones(column, layout.pad, s)
        _draw_titles(surface, layout, state, pygame.Rect(name.x, column.y, name.width, column.height),
                     "DỊCH VỤ", "Service", "left")
        _draw_titles(surface, layout, state, pygame.Rect(count.x, column.y, count.width, column.height),
                     "ĐANG CHỜ", "Waiting", "center")
    for service, card in zip(state.services, layout.services):
        _draw_service(surface, layout, state, service, card)


def _draw_service(surface: pygame.Surface, layout: Layout, state: BoardState, service: ServiceQueue,
                  card: pygame.Rect) -> None:
    s = layout.scale
    pygame.draw.rect(surface, CARD_BG, card, border_radius=_px(12 * s))
    name_box, count_box = _service_zones(card, layout.pad, s)
    paras = (
        Para(service.name_vi, _px(38 * s), True, TEXT, 3),
        Para(service.name_en if state.english else "", _px(26 * s), False, SUBTEXT, 2, True),
        Para(service.note_vi or "", _px(28 * s), True, NOTE, 2),
        Para(service.note_en or "" if state.english else "", _px(24 * s), False, NOTE, 1, True),
    )
    draw_block(surface, paras, name_box)
    closed = bool(service.note_vi or service.note_en) and service.waiting == 0
    count_paras = (
        Para(str(service.waiting), _px(min(card.height * 0.56, 92 * s)), True, DIM if closed else COUNT),
        Para("người chờ", _px(22 * s), False, SUBTEXT),
        Para("waiting" if state.english else "", _px(20 * s), False, DIM, 1, True),
    )
    draw_block(surface, count_paras, count_box.inflate(-layout.pad // 2, -layout.pad // 2), align="center")


def notice_text(state: BoardState) -> str:
    """The single line of notices that scrolls along the bottom."""
    return NOTICE_SEPARATOR.join(n.strip() for n in state.notices if n.strip())


def _notice_size(layout: Layout) -> int:
    return _px(36 * layout.scale)


def notices_scroll(layout: Layout, state: BoardState) -> bool:
    """Whether the notice line is too long for the screen and so scrolls."""
    text = notice_text(state)
    return bool(text) and text_width(text, _notice_size(layout), False) > layout.notices.width - 2 * layout.pad


def draw_notices(surface: pygame.Surface, layout: Layout, state: BoardState, now: datetime,
                 animate: bool = True) -> pygame.Rect:
    """Draw the notice line; when too long it scrolls with the time of day.

    With ``animate`` false a long line is cut with "…" instead of scrolling.
    """
    box = layout.notices
    surface.fill(FOOTER_BG, box)
    text = notice_text(state)
    if not text or box.width <= 2 * layout.pad:
        return box
    size = _notice_size(layout)
    inner = box.inflate(-2 * layout.pad, 0)
    ascent, height = line_metrics(size, False)
    baseline = box.y + (box.height - height) // 2 + ascent
    if not notices_scroll(layout, state):
        _blit_text(surface, text, size, False, TEXT, inner.x, baseline)
        return box
    if not animate:
        _blit_text(surface, ellipsize(text, size, False, inner.width), size, False, TEXT, inner.x, baseline)
        return box
    # The position is a function of the time of day, so a frame is reproducible.
    period = text_width(text, size, False) + text_width(NOTICE_SEPARATOR, size, False)
    seconds = now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6
    offset = (seconds * NOTICE_SPEED * layout.scale) % period
    surface.set_clip(inner)
    x = inner.x - int(offset)
    while x < inner.right:
        _blit_text(surface, text, size, False, TEXT, x, baseline)
        x += period
    surface.set_clip(None)
    return box


def _draw_hotline(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    if not state.hotline:
        return
    s = layout.scale
    surface.fill(HOTLINE_BG, layout.hotline)
    draw_block(surface, (Para(_hotline_label(state), _px(22 * s), False, TEXT),
                         Para(state.hotline, _px(38 * s), True, TEXT)),
               layout.hotline.inflate(-layout.pad, -_px(6 * s)), align="center")
