"""`kiosk wiring`: the pin map of the configured buttons and LEDs, as a table and as a picture."""

from __future__ import annotations

import copy
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kiosk import wiring
from kiosk.config import Config, parse_config
from kiosk.wiring import (
    BCM_TO_PHYSICAL,
    GROUND_PINS,
    POWER_3V3_PINS,
    POWER_5V_PINS,
    WiringRow,
    nearest_ground,
    wiring_rows,
    wiring_svg,
    wiring_table,
)
from tests.conftest import DEMO

SVG = "{http://www.w3.org/2000/svg}"


def demo_data() -> dict:
    return tomllib.loads(DEMO.read_text(encoding="utf-8"))


def configured_pins(config: Config) -> list[int]:
    """Every pin of [buttons], read straight from the config model (not through wiring)."""
    b = config.buttons
    assert b is not None
    pins = [p for s in b.services.values() for p in (s.button, s.led) if p is not None]
    if b.priority:
        pins += [p for p in (b.priority.button, b.priority.led) if p is not None]
    pins += [p for g in b.groups.values() for p in (g.button, g.led) if p is not None]
    for rating in b.rating.values():
        pins += rating.buttons + rating.leds
    return pins


def row_for(rows: list[WiringRow], bcm: int) -> WiringRow:
    found = [r for r in rows if r.bcm == bcm]
    assert len(found) == 1, f"GPIO {bcm}: {found}"
    return found[0]


# -- the header map ----------------------------------------------------------


def test_header_map_is_the_raspberry_pi_40_pin_header() -> None:
    # Pairs checked against the Raspberry Pi pinout (pinout.xyz, `pinout` on a Pi).
    known = {
        2: 3, 3: 5, 4: 7, 14: 8, 15: 10, 17: 11, 18: 12, 27: 13, 22: 15, 23: 16, 24: 18, 10: 19,
        9: 21, 25: 22, 11: 23, 8: 24, 7: 26, 0: 27, 1: 28, 5: 29, 6: 31, 12: 32, 13: 33, 19: 35,
        16: 36, 26: 37, 20: 38, 21: 40,
    }  # fmt: skip
    assert BCM_TO_PHYSICAL == known
    assert set(BCM_TO_PHYSICAL) == set(range(28))
    assert GROUND_PINS == (6, 9, 14, 20, 25, 30, 34, 39)
    everything = [*BCM_TO_PHYSICAL.values(), *GROUND_PINS, *POWER_3V3_PINS, *POWER_5V_PINS]
    assert sorted(everything) == list(range(1, 41))


@pytest.mark.parametrize(("physical", "ground"), [(11, 9), (13, 14), (3, 6), (36, 34), (40, 39), (29, 30), (1, 6)])
def test_nearest_ground(physical: int, ground: int) -> None:
    assert nearest_ground(physical) == ground


# -- rows and table ------------------------------------------------------------


def test_demo_rows_list_every_configured_pin_once(demo: Config) -> None:
    rows = wiring_rows(demo)
    pins = configured_pins(demo)
    assert len(pins) == 23
    assert sorted(r.bcm for r in rows) == sorted(pins)
    assert [r.physical for r in rows] == sorted(r.physical for r in rows)
    assert all(r.physical == BCM_TO_PHYSICAL[r.bcm] for r in rows)

    assert row_for(rows, 17) == WiringRow(
        17, 11, "button", "Nút: Đăng ký xe ô tô", "Button: Car registration", "buttons.services.oto.button", 9
    )
    assert row_for(rows, 27) == WiringRow(
        27, 13, "led", "Đèn nút: Đăng ký xe ô tô", "Button LED: Car registration", "buttons.services.oto.led", 14
    )
    assert row_for(rows, 16) == WiringRow(
        16,
        36,
        "button",
        "Nút đánh giá quầy 1: Rất hài lòng",
        "Rating button, counter 1: Very satisfied",
        "buttons.rating.1.buttons[1]",
        34,
    )
    worst = row_for(rows, 14)
    assert (worst.physical, worst.vi, worst.key) == (
        8,
        "Nút đánh giá quầy 5: Không hài lòng",
        "buttons.rating.5.buttons[4]",
    )
    shared = row_for(rows, 12)
    assert (shared.physical, shared.kind, shared.vi) == (32, "led", "Đèn nút đánh giá quầy 1 (cả 4 nút)")
    prio, prio_led = row_for(rows, 5), row_for(rows, 6)
    assert (prio.physical, prio.vi, prio.en) == (29, "Nút ưu tiên", "Priority button")
    assert (prio_led.physical, prio_led.vi, prio_led.en) == (31, "Đèn nút ưu tiên", "Priority button LED")
    xemay = row_for(rows, 22)
    assert (xemay.physical, xemay.vi) == (15, "Nút: Đăng ký xe mô tô, xe gắn máy, xe máy điện")


