"""The pin map as an A4 SVG picture of the 40-pin header, to print and tape inside the cabinet.

Plain SVG, no external fonts or files: every configured pin is coloured and
labelled (Vietnamese, English smaller), the power, ground and reserved pins are
marked, and a colour key and the wiring notes run along the bottom.
"""

from __future__ import annotations

import math
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from kiosk.config import Config
from kiosk.wiring.pinmap import (
    GROUND_PINS,
    ID_EEPROM,
    PHYSICAL_TO_BCM,
    POWER_3V3_PINS,
    POWER_5V_PINS,
    WIRING_NOTES,
    WiringRow,
    english,
    header_position,
    title,
    wiring_rows,
)

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
    "i2c": ("#6a1b9a", "#f3e5f5"),
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
    r, col = header_position(physical)
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
    r, col = header_position(physical)
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
            why = f"{ID_EEPROM[bcm]} (EEPROM HAT)" if bcm in ID_EEPROM else "extra_reserved_pins"
            vi = f"Không dùng – {why}" if bcm in ID_EEPROM else f"Dành riêng – {why}"
            en = "Do not use" if bcm in ID_EEPROM else "Reserved"
            if bcm in extra_reserved and bcm not in ID_EEPROM:
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
        ("i2c", "I2C", "I2C"),
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
    reserved = set(ID_EEPROM) | extra
    title_vi, title_en = title(config)
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
            PAGE_W / 2, 23.5, f"Button and LED wiring (GPIO) – {english(unit)}", 2.8, anchor="middle",
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
