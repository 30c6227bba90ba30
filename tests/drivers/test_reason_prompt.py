"""After "Không hài lòng": the board asks why at that counter and the loudspeaker reads the reasons.

The board is drawn with SDL's dummy video driver (set here, before pygame loads).
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import wave  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from drivers.board import BoardState, CounterCall, ServiceQueue  # noqa: E402
from drivers.board.render import CARD_BG, REASON_BG, REASON_NUMBER_BG, draw  # noqa: E402
from drivers.speaker.announcer import Announcer, Composer  # noqa: E402
from drivers.speaker.config import SpeakerConfig  # noqa: E402
from drivers.speaker.phrases import Clip, Speech, reason_prompt, reason_thanks  # noqa: E402
from drivers.speaker.simulated import SimulatedSpeaker  # noqa: E402

NOW = datetime(2026, 11, 24, 8, 15)
REASONS = ("Thái độ cán bộ", "Thời gian chờ", "Hướng dẫn chưa rõ", "Khác")
REASONS_EN = ("Officer's attitude", "Waiting time", "Unclear guidance", "Other")


def board(asking: int | None, count: int = 6, languages: tuple[str, ...] = ("vi", "en"),
          size: tuple[int, int] = (1920, 1080)) -> tuple[Image.Image, tuple[pygame.Rect, ...]]:
    """A frame with ``count`` counters, counter ``asking`` asking why; the image and the counters' cards."""
    calls = [CounterCall(c, f"Quầy {c}", f"Counter {c}", str(1000 + c), highlighted=False,
                         reasons=REASONS if c == asking else (), reasons_en=REASONS_EN if c == asking else ())
             for c in range(1, count + 1)]
    state = BoardState("Phòng Cảnh sát giao thông", "Traffic Police", languages, calls,
                       [ServiceQueue("Đăng ký xe ô tô", "Car registration", 3)])
    surface = pygame.Surface(size)
    layout = draw(surface, state, NOW)
    return Image.frombytes("RGB", size, pygame.image.tobytes(surface, "RGB")), layout.counters


def pixels(img: Image.Image, colour: tuple[int, int, int], box: pygame.Rect) -> int:
    crop = img.crop((box.left, box.top, box.right, box.bottom))
    return sum(n for n, c in crop.getcolors(1 << 24) or [] if c == colour)


def discs(img: Image.Image, box: pygame.Rect) -> int:
    """The red number discs in ``box``: groups of touching red pixels, leaving out the small red
    islands a digit encloses (inside the 4)."""
    red = {(x, y) for x in range(box.left, box.right) for y in range(box.top, box.bottom)
           if img.getpixel((x, y)) == REASON_NUMBER_BG}
    sizes = []
    while red:
        todo, size = [red.pop()], 0
        while todo:
            x, y = todo.pop()
            size += 1
            for near in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if near in red:
                    red.remove(near)
                    todo.append(near)
        sizes.append(size)
    return sum(1 for size in sizes if size > max(sizes) / 3)


# --- the board ---------------------------------------------------------------


def test_the_asking_counter_s_card_turns_white_and_the_others_stay():
    img, cards = board(asking=3)
    assert pixels(img, REASON_BG, cards[2]) > 0.6 * cards[2].width * cards[2].height
    assert all(pixels(img, REASON_BG, card) == 0 for i, card in enumerate(cards) if i != 2)
    assert pixels(img, CARD_BG, cards[0]) > 0.3 * cards[0].width * cards[0].height


def test_each_reason_has_its_button_s_number():
    img, cards = board(asking=3)
    assert discs(img, cards[2]) == 4


@pytest.mark.parametrize("size, count", [((1366, 768), 12), ((1080, 1920), 6)], ids=["12 counters", "portrait"])
def test_the_reasons_stay_inside_the_card_on_small_and_portrait_boards(size, count):
    img, cards = board(asking=2, count=count, size=size)
    outside = pixels(img, REASON_NUMBER_BG, pygame.Rect(0, 0, *size)) - pixels(img, REASON_NUMBER_BG, cards[1])
    assert outside == 0
    assert discs(img, cards[1]) == 4


def test_no_counter_asks_without_reasons():
    img, cards = board(asking=None)
    assert all(pixels(img, REASON_BG, card) == 0 for card in cards)


def test_the_question_is_drawn_in_vietnamese_first():
    vi_only, cards = board(asking=3, languages=("vi",))
    both, _ = board(asking=3)
    box = cards[2]
    # English adds words to the same card; the Vietnamese question is drawn either way.
    assert vi_only.crop((box.left, box.top, box.right, box.bottom)) != both.crop((box.left, box.top, box.right,
                                                                                 box.bottom))
    assert pixels(vi_only, REASON_BG, box) < box.width * box.height  # text drawn on the white


# --- the loudspeaker -------------------------------------------------------------


def test_the_reasons_are_read_by_button_in_vietnamese():
    assert reason_prompt(list(REASONS)).text == (
        "Xin cho biết lý do chưa hài lòng: nút một, thái độ cán bộ; nút hai, thời gian chờ; "
        "nút ba, hướng dẫn chưa rõ; nút bốn, khác")


def test_the_question_and_the_button_numbers_are_recorded_clips_and_a_reason_is_spoken():
    segments = reason_prompt(list(REASONS[:1])).segments
    assert segments == (Clip("vi/xin_cho_biet_ly_do"), Clip("pause"), Clip("vi/nut"), Clip("vi/mot"),
                        Speech("Thái độ cán bộ", "vi"))


def test_the_reasons_in_english():
    assert reason_prompt(list(REASONS_EN[:2]), "en").text == (
        "Please tell us why you were not satisfied: button one, officer's attitude; button two, waiting time")


def test_the_thanks_for_a_reason():
    assert (reason_thanks("vi").text, reason_thanks("en").text) == (
        "Cảm ơn ý kiến của công dân", "Thank you for your feedback")


def test_the_announcer_writes_the_prompt_as_one_wav(tmp_path: Path):
    config = SpeakerConfig(backend="simulated", output_dir=tmp_path / "out", languages=["vi"])
    speaker = SimulatedSpeaker(config.output_dir)
    announcer = Announcer(speaker, Composer(config))
    announcer.reason_prompt({"vi": list(REASONS)})
    assert announcer.wait(60)
    announcer.close()
    (played,) = speaker.played
    assert played.text.startswith("Xin cho biết lý do chưa hài lòng: nút một, thái độ cán bộ;")
    (wav,) = sorted(config.output_dir.glob("announce-*.wav"))
    with wave.open(str(wav)) as audio:
        assert audio.getnframes() / audio.getframerate() > 8  # chime, question, four buttons and reasons
