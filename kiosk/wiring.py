"""``kiosk wiring``: which button or LED goes on which pin of the Pi's header.

The config names pins by their GPIO (BCM) number; a technician with a screwdriver
counts header positions (physical pins 1-40). This module turns the ``[buttons]``
section into:

- :func:`wiring_rows`: one :class:`WiringRow` per configured pin (GPIO number,
  physical pin, what is connected in Vietnamese and English, the config key and
  the nearest ground pin), sorted by physical pin;
- :func:`wiring_table`: the same as plain text for the terminal, with how to wire
  a button and an LED;
- :func:`wiring_svg`: an A4 picture of the 40-pin header to print and tape
  inside the cabinet (plain SVG, no external fonts or files).

:func:`main` is the command itself. Nothing here touches GPIO: it runs on a
laptop as well as on the Pi.
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from kiosk.config import Config, Text

# ---------------------------------------------------------------------------
# The Raspberry Pi 40-pin header (every model since the B+: 2, 3, 4, 5, Zero)

#: GPIO (BCM) number -> physical header pin.
BCM_TO_PHYSICAL: dict[int, int] = {
    2: 3, 3: 5, 4: 7, 14: 8, 15: 10, 17: 11, 18: 12, 27: 13, 22: 15, 23: 16,
    24: 18, 10: 19, 9: 21, 25: 22, 11: 23, 8: 24, 7: 26, 0: 27, 1: 28, 5: 29,
    6: 31, 12: 32, 13: 33, 19: 35, 16: 36, 26: 37, 20: 38, 21: 40,
}  # fmt: skip

#: Physical pin -> GPIO (BCM) number.
PHYSICAL_TO_BCM: dict[int, int] = {phys: bcm for bcm, phys in BCM_TO_PHYSICAL.items()}

#: Ground (0 V) pins.
GROUND_PINS: tuple[int, ...] = (6, 9, 14, 20, 25, 30, 34, 39)
#: 3.3 V supply pins.
POWER_3V3_PINS: tuple[int, ...] = (1, 17)
#: 5 V supply pins: never connect a GPIO pin to these.
POWER_5V_PINS: tuple[int, ...] = (2, 4)

#: GPIO 0 and 1 carry the HAT ID EEPROM (see drivers.buttons.RESERVED_PINS).
_ID_EEPROM = {0: "ID_SD", 1: "ID_SC"}

Kind = Literal["button", "led"]


def _position(physical: int) -> tuple[int, int]:
    """(row, column) of a physical pin: pin 1 is row 0, column 0; even pins are column 1."""
    return (physical - 1) // 2, (physical - 1) % 2


def nearest_ground(physical: int) -> int:
    """The ground pin closest to ``physical`` on the header (the lower number on a tie)."""
    row, col = _position(physical)

    def distance(ground: int) -> float:
        g_row, g_col = _position(ground)
        return math.hypot(g_row - row, g_col - col)

    return min(GROUND_PINS, key=lambda g: (distance(g), g))


# ---------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class WiringRow:
    """One configured pin: what is connected to it and where it is on the header."""

    bcm: int
    """GPIO (BCM) number, as written in the config."""
    physical: int
    """Position on the 40-pin header, 1-40."""
    kind: Kind
    """``button`` (wired to ground) or ``led`` (driven high = lit)."""
    vi: str
    """What is connected, in Vietnamese, e.g. ``Nút: Đăng ký xe ô tô``."""
    en: str
    """The same in English, e.g. ``Button: Car registration``."""
    key: str
    """Config key path, list indices counted from 1, e.g. ``buttons.rating.1.buttons[1]``."""
    ground: int
    """The nearest ground pin (physical number), for the button's or LED's return wire."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _en(text: Text) -> str:
    return text.en or text.vi


def _service_name(config: Config, service_id: str) -> Text:
    try:
        return config.service(service_id).name
    except KeyError:  # a [buttons] section checked on its own may name an unknown service
        return Text(vi=service_id, en=service_id)