def test_table_shows_each_pin_once_vietnamese_then_english(demo: Config) -> None:
    table = wiring_table(demo)
    lines = table.splitlines()
    assert lines[0].startswith("Sơ đồ đấu dây") and "Công an tỉnh Lâm Đồng" in lines[0]
    for row in wiring_rows(demo):
        start = f"{row.physical:>4}  {row.bcm:>4}  {row.ground:>4}  {row.vi}"
        hits = [i for i, line in enumerate(lines) if line.startswith(start)]
        assert len(hits) == 1, start
        assert lines[hits[0]].rstrip().endswith(row.key)
        assert lines[hits[0] + 1].strip() == row.en
    # Pin lines, in header order, one per configured pin.
    pin_line = re.compile(r"^ *(\d+) +\d+ +\d+  \S")
    physical = [int(m.group(1)) for m in map(pin_line.match, lines) if m]
    assert physical == sorted(physical) and len(physical) == 23
    assert "11    17     9  Nút: Đăng ký xe ô tô" in table
    assert "36    16    34  Nút đánh giá quầy 1: Rất hài lòng" in table
    # How to wire, in both languages.
    assert "điện trở kéo lên (pull-up)" in table and "internal pull-up" in table
    assert "330\u00a0Ω" in table and "chân ngắn (−) của LED → GND" in table and "LED short leg (−) → GND" in table


def test_labels_follow_the_config(demo: Config) -> None:
    data = demo_data()
    data["buttons"]["services"]["oto"] = {"button": 18}  # moved, no LED
    data["buttons"]["priority"]["service"] = "vipham"
    data["buttons"]["rating"]["1"]["leds"] = [13, 19, 27, 12]  # one LED per button
    data["rating"]["levels"][1] = {"vi": "Khá hài lòng"}  # no English: Vietnamese shown
    config = parse_config(data)
    rows = wiring_rows(config)
    assert sorted(r.bcm for r in rows) == sorted(configured_pins(config))
    assert row_for(rows, 18).physical == 12 and row_for(rows, 18).vi == "Nút: Đăng ký xe ô tô"
    assert 17 not in {r.bcm for r in rows}
    prio = row_for(rows, 5)
    assert prio.vi == "Nút ưu tiên: Xử lý vi phạm hành chính về trật tự, an toàn giao thông"
    assert row_for(rows, 6).vi == "Đèn nút ưu tiên: Xử lý vi phạm hành chính về trật tự, an toàn giao thông"
    second = row_for(rows, 19)
    assert (second.physical, second.vi, second.en, second.key) == (
        35,
        "Đèn nút đánh giá quầy 1: Khá hài lòng",
        "Rating button LED, counter 1: Khá hài lòng",
        "buttons.rating.1.leds[2]",
    )


def with_group_buttons() -> dict:
    """The demo with the three pins it leaves free given to priority groups' buttons."""
    data = demo_data()
    data["buttons"]["groups"] = {"co_cong": {"button": 13, "led": 18}, "cao_tuoi": {"button": 19, "service": "xemay"}}
    return data


