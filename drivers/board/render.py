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
    _named_number_zones,
    _notice_size,
    _px,
    _results_zones,
    _service_zones,
    _time_cells,
    _time_width,
    compute_layout,
    notice_text,
    notices_scroll,
    shown_banners,
    split_height,
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
    fit_private,
    fonts,
    line_metrics,
    render_text,
    text_width,
)
from drivers.names import mask_name

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
#: The greeting after a card scan: a light strip, the brightest thing on the board but the newest call.
GREETING_BG: Colour = (226, 244, 230)
GREETING_TEXT: Colour = (0, 84, 40)
GREETING_SUBTEXT: Colour = (40, 110, 70)
#: The "Nhận kết quả" tag of a call to collect results (on a yellow or a blue card alike).
RESULTS_TAG: Colour = (0, 138, 72)
RESULTS_TAG_TEXT: Colour = (255, 255, 255)
#: The personal-data notice above the footer.
PRIVACY_TEXT: Colour = SUBTEXT
#: The recording notice's strip just above the footer: white words after a red recording dot.
RECORDING_BG: Colour = (58, 10, 16)
RECORDING_DOT: Colour = (255, 48, 48)
RECORDING_TEXT: Colour = (255, 255, 255)
RECORDING_SUBTEXT: Colour = (255, 214, 214)
#: A counter's card while a dissatisfied citizen is asked why: warm white, with the buttons' numbers in red discs.
REASON_BG: Colour = (252, 248, 236)
REASON_TEXT: Colour = (10, 22, 44)
REASON_SUBTEXT: Colour = (70, 84, 110)
REASON_NUMBER_BG: Colour = (180, 20, 30)
REASON_NUMBER_TEXT: Colour = (255, 255, 255)

#: What a counter's card asks after a "Không hài lòng" press (English second).
REASON_PROMPT_VI = "Xin cho biết lý do chưa hài lòng"
REASON_PROMPT_EN = "Why were you not satisfied? Press a button"

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


def _blit_text(surface: pygame.Surface, text: str, size: int, bold: bool, colour: Colour, x: int, baseline: int,
               cache: bool = True) -> None:
    if not text:
        return
    image, rect = render_text(text, size, bold, colour, cache)
    surface.blit(image, (x, baseline - rect.y))


def draw_block(
    surface: pygame.Surface,
    paras: tuple[Para, ...],
    box: pygame.Rect,
    align: str = "left",
    valign: str = "center",
    private: bool = False,
) -> Block:
    """Fit ``paras`` into ``box`` and draw them; returns the fitted block.

    ``private``: the text is personal data (a name), kept out of every cache.
    """
    block = (fit_private if private else fit)(paras, box.width, box.height)
    _draw_fitted(surface, block, box, align, valign, cache=not private)
    return block


def _draw_fitted(surface: pygame.Surface, block: Block, box: pygame.Rect, align: str, valign: str,
                 cache: bool = True) -> None:
    """Draw an already fitted ``block`` in ``box``."""
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
        _blit_text(surface, line.text, line.size, line.bold, line.colour, x, y0 + line.top + line.ascent, cache)


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
    _draw_greeting(surface, layout, state)
    _draw_calls(surface, layout, state)
    _draw_services(surface, layout, state)
    _draw_privacy(surface, layout, state)
    _draw_recording(surface, layout, state)
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


Segment = tuple[str, int, bool]  # text, size, bold


def _inline_fit(segments: list[Segment], width: int, drop_tail: bool = False) -> tuple[list[Segment], int]:
    """Sizes for texts on one line within ``width``, and the width they take.

    Shrinks them all together (down to 55 %). With ``drop_tail`` the segments
    after the first (English) are then left out before anything is cut;
    last of all the text is cut with "…".
    """
    if not segments:
        return [], 0
    for candidate in ([segments, segments[:1]] if drop_tail and len(segments) > 1 else [segments]):
        for scale in _SCALES:
            sized = [(text, max(_MIN_PX, round(size * scale)), bold) for text, size, bold in candidate]
            total = _inline_width(sized)
            if total <= width:
                return sized, total
    remaining = width
    cut = []
    gap = sized[0][1]
    for text, size, bold in sized:
        text = ellipsize(text, size, bold, remaining)
        if text:
            cut.append((text, size, bold))
        remaining -= text_width(text, size, bold) + gap
        if remaining <= 0:
            break
    return cut, _inline_width(cut)