def _level_name(config: Config, level: int) -> Text:
    levels = config.rating.levels
    if 1 <= level <= len(levels):
        return levels[level - 1]
    return Text(vi=f"mức {level}", en=f"level {level}")


def wiring_rows(config: Config) -> list[WiringRow]:
    """Every pin of ``[buttons]``, sorted by physical pin; empty without a ``[buttons]`` section."""
    buttons = config.buttons
    if buttons is None:
        return []
    found: list[tuple[int, Kind, str, str, str]] = []  # bcm, kind, vi, en, key

    for service_id, svc in buttons.services.items():
        name = _service_name(config, service_id)
        key = f"buttons.services.{service_id}"
        found.append((svc.button, "button", f"Nút: {name.vi}", f"Button: {_en(name)}", f"{key}.button"))
        if svc.led is not None:
            found.append((svc.led, "led", f"Đèn nút: {name.vi}", f"Button LED: {_en(name)}", f"{key}.led"))

    if buttons.priority is not None:
        prio = buttons.priority
        vi, en = "Nút ưu tiên", "Priority button"
        if prio.service is not None:
            name = _service_name(config, prio.service)
            vi, en = f"{vi}: {name.vi}", f"{en}: {_en(name)}"
        found.append((prio.button, "button", vi, en, "buttons.priority.button"))
        if prio.led is not None:
            found.append((prio.led, "led", f"Đèn {vi[0].lower()}{vi[1:]}", f"{en} LED", "buttons.priority.led"))

    for counter, rating in buttons.rating.items():
        key = f"buttons.rating.{counter}"
        for i, pin in enumerate(rating.buttons, start=1):
            level = _level_name(config, i)
            found.append(
                (
                    pin,
                    "button",
                    f"Nút đánh giá quầy {counter}: {level.vi}",
                    f"Rating button, counter {counter}: {_en(level)}",
                    f"{key}.buttons[{i}]",
                )
            )
        shared = len(rating.leds) == 1 and len(rating.buttons) > 1
        for i, pin in enumerate(rating.leds, start=1):
            if shared:  # one pin lights the whole row (through a transistor)
                n = len(rating.buttons)
                vi = f"Đèn nút đánh giá quầy {counter} (cả {n} nút)"
                en = f"Rating button LEDs, counter {counter} (all {n})"
            else:
                level = _level_name(config, i)
                vi = f"Đèn nút đánh giá quầy {counter}: {level.vi}"
                en = f"Rating button LED, counter {counter}: {_en(level)}"
            found.append((pin, "led", vi, en, f"{key}.leds[{i}]"))

    rows = [
        WiringRow(
            bcm=bcm,
            physical=BCM_TO_PHYSICAL[bcm],
            kind=kind,
            vi=_nfc(vi),
            en=_nfc(en),
            key=key,
            ground=nearest_ground(BCM_TO_PHYSICAL[bcm]),
        )
        for bcm, kind, vi, en, key in found
    ]
    return sorted(rows, key=lambda r: (r.physical, r.key))


# ---------------------------------------------------------------------------
# Shared texts

NO_BUTTONS_MESSAGE = (
    "Cấu hình không có mục [buttons]: không có nút hay đèn nào để đấu dây.\n"
    "The config has no [buttons] section: there are no buttons or LEDs to wire.\n"
    "Thêm mục [buttons] (xem docs/buttons-and-keypads.md) / "
    "Add a [buttons] section (see docs/buttons-and-keypads.md)."
)

NO_PINS_MESSAGE = (
    "Mục [buttons] không khai báo chân nào: không có nút hay đèn nào để đấu dây.\n"
    "The [buttons] section names no pins: there are no buttons or LEDs to wire."
)