def test_group_buttons_are_named_by_their_priority_group() -> None:
    config = parse_config(with_group_buttons())
    rows = wiring_rows(config)
    assert sorted(r.bcm for r in rows) == sorted(configured_pins(config))
    assert row_for(rows, 13) == WiringRow(
        13,
        33,
        "button",
        "Nút ưu tiên nhóm Người có công với cách mạng và thân nhân",
        "Priority button, group Revolutionary contributors and relatives",
        "buttons.groups.co_cong.button",
        34,
    )
    led = row_for(rows, 18)
    assert (led.physical, led.kind, led.vi, led.en, led.key) == (
        12,
        "led",
        "Đèn nút ưu tiên nhóm Người có công với cách mạng và thân nhân",
        "Priority button LED, group Revolutionary contributors and relatives",
        "buttons.groups.co_cong.led",
    )
    bound = row_for(rows, 19)  # bound to a service: a priority ticket of the group at once
    assert (bound.vi, bound.en) == (
        "Nút ưu tiên nhóm Người cao tuổi: Đăng ký xe mô tô, xe gắn máy, xe máy điện",
        "Priority button, group Elderly: Motorcycle, motorbike and electric-bicycle registration",
    )
    table = wiring_table(config)
    assert "33    13    34  Nút ưu tiên nhóm Người có công với cách mạng và thân nhân" in table


def test_group_names_come_from_the_config() -> None:
    data = with_group_buttons()
    data["priority_groups"] = [
        {"id": "co_cong", "name": {"vi": "Gia đình chính sách", "en": "Policy families"}},
        {"id": "cao_tuoi", "name": {"vi": "Người từ 75 tuổi"}},  # no English: Vietnamese shown
    ]
    rows = wiring_rows(parse_config(data))
    assert (row_for(rows, 13).vi, row_for(rows, 13).en) == (
        "Nút ưu tiên nhóm Gia đình chính sách",
        "Priority button, group Policy families",
    )
    assert row_for(rows, 19).en.startswith("Priority button, group Người từ 75 tuổi: ")


# -- the picture ---------------------------------------------------------------


