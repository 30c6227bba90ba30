"""The notice that the area is recorded: on the board and on every ticket while the camera is on.

What a citizen sees: the words on the board's frame (drawn with SDL's dummy
driver) and on the ticket as the printer prints it (its bytes decoded back).
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import unicodedata  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PIL import ImageChops  # noqa: E402

from drivers.board import render  # noqa: E402
from drivers.board.layout import compute_layout  # noqa: E402
from drivers.camera.config import RECORDING_NOTICE_EN, RECORDING_NOTICE_VI  # noqa: E402
from drivers.printer.ticket import RECORDING_MARK, layout_ticket, sample_view  # noqa: E402
from kiosk.config import ConfigError, load_config  # noqa: E402
from kiosk.printing import ticket_view  # noqa: E402
from kiosk.run import board_state  # noqa: E402
from kiosk.state import Ticket  # noqa: E402
from kiosk.view import Figures, OfficeView  # noqa: E402
from tests.conftest import DEMO, small_config  # noqa: E402
from tests.drivers.test_board import SIZES, area, count_colour, frame, inside, make_state  # noqa: E402
from tests.drivers.test_ticket import WIDTHS, assert_lines_drawn, joined, printed, same  # noqa: E402

NOTICE = (RECORDING_NOTICE_VI, RECORDING_NOTICE_EN)
PRIVACY = ("Họ tên công dân chỉ dùng để gọi tên tại quầy và được xóa cuối ngày (Nghị định 13/2023/NĐ-CP).",
           "Your name is used only to call you and is deleted at the end of the day.")


def bare(text: str) -> str:
    """``text`` without its Vietnamese marks ("ghi âm" -> "ghi am")."""
    plain = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return plain.replace("Đ", "D").replace("đ", "d")


def camera(**changes: object) -> dict:
    return {"enabled": True, "backend": "simulated", **changes}


# --- the board ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [*SIZES, (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_board_shows_the_notice_on_a_line_of_its_own_above_the_footer(size, tmp_path):
    plain, plain_layout = frame(make_state(), size)
    assert plain_layout.recording.height == 0
    shown, layout = frame(make_state(recording_vi=NOTICE[0], recording_en=NOTICE[1]), size)
    shown.save(tmp_path / "recording.png")
    strip = layout.recording
    assert strip.bottom == layout.footer.top and strip.width == size[0]
    assert layout.counters[-1].bottom <= strip.top and layout.services[-1].bottom <= strip.top
    # Both languages whole where they fit (on a portrait screen the English is left out), the Vietnamese bold
    # and as large as the personal-data notice at least.
    sized, dot = render.recording_segments(layout, make_state(recording_vi=NOTICE[0], recording_en=NOTICE[1]))
    assert [text for text, _, _ in sized] == (list(NOTICE) if size[0] > size[1] else [NOTICE[0]])
    assert sized[0][1] >= round(24 * layout.scale) and sized[0][2]  # bold
    # What a citizen sees there: white words after a red recording dot, on the strip's own colour.
    assert count_colour(shown, render.RECORDING_TEXT, strip, tolerance=60) > 0.03 * area(strip)
    assert count_colour(shown, render.RECORDING_DOT, strip, tolerance=30) > 0.5 * dot * dot
    assert count_colour(shown, render.RECORDING_BG, strip) > 0.5 * area(strip)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_notice_is_drawn_with_its_accents_and_only_in_its_strip(size):
    accented, layout = frame(make_state(recording_vi=NOTICE[0]), size)
    unaccented, _ = frame(make_state(recording_vi=bare(NOTICE[0])), size)
    assert bare(NOTICE[0]) != NOTICE[0]
    assert inside(ImageChops.difference(accented, unaccented).getbbox(), layout.recording)
    # A decomposed text (a hand-typed config file) is drawn like the composed one.
    nfd, _ = frame(make_state(recording_vi=unicodedata.normalize("NFD", NOTICE[0])), size)
    assert ImageChops.difference(accented, nfd).getbbox() is None


def test_english_only_with_english_on_and_it_goes_before_the_vietnamese_shrinks():
    """English is left out before the Vietnamese gets any smaller (portrait, a narrow screen)."""
    state = make_state(recording_vi=NOTICE[0], recording_en=NOTICE[1], languages=("vi",))
    layout = compute_layout((1920, 1080), state)
    assert [text for text, _, _ in render.recording_segments(layout, state)[0]] == [NOTICE[0]]
    wide = make_state(recording_vi=NOTICE[0], recording_en=NOTICE[1])
    full = render.recording_segments(compute_layout((1920, 1080), wide), wide)[0][0]
    for size in ((1080, 1920), (720, 1280)):
        layout = compute_layout(size, wide)
        sized, _ = render.recording_segments(layout, wide)
        assert [text for text, _, _ in sized] == [NOTICE[0]]  # English dropped, the Vietnamese whole
        assert sized[0][1] == round(full[1] * layout.scale)  # and not shrunk


def test_a_notice_too_long_for_the_screen_stays_in_its_strip():
    state = make_state(recording_vi=NOTICE[0], recording_en=NOTICE[1])
    short, layout = frame(state)
    long, _ = frame(make_state(recording_vi=NOTICE[0] * 8, recording_en=NOTICE[1] * 8))
    assert inside(ImageChops.difference(short, long).getbbox(), layout.recording)
    sized, _ = render.recording_segments(layout, make_state(recording_vi=NOTICE[0] * 8))
    assert sized[0][0].endswith("…")


def test_it_stacks_under_the_personal_data_notice_without_covering_it():
    state = make_state(recording_vi=NOTICE[0], recording_en=NOTICE[1], notice_vi=PRIVACY[0], notice_en=PRIVACY[1])
    both, layout = frame(state)
    assert layout.privacy.bottom == layout.recording.top and layout.privacy.height > 0
    only_privacy, privacy_layout = frame(make_state(notice_vi=PRIVACY[0], notice_en=PRIVACY[1]))
    # The personal-data line is drawn exactly as without the recording notice, one strip higher.
    assert ImageChops.difference(both.crop(render_box(layout.privacy)),
                                 only_privacy.crop(render_box(privacy_layout.privacy))).getbbox() is None


def render_box(rect) -> tuple[int, int, int, int]:
    return (rect.left, rect.top, rect.right, rect.bottom)


def test_blank_means_no_strip():
    state = make_state(recording_vi="  ", recording_en="x")
    assert state.recording_vi is None
    assert compute_layout((1920, 1080), state).recording.height == 0
    assert ImageChops.difference(frame(state)[0], frame(make_state())[0]).getbbox() is None


def _view() -> OfficeView:
    return OfficeView(version=1, day="2026-11-27", now=datetime(2026, 11, 27, 8, 15), unit_vi="Phòng CSGT",
                      unit_en="Traffic Police", hotline="0203 3825 123", counters=(), services=(), queue=(),
                      figures=Figures(), newest_call=None)


def test_the_office_shows_the_notice_while_the_camera_is_on():
    demo = load_config(DEMO)  # its camera is on
    state = board_state(_view(), demo)
    assert (state.recording_vi, state.recording_en) == NOTICE
    off = demo.model_copy(update={"camera": demo.camera.model_copy(update={"enabled": False})})
    assert (board_state(_view(), off).recording_vi, board_state(_view(), off).recording_en) == (None, None)
    assert board_state(_view(), small_config()).recording_vi is None  # no [camera] at all
    own = small_config(camera=camera(recording_notice="Khu vực có camera ghi hình"))
    assert (board_state(_view(), own).recording_vi, board_state(_view(), own).recording_en) == (
        "Khu vực có camera ghi hình", None)


# --- the ticket -----------------------------------------------------------------------

TICKET = Ticket(id="t-1", day="2026-11-24", service="a", number=1001, display="1001", priority=False,
                issued_at="2026-11-24T08:00:00+07:00", queue_seq=1)


def _ticket_layout(config, width: int):
    return layout_ticket(ticket_view(config, TICKET), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_ticket_prints_the_notice_while_the_camera_is_on(width, tmp_path):
    layout = _ticket_layout(small_config(camera=camera()), width)
    image = printed(layout, width)  # the bytes the printer gets, decoded back into the paper
    image.save(tmp_path / f"recording-{width}.png")
    assert same(image, layout.image)
    assert_lines_drawn(layout)  # each line really drawn where recorded, with its accents (see test_ticket.py)
    assert joined(layout, "recording", "vi") == f"{RECORDING_MARK} {NOTICE[0]}"
    assert joined(layout, "recording", "en") == NOTICE[1]
    recording = [line for line in layout.lines if line.kind == "recording"]
    hotline = [line for line in layout.lines if line.kind == "hotline"]
    assert min(line.box[1] for line in recording) > max(line.box[3] for line in hotline)  # after the hotline
    assert all(line.bold for line in recording if line.lang == "vi")
    assert min(line.size for line in recording) >= min(line.size for line in hotline)  # as legible as the hotline


def test_no_notice_on_the_ticket_with_the_camera_off_or_absent():
    for config in (small_config(), small_config(camera=camera(enabled=False))):
        layout = _ticket_layout(config, 384)
        assert not [line for line in layout.lines if line.kind == "recording"]
        assert not any("ghi hình" in text for text in layout.texts())


def test_the_ticket_prints_the_configured_words_and_english_only_when_on():
    config = small_config(camera=camera(recording_notice={"vi": "Khu vực có camera ghi hình", "en": "CCTV in use"}))
    layout = _ticket_layout(config, 576)
    assert joined(layout, "recording", "vi") == f"{RECORDING_MARK} Khu vực có camera ghi hình"
    assert joined(layout, "recording", "en") == "CCTV in use"
    vi_only = config.model_copy(update={"site": config.site.model_copy(
        update={"languages": config.site.languages.model_copy(update={"ticket": ["vi"]})})})
    assert joined(_ticket_layout(vi_only, 576), "recording", "en") == ""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_personal_data_notice_stays_last_and_smallest_under_it(width):
    view = sample_view(citizen_name="Lê Thị Ánh Tuyết", notice_vi=PRIVACY[0], notice_en=PRIVACY[1],
                       recording_vi=NOTICE[0], recording_en=NOTICE[1], hotline="")
    layout = layout_ticket(view, width)
    assert_lines_drawn(layout)
    assert same(printed(layout, width), layout.image)
    notice = [line for line in layout.lines if line.kind == "notice"]
    recording = [line for line in layout.lines if line.kind == "recording"]
    assert max(line.box[3] for line in recording) < min(line.box[1] for line in notice)
    assert max(line.size for line in notice) < min(line.size for line in recording)
    assert unicodedata.is_normalized("NFC", joined(layout, "recording", "vi"))


# --- the config key -------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", {"vi": ""}, {"vi": " \t", "en": "Recorded"}])
def test_a_blank_notice_with_the_camera_on_is_a_config_error_naming_the_key(blank):
    with pytest.raises(ConfigError) as caught:
        small_config(camera=camera(recording_notice=blank))
    text = str(caught.value)
    assert "camera.recording_notice" in text and RECORDING_NOTICE_VI in text  # names the key and the fix


def test_with_the_camera_off_the_notice_may_be_blank():
    config = small_config(camera={"enabled": False, "recording_notice": ""})
    assert config.camera.notice_shown is None


def test_the_notice_from_a_technicians_file(tmp_path: Path):
    text = DEMO.read_text(encoding="utf-8").replace(
        "[camera]\nenabled = true\n",
        "[camera]\nenabled = true\nrecording_notice = \"" + unicodedata.normalize("NFD", "Khu vực  có camera ghi hình")
        + "\"\n", 1)
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path).camera.notice_shown == ("Khu vực có camera ghi hình", "")  # NFC, one line, no English
    path.write_text(text.replace("recording_notice = \"", "recording_notice = { vi = \"\" } #\"", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"camera\.recording_notice"):
        load_config(path)
    path.write_text(text.replace("recording_notice", "recording_notise", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"camera\.recording_notise: unknown key \(did you mean 'recording_notice'"):
        load_config(path)


def test_a_camera_switched_off_by_a_reload_keeps_its_notice_until_the_restart(tmp_path: Path):
    """Devices are opened once: the camera records until the restart, so its notice stays until then."""
    from kiosk.clock import FakeClock
    from kiosk.run import Process
    from tests.conftest import at

    started = small_config(camera=camera())
    process = Process(started, None, FakeClock(at("2026-11-24 08:00")))
    reloaded = process._as_running(small_config(camera=camera(enabled=False)))
    assert (board_state(_view(), reloaded).recording_vi, reloaded.camera.notice_shown) == (NOTICE[0], NOTICE)
    assert joined(_ticket_layout(reloaded, 384), "recording", "vi") == f"{RECORDING_MARK} {NOTICE[0]}"
