"""The rating pads' wiring: each MCP23017 expander pin by pin, and the USB pads.

A technician wires an expander board by its pin names (GPA0..GPB7, VDD, SDA...)
or, on a bare DIP-28 chip, by pin number. This module turns ``[rating_pads]``
into one :class:`ChipPin` per pin of each chip (what the config puts there, or
what the chip itself needs: power, the I2C lines to the Pi, the address pins),
the same as text for the terminal (:func:`expander_table`) and as an A4 SVG
page (:func:`expander_svg`). Nothing here touches I2C.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from drivers.base import nfc
from drivers.ratingpad.config import ExpanderConfig, PadConfig, chip_pin_name
from kiosk.config import Config
from kiosk.wiring.pinmap import BCM_TO_PHYSICAL, english

Role = Literal["button", "led", "power", "i2c", "address", "free"]

#: DIP-28 pin number of each named pin of the MCP23017 (datasheet, figure 1): GPB0-7 are 1-8, GPA0-7 are 21-28.
DIP_PINS: dict[str, int] = {
    **{f"GPB{i}": 1 + i for i in range(8)}, "VDD": 9, "VSS": 10, "NC1": 11, "SCK": 12, "SDA": 13, "NC2": 14,
    "A0": 15, "A1": 16, "A2": 17, "RESET": 18, "INTB": 19, "INTA": 20, **{f"GPA{i}": 21 + i for i in range(8)},
}

SDA_PI, SCL_PI = BCM_TO_PHYSICAL[2], BCM_TO_PHYSICAL[3]
_3V3_PI, _GND_PI = 1, 6


#: How to wire the expanders, (Vietnamese, English): under the table and on the picture.
PAD_NOTES: tuple[tuple[str, str], ...] = (
    ("Mọi chip dùng chung 4 dây tới Pi: 3V3, GND, SDA (GPIO 2), SCL (GPIO 3). Dây I2C ngắn (dưới 1 m, trong tủ); "
     "dây từ chip tới nút ở quầy có thể dài 20 m.",
     "All chips share four wires to the Pi: 3V3, GND, SDA (GPIO 2), SCL (GPIO 3). Keep I2C short (under 1 m, "
     "inside the cabinet); the cables from a chip to the counters' buttons may run 20 m."),
    ("Nút: một chân vào chân GPx của chip, chân kia vào GND. Đèn: chân GPx → điện trở 330 Ω → LED → GND.",
     "Button: one terminal to the chip's GPx pin, the other to GND. LED: GPx pin → 330 Ω resistor → LED → GND."),
    ("Kiểm tra: i2cdetect -y 1 phải thấy từng địa chỉ; kiosk doctor kiểm tra từng bộ nút.",
     "Check: i2cdetect -y 1 must show each address; kiosk doctor checks each pad."),
)


@dataclass(frozen=True)
class ChipPin:
    """One pin of an expander and what goes on it."""

    name: str  # GPA0, VDD, SDA ...
    dip: int  # pin number on the DIP-28 package
    role: Role
    vi: str
    en: str
    key: str = ""  # the config key that puts it there, for buttons and LEDs


def address_levels(address: int) -> tuple[str, str, str]:
    """What A0, A1, A2 are tied to for ``address``: "3V3" for a 1 bit, "GND" for 0."""
    bits = address - 0x20
    return tuple("3V3" if bits >> i & 1 else "GND" for i in range(3))  # type: ignore[return-value]


def _pads_on(config: Config, chip: ExpanderConfig) -> list[tuple[int, PadConfig]]:
    assert config.rating_pads is not None
    return [(j, pad) for j, pad in enumerate(config.rating_pads.pads, start=1) if pad.expander == chip.id]


def chip_pins(config: Config, chip: ExpanderConfig) -> list[ChipPin]:
    """Every pin of ``chip``, in DIP order."""
    levels = config.rating.levels
    used: dict[str, ChipPin] = {}
    for j, pad in _pads_on(config, chip):
        for i, pin in enumerate(pad.buttons, start=1):
            name = chip_pin_name(pin)
            level = levels[i - 1] if i <= len(levels) else None
            vi = f"Nút quầy {pad.counter}: {level.vi if level else f'mức {i}'}"
            en = f"Counter {pad.counter} button: {english(level) if level else f'level {i}'}"
            used[name] = ChipPin(name, DIP_PINS[name], "button", nfc(vi), en, f"rating_pads.pads[{j}].buttons[{i}]")
        if pad.led is not None:
            name = chip_pin_name(pad.led)
            used[name] = ChipPin(name, DIP_PINS[name], "led", f"Đèn quầy {pad.counter}", f"Counter {pad.counter} LED",
                                 f"rating_pads.pads[{j}].led")
    a0, a1, a2 = address_levels(chip.address)
    fixed = {
        "VDD": ("power", f"→ 3V3 của Pi (chân {_3V3_PI})", f"Pi 3V3 (pin {_3V3_PI})"),
        "VSS": ("power", f"→ GND của Pi (chân {_GND_PI})", f"Pi GND (pin {_GND_PI})"),
        "SCK": ("i2c", f"→ GPIO 3 SCL của Pi (chân {SCL_PI})", f"Pi GPIO 3 SCL (pin {SCL_PI})"),
        "SDA": ("i2c", f"→ GPIO 2 SDA của Pi (chân {SDA_PI})", f"Pi GPIO 2 SDA (pin {SDA_PI})"),
        "A0": ("address", f"→ {a0}", f"{a0}"),
        "A1": ("address", f"→ {a1}", f"{a1}"),
        "A2": ("address", f"→ {a2}", f"{a2}"),
        "RESET": ("power", "→ 3V3", "3V3 (no reset)"),
    }
    pins = []
    for name, dip in DIP_PINS.items():
        if name in used:
            pins.append(used[name])
        elif name in fixed:
            role, vi, en = fixed[name]
            pins.append(ChipPin(name, dip, role, vi, en))  # type: ignore[arg-type]
        else:
            pins.append(ChipPin(name.rstrip("12") if name.startswith("NC") else name, dip, "free",
                                "không nối", "not connected"))
    return pins


def chip_title(chip: ExpanderConfig) -> tuple[str, str]:
    """(Vietnamese, English) heading of one chip."""
    a0, a1, a2 = address_levels(chip.address)
    return (
        f"Bộ mở rộng {chip.id!r}: MCP23017, bus I2C {chip.bus}, địa chỉ {chip.address:#04x} (A2 {a2}, A1 {a1}, A0 {a0})",
        f"Expander {chip.id!r}: MCP23017, I2C bus {chip.bus}, address {chip.address:#04x}",
    )


def usb_pads(config: Config) -> list[tuple[str, str]]:
    """(Vietnamese, English) line of each USB pad: its counter and how it is found."""
    if config.rating_pads is None:
        return []
    lines = []
    scale = len(config.rating.levels)
    for pad in config.rating_pads.pads:
        if pad.usb is None:
            continue
        found = ", ".join(pad.usb.usb_ids + [repr(n) for n in pad.usb.names] + pad.usb.devices)
        if pad.keys:
            keys_vi = keys_en = ", ".join(pad.keys)
        else:
            keys_vi, keys_en = f"phím 1-{scale} (hàng phím số hoặc bàn phím số)", f"keys 1-{scale} (digit row or keypad)"
        lines.append((f"Quầy {pad.counter}: bàn phím USB {found}; {keys_vi}",
                       f"Counter {pad.counter}: USB keypad {found}; {keys_en}"))
    return lines


def expander_table(config: Config) -> str:
    """The expanders pin by pin and the USB pads, as text; "" without ``[rating_pads]``."""
    if config.rating_pads is None:
        return ""
    lines = ["Bộ nút đánh giá / Rating pads", ""]
    for chip in config.rating_pads.expanders:
        lines += [*chip_title(chip), f"{'DIP':>4}  {'Chân':<5}  Nối với / Connected to"]
        for pin in chip_pins(config, chip):
            if pin.role != "free":
                key = f"  [{pin.key}]" if pin.key else ""
                lines.append(f"{pin.dip:>4}  {pin.name:<5}  {pin.vi}{key}")
                if pin.en != pin.vi:
                    lines.append(f"{'':>4}  {'':<5}  {pin.en}")
        lines.append("")
    usb = usb_pads(config)
    if usb:
        lines.append("Bộ nút USB (không có đèn: bảng hiển thị mời đánh giá) / USB pads (no LED: the board prompts)")
        for vi, en in usb:
            lines += [f"- {vi}", f"  {en}"]
    lines.append("")
    for vi, en in PAD_NOTES:
        lines += [f"- {vi}", f"  {en}"]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------
# The picture: each chip as a DIP-28 package, pin 1 top left, 15-28 up the right side.

PAGE_W = 210.0
FONT = "DejaVu Sans, sans-serif"
COLOURS = {"button": "#1565c0", "led": "#2e7d32", "power": "#e65100", "i2c": "#6a1b9a", "address": "#455a64",
           "free": "#9e9e9e"}
_PITCH = 3.6
_BLOCK = 14 * _PITCH + 17.0  # one chip's height on the page
_CHIP_X = (84.0, 126.0)  # the package's left and right edges


def _t(x: float, y: float, text: str, size: float, fill: str = "#000000", anchor: str = "start",
       bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}" fill="{fill}" text-anchor="{anchor}"{weight}>'
            f"{escape(text)}</text>")


def _chip(config: Config, chip: ExpanderConfig, top: float) -> list[str]:
    title_vi, title_en = chip_title(chip)
    out = [f'<g class="expander" id="expander-{escape(chip.id)}" data-address="{chip.address:#04x}">',
           _t(10, top + 4, title_vi, 3.2, bold=True), _t(10, top + 8, title_en, 2.4, "#444444")]
    body_top = top + 11
    left_x, right_x = _CHIP_X
    middle = (left_x + right_x) / 2
    height = 14 * _PITCH + 2
    out.append(f'<rect x="{left_x:g}" y="{body_top:.2f}" width="{right_x - left_x:g}" height="{height:.2f}" '
               f'rx="1.5" fill="#303030"/>')
    out.append(f'<circle cx="{middle:g}" cy="{body_top:.2f}" r="2" fill="#ffffff"/>')  # the notch: pin 1 is left of it
    out.append(f'<text x="{middle:g}" y="{body_top + height / 2:.2f}" font-size="2.8" fill="#ffffff" '
               f'text-anchor="middle" font-weight="bold" transform="rotate(-90 {middle:g} {body_top + height / 2:.2f})"'
               f' dy="1">MCP23017</text>')
    for pin in chip_pins(config, chip):
        left = pin.dip <= 14
        row = pin.dip - 1 if left else 28 - pin.dip
        y = body_top + 1 + _PITCH * (row + 0.5)
        colour = COLOURS[pin.role]
        px = left_x if left else right_x
        out.append(f'<g class="chip-pin {pin.role}" data-name="{pin.name}" data-dip="{pin.dip}"'
                   + (f' data-key="{escape(pin.key)}"' if pin.key else "") + ">")
        out.append(f'<rect x="{px - 2.5 if left else px:.2f}" y="{y - 1:.2f}" width="2.5" height="2" fill="#bdbdbd"/>')
        out.append(_t(px + (1.2 if left else -1.2), y + 0.8, f"{pin.dip} {pin.name}" if left else f"{pin.name} {pin.dip}",
                      2.2, "#ffffff", "start" if left else "end"))
        # One line per pin: the Vietnamese in colour, the English after it in grey and smaller.
        weight = ' font-weight="bold"' if pin.role in ("button", "led") else ""
        tx = px - 4 if left else px + 4
        anchor = "end" if left else "start"
        out.append(f'<text x="{tx:.2f}" y="{y + 0.8:.2f}" text-anchor="{anchor}" font-size="2.3">'
                   f'<tspan fill="{colour}"{weight}>{escape(pin.vi)}</tspan>'
                   f'<tspan fill="#666666" font-size="1.8"> · {escape(pin.en)}</tspan></text>')
        out.append("</g>")
    out.append("</g>")
    return out


def expander_svg(config: Config) -> str:
    """The expanders and the USB pads as an SVG page (A4 wide; taller when there are more than four chips)."""
    assert config.rating_pads is not None
    chips = config.rating_pads.expanders
    usb = usb_pads(config)
    height = max(297.0, 30 + len(chips) * _BLOCK + 10 + 7 * len(usb) + 30)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W:g}mm" height="{height:g}mm" '
           f'viewBox="0 0 {PAGE_W:g} {height:g}" font-family="{FONT}">',
           "<title>Sơ đồ đấu dây bộ nút đánh giá / Rating pad wiring</title>",
           f'<rect x="0" y="0" width="{PAGE_W:g}" height="{height:g}" fill="#ffffff"/>',
           _t(PAGE_W / 2, 12, "Sơ đồ đấu dây bộ nút đánh giá (MCP23017, USB)", 5.0, anchor="middle", bold=True),
           _t(PAGE_W / 2, 18, config.site.unit_name.vi, 3.4, anchor="middle", bold=True),
           _t(PAGE_W / 2, 23, f"Rating pad wiring – {english(config.site.unit_name)}", 2.6, "#444444", "middle")]
    y = 28.0
    for chip in chips:
        out += _chip(config, chip, y)
        y += _BLOCK
    if usb:
        out.append(_t(10, y + 4, "Bộ nút USB – không có đèn: bảng hiển thị mời đánh giá", 3.2, bold=True))
        out.append(_t(10, y + 8, "USB pads – no LED: the board's prompt is the cue", 2.4, "#444444"))
        y += 12
        for vi, en in usb:
            out += ['<g class="usb-pad">', _t(10, y + 2, vi, 2.4), _t(10, y + 5, en, 1.9, "#555555"), "</g>"]
            y += 7
    y += 4
    for vi, en in PAD_NOTES:
        out += [_t(10, y, vi, 2.2), _t(10, y + 3, en, 1.8, "#555555")]
        y += 7
    out.append("</svg>")
    return "\n".join(out) + "\n"