def parse_svg(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return root


def used_pins(root: ET.Element) -> list[tuple[int, int, str, str, ET.Element]]:
    """(physical, bcm, Vietnamese label, English label, group) for each labelled pin in the picture."""
    found = []
    for g in root.iter(f"{SVG}g"):
        if "used" not in g.get("class", "").split():
            continue
        vi = g.find(f"{SVG}text[@class='label-vi']")
        en = g.find(f"{SVG}text[@class='label-en']")
        assert vi is not None and en is not None
        # A long label wraps into lines (tspans); the words are the label's.
        vi_text = " ".join(span.text or "" for span in vi.iter(f"{SVG}tspan"))
        found.append((int(g.get("data-physical")), int(g.get("data-bcm")), vi_text, en.text or "", g))
    return found


def test_svg_matches_the_config(demo: Config) -> None:
    text = wiring_svg(demo)
    root = parse_svg(text)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("210mm", "297mm", "0 0 210 297")
    assert "DejaVu Sans" in root.get("font-family")
    for banned in ("href", "url(", "@import", "@font-face", "<image"):
        assert banned not in text
    title = root.find(f"{SVG}title")
    assert title is not None and "Công an tỉnh Lâm Đồng" in title.text

    pins = used_pins(root)
    rows = wiring_rows(demo)
    assert len(pins) == len(rows) == 23
    assert {(p, vi, en) for p, _, vi, en, _ in pins} == {(r.physical, r.vi, r.en) for r in rows}
    assert {(p, bcm) for p, bcm, *_ in pins} == {(r.physical, r.bcm) for r in rows}
    for physical, bcm, vi, _, g in pins:
        number = g.find(f"{SVG}text[@class='pin-number']")
        assert number is not None and number.text == str(physical)
        texts = [t.text for t in g.iter(f"{SVG}text")]
        assert f"GPIO {bcm}" in texts
        assert f"GND {nearest_ground(physical)}" in texts
    labels = {p: vi for p, _, vi, _, _ in pins}
    assert labels[11] == "Nút: Đăng ký xe ô tô"
    assert labels[13] == "Đèn nút: Đăng ký xe ô tô"
    assert labels[36] == "Nút đánh giá quầy 1: Rất hài lòng"


def test_svg_draws_the_header_in_place(demo: Config) -> None:
    root = parse_svg(wiring_svg(demo))
    groups = {int(g.get("data-physical")): g for g in root.iter(f"{SVG}g") if g.get("data-physical")}
    assert sorted(groups) == list(range(1, 41))
    centres = {}
    for physical, g in groups.items():
        circle = g.find(f"{SVG}circle")
        centres[physical] = (float(circle.get("cx")), float(circle.get("cy")))
    # Two columns: odd pins on the left, even on the right; pin 1 at the top, each pair on one row.
    assert len({centres[p][0] for p in range(1, 41, 2)}) == 1
    assert len({centres[p][0] for p in range(2, 41, 2)}) == 1
    assert centres[1][0] < centres[2][0]
    ys = [centres[p][1] for p in range(1, 41, 2)]
    assert ys == sorted(ys) and len(set(ys)) == 20
    assert all(centres[p][1] == centres[p + 1][1] for p in range(1, 41, 2))
    # Power and ground marked.
    classes = {p: g.get("class").split() for p, g in groups.items()}
    assert {p for p, c in classes.items() if "gnd" in c} == set(GROUND_PINS)
    assert {p for p, c in classes.items() if "3v3" in c} == {1, 17}
    assert {p for p, c in classes.items() if "5v" in c} == {2, 4}
    for p in GROUND_PINS:
        assert "GND" in [t.text for t in groups[p].iter(f"{SVG}text")]
    assert "3V3" in [t.text for t in groups[17].iter(f"{SVG}text")]
    assert "5V" in [t.text for t in groups[2].iter(f"{SVG}text")]
    # GPIO 0/1 (HAT EEPROM) are marked "do not use"; GPIO 18 is free.
    assert "reserved" in classes[27] and "reserved" in classes[28]
    assert "free" in classes[12]


def test_svg_labels_fit_beside_the_header(demo: Config) -> None:
    """Every label line, in the font size the SVG gives it, fits its box (measured with DejaVu Sans)."""
    from kiosk.wiring import svg as wiring  # the picture's own text measure and label width

    root = parse_svg(wiring_svg(demo))
    for _, _, _, _, g in used_pins(root):
        for text in g.iter(f"{SVG}text"):
            if text.get("class") not in ("label-vi", "label-en"):
                continue
            spans = list(text.iter(f"{SVG}tspan")) or [text]
            for span in spans:
                size = float(span.get("font-size") or text.get("font-size"))
                assert size >= 1.5, span.text
                assert wiring.text_width(span.text, size) <= wiring._TEXT_W + 0.01, span.text


def test_svg_follows_a_changed_config() -> None:
    data = demo_data()
    data["buttons"]["services"]["oto"] = {"button": 18, "led": 13}
    data["buttons"]["extra_reserved_pins"] = [19]
    config = parse_config(data)
    root = parse_svg(wiring_svg(config))
    pins = {p: vi for p, _, vi, _, _ in used_pins(root)}
    assert pins[12] == "Nút: Đăng ký xe ô tô" and pins[33] == "Đèn nút: Đăng ký xe ô tô"
    assert 11 not in pins and 13 not in pins
    assert {(p, vi) for p, vi in pins.items()} == {(r.physical, r.vi) for r in wiring_rows(config)}
    reserved = root.find(f".//{SVG}g[@data-physical='35']")
    assert "reserved" in reserved.get("class").split()


def test_svg_labels_group_buttons_and_fits_them() -> None:
    from kiosk.wiring import svg as wiring  # the picture's own text measure and label width

    config = parse_config(with_group_buttons())
    pins = {p: (vi, en, g) for p, _, vi, en, g in used_pins(parse_svg(wiring_svg(config)))}
    assert len(pins) == 26
    vi, en, group = pins[33]
    assert vi == "Nút ưu tiên nhóm Người có công với cách mạng và thân nhân"  # wrapped onto lines, words kept
    assert en == "Priority button, group Revolutionary contributors and relatives"
    assert "button" in group.get("class").split() and group.get("data-key") == "buttons.groups.co_cong.button"
    assert "led" in pins[12][2].get("class").split()
    for _, _, g in pins.values():
        for text in g.iter(f"{SVG}text"):
            if text.get("class") not in ("label-vi", "label-en"):
                continue
            for span in list(text.iter(f"{SVG}tspan")) or [text]:
                size = float(span.get("font-size") or text.get("font-size"))
                assert size >= 1.5 and wiring.text_width(span.text, size) <= wiring._TEXT_W + 0.01, span.text


# -- the command -----------------------------------------------------------------


def test_main_prints_the_table_and_writes_the_svg(demo: Config, tmp_path: Path) -> None:
    lines: list[str] = []
    target = tmp_path / "wiring.svg"
    assert wiring.main(demo, target, out=lines.append) == 0
    output = "\n".join(lines)
    assert output.startswith(wiring_table(demo))
    assert str(target) in output and "A4" in output
    assert len(used_pins(parse_svg(target.read_text(encoding="utf-8")))) == 23


def test_main_without_svg_writes_nothing(demo: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines: list[str] = []
    assert wiring.main(demo, None, out=lines.append) == 0
    assert "Nút: Đăng ký xe ô tô" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_svg_is_a_clear_message(demo: Config, tmp_path: Path) -> None:
    lines: list[str] = []
    target = tmp_path / "no-such-folder" / "wiring.svg"
    assert wiring.main(demo, target, out=lines.append) == 1
    assert f"Không ghi được {target}" in lines[-1] and "Cannot write" in lines[-1]


def test_config_without_buttons_is_a_clear_message(tmp_path: Path) -> None:
    data = demo_data()
    del data["buttons"]
    for counter in data["counters"]:
        counter["rating_buttons"] = False
    config = parse_config(data)
    assert wiring_rows(config) == []
    table = wiring_table(config)
    assert "Cấu hình không có mục [buttons]" in table and "The config has no [buttons] section" in table
    lines: list[str] = []
    target = tmp_path / "wiring.svg"
    assert wiring.main(config, target, out=lines.append) == 1
    assert "no [buttons] section" in "\n".join(lines)
    assert not target.exists()
    # The picture alone still draws (an empty header, saying why).
    root = parse_svg(wiring_svg(config))
    assert used_pins(root) == []
    summary = root.find(f"{SVG}text[@class='summary']")
    assert summary is not None and "[buttons]" in summary.text


def test_empty_buttons_section_is_a_clear_message() -> None:
    data = copy.deepcopy(demo_data())
    data["buttons"] = {"backend": "simulated"}
    for counter in data["counters"]:
        counter["rating_buttons"] = False
    config = parse_config(data)
    lines: list[str] = []
    assert wiring.main(config, None, out=lines.append) == 1
    assert "không khai báo chân nào" in lines[0] and "names no pins" in lines[0]


def test_svg_stays_on_the_a4_page(demo: Config) -> None:
    """Every line of text sits inside the page with a printer's margin of 5 mm."""
    root = parse_svg(wiring_svg(demo))
    ys = [float(e.get("y")) for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}tspan") and e.get("y")]
    assert len(ys) > 100
    assert min(ys) >= 8 and max(ys) <= 297 - 5
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("width") == "210":  # the page background
            continue
        x, w = float(rect.get("x")), float(rect.get("width"))
        assert 5 <= x and x + w <= 205
