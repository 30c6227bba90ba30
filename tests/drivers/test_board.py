"""The display board: what a citizen sees, checked on the pixels of real frames.

Every test draws with SDL's dummy video driver (set here, before pygame loads),
except one that runs the real backend on an Xvfb virtual screen.
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import tomllib  # noqa: E402
import unicodedata  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from PIL import Image, ImageChops  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from drivers.base import DeviceError  # noqa: E402
from drivers.board import Banner, BoardConfig, BoardState, CounterCall, ServiceQueue, open_board  # noqa: E402
from drivers.board import render  # noqa: E402
from drivers.board.layout import compute_layout  # noqa: E402
from drivers.board.render import HIGHLIGHT, draw  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 7, 14, 8, 15, 32)
SIZES = [(1920, 1080), (1366, 768)]


# --- helpers ---------------------------------------------------------------------


def counters(highlight: int = 3, numbers: dict[int, str | None] | None = None) -> list[CounterCall]:
    numbers = numbers or {1: "1001", 2: "2003", 3: "1005", 4: "3002", 5: None, 6: "1004"}
    return [CounterCall(c, f"Quầy {c}", f"Counter {c}", n, c == highlight) for c, n in numbers.items()]


def services(long: bool = False) -> list[ServiceQueue]:
    moto = "Đăng ký xe mô tô, xe gắn máy, xe máy điện"
    if long:
        moto += " và các loại xe tương tự khác theo quy định của pháp luật hiện hành " * 3
    return [
        ServiceQueue("Đăng ký xe ô tô", "Car registration", 12),
        ServiceQueue(moto, "Motorcycle, moped and e-bike registration" * (4 if long else 1), 7),
        ServiceQueue("Xử lý vi phạm hành chính về trật tự, an toàn giao thông", "Traffic violations", 0,
                     "Hôm nay không làm việc", "Closed today"),
    ]


def make_state(**changes) -> BoardState:
    fields = dict(
        unit_name_vi="Phòng Cảnh sát giao thông – Công an tỉnh Quảng Ninh",
        unit_name_en="Traffic Police Division – Quang Ninh Provincial Police",
        languages=("vi", "en"),
        counters=counters(),
        services=services(),
        notices=("Công dân vui lòng giữ trật tự",),
        hotline="0203 3825 123",
        banners=(),
    )
    fields.update(changes)
    return BoardState(**fields)


def image(surface: pygame.Surface) -> Image.Image:
    return Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))


def count_colour(img: Image.Image, colour: tuple[int, int, int], box: pygame.Rect | None = None,
                 tolerance: int = 0) -> int:
    """Pixels of ``colour`` (within ``tolerance`` per channel) inside ``box``."""
    if box is not None:
        img = img.crop(pil(box))
    colours = img.getcolors(maxcolors=1 << 24) or []
    return sum(n for n, c in colours if all(abs(a - b) <= tolerance for a, b in zip(c, colour)))


def pil(box: pygame.Rect) -> tuple[int, int, int, int]:
    """A pygame rect as a PIL box."""
    return (box.left, box.top, box.right, box.bottom)


def area(box: pygame.Rect) -> int:
    return box.width * box.height


def inside(bbox: tuple[int, int, int, int] | None, box: pygame.Rect) -> bool:
    """Whether a PIL bbox lies within ``box``."""
    assert bbox is not None, "nothing changed"
    left, top, right, bottom = bbox
    return box.left <= left and box.top <= top and right <= box.right and bottom <= box.bottom


def frame(state: BoardState, size=(1920, 1080), now=NOW) -> tuple[Image.Image, render.Layout]:
    surface = pygame.Surface(size)
    layout = draw(surface, state, now)
    return image(surface), layout


@pytest.fixture
def open_sim():
    """Open simulated boards and close them after the test."""
    opened = []

    def _open(**config) -> object:
        board = open_board(BoardConfig(backend="simulated", **config))
        opened.append(board)
        return board

    yield _open
    for board in opened:
        board.close()


# --- the newest call -------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_newest_call_is_highlighted_and_no_other(open_sim, tmp_path, size):
    board = open_sim(width=size[0], height=size[1])
    board.show(make_state(counters=counters(highlight=3)))
    board.tick(NOW)
    img = Image.open(board.save_png(tmp_path / "board.png")).convert("RGB")
    assert img.size == size
    cards = board.layout.counters
    newest = cards[2]
    # Most of the newest call's card is the highlight colour, and its number is
    # drawn on it in black.
    assert count_colour(img, HIGHLIGHT, newest) > 0.6 * area(newest)
    assert count_colour(img, (0, 0, 0), newest, tolerance=40) > 0.03 * area(newest)
    for i, card in enumerate(cards):
        if i != 2:
            assert count_colour(img, HIGHLIGHT, card, tolerance=30) == 0, f"counter {i + 1} highlighted"
    # Nothing else on the board uses the highlight colour.
    assert count_colour(img, HIGHLIGHT, tolerance=30) == count_colour(img, HIGHLIGHT, newest, tolerance=30)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_new_call_changes_only_its_counter(size):
    before, layout = frame(make_state(counters=counters(highlight=3)), size)
    numbers = {1: "1001", 2: "2003", 3: "1006", 4: "3002", 5: None, 6: "1004"}
    after, _ = frame(make_state(counters=counters(highlight=3, numbers=numbers)), size)
    assert inside(ImageChops.difference(before, after).getbbox(), layout.counters[2])


def test_highlight_moves_with_the_newest_call():
    img, layout = frame(make_state(counters=counters(highlight=5)))
    assert count_colour(img, HIGHLIGHT, layout.counters[4]) > 0.6 * area(layout.counters[4])
    assert count_colour(img, HIGHLIGHT, layout.counters[2], tolerance=30) == 0


def test_many_counters_fit_in_two_columns():
    many = {c: str(1000 + c) for c in range(1, 13)}
    img, layout = frame(make_state(counters=counters(highlight=12, numbers=many)))
    assert len({card.x for card in layout.counters}) == 2
    assert count_colour(img, HIGHLIGHT, layout.counters[11]) > 0.6 * area(layout.counters[11])
    for a in layout.counters:
        for b in layout.counters:
            assert a is b or not a.colliderect(b)


# --- banners ---------------------------------------------------------------------

BANNERS = {
    "paper": Banner.paper_out(),
    "offline": Banner("offline", "Mất kết nối từ 08:15", "Offline since 08:15"),
    "closed": Banner("closed", "Dịch vụ Cấp căn cước mở cửa lúc 07:30", "ID cards: opens at 07:30"),
    "error": Banner("error", "Lỗi cấu hình: services[2].numbering", "Configuration error"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_banner_colour_without_banners(size):
    img, layout = frame(make_state(banners=()), size)
    assert layout.banners == ()
    for background, _ in render.BANNER_COLOURS.values():
        assert count_colour(img, background) == 0


@pytest.mark.parametrize("kind", sorted(BANNERS))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_banner_appears_when_set(kind, size):
    plain, plain_layout = frame(make_state(), size)
    img, layout = frame(make_state(banners=(BANNERS[kind],)), size)
    (box,) = layout.banners
    background, text = render.BANNER_COLOURS[kind]
    assert count_colour(img, background, box) > 0.6 * area(box)
    assert count_colour(img, text, box, tolerance=40) > 0.02 * area(box)  # its words
    for other, (colour, _) in render.BANNER_COLOURS.items():
        if other != kind:
            assert count_colour(img, colour) == 0
    # The banner pushes the calls down rather than covering them.
    assert layout.counters[0].top > box.bottom
    assert layout.counters[0].top > plain_layout.counters[0].top


def test_banners_stack_most_serious_first():
    state = make_state(banners=(BANNERS["closed"], BANNERS["paper"], BANNERS["error"], BANNERS["offline"]))
    img, layout = frame(state)
    assert len(layout.banners) == render.MAX_BANNERS
    kinds = [b.kind for b in render.shown_banners(state)]
    assert kinds == ["error", "offline", "paper"]
    for kind, box in zip(kinds, layout.banners):
        assert count_colour(img, render.BANNER_COLOURS[kind][0], box) > 0.6 * area(box)


def test_standard_banner_wording():
    assert BANNERS["paper"].text_vi == "Máy in hết giấy"
    with pytest.raises(ValueError, match="banner kind"):
        Banner("fire", "Cháy")


def test_long_error_banner_stays_on_one_strip():
    long_error = Banner("error", "Lỗi cấu hình: " + "services[2].numbering: end 999 is below start 1001; " * 6)
    img, layout = frame(make_state(banners=(long_error,)), (1366, 768))
    plain, _ = frame(make_state(banners=(Banner("error", "Lỗi"),)), (1366, 768))
    assert inside(ImageChops.difference(img, plain).getbbox(), layout.banners[0])


# --- Vietnamese text ---------------------------------------------------------------

TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
VOWELS = "aăâeêioôơuưy"


def vietnamese_letters() -> list[str]:
    letters = []
    for vowel in VOWELS:
        for tone in TONES:
            lower = unicodedata.normalize("NFC", vowel + tone)
            letters += [lower, lower.upper()]
    return letters + ["đ", "Đ"]


def test_the_letter_set_is_complete():
    letters = vietnamese_letters()
    assert len(letters) == 12 * 6 * 2 + 2 == len(set(letters))
    assert all(len(letter) == 1 for letter in letters)  # NFC: one code point each
    assert {"ắ", "Ặ", "ỹ", "Ỵ", "ữ", "Ờ", "đ", "Đ"} <= set(letters)


@pytest.mark.parametrize("bold", [False, True], ids=["regular", "bold"])
def test_every_vietnamese_letter_is_a_real_glyph(bold):
    font = render.fonts().get(bold)
    notdef = pygame.image.tobytes(render.render_text("\ue000", 48, bold, (255, 255, 255))[0], "RGBA")
    assert font.get_metrics("\ue000", size=48) == [None]  # the probe really is missing
    bitmaps = {}
    for letter in vietnamese_letters():
        assert font.get_metrics(letter, size=48)[0] is not None, f"{letter!r} missing from the font"
        surface, _ = render.render_text(letter, 48, bold, (255, 255, 255))
        bitmap = (surface.get_size(), pygame.image.tobytes(surface, "RGBA"))
        assert bitmap[1] != notdef, f"{letter!r} drawn as the missing-glyph box"
        bitmaps[letter] = bitmap
    # Every tone mark is visible: no two letters look the same.
    assert len(set(bitmaps.values())) == len(bitmaps)


def test_decomposed_text_is_drawn_like_composed_text():
    text = "".join(vietnamese_letters())
    nfc, _ = frame(make_state(unit_name_vi=text[:40], notices=(text[40:80],)))
    nfd, _ = frame(make_state(unit_name_vi=unicodedata.normalize("NFD", text[:40]),
                              notices=(unicodedata.normalize("NFD", text[40:80]),)))
    assert ImageChops.difference(nfc, nfd).getbbox() is None


def test_english_can_be_switched_off(open_sim):
    board = open_sim(show_english=False)
    board.show(make_state(languages=("vi", "en")))
    board.tick(NOW)
    vi_only, _ = frame(make_state(languages=("vi",)))
    both, _ = frame(make_state(languages=("vi", "en")))
    assert ImageChops.difference(image(board.surface), vi_only).getbbox() is None
    assert ImageChops.difference(both, vi_only).getbbox() is not None


def test_date_is_vietnamese_first():
    assert render._date_texts(datetime(2025, 7, 13)) == ("Chủ Nhật, 13/07/2025", "Sunday, 13 July 2025")
    assert render._date_texts(datetime(2025, 7, 14))[0] == "Thứ Hai, 14/07/2025"


# --- fitting text into boxes --------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_long_service_names_stay_in_their_card(size):
    short, layout = frame(make_state(services=services(long=False)), size)
    long, long_layout = frame(make_state(services=services(long=True)), size)
    assert long_layout.services == layout.services
    card = layout.services[1]
    # Only the second card changed, and its waiting count did not move.
    assert inside(ImageChops.difference(short, long).getbbox(), card)
    _, count_box = render._service_zones(card, layout.pad, layout.scale)
    assert ImageChops.difference(short.crop(pil(count_box)), long.crop(pil(count_box))).getbbox() is None


def test_a_word_longer_than_the_box_is_broken_or_cut():
    name = "Đăngkýxemôtôxegắnmáyxemáyđiệnvàcácloạixetươngtựkhác" * 3
    short, layout = frame(make_state(services=services()))
    long, _ = frame(make_state(services=[ServiceQueue(name, name, 12), *services()[1:]]))
    name_box, _ = render._service_zones(layout.services[0], layout.pad, layout.scale)
    assert inside(ImageChops.difference(short, long).getbbox(), name_box)


def test_long_unit_and_counter_names_stay_in_their_boxes():
    unit = "Phòng Cảnh sát quản lý hành chính về trật tự xã hội " * 5
    short_calls = [CounterCall(1, "Quầy 1", "Counter 1", "1001", True)]
    long_calls = [CounterCall(1, "Quầy tiếp nhận và trả kết quả " * 4, "Reception " * 8, "1001", True)]
    short, layout = frame(make_state(counters=short_calls))
    long, long_layout = frame(make_state(unit_name_vi=unit, unit_name_en=unit, counters=long_calls))
    assert long_layout.counters == layout.counters
    bbox = ImageChops.difference(short, long).getbbox()
    assert bbox is not None
    diff = ImageChops.difference(short, long)
    outside = diff.copy()
    for box in (layout.unit_name, layout.counters[0]):
        outside.paste((0, 0, 0), pil(box))
    assert outside.getbbox() is None


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(vietnamese_letters() + list("bcdghklmnpqrstvx ,.0123456789")),
                 min_size=1, max_size=200),
    width=st.integers(40, 900),
    height=st.integers(40, 300),
    size=st.integers(12, 90),
    max_lines=st.integers(1, 4),
)
def test_fitted_text_never_leaves_its_box(text, width, height, size, max_lines):
    paras = (render.Para(text, size, True, (255, 255, 255), max_lines),
             render.Para(text[::-1], size // 2 + 6, False, (200, 200, 200), 1, True))
    block = render.fit(paras, width, height)
    for line in block.lines:
        assert line.width <= width
        assert line.size >= render._MIN_PX
    smallest_line = render.line_metrics(max(render._MIN_PX, round(size * render._SCALES[-1])), True)[1]
    if smallest_line <= height:
        assert block.height <= height


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(320, 3840),
    height=st.integers(240, 2160),
    n_counters=st.integers(0, 20),
    n_services=st.integers(0, 8),
    n_banners=st.integers(0, 5),
    english=st.booleans(),
    hotline=st.sampled_from(["", "0203 3825 123", "1900 1234 5678 9012 3456 7890 1234 5678"]),
    greeting=st.booleans(),
    notice=st.booleans(),
    recording=st.booleans(),
)
def test_any_resolution_lays_out_without_overlap(width, height, n_counters, n_services, n_banners, english,
                                                  hotline, greeting, notice, recording):
    state = make_state(
        greeting_vi="Xin chào Nguyễn T. H. Mời chọn dịch vụ" if greeting else None,
        notice_vi="Họ tên chỉ dùng để gọi tên, xóa cuối ngày." if notice else None,
        recording_vi="Khu vực giao dịch được ghi hình và ghi âm" if recording else None,
        counters=counters(highlight=1, numbers={c: str(1000 + c) for c in range(1, n_counters + 1)}),
        services=(services() * 3)[:n_services],
        banners=(list(BANNERS.values()) * 2)[:n_banners],
        languages=("vi", "en") if english else ("vi",),
        hotline=hotline,
    )
    layout = compute_layout((width, height), state)
    screen = pygame.Rect(0, 0, width, height)
    boxes = [*layout.counters, *layout.services]
    parts = [layout.header, layout.unit_name, layout.clock, *layout.banners, layout.footer, layout.notices]
    strips = [box for box in (layout.greeting, layout.privacy, layout.recording) if box.height]
    assert len(strips) == greeting + notice + recording
    for box in [*boxes, *parts, *strips, *([layout.hotline] if hotline else [])]:
        assert screen.contains(box), (box, screen)
    for i, strip in enumerate(strips):
        assert not any(strip.colliderect(box) for box in [*boxes, layout.header, layout.footer, *layout.banners])
        assert not any(strip.colliderect(other) for other in strips[i + 1:])
    assert layout.notices.width > 0 and not layout.notices.colliderect(layout.hotline)
    assert not layout.unit_name.colliderect(layout.clock)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.colliderect(b)
        assert not a.colliderect(layout.footer) and not a.colliderect(layout.header)
    if width * height <= 1920 * 1080:  # drawing big screens is slow; the layout is what matters
        draw(pygame.Surface((width, height)), state, NOW)


# --- redraw policy ------------------------------------------------------------------


def test_clock_redraws_at_most_once_a_second(open_sim):
    board = open_sim(width=1366, height=768)
    board.tick(NOW)
    board.show(make_state())
    before = image(board.surface)
    for step in range(1, 201):  # 10 seconds in 50 ms steps
        board.tick(NOW + timedelta(milliseconds=50 * step))
    assert board.redraws.clock == 10
    assert board.redraws.full == 1
    assert board.redraws.notices == 0  # the notice fits: nothing scrolls
    # What changed on screen is the clock, and only the clock.
    assert inside(ImageChops.difference(before, image(board.surface)).getbbox(), board.layout.clock)


def test_a_new_second_changes_only_its_own_digit():
    """The time is drawn in fixed cells: when the seconds tick, nothing else on the board moves."""
    before, layout = frame(make_state(), now=NOW)  # 08:15:32
    after, _ = frame(make_state(), now=NOW + timedelta(seconds=1))  # 08:15:33
    left, _, right, _ = ImageChops.difference(before, after).getbbox()
    digit, _ = render._time_cells(render._clock_sizes(layout.scale)[0])
    assert layout.clock.right - digit <= left and right <= layout.clock.right


def test_a_day_of_seconds_does_not_grow_the_text_caches():
    """Each second is a new time: drawn as one text, a day would fill the caches with big digits."""
    state = make_state()
    surface = pygame.Surface((1920, 1080))
    layout = draw(surface, state, NOW)
    texts, fits, widths = len(render._text_cache), render.fit.cache_info().currsize, render.text_width.cache_info().currsize
    for second in range(1, 3601):
        render.draw_clock(surface, layout, state, NOW + timedelta(seconds=second))
    assert len(render._text_cache) - texts <= 11  # at most the digits and the colon are new
    assert render.fit.cache_info().currsize - fits <= 2  # the date changes once, at midnight
    assert render.text_width.cache_info().currsize - widths <= 4


def test_nothing_is_redrawn_within_a_second(open_sim):
    board = open_sim()
    board.show(make_state())
    board.tick(NOW)
    counts = (board.redraws.full, board.redraws.clock, board.redraws.notices)
    for ms in range(0, 1000, 10):
        board.tick(NOW + timedelta(milliseconds=ms))
    assert (board.redraws.full, board.redraws.clock, board.redraws.notices) == counts


def test_showing_the_same_state_again_does_not_redraw(open_sim):
    board = open_sim()
    board.show(make_state())
    board.show(make_state())
    assert board.redraws.full == 1
    board.show(make_state(counters=counters(highlight=1)))
    assert board.redraws.full == 2


def test_clock_jumping_back_is_shown(open_sim):
    board = open_sim()
    board.tick(NOW)
    board.show(make_state())
    board.tick(NOW - timedelta(hours=3))  # NTP corrected the clock
    assert board.redraws.clock == 1
    expected, _ = frame(make_state(), now=NOW - timedelta(hours=3))
    clock = board.layout.clock
    assert ImageChops.difference(image(board.surface).crop(pil(clock)), expected.crop(pil(clock))).getbbox() is None


LONG_NOTICES = tuple(f"Thông báo số {i}: công dân vui lòng chuẩn bị giấy tờ trước khi đến lượt" for i in range(5))


def test_long_notices_scroll_at_the_configured_rate(open_sim):
    board = open_sim(notice_fps=10)
    board.tick(NOW)
    board.show(make_state(notices=LONG_NOTICES))
    start = image(board.surface)
    for ms in range(1, 2001):  # every millisecond for 2 s
        board.tick(NOW + timedelta(milliseconds=ms))
    assert 19 <= board.redraws.notices <= 21
    assert board.redraws.clock == 2
    assert board.redraws.full == 1
    diff = ImageChops.difference(start, image(board.surface))
    diff.paste((0, 0, 0), pil(board.layout.clock))
    assert inside(diff.getbbox(), board.layout.notices)  # the line moved, nothing else did


def test_notices_do_not_scroll_when_animation_is_off(open_sim):
    board = open_sim(notice_fps=0)
    board.show(make_state(notices=LONG_NOTICES))
    for ms in range(0, 3000, 20):
        board.tick(NOW + timedelta(milliseconds=ms))
    assert board.redraws.notices == 0


def test_standing_notices_come_first(open_sim):
    board = open_sim(notices=["Giữ trật tự"])
    board.tick(NOW)
    board.show(make_state(notices=("Hôm nay nghỉ trưa", "Giữ trật tự")))
    shown, _ = frame(make_state(notices=("Giữ trật tự", "Hôm nay nghỉ trưa")))
    assert ImageChops.difference(image(board.surface), shown).getbbox() is None


# --- the device ---------------------------------------------------------------------


def test_simulated_board_writes_a_frame_per_change(open_sim, tmp_path):
    board = open_sim(width=1366, height=768, frames_dir=tmp_path / "frames")
    board.show(make_state())
    board.show(make_state())  # no change: no new frame
    for second in range(3):
        board.tick(NOW + timedelta(seconds=second))  # clock only: no new frame
    board.show(make_state(banners=(Banner.paper_out(),)))
    frames = sorted((tmp_path / "frames").iterdir())
    assert [f.name for f in frames] == ["board-000001.png", "board-000002.png"]
    last = Image.open(frames[-1]).convert("RGB")
    assert last.size == (1366, 768)
    assert count_colour(last, render.BANNER_COLOURS["paper"][0], board.layout.banners[0]) > 0
    assert board.save_png().name == "board-000003.png"


def test_simulated_size_defaults_to_1080p(open_sim):
    assert open_sim().size == (1920, 1080)


def test_save_png_needs_a_path_without_frames_dir(open_sim):
    board = open_sim()
    board.show(make_state())
    with pytest.raises(ValueError, match="frames_dir"):
        board.save_png()


def test_only_one_board_at_a_time(open_sim):
    open_sim()
    with pytest.raises(DeviceError, match="already open"):
        open_sim()


def test_board_refuses_calls_from_another_thread(open_sim):
    board = open_sim()
    errors = []
    worker = threading.Thread(target=lambda: _capture(errors, board.show, make_state()))
    worker.start()
    worker.join()
    assert errors and "thread" in str(errors[0])


def _capture(errors, fn, *args):
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        errors.append(exc)


def test_the_main_loop_shows_the_newest_state_and_ticks(open_sim):
    """As the app's main loop drives the board: each pass ticks the clock, then shows the
    office's latest state. States replaced before the loop came round are never drawn."""
    board = open_sim()
    latest = None
    for highlight in (1, 2, 4):  # three calls before the first pass: the loop sees the last
        latest = make_state(counters=counters(highlight=highlight))
    for second in range(4):
        board.tick(NOW + timedelta(seconds=second))  # first, so that a new state is drawn with the current time
        board.show(latest)
    assert board.redraws.full == 1  # the two older states were skipped
    img = image(board.surface)
    assert count_colour(img, HIGHLIGHT, board.layout.counters[3]) > 0.6 * area(board.layout.counters[3])
    assert board.redraws.clock == 3