#: How to wire, (Vietnamese, English) pairs; printed under the table and on the picture.
WIRING_NOTES: tuple[tuple[str, str], ...] = (
    (
        "Nút bấm: một chân của nút nối vào chân GPIO, chân kia nối vào một chân GND (nên dùng chân GND gần nhất). "
        "Không cần điện trở: Pi bật điện trở kéo lên (pull-up) bên trong.",
        "Button: one terminal to the GPIO pin, the other to a GND pin (the nearest one is listed). "
        "No resistor needed: the Pi's internal pull-up is used.",
    ),
    (
        "Đèn LED: chân GPIO → điện trở 330\u00a0Ω → chân dài (+) của LED; chân ngắn (−) của LED → GND. "
        "Đèn 5\u00a0V/12\u00a0V của nút arcade cần mạch đệm (transistor NPN hoặc ULN2803).",
        "LED: GPIO pin → 330\u00a0Ω resistor → LED long leg (+); LED short leg (−) → GND. "
        "A 5\u00a0V/12\u00a0V arcade-button lamp needs a driver (NPN transistor or ULN2803).",
    ),
    (
        "Không bao giờ nối chân GPIO vào chân 5V hay 3V3: chân GPIO chỉ chịu được 3,3\u00a0V.",
        "Never connect a GPIO pin to a 5V or 3V3 pin: GPIO pins take 3.3\u00a0V only.",
    ),
)


def _title(config: Config) -> tuple[str, str]:
    unit = config.site.unit_name
    return (
        f"Sơ đồ đấu dây nút bấm và đèn (GPIO) – {unit.vi}",
        f"Button and LED wiring (GPIO) – {_en(unit)}",
    )


# ---------------------------------------------------------------------------
# The table


