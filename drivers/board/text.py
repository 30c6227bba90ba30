"""Text on the board: the fonts, the cache of rendered texts, and fitting text into boxes.

Text is drawn with DejaVu Sans through ``pygame.freetype``, because pygame's
built-in font lacks most Vietnamese letters. :func:`fit` wraps paragraphs into
a box and shrinks them until they fit; :func:`render_text` renders one text.
Rendered texts, widths and fits are cached, as the same strings are drawn frame
after frame; the cache of rendered texts is bounded by count and by pixels.

A citizen's name is personal data and must not outlive its call in the board's
memory: :func:`fit_private` and ``render_text(..., cache=False)`` measure and
draw a text without it entering any cache.

Nothing here draws on the board: :mod:`drivers.board.render` does, with these.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pygame
import pygame.freetype

from drivers.fonts import font_path

Colour = tuple[int, int, int]

# Letters that reach highest above / lowest below the baseline: lines are
# spaced so that stacked Vietnamese accents (Ẫ, Ỗ) never touch the line above.
_PROBE_TOP = "ẪẤỖỸĐÁÝỶỄẰ"
_PROBE_BOTTOM = "gjpqyỵỴẠỰ"
_MIN_PX = 9


# --- fonts, measuring and the text cache -----------------------------------------


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


def render_text(text: str, size: int, bold: bool, colour: Colour,
                cache: bool = True) -> tuple[pygame.Surface, pygame.Rect]:
    """Render ``text`` (cached unless ``cache`` is false). The rect's ``y`` is the ink's height above the baseline."""
    key = (text, size, bold, colour)
    hit = _text_cache.get(key) if cache else None
    if hit is not None:
        _text_cache.move_to_end(key)
        return hit
    surface, rect = fonts().get(bold).render(text, colour, size=size)
    if pygame.display.get_surface() is not None:
        # In the display's pixel format an alpha blit is about 8 times faster.
        surface = surface.convert_alpha()
    if not cache:
        return surface, rect
    global _text_cache_bytes
    _text_cache[key] = (surface, rect)
    _text_cache_bytes += _surface_bytes(surface)
    while len(_text_cache) > _TEXT_CACHE_SIZE or (_text_cache_bytes > _TEXT_CACHE_BYTES and len(_text_cache) > 1):
        _, (old, _) = _text_cache.popitem(last=False)
        _text_cache_bytes -= _surface_bytes(old)
    return surface, rect


def _surface_bytes(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


def _ink_width(text: str, size: int, bold: bool) -> int:
    if not text:
        return 0
    return fonts().get(bold).get_rect(text, size=size).width


@lru_cache(maxsize=16384)
def text_width(text: str, size: int, bold: bool) -> int:
    """Width in pixels of the ink of ``text``."""
    return _ink_width(text, size, bold)


#: How a width is measured: :func:`text_width` (cached), or uncached for personal data.
Measure = Callable[[str, int, bool], int]


@lru_cache(maxsize=1024)
def line_metrics(size: int, bold: bool) -> tuple[int, int]:
    """``(ascent, line height)`` for one line of text at ``size`` pixels."""
    font = fonts().get(bold)
    top = font.get_rect(_PROBE_TOP, size=size)
    bottom = font.get_rect(_PROBE_BOTTOM, size=size)
    ascent = top.y
    descent = bottom.height - bottom.y
    return ascent, ascent + descent + max(1, round(size * 0.06))


@lru_cache(maxsize=256)
def _advance(char: str, size: int, bold: bool) -> int:
    """How far the pen moves after ``char``: digits share one advance in DejaVu Sans."""
    return round(fonts().get(bold).get_metrics(char, size=size)[0][4])


# --- fitting text into boxes ---------------------------------------------------


def _split_long_word(word: str, size: int, bold: bool, width: int, measure: Measure = text_width) -> list[str]:
    """Break a word wider than ``width`` into pieces that fit."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and measure(current + char, size, bold) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, size: int, bold: bool, width: int, measure: Measure = text_width) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if measure(word, size, bold) <= width:
            current = word
        else:
            *full, current = _split_long_word(word, size, bold, width, measure)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines


def ellipsize(text: str, size: int, bold: bool, width: int, measure: Measure = text_width) -> str:
    """``text`` cut and ended with "…" so that it fits ``width`` (may be empty)."""
    if measure(text, size, bold) <= width:
        return text
    cut = text
    while cut:
        cut = cut[:-1].rstrip()
        if measure(cut + "…", size, bold) <= width:
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


def _lay_out(paras: tuple[Para, ...], width: int, scale: float,
             measure: Measure = text_width) -> tuple[list[Line], int, bool]:
    """Lay out every paragraph at ``scale``; say whether each kept to its max_lines."""
    lines: list[Line] = []
    top = 0
    within = True
    for para in paras:
        if not para.text:
            continue
        size = max(_MIN_PX, round(para.size * scale))
        ascent, height = line_metrics(size, para.bold)
        wrapped = wrap(para.text, size, para.bold, width, measure)
        if len(wrapped) > para.max_lines:
            within = False
            kept = wrapped[: para.max_lines]
            rest = " ".join([kept[-1], *wrapped[para.max_lines:]])
            kept[-1] = ellipsize(rest, size, para.bold, width, measure)
            wrapped = kept
        for text in wrapped:
            line_width = measure(text, size, para.bold)
            within = within and line_width <= width  # a single letter may be wider than the box
            lines.append(Line(text, size, para.bold, para.colour, top, ascent, line_width))
            top += height
    return lines, top, within


@lru_cache(maxsize=4096)
def fit(paras: tuple[Para, ...], width: int, height: int) -> Block:
    """Fit paragraphs into a ``width`` x ``height`` box, wrapping then shrinking (cached).

    Each paragraph is wrapped to at most its ``max_lines``; when the whole does
    not fit, every size is scaled down (to 55 % at least), then the optional
    paragraphs (English) are left out. If it still does not fit, lines that
    would overflow are dropped and the last kept line ends with "…". No line is
    ever wider than ``width`` and the block never taller than ``height``
    (unless not even one line fits at the smallest size).
    """
    return _fit(paras, width, height, text_width)


def fit_private(paras: tuple[Para, ...], width: int, height: int) -> Block:
    """:func:`fit` for personal data (a citizen's name): nothing of it enters a cache.

    A few milliseconds more per frame that shows a name, so that the name is
    gone from memory once the board stops showing it (and the day's purge of
    names is not undone by an old cache entry).
    """
    return _fit(paras, width, height, _ink_width)


def _fit(paras: tuple[Para, ...], width: int, height: int, measure: Measure) -> Block:
    width = max(1, width)
    required = tuple(p for p in paras if not p.optional)
    for candidate in (paras, required):
        for scale in _SCALES:
            if _least_height(candidate, scale) > height:
                continue  # cannot fit even one line each: skip the measuring
            lines, total, within = _lay_out(candidate, width, scale, measure)
            if within and total <= height:
                return Block(tuple(lines), total)
    lines, total, _ = _lay_out(required, width, _SCALES[-1], measure)
    # A single letter can be wider than a tiny box: cut such lines (maybe to nothing).
    lines = [_cut(line, width, measure) for line in lines]
    kept = [line for line in lines if line.top + line_metrics(line.size, line.bold)[1] <= height] or lines[:1]
    if len(kept) < len(lines):
        last = kept[-1]
        text = (last.text if last.text.endswith("…")
                else ellipsize(last.text + "…", last.size, last.bold, width, measure))
        kept[-1] = Line(text, last.size, last.bold, last.colour, last.top, last.ascent,
                        measure(text, last.size, last.bold))
    bottom = kept[-1].top + line_metrics(kept[-1].size, kept[-1].bold)[1] if kept else 0
    return Block(tuple(kept), bottom)


def _least_height(paras: tuple[Para, ...], scale: float) -> int:
    """The height of ``paras`` at ``scale`` if each took a single line."""
    return sum(line_metrics(max(_MIN_PX, round(p.size * scale)), p.bold)[1] for p in paras if p.text)


def _cut(line: Line, width: int, measure: Measure = text_width) -> Line:
    if line.width <= width:
        return line
    text = ellipsize(line.text, line.size, line.bold, width, measure)
    return Line(text, line.size, line.bold, line.colour, line.top, line.ascent, measure(text, line.size, line.bold))