def test_closed_board_refuses_to_draw(open_sim):
    board = open_sim()
    board.close()
    with pytest.raises(RuntimeError, match="closed"):
        board.show(make_state())


def test_state_validation():
    with pytest.raises(ValueError, match="language"):
        make_state(languages=("vi", "fr"))
    with pytest.raises(ValueError, match="waiting"):
        ServiceQueue("A", "A", -1)
    assert isinstance(make_state().counters, tuple)


# --- configuration ------------------------------------------------------------------


def test_config_from_toml():
    text = """
    [board]
    backend = "simulated"
    width = 1366
    height = 768
    fullscreen = false
    show_english = false
    notices = ["Công dân vui lòng giữ trật tự"]
    notice_fps = 20
    frames_dir = "/tmp/frames"
    """
    config = BoardConfig(**tomllib.loads(text)["board"])
    assert (config.width, config.height, config.notice_fps) == (1366, 768, 20)
    assert config.frames_dir == Path("/tmp/frames")
    assert BoardConfig().backend == "real" and BoardConfig().width == 0


@pytest.mark.parametrize("section, problem", [
    ({"widht": 100}, "widht"),
    ({"width": 1920}, "both width and height"),
    ({"width": 100, "height": 100}, "too small"),
    ({"backend": "hdmi"}, "backend"),
    ({"notice_fps": 500}, "notice_fps"),
])
def test_config_errors_name_the_problem(section, problem):
    with pytest.raises(ValidationError, match=problem):
        BoardConfig(**section)