def wiring_table(config: Config) -> str:
    """The pin map as plain text for the terminal, sorted by physical pin, Vietnamese first."""
    title_vi, title_en = _title(config)
    lines = [title_vi, title_en, ""]
    if config.buttons is None:
        return "\n".join([*lines, NO_BUTTONS_MESSAGE])
    rows = wiring_rows(config)
    if not rows:
        return "\n".join([*lines, NO_PINS_MESSAGE])

    # Each pin takes two lines: Vietnamese, then English under it.
    width = max(len("Nối với / Connected to"), *(max(len(r.vi), len(r.en)) for r in rows))
    head = f"{'Chân':>4}  {'GPIO':>4}  {'GND':>4}  {'Nối với':<{width}}  Mục cấu hình"
    head_en = f"{'Pin':>4}  {'BCM':>4}  {'near':>4}  {'Connected to':<{width}}  Config key"
    rule = f"{'-' * 4}  {'-' * 4}  {'-' * 4}  {'-' * width}  {'-' * max(len(r.key) for r in rows)}"
    lines += [head, head_en, rule]
    for r in rows:
        lines.append(f"{r.physical:>4}  {r.bcm:>4}  {r.ground:>4}  {r.vi:<{width}}  {r.key}")
        lines.append(f"{'':>4}  {'':>4}  {'':>4}  {r.en}")
    lines += [
        "",
        "Chân: số chân trên hàng 40 chân (1-40). GPIO: số BCM trong cấu hình. GND: chân GND gần nhất.",
        "Pin: position on the 40-pin header (1-40). GPIO: BCM number in the config. GND: nearest ground pin.",
        f"GND: {', '.join(map(str, GROUND_PINS))}   3V3: {', '.join(map(str, POWER_3V3_PINS))}   "
        f"5V: {', '.join(map(str, POWER_5V_PINS))}",
        "",
    ]
    for vi, en in WIRING_NOTES:  # wrapped to fit a laptop's terminal
        lines += textwrap.wrap(vi, 100, break_on_hyphens=False, initial_indent="- ", subsequent_indent="  ")
        lines += textwrap.wrap(en, 100, break_on_hyphens=False, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The picture
#
# Units are millimetres on an A4 page (viewBox 0 0 210 297). The header is drawn
# as the Pi sits with its USB ports pointing down: pin 1 at the top left, odd
# pins on the left, even pins on the right. Text widths are measured with the
# DejaVu Sans file itself (the SVG asks for that font), so labels wrap before
# they would run into the header.

PAGE_W, PAGE_H = 210.0, 297.0
FONT = "DejaVu Sans, sans-serif"
_TOP = 35.0  # y of the top of row 0
_ROW = 10.4  # row pitch
_PIN_X = (99.0, 111.0)  # centres of the left (odd) and right (even) pins
_PIN_R = 3.5
_TAG_X = (83.5, 126.5)  # centres of the "GPIO n" tags
_TEXT_EDGE = (75.0, 135.0)  # where label text starts, next to the tag
_TEXT_W = 64.0  # label text width available on each side
_BOX = ((8.0, 92.0), (118.0, 202.0))  # x extent of a used pin's label box

COLOURS = {
    "button": ("#1565c0", "#e3eefb"),  # (strong, tint)
    "led": ("#2e7d32", "#e6f4e6"),
    "gnd": ("#000000", "#ffffff"),
    "3v3": ("#e65100", "#ffffff"),
    "5v": ("#c62828", "#ffffff"),
    "free": ("#bdbdbd", "#ffffff"),
    "reserved": ("#757575", "#ffffff"),
}


@lru_cache(maxsize=2)
def _font(bold: bool):  # type: ignore[no-untyped-def]
    """DejaVu Sans at 100 px for measuring, or None when it is not installed."""
    try:
        from PIL import ImageFont

        from drivers.fonts import font_path

        return ImageFont.truetype(str(font_path(bold)), 100)
    except Exception:  # measuring is a nicety: fall back to an estimate
        return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in mm of ``text`` in DejaVu Sans at ``size`` mm."""
    font = _font(bold)
    if font is None:
        return len(text) * size * (0.68 if bold else 0.62)
    return float(font.getlength(text)) / 100.0 * size


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Split ``text`` at spaces into lines no wider than ``width`` (a single long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def _two_lines(text: str, size: float, width: float) -> list[str] | None:
    """``text`` split at the space that makes the longer of two lines shortest; None if it cannot fit."""
    words = text.split(" ")
    best: tuple[float, list[str]] | None = None
    for i in range(1, len(words)):
        lines = [" ".join(words[:i]), " ".join(words[i:])]
        widest = max(text_width(line, size) for line in lines)
        if widest <= width and (best is None or widest < best[0]):
            best = (widest, lines)
    return best[1] if best else None


def _fit(text: str, width: float) -> tuple[float, list[str]]:
    """Size and lines for a label: one line if it fits at a readable size, else two balanced smaller lines."""
    for size in (2.9, 2.7, 2.5):
        if text_width(text, size) <= width:
            return size, [text]
    for size in (2.5, 2.3, 2.1):
        lines = _two_lines(text, size, width)
        if lines:
            return size, lines
    # Longer still: two lines split in the middle; each is shrunk to fit when drawn.
    words = text.split(" ")
    half = max(1, len(words) // 2)
    return 2.1, [" ".join(words[:half]), " ".join(words[half:])]


def _shrink(text: str, size: float, max_width: float, bold: bool = False) -> float:
    """``size``, made smaller if ``text`` would be wider than ``max_width``.

    A smaller font rather than SVG's textLength, which some renderers (librsvg) ignore.
    """
    width = text_width(text, size, bold)
    # Rounded down to the 0.01 mm written into the SVG, so it never ends up wider.
    return size if width <= max_width else math.floor(size * max_width / width * 100) / 100


def _text(
    x: float,
    y: float,
    content: str,
    size: float,
    *,
    anchor: str = "start",
    bold: bool = False,
    fill: str = "#000000",
    cls: str | None = None,
    max_width: float | None = None,
) -> str:
    """One line of SVG text; in a smaller font if it would be wider than ``max_width``."""
    if max_width is not None:
        size = _shrink(content, size, max_width, bold)
    attrs = [f'x="{x:.2f}"', f'y="{y:.2f}"', f'font-size="{size:.2f}"', f'fill="{fill}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if bold:
        attrs.append('font-weight="bold"')
    if cls:
        attrs.append(f'class="{cls}"')
    return f"<text {' '.join(attrs)}>{escape(content)}</text>"


def _lines(
    x: float,
    baselines: list[float],
    lines: list[str],
    size: float,
    *,
    anchor: str,
    cls: str,
    fill: str,
    max_width: float,
) -> str:
    """A wrapped text: one <text> with a <tspan> per line."""
    spans = []
    for y, line in zip(baselines, lines):
        fitted = _shrink(line, size, max_width)
        squeeze = f' font-size="{fitted:.2f}"' if fitted != size else ""
        spans.append(f'<tspan x="{x:.2f}" y="{y:.2f}"{squeeze}>{escape(line)}</tspan>')
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text class="{cls}" font-size="{size:.2f}" fill="{fill}"{anchor_attr}>{"".join(spans)}</text>'


def _pin_role(physical: int, reserved: set[int]) -> str:
    if physical in GROUND_PINS:
        return "gnd"
    if physical in POWER_3V3_PINS:
        return "3v3"
    if physical in POWER_5V_PINS:
        return "5v"
    if PHYSICAL_TO_BCM[physical] in reserved:
        return "reserved"
    return "free"


def _circle(cx: float, cy: float, physical: int, stroke: str, fill: str, text_fill: str) -> str:
    return (
        f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="{_PIN_R}" fill="{fill}" stroke="{stroke}" stroke-width="0.6"/>'
        + _text(cx, cy + 1.0, str(physical), 2.8, anchor="middle", bold=True, fill=text_fill, cls="pin-number")
    )


def _used_pin(row: WiringRow) -> str:
    """A configured pin: coloured circle, GPIO tag and the label box."""
    physical = row.physical
    r, col = _position(physical)
    cy = _TOP + _ROW * (r + 0.5)
    strong, tint = COLOURS[row.kind]
    left = col == 0
    x0, x1 = _BOX[col]
    anchor = "end" if left else "start"
    tx = _TEXT_EDGE[col]
    parts = [
        f'<g class="pin used {row.kind}" id="pin-{physical}" data-physical="{physical}" data-bcm="{row.bcm}" '
        f"data-key={quoteattr(row.key)}>",
        f'<rect x="{x0:.2f}" y="{cy - _ROW / 2 + 0.6:.2f}" width="{x1 - x0:.2f}" height="{_ROW - 1.2:.2f}" '
        f'rx="1.5" fill="{tint}" stroke="{strong}" stroke-width="0.4"/>',
        _text(_TAG_X[col], cy - 0.6, f"GPIO {row.bcm}", 2.6, anchor="middle", bold=True, fill=strong),
        _text(_TAG_X[col], cy + 2.6, f"GND {row.ground}", 2.1, anchor="middle", fill="#333333"),
    ]
    vi_size, vi_lines = _fit(row.vi, _TEXT_W)
    if len(vi_lines) == 1:
        vi_base, en_base, en_size = [cy - 0.3], cy + 3.0, 2.2
    else:
        vi_base, en_base, en_size = [cy - 1.9, cy + 1.05], cy + 3.95, 2.0
    parts.append(
        _lines(tx, vi_base, vi_lines, vi_size, anchor=anchor, cls="label-vi", fill="#000000", max_width=_TEXT_W)
    )
    parts.append(_text(tx, en_base, row.en, en_size, anchor=anchor, fill="#444444", cls="label-en", max_width=_TEXT_W))
    parts.append(_circle(_PIN_X[col], cy, physical, strong, strong, "#ffffff"))
    parts.append("</g>")
    return "".join(parts)


def _other_pin(physical: int, reserved: set[int], extra_reserved: set[int]) -> str:
    """A pin the config does not use: power, ground, free or reserved GPIO."""
    r, col = _position(physical)
    cy = _TOP + _ROW * (r + 0.5)
    role = _pin_role(physical, reserved)
    strong, _ = COLOURS[role]
    cx, tag_x, tx = _PIN_X[col], _TAG_X[col], _TEXT_EDGE[col]
    anchor = "end" if col == 0 else "start"
    parts = [f'<g class="pin {role}" id="pin-{physical}" data-physical="{physical}">']
    if role == "gnd":
        parts.append(_circle(cx, cy, physical, strong, strong, "#ffffff"))
        parts.append(_text(tag_x, cy + 1.0, "GND", 2.8, anchor="middle", bold=True, fill=strong))
    elif role in ("3v3", "5v"):
        parts.append(_circle(cx, cy, physical, strong, strong, "#ffffff"))
        name = "3V3" if role == "3v3" else "5V"
        parts.append(_text(tag_x, cy + 1.0, name, 2.8, anchor="middle", bold=True, fill=strong))
        warn_vi = "nguồn 3,3 V" if role == "3v3" else "nguồn 5 V – không nối GPIO"
        warn_en = "3.3 V supply" if role == "3v3" else "5 V supply – never to a GPIO"
        parts.append(_text(tx, cy - 0.3, warn_vi, 2.3, anchor=anchor, fill=strong))
        parts.append(_text(tx, cy + 2.7, warn_en, 2.0, anchor=anchor, fill=strong))
    else:
        bcm = PHYSICAL_TO_BCM[physical]
        parts.append(_circle(cx, cy, physical, strong, "#ffffff", "#555555"))
        parts.append(_text(tag_x, cy + 0.9, f"GPIO {bcm}", 2.4, anchor="middle", fill="#777777"))
        if role == "reserved":
            why = f"{_ID_EEPROM[bcm]} (EEPROM HAT)" if bcm in _ID_EEPROM else "extra_reserved_pins"
            vi = f"Không dùng – {why}" if bcm in _ID_EEPROM else f"Dành riêng – {why}"
            en = "Do not use" if bcm in _ID_EEPROM else "Reserved"
            if bcm in extra_reserved and bcm not in _ID_EEPROM:
                en = "Reserved for other hardware"
            parts.append(_text(tx, cy - 0.3, vi, 2.3, anchor=anchor, fill=strong))
            parts.append(_text(tx, cy + 2.7, en, 2.0, anchor=anchor, fill=strong))
    parts.append("</g>")
    return "".join(parts)


def _legend(y: float) -> list[str]:
    """Colour key and wiring notes, from ``y`` down."""
    items = [
        ("button", "Nút bấm", "Button"),
        ("led", "Đèn", "LED"),
        ("gnd", "GND (0 V)", "Ground"),
        ("3v3", "3V3", "3.3 V"),
        ("5v", "5V", "5 V"),
        ("free", "GPIO trống", "Free GPIO"),
        ("reserved", "Không dùng", "Do not use"),
    ]
    parts = ['<g class="legend">']
    x = 10.0
    step = 190.0 / len(items)
    for role, vi, en in items:
        strong, _ = COLOURS[role]
        fill = "#ffffff" if role in ("free", "reserved") else strong
        parts.append(
            f'<circle cx="{x + 2.2:.2f}" cy="{y:.2f}" r="2.2" fill="{fill}" stroke="{strong}" stroke-width="0.6"/>'
        )
        parts.append(_text(x + 5.5, y - 0.2, vi, 2.5, bold=True, max_width=step - 6.5))
        parts.append(_text(x + 5.5, y + 2.6, en, 2.1, fill="#444444", max_width=step - 6.5))
        x += step
    y += 7.5
    notes = [
        *WIRING_NOTES,
        (
            "Số trong vòng tròn: số chân trên hàng 40 chân (1–40). GPIO: số BCM ghi trong cấu hình. "
            "GND n: chân GND gần nhất. Hình vẽ: Pi đặt cổng USB hướng xuống, chân 1 (đế hàn vuông) ở trên, bên trái.",
            "Circled: header pin (1–40). GPIO: BCM number in the config. GND n: nearest ground pin. "
            "Drawn with the Pi's USB ports pointing down: pin 1 (square pad) top left.",
        ),
    ]
    for vi, en in notes:
        for line in _wrap(vi, 2.45, 190.0):
            parts.append(_text(10.0, y, line, 2.45, max_width=190.0))
            y += 3.0
        for line in _wrap(en, 2.1, 190.0):
            parts.append(_text(10.0, y, line, 2.1, fill="#444444", max_width=190.0))
            y += 2.7
        y += 0.8
    parts.append("</g>")
    return parts


def wiring_svg(config: Config) -> str:
    """The header as an A4 SVG page: every configured pin coloured and labelled (Vietnamese, English smaller)."""
    rows = wiring_rows(config)
    by_physical = {row.physical: row for row in rows}
    extra = set(config.buttons.extra_reserved_pins) if config.buttons else set()
    reserved = set(_ID_EEPROM) | extra
    title_vi, title_en = _title(config)
    unit = config.site.unit_name

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W:g}mm" height="{PAGE_H:g}mm" '
        f'viewBox="0 0 {PAGE_W:g} {PAGE_H:g}" font-family="{FONT}">',
        f"<title>{escape(title_vi)} / {escape(title_en)}</title>",
        f'<rect x="0" y="0" width="{PAGE_W:g}" height="{PAGE_H:g}" fill="#ffffff"/>',
    ]
    # Title: what it is, then the unit, Vietnamese first.
    out.append(_text(PAGE_W / 2, 12.0, "Sơ đồ đấu dây nút bấm và đèn (GPIO)", 5.2, anchor="middle", bold=True))
    out.append(_text(PAGE_W / 2, 18.5, unit.vi, 3.8, anchor="middle", bold=True, max_width=190.0, cls="unit-vi"))
    out.append(
        _text(
            PAGE_W / 2, 23.5, f"Button and LED wiring (GPIO) – {_en(unit)}", 2.8, anchor="middle",
            fill="#444444", max_width=190.0,
        )
    )  # fmt: skip
    if config.buttons is None:
        summary = "Cấu hình không có mục [buttons] – The config has no [buttons] section"
    else:
        summary = f"{len(rows)} chân đã dùng – {len(rows)} pins used"
    out.append(_text(PAGE_W / 2, 29.5, summary, 2.6, anchor="middle", fill="#000000", cls="summary"))

    # The header itself.
    top, bottom = _TOP - 1.0, _TOP + 20 * _ROW + 1.0
    out.append(
        f'<rect x="{_PIN_X[0] - 5.5:.2f}" y="{top:.2f}" width="{_PIN_X[1] - _PIN_X[0] + 11:.2f}" '
        f'height="{bottom - top:.2f}" rx="1.5" fill="#303030"/>'
    )
    for physical in range(1, 41):
        row = by_physical.get(physical)
        out.append(_used_pin(row) if row else _other_pin(physical, reserved, extra))
    out += _legend(bottom + 6.0)
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# The command


def main(config: Config, svg_path: Path | None = None, out: Callable[[str], None] = print) -> int:
    """``kiosk wiring [--svg FILE]``: print the table; with ``svg_path``, write the picture there.

    Returns 0 when done, 1 when there is nothing to wire (no ``[buttons]`` section or
    no pins in it; the SVG is then not written) or the SVG cannot be written.
    """
    out(wiring_table(config))
    if not wiring_rows(config):
        return 1
    if svg_path is not None:
        try:
            Path(svg_path).write_text(wiring_svg(config), encoding="utf-8")
        except OSError as exc:
            out(f"\nKhông ghi được {svg_path} / Cannot write {svg_path}: {exc.strerror}")
            return 1
        out(f"\nĐã ghi sơ đồ vào {svg_path}: in khổ A4, tỉ lệ 100%, dán trong tủ.")
        out(f"Wrote the diagram to {svg_path}: print on A4 at 100% and tape it inside the cabinet.")
    return 0
