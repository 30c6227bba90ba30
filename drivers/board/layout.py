"""Where each part of the board goes: the :class:`Layout` for a screen size and a state.

:func:`compute_layout` places the header (the unit's name and the clock), the
banners, the greeting after a card scan, the counter cards, the service cards,
the personal-data notice, the recording notice, the notice line and the hotline on a screen of any
size and orientation. Sizes come from a 1920x1080 design and
are scaled to the screen; text is measured with :mod:`drivers.board.text` so
that the clock's box fits any date. Nothing here draws: :mod:`drivers.board.render` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pygame

from drivers.board.state import BANNER_KINDS, BoardState
from drivers.board.text import _advance, text_width

#: At most this many banners are shown, the most serious first.
MAX_BANNERS = 3
NOTICE_SEPARATOR = "      •      "

# The clock's words: its box is made wide enough for the widest date.
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)


@dataclass(frozen=True)
class Layout:
    """Where each part of the board is, for one screen size and state shape.

    ``counters`` and ``services`` are in the order of the state's lists;
    ``banners`` in the order they are shown (see :func:`shown_banners`).
    ``greeting`` (under the banners), ``privacy`` (above the recording notice)
    and ``recording`` (just above the footer) have no height when the state has
    no greeting, personal-data notice or recording notice.
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
    greeting: pygame.Rect
    privacy: pygame.Rect
    recording: pygame.Rect


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


def _time_cells(size: int) -> tuple[int, int]:
    """Widths of a digit's cell and of the colon's cell in the clock's time."""
    return max(_advance(digit, size, True) for digit in "0123456789"), _advance(":", size, True)


def _time_width(size: int) -> int:
    digit, colon = _time_cells(size)
    return 6 * digit + 2 * colon


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
    # The greeting after a card scan: a tall strip, for the few seconds the app keeps it.
    greeting = pygame.Rect(0, banners_bottom, width, _px(132 * s) if state.greeting_vi else 0)

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
    # The recording notice: a fixed line just above the footer, never in the scrolling
    # line (a citizen must be able to read it at any moment, not when it scrolls by).
    recording_h = _px(48 * s) if state.recording_vi else 0
    recording = pygame.Rect(0, footer.y - recording_h, width, recording_h)
    # The personal-data notice: one small line above it (not in the scrolling
    # line's box, which is redrawn on its own many times a second).
    privacy_h = _px(40 * s) if state.notice_vi else 0
    privacy = pygame.Rect(0, recording.y - privacy_h, width, privacy_h)

    top, bottom = greeting.bottom, privacy.y
    body = pygame.Rect(pad, top + pad, width - 2 * pad, max(0, bottom - pad - (top + pad)))
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
                  services_title, services, footer, notices, hotline, greeting, privacy, recording)


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


def _named_number_zones(card: pygame.Rect, pad: int) -> tuple[pygame.Rect, pygame.Rect]:
    """A named call's number zone cut across: the number on top, the citizen's name under it."""
    number, _, _ = _counter_zones(card, pad)
    return split_height(number.inflate(0, -pad // 2), 0.62)


def _results_zones(card: pygame.Rect, pad: int) -> tuple[pygame.Rect, pygame.Rect]:
    """A results call's counter-name zone cut across: the counter's name, the "Nhận kết quả" tag under it."""
    _, _, name = _counter_zones(card, pad)
    return split_height(name.inflate(0, -pad // 2), 0.58)


def split_height(box: pygame.Rect, share: float) -> tuple[pygame.Rect, pygame.Rect]:
    """``box`` cut across: the top ``share`` of its height, and the rest below."""
    top_h = _px(box.height * share)
    return (pygame.Rect(box.x, box.y, box.width, top_h),
            pygame.Rect(box.x, box.y + top_h, box.width, box.height - top_h))


def _service_zones(card: pygame.Rect, pad: int, s: float) -> tuple[pygame.Rect, pygame.Rect]:
    """The name and waiting-count zones of a service card (or its column)."""
    count_w = min(_px(card.width * 0.32), _px(240 * s))
    count = pygame.Rect(card.right - count_w, card.y, count_w, card.height)
    name = pygame.Rect(card.x + pad, card.y + pad // 2, max(1, count.x - card.x - 2 * pad), max(1, card.height - pad))
    return name, count


def _hotline_label(state: BoardState) -> str:
    return "Đường dây nóng · Hotline" if state.english else "Đường dây nóng"


# --- the notice line ----------------------------------------------------------


def notice_text(state: BoardState) -> str:
    """The single line of notices that scrolls along the bottom."""
    return NOTICE_SEPARATOR.join(n.strip() for n in state.notices if n.strip())


def _notice_size(layout: Layout) -> int:
    return _px(36 * layout.scale)


def notices_scroll(layout: Layout, state: BoardState) -> bool:
    """Whether the notice line is too long for the screen and so scrolls."""
    text = notice_text(state)
    return bool(text) and text_width(text, _notice_size(layout), False) > layout.notices.width - 2 * layout.pad
