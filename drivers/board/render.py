"""Drawing the board with pygame: one frame, or only the parts that change.

``draw(surface, state, now)`` draws a whole frame and returns its
:class:`~drivers.board.layout.Layout`. Between state changes the board redraws
only two regions: ``draw_clock`` (the date and time, once a second) and
``draw_notices`` (the scrolling notice line). All three are pure: the picture
depends only on the surface size, the state and ``now`` (the scroll position is
a function of the time of day), so a frame can be reproduced in a test.

Where each part goes is :mod:`drivers.board.layout`'s; the fonts, the text
cache and fitting text into a box are :mod:`drivers.board.text`'s. This module
holds the colours and the drawing. The time is drawn glyph by glyph so that its
86,400 texts a day never enter the text caches.
"""

from __future__ import annotations

from datetime import datetime

import pygame

# MAX_BANNERS, fonts and _text_cache are not used here: they are re-exported so
# that the board's tests read the drawing's limit and caches as render.X, as
# they did before the layout and the text were split out of this module.
from drivers.board.layout import (  # noqa: F401
    MAX_BANNERS,
    NOTICE_SEPARATOR,
    Layout,
    _clock_sizes,
    _clock_width,
    _counter_zones,
    _date_texts,
    _hotline_label,
    _notice_size,
    _px,
    _service_zones,
    _time_cells,
    _time_width,
    compute_layout,
    notice_text,
    notices_scroll,
    shown_banners,
)
from drivers.board.state import BoardState, CounterCall, ServiceQueue
from drivers.board.text import (  # noqa: F401
    _MIN_PX,
    _SCALES,
    Block,
    Colour,
    Para,
    _text_cache,
    ellipsize,
    fit,
    fonts,
    line_metrics,
    render_text,
    text_width,
)

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

#: Speed of the notice line, in pixels per second on a 1080-line screen.
NOTICE_SPEED = 150


# --- text on the surface --------------------------------------------------------


def _blit_text(surface: pygame.Surface, text: str, size: int, bold: bool, colour: Colour, x: int, baseline: int) -> None:
    if not text:
        return
    image, rect = render_text(text, size, bold, colour)
    surface.blit(image, (x, baseline - rect.y))


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


# --- the frame ------------------------------------------------------------------


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