def test_config_notices_are_nfc():
    config = BoardConfig(notices=[unicodedata.normalize("NFD", "Giữ trật tự")])
    assert config.notices == ["Giữ trật tự"]


# --- the real backend ---------------------------------------------------------------


@pytest.mark.parametrize("driver, fix", [
    ("x11", "HDMI"),
    ("kmsdrm", "python3-pygame"),
    ("dummy", "simulated"),
    (None, "SDL found no screen"),  # SDL would fall back to its offscreen driver
])
def test_real_board_without_a_screen_says_how_to_fix_it(monkeypatch, driver, fix):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if driver is None:
        monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    else:
        monkeypatch.setenv("SDL_VIDEODRIVER", driver)
    with pytest.raises(DeviceError) as error:
        open_board(BoardConfig(backend="real"))
    assert fix in str(error.value)
    assert str(error.value).startswith("board: ")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    open_board(BoardConfig(backend="simulated")).close()  # nothing was left open


REAL_SCRIPT = """
import sys
from datetime import datetime
sys.path.insert(0, sys.argv[1])
from tests.drivers.test_board import make_state, NOW
from drivers.board import BoardConfig, open_board
import pygame
board = open_board(BoardConfig(backend="real", video_driver="x11"))
print(board.size, pygame.display.get_driver())
board.show(make_state())
board.tick(NOW)
board.save_png(sys.argv[2])
board.close()
"""