def _inline_width(sized: list[Segment]) -> int:
    if not sized:
        return 0
    return sum(text_width(t, z, b) for t, z, b in sized) + sized[0][1] * (len(sized) - 1)


def _draw_inline(surface: pygame.Surface, segments: list[Segment], colour: Colour,
                 box: pygame.Rect, drop_tail: bool = False, align: str = "left") -> int:
    """Draw texts of different sizes on one baseline, shrinking them to fit ``box``; returns their width."""
    sized, total = _inline_fit(segments, box.width, drop_tail)
    _draw_sized(surface, sized, colour, box, box.x + (box.width - total) // 2 if align == "center" else box.x)
    return total


def _draw_sized(surface: pygame.Surface, sized: list[Segment], colour: Colour, box: pygame.Rect, x: int) -> None:
    """Draw sized segments on one baseline from ``x``, centred in the height of ``box``."""
    if not sized:
        return
    gap = sized[0][1]
    ascent = max(line_metrics(size, bold)[0] for _, size, bold in sized)
    height = max(line_metrics(size, bold)[1] for _, size, bold in sized)
    baseline = box.y + (box.height - height) // 2 + ascent
    for text, size, bold in sized:
        _blit_text(surface, text, size, bold, colour, x, baseline)
        x += text_width(text, size, bold) + gap


def _draw_greeting(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    """"Xin chào Nguyễn V. A. Mời chọn dịch vụ": large, across the board, after a card scan."""
    if not state.greeting_vi:
        return
    s = layout.scale
    box = layout.greeting
    surface.fill(GREETING_BG, box)
    en = state.greeting_en if state.english and state.greeting_en else ""
    paras = (
        Para(state.greeting_vi, _px(58 * s), True, GREETING_TEXT, 2),
        Para(en, _px(32 * s), False, GREETING_SUBTEXT, 1, True),
    )
    draw_block(surface, paras, box.inflate(-2 * layout.pad, -_px(10 * s)), align="center", private=True)


def _draw_privacy(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    """The personal-data notice: one small line; English goes first when space runs out."""
    if not state.notice_vi:
        return
    s = layout.scale
    surface.fill(FOOTER_BG, layout.privacy)
    segments = [(state.notice_vi, _px(24 * s), False)]
    if state.english and state.notice_en:
        segments.append((state.notice_en, _px(21 * s), False))
    _draw_inline(surface, segments, PRIVACY_TEXT, layout.privacy.inflate(-2 * layout.pad, 0), drop_tail=True,
                 align="center")


def recording_segments(layout: Layout, state: BoardState) -> tuple[list[Segment], int]:
    """The recording notice's words as drawn, (text, size, bold) each, and the dot's diameter.

    Vietnamese bold, English after it smaller. English is left out before the
    Vietnamese shrinks at all (the notice the law asks for stays large); a text
    still too long shrinks (down to 55 %) and last of all is cut with "…".
    """
    s = layout.scale
    box = layout.recording.inflate(-2 * layout.pad, 0)
    dot = _px(box.height * 0.42)
    room = max(1, box.width - 2 * dot)
    segments: list[Segment] = [(state.recording_vi or "", _px(28 * s), True)]
    if state.english and state.recording_en:
        segments.append((state.recording_en, _px(22 * s), False))
        if _inline_width(segments) > room:
            segments = segments[:1]
    sized, _ = _inline_fit(segments, room)
    return sized, dot


def _draw_recording(surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
    """"● Khu vực giao dịch được ghi hình và ghi âm": a fixed line, centred, with a red recording dot."""
    if not state.recording_vi:
        return
    box = layout.recording
    surface.fill(RECORDING_BG, box)
    sized, dot = recording_segments(layout, state)
    width = 2 * dot + _inline_width(sized)
    x = box.x + max(layout.pad, (box.width - width) // 2)
    pygame.draw.circle(surface, RECORDING_DOT, (x + dot // 2, box.centery), dot // 2)
    if not sized:
        return
    # One baseline for both languages; English in a softer colour.
    ascent = max(line_metrics(size, bold)[0] for _, size, bold in sized)
    height = max(line_metrics(size, bold)[1] for _, size, bold in sized)
    baseline = box.y + (box.height - height) // 2 + ascent
    x += 2 * dot
    for (text, size, bold), colour in zip(sized, (RECORDING_TEXT, RECORDING_SUBTEXT)):
        _blit_text(surface, text, size, bold, colour, x, baseline)
        x += text_width(text, size, bold) + sized[0][1]


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
    if call.reasons:
        _draw_reasons(surface, layout, state, call, card)
        return
    if call.highlighted:
        background, text, subtext, arrow_colour = HIGHLIGHT, HIGHLIGHT_TEXT, HIGHLIGHT_SUBTEXT, HIGHLIGHT_TEXT
    else:
        background, text, subtext, arrow_colour = CARD_BG, TEXT, SUBTEXT, DIM
    pygame.draw.rect(surface, background, card, border_radius=_px(12 * layout.scale))
    number_box, arrow_box, name_box = _counter_zones(card, pad)
    number_box = number_box.inflate(0, -pad // 2)
    inner = card.height - pad
    if call.number is None:
        draw_block(surface, (Para("—", _px(card.height * 0.5), True, DIM),), number_box, align="center")
    elif call.name:
        # The number stays the largest thing; the citizen's name goes under it.
        digits_box, citizen_box = _named_number_zones(card, pad)
        draw_block(surface, (Para(call.number, _px(card.height * 0.6), True, text),), digits_box,
                   align="center", valign="bottom")
        _draw_fitted(surface, _fit_name(call.name, citizen_box, layout.scale, text), citizen_box,
                     "center", "top", cache=False)
    else:
        draw_block(surface, (Para(call.number, _px(card.height * 0.74), True, text),), number_box, align="center")
    draw_block(surface, (Para("→", _px(card.height * 0.42), True, arrow_colour),), arrow_box, align="center")
    counter_box = name_box.inflate(0, -pad // 2)
    if call.results and call.number is not None:
        counter_box, tag_box = _results_zones(card, pad)
        _draw_results_tag(surface, layout, state, tag_box)
    if call.results and call.number is not None:
        # The tag says it in English: the counter's English name would crowd its Vietnamese one.
        paras = (Para(call.counter_name_vi, _px(min(inner * 0.5, 72 * layout.scale)), True, text, 1),)
    else:
        paras = (
            Para(call.counter_name_vi, _px(min(inner * 0.5, 72 * layout.scale)), True, text, 2),
            Para(call.counter_name_en if state.english else "", _px(min(inner * 0.3, 42 * layout.scale)),
                 False, subtext, 1, True),
        )
    draw_block(surface, paras, counter_box, valign="bottom" if call.results else "center")


def _draw_reasons(surface: pygame.Surface, layout: Layout, state: BoardState, call: CounterCall,
                  card: pygame.Rect) -> None:
    """The card of a counter asking a dissatisfied citizen why: the question, then the reasons by button.

    The question names the counter (the citizen reads it at their own counter's
    card); each reason follows its button's number in a red disc, on one row
    when they fit, else in two columns.
    """
    s = layout.scale
    pad = layout.pad
    pygame.draw.rect(surface, REASON_BG, card, border_radius=_px(12 * s))
    inner = card.inflate(-2 * pad, -pad // 2)
    question, answers = split_height(inner, 0.42)
    segments = [(f"{call.counter_name_vi}: {REASON_PROMPT_VI}", _px(min(question.height * 0.62, 40 * s)), True)]
    if state.english:
        segments.append((REASON_PROMPT_EN, _px(min(question.height * 0.45, 26 * s)), False))
    _draw_inline(surface, segments, REASON_TEXT, question, drop_tail=True)
    vi_only = list(call.reasons)
    labels = vi_only
    if state.english and call.reasons_en:
        # English only where it fits without shrinking the Vietnamese: Vietnamese comes first.
        both = [f"{vi} · {en}" if en else vi for vi, en in zip(call.reasons, call.reasons_en)]
        if _reason_rows(both, answers, s)[2]:
            labels = both
    _draw_reason_choices(surface, labels, answers, s)


def _reason_rows(labels: list[str], box: pygame.Rect, s: float) -> tuple[list[list[str]], int, bool]:
    """The numbered reasons laid in rows for ``box``: (rows, text size, whether they fit unshrunk).

    One row if they fit at a readable size, else two rows.
    """
    for rows in (1, 2):
        size = _px(min(box.height * 0.6, 36 * s)) if rows == 1 else _px(min(box.height / 2 * 0.72, 32 * s))
        per_row = -(-len(labels) // rows)
        lines = [labels[i:i + per_row] for i in range(0, len(labels), per_row)]
        if max(_choices_width(line, size) for line in lines) <= box.width:
            return lines, size, True
    return lines, size, False


def _draw_reason_choices(surface: pygame.Surface, labels: list[str], box: pygame.Rect, s: float) -> None:
    """Draw the numbered reasons in ``box``, each after its button's number in a red disc."""
    lines, size, fits = _reason_rows(labels, box, s)
    if not fits:  # shrink every row alike; the text is cut with "…" below the smallest size
        widest = max(_choices_width(line, size) for line in lines)
        size = max(_MIN_PX, int(size * box.width / widest))
    row_h = box.height // len(lines)
    number = 1
    for row, line in enumerate(lines):
        cell = pygame.Rect(box.x, box.y + row * row_h, box.width, row_h)
        x = cell.x
        for label in line:
            disc = _px(size * 1.3)
            circle = pygame.Rect(x, cell.y + (cell.height - disc) // 2, disc, disc)
            pygame.draw.ellipse(surface, REASON_NUMBER_BG, circle)
            draw_block(surface, (Para(str(number), size, True, REASON_NUMBER_TEXT),), circle, align="center")
            text_box = pygame.Rect(circle.right + _px(size * 0.3), cell.y, max(1, cell.right - circle.right),
                                   cell.height)
            used = _draw_inline(surface, [(label, size, False)], REASON_TEXT, text_box)
            x = text_box.x + used + _px(size * 1.1)
            number += 1


def _choices_width(labels: list[str], size: int) -> int:
    """The width of one row of numbered reasons at ``size``."""
    disc, between, gap = _px(size * 1.3), _px(size * 0.3), _px(size * 1.1)
    return sum(disc + between + text_width(label, size, False) for label in labels) + gap * (len(labels) - 1)


def _fit_name(name: str, box: pygame.Rect, scale: float, colour: Colour = TEXT) -> Block:
    """A citizen's name on one line in ``box`` (under a called number), never spilling out of it.

    Shrunk first; if the whole name is still too long, its middle names become
    initials ("Tôn Nữ Hoàng Thị Ánh Tuyết" -> "Tôn N. H. T. Á. T."); last of
    all it is cut with "…". Nothing of it enters a cache (see :func:`fit_private`).
    """
    size = _px(min(box.height * 0.8, 48 * scale))
    candidates = [name]
    short = mask_name(name, "initials")
    if short and short != name:
        candidates.append(short)
    block = Block((), 0)
    for text in candidates:
        block = fit_private((Para(text, size, True, colour),), box.width, box.height)
        if len(block.lines) == 1 and block.lines[0].text == text:
            return block
    return block


def _draw_results_tag(surface: pygame.Surface, layout: Layout, state: BoardState, box: pygame.Rect) -> None:
    """The "Nhận kết quả" tag: white on green, a pill as wide as its words."""
    s = layout.scale
    size = _px(min(box.height * 0.52, 36 * s))
    segments = [("Nhận kết quả", size, True)]
    if state.english:
        segments.append(("Collect results", _px(size * 0.8), False))
    hpad = max(2, _px(size * 0.45))
    sized, width = _inline_fit(segments, max(1, box.width - 2 * hpad), drop_tail=True)
    if not sized:
        return
    height = max(line_metrics(z, b)[1] for _, z, b in sized) + _px(size * 0.3)
    pill = pygame.Rect(box.x, box.y + (box.height - height) // 2, width + 2 * hpad, min(height, box.height))
    pygame.draw.rect(surface, RESULTS_TAG, pill, border_radius=pill.height // 2)
    _draw_sized(surface, sized, RESULTS_TAG_TEXT, pill, pill.x + hpad)


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