def test_real_board_on_a_virtual_screen(tmp_path):
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb)")
    display = f":{90 + os.getpid() % 50}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        env = {**os.environ, "DISPLAY": display}
        env.pop("SDL_VIDEODRIVER", None)
        for _ in range(50):  # wait for the X server
            if subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode == 0:
                break
            threading.Event().wait(0.1)
        png = tmp_path / "real.png"
        result = subprocess.run([sys.executable, "-c", REAL_SCRIPT, str(REPO), str(png)], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "(1366, 768) x11" in result.stdout  # full screen at the screen's own size
        img = Image.open(png).convert("RGB")
        layout = compute_layout((1366, 768), make_state())
        assert count_colour(img, HIGHLIGHT, layout.counters[2]) > 0.6 * area(layout.counters[2])
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_sample_board_command_writes_a_png(tmp_path):
    from drivers.board.__main__ import main

    png = tmp_path / "sample.png"
    assert main(["--simulated", "--size", "1366x768", "--seconds", "0", "--png", str(png)]) == 0
    img = Image.open(png).convert("RGB")
    assert img.size == (1366, 768)
    assert count_colour(img, HIGHLIGHT) > 10_000  # the newest call
    assert count_colour(img, render.BANNER_COLOURS["paper"][0]) > 10_000  # the paper banner


def test_text_cache_is_bounded_by_its_pixels():
    """A clock renders a new text every second: a day of seconds must not pile up in memory."""
    from drivers.board import text as render

    render.fonts()
    for second in range(3000):
        render.render_text(f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}", 160, True, (255, 255, 255))
    assert render._text_cache_bytes <= render._TEXT_CACHE_BYTES
    assert render._text_cache_bytes == sum(render._surface_bytes(s) for s, _ in render._text_cache.values())


# --- names, results calls, the greeting and the personal-data notice -----------------

#: The four names of issue 12, as the board shows them with each [names] board style.
NAMES = ("Nguyễn Thị Hường", "Đặng Văn Ước", "Lê Thị Ánh Tuyết", "Hoàng Quốc Việt")
MASKED = ("Nguyễn T. H.", "Đặng V. Ư.", "Lê T. Á. T.", "Hoàng Q. V.")
GREETING = ("Xin chào Nguyễn T. H. Mời chọn dịch vụ", "Hello Nguyễn T. H. Please choose a service")
NOTICE = ("Họ tên công dân chỉ dùng để gọi tên tại quầy và được xóa cuối ngày (Nghị định 13/2023/NĐ-CP).",
          "Your name is used only to call you and is deleted at the end of the day.")


def named_counters(names=NAMES, results=(), highlight=3) -> list[CounterCall]:
    """Six counters; counters 1-4 called the given names, ``results`` lists results calls."""
    calls = counters(highlight=highlight)
    return [CounterCall(c.counter, c.counter_name_vi, c.counter_name_en, c.number, c.highlighted,
                        name=names[i] if i < len(names) else None, results=c.counter in results)
            for i, c in enumerate(calls)]


def text_pixels(img: Image.Image, box: pygame.Rect, colour=(255, 255, 255)) -> int:
    return count_colour(img, colour, box, tolerance=60)


def without(img: Image.Image, *boxes: pygame.Rect) -> Image.Image:
    """``img`` with ``boxes`` painted black (to check that nothing changed elsewhere)."""
    out = img.copy()
    for box in boxes:
        out.paste((0, 0, 0), pil(box))
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_called_name_is_drawn_under_its_number(size, tmp_path):
    plain, layout = frame(make_state(), size)
    named, named_layout = frame(make_state(counters=named_counters(MASKED)), size)
    named.save(tmp_path / "named.png")
    assert named_layout.counters == layout.counters  # a name moves no card
    zones = [render._named_number_zones(card, layout.pad) for card in layout.counters[:4]]
    for i, (digits, citizen) in enumerate(zones):
        colour = (0, 0, 0) if i == 2 else (255, 255, 255)  # black on the newest call's yellow
        assert text_pixels(named, citizen, colour) > 0.02 * area(citizen), f"no name under counter {i + 1}'s number"
        assert text_pixels(named, digits, colour) > 0.05 * area(digits)  # the number is still there, above
    # Other names change only the names' boxes; other numbers only the numbers' boxes.
    renamed, _ = frame(make_state(counters=named_counters(("Trần V. B.", "Lý T. C.", "Mai H. D.", "Đỗ V. Ê."))), size)
    assert ImageChops.difference(without(named, *(c for _, c in zones)), without(renamed, *(c for _, c in zones))
                                 ).getbbox() is None
    renumbered = [CounterCall(c.counter, c.counter_name_vi, c.counter_name_en, str(int(c.number) + 1), c.highlighted,
                              name=c.name) if c.name else c for c in named_counters(MASKED)]
    other, _ = frame(make_state(counters=renumbered), size)
    assert ImageChops.difference(without(named, *(d for d, _ in zones)), without(other, *(d for d, _ in zones))
                                 ).getbbox() is None
    # Nothing outside the number zones of the named calls differs from the board without names.
    number_zones = [render._counter_zones(card, layout.pad)[0] for card in layout.counters[:4]]
    assert ImageChops.difference(without(plain, *number_zones), without(named, *number_zones)).getbbox() is None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_each_name_is_drawn_whole_with_its_accents(name, size):
    layout = compute_layout(size, make_state())
    _, citizen = render._named_number_zones(layout.counters[0], layout.pad)
    block = render._fit_name(name, citizen, layout.scale)
    assert [line.text for line in block.lines] == [name]  # whole: not cut, not shortened to initials
    assert block.lines[0].width <= citizen.width and block.height <= citizen.height
    # Its accents are drawn: the same name without them looks different, and only inside the name's box.
    bare = "".join(ch for ch in unicodedata.normalize("NFD", name) if not unicodedata.combining(ch))
    bare = bare.replace("Đ", "D").replace("đ", "d")
    accented, layout = frame(make_state(counters=named_counters((name,))), size)
    plain, _ = frame(make_state(counters=named_counters((bare,))), size)
    assert inside(ImageChops.difference(accented, plain).getbbox(), citizen)


def test_a_decomposed_name_is_drawn_like_a_composed_one():
    nfd = [unicodedata.normalize("NFD", n) for n in NAMES]
    assert ImageChops.difference(frame(make_state(counters=named_counters(nfd)))[0],
                                 frame(make_state(counters=named_counters(NAMES)))[0]).getbbox() is None


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_long_name_shrinks_then_takes_initials_and_never_spills(size):
    long_name = "Công Tằng Tôn Nữ Thị Phương Thảo"
    many = {c: str(1000 + c) for c in range(1, 13)}  # two columns: narrow cards
    calls = [CounterCall(c, f"Quầy {c}", f"Counter {c}", n, c == 1, name=long_name) for c, n in many.items()]
    state = make_state(counters=calls)
    img, layout = frame(state, size)
    plain, _ = frame(make_state(counters=[CounterCall(c.counter, c.counter_name_vi, c.counter_name_en, c.number,
                                                      c.highlighted) for c in calls]), size)
    number_zones = [render._counter_zones(card, layout.pad)[0] for card in layout.counters]
    assert ImageChops.difference(without(plain, *number_zones), without(img, *number_zones)).getbbox() is None
    _, citizen = render._named_number_zones(layout.counters[1], layout.pad)
    (line,) = render._fit_name(long_name, citizen, layout.scale).lines
    assert line.text == "Công T. T. N. T. P. T."  # the middle names as initials
    assert line.width <= citizen.width
    # A "name" that no box can hold is cut with "…", inside its box.
    (line,) = render._fit_name("Nguyễn" * 10, citizen, layout.scale).lines
    assert line.text.endswith("…") and line.width <= citizen.width


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("highlighted", [False, True], ids=["older", "newest"])
def test_a_results_call_is_tagged_nhan_ket_qua(size, highlighted):
    counter = 3 if highlighted else 2
    plain, layout = frame(make_state(counters=named_counters(MASKED)), size)
    tagged, _ = frame(make_state(counters=named_counters(MASKED, results=(counter,))), size)
    card = layout.counters[counter - 1]
    _, tag_box = render._results_zones(card, layout.pad)
    assert count_colour(tagged, render.RESULTS_TAG, tag_box) > 0.1 * area(tag_box)
    assert text_pixels(tagged, tag_box) > 0.01 * area(tag_box)  # its words, white on green
    assert count_colour(plain, render.RESULTS_TAG, tolerance=20) == 0
    # Nothing but that counter's card changed; its number and name stay as they were.
    assert inside(ImageChops.difference(plain, tagged).getbbox(), card)
    number_zone = render._counter_zones(card, layout.pad)[0]
    assert ImageChops.difference(plain.crop(pil(number_zone)), tagged.crop(pil(number_zone))).getbbox() is None


def test_the_results_tag_has_english_only_with_english_on():
    state = dict(counters=named_counters(MASKED, results=(2,)))
    vi, layout = frame(make_state(languages=("vi",), **state))
    both, _ = frame(make_state(languages=("vi", "en"), **state))
    _, tag_box = render._results_zones(layout.counters[1], layout.pad)
    assert count_colour(both, render.RESULTS_TAG, tag_box) > count_colour(vi, render.RESULTS_TAG, tag_box)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_greeting_is_a_large_strip_only_while_set(size, tmp_path):
    plain, layout = frame(make_state(), size)
    assert layout.greeting.height == 0
    assert count_colour(plain, render.GREETING_BG) == 0
    greeted, g_layout = frame(make_state(greeting_vi=GREETING[0], greeting_en=GREETING[1]), size)
    greeted.save(tmp_path / "greeting.png")
    strip = g_layout.greeting
    assert strip.width == size[0] and strip.top == g_layout.header.bottom
    assert strip.height >= 0.1 * size[1]  # unmistakable from across the room
    assert count_colour(greeted, render.GREETING_BG, strip) > 0.5 * area(strip)
    assert count_colour(greeted, render.GREETING_TEXT, strip, tolerance=40) > 0.03 * area(strip)
    # The calls move down under it rather than being covered.
    assert g_layout.counters[0].top > strip.bottom and g_layout.counters[0].top > layout.counters[0].top


def test_the_greeting_follows_the_banners_and_english_only_when_on():
    state = dict(greeting_vi=GREETING[0], greeting_en=GREETING[1], banners=(Banner.paper_out(),))
    vi, layout = frame(make_state(languages=("vi",), **state))
    both, _ = frame(make_state(languages=("vi", "en"), **state))
    assert layout.greeting.top == layout.banners[-1].bottom
    strip = pil(layout.greeting)
    assert ImageChops.difference(vi.crop(strip), both.crop(strip)).getbbox() is not None
    vi_only, _ = frame(make_state(languages=("vi",), greeting_vi=GREETING[0], banners=(Banner.paper_out(),)))
    assert ImageChops.difference(vi.crop(strip), vi_only.crop(strip)).getbbox() is None


def test_a_long_greeting_stays_in_its_strip():
    short, layout = frame(make_state(greeting_vi="Xin chào Lê T. Á. T. Mời chọn dịch vụ"))
    name = "Công Tằng Tôn Nữ Thị Phương Thảo Linh Hoàng Anh"
    long, _ = frame(make_state(greeting_vi=f"Xin chào {name}. Mời chọn dịch vụ " * 3,
                               greeting_en=f"Hello {name}. Please choose a service " * 3))
    assert inside(ImageChops.difference(short, long).getbbox(), layout.greeting)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_personal_data_notice_is_one_small_line_above_the_footer(size, tmp_path):
    plain, layout = frame(make_state(), size)
    assert layout.privacy.height == 0
    shown, n_layout = frame(make_state(notice_vi=NOTICE[0], notice_en=NOTICE[1]), size)
    shown.save(tmp_path / "notice.png")
    line = n_layout.privacy
    assert line.bottom == n_layout.footer.top and line.width == size[0]
    assert 0 < line.height < n_layout.footer.height  # small
    assert count_colour(shown, render.PRIVACY_TEXT, line, tolerance=60) > 0.01 * area(line)
    assert n_layout.counters[-1].bottom <= line.top and n_layout.services[-1].bottom <= line.top
    # A notice too long for the screen is shrunk and cut, never spilling out of its line.
    long, _ = frame(make_state(notice_vi=NOTICE[0] * 4, notice_en=NOTICE[1] * 4), size)
    assert inside(ImageChops.difference(shown, long).getbbox(), line)


def test_the_notice_scroll_redraws_do_not_touch_the_personal_data_notice(open_sim):
    board = open_sim(notice_fps=10)
    board.tick(NOW)
    board.show(make_state(notices=LONG_NOTICES, notice_vi=NOTICE[0], notice_en=NOTICE[1]))
    line = board.layout.privacy
    before = image(board.surface).crop(pil(line))
    for ms in range(0, 2000, 50):
        board.tick(NOW + timedelta(milliseconds=ms))
    assert board.redraws.notices > 0
    assert ImageChops.difference(before, image(board.surface).crop(pil(line))).getbbox() is None


def test_names_and_greetings_are_nfc_single_line_and_blank_means_none():
    call = CounterCall(1, "Quầy 1", "Counter 1", "1001", name=unicodedata.normalize("NFD", "  Lê Thị  Ánh Tuyết "))
    assert call.name == "Lê Thị Ánh Tuyết" and unicodedata.is_normalized("NFC", call.name)
    assert CounterCall(1, "Quầy 1", "Counter 1", "1001", name="  ").name is None
    state = make_state(greeting_vi=unicodedata.normalize("NFD", GREETING[0]), greeting_en=" ", notice_vi="\t")
    assert state.greeting_vi == GREETING[0] and state.greeting_en is None and state.notice_vi is None
    assert compute_layout((1920, 1080), state).privacy.height == 0


def test_names_stay_out_of_repr():
    call = named_counters(NAMES)[0]
    state = make_state(counters=[call], greeting_vi=GREETING[0], greeting_en=GREETING[1])
    for text in (repr(call), repr(state), str(state)):
        assert "Hường" not in text and "Nguyễn" not in text
    assert "results=False" in repr(call)


def test_names_do_not_stay_in_the_text_caches():
    """A name must be gone from memory once it leaves the board: it never enters a cache."""
    first = make_state(counters=named_counters(NAMES, results=(1,)), greeting_vi=GREETING[0],
                       greeting_en=GREETING[1], notice_vi=NOTICE[0], notice_en=NOTICE[1])
    draw(pygame.Surface((1920, 1080)), first, NOW)
    sizes = (len(render._text_cache), render.fit.cache_info().currsize, render.text_width.cache_info().currsize)
    others = ("Phạm Thị Lan", "Vũ Văn Bình", "Trịnh Thị Thu Hà", "Bùi Quang Dũng")
    second = make_state(counters=named_counters(others, results=(1,)), greeting_vi="Xin chào Vũ V. B. Mời chọn dịch vụ",
                        greeting_en="Hello Vũ V. B. Please choose a service", notice_vi=NOTICE[0], notice_en=NOTICE[1])
    draw(pygame.Surface((1920, 1080)), second, NOW)
    assert (len(render._text_cache), render.fit.cache_info().currsize,
            render.text_width.cache_info().currsize) == sizes  # new names: not one new cache entry
    keys = " ".join(text for text, *_ in render._text_cache)
    for name in (*NAMES, *others, "Vũ V. B."):
        assert name not in keys


def test_the_app_maps_its_view_onto_the_board():
    from kiosk.config import load_config
    from kiosk.run import board_state
    from kiosk.view import CounterView, Figures, OfficeView
    from tests.conftest import DEMO

    config = load_config(DEMO)

    def counter(number: int, last: str | None, name: str | None = None, results: bool = False) -> CounterView:
        return CounterView(number, f"Quầy {number}", f"Counter {number}", ("oto",), "open", None, None, None,
                           last, False, False, called_name=name, results=results)

    view = OfficeView(
        version=1, day="2026-11-27", now=datetime(2026, 11, 27, 8, 15), unit_vi="Phòng CSGT", unit_en="Traffic Police",
        hotline="0203 3825 123",
        counters=(counter(1, "1001", "Nguyễn T. H."), counter(2, "1002", "Đặng V. Ư.", results=True), counter(3, None)),
        services=(), queue=(), figures=Figures(), newest_call=2, greeting=GREETING, privacy_notice=NOTICE,
    )
    state = board_state(view, config)
    assert [(c.counter, c.number, c.name, c.results, c.highlighted) for c in state.counters] == [
        (1, "1001", "Nguyễn T. H.", False, False), (2, "1002", "Đặng V. Ư.", True, True), (3, None, None, False, False)]
    assert (state.greeting_vi, state.greeting_en) == GREETING
    assert (state.notice_vi, state.notice_en) == NOTICE
    quiet = board_state(OfficeView(**{**view.__dict__, "greeting": None, "privacy_notice": None}), config)
    assert (quiet.greeting_vi, quiet.greeting_en, quiet.notice_vi, quiet.notice_en) == (None, None, None, None)
