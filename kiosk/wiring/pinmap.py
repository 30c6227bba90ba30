"""The pin map: which button or LED the config puts on which pin of the Pi's 40-pin header.

The config names pins by their GPIO (BCM) number; a technician with a
screwdriver counts header positions (physical pins 1-40). This module holds the
header itself (:data:`BCM_TO_PHYSICAL`, the ground and power pins,
:func:`nearest_ground`), :func:`wiring_rows`, which turns the ``[buttons]``
section into one :class:`WiringRow` per configured pin, and the wording the
table and the picture share (the title, :data:`WIRING_NOTES`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from drivers.base import nfc
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

#: GPIO 0 and 1 carry the HAT ID EEPROM (see drivers.buttons.config.RESERVED_PINS).
ID_EEPROM = {0: "ID_SD", 1: "ID_SC"}

Kind = Literal["button", "led", "i2c"]


def header_position(physical: int) -> tuple[int, int]:
    """(row, column) of a physical pin: pin 1 is row 0, column 0; even pins are column 1."""
    return (physical - 1) // 2, (physical - 1) % 2


def nearest_ground(physical: int) -> int:
    """The ground pin closest to ``physical`` on the header (the lower number on a tie)."""
    row, col = header_position(physical)

    def distance(ground: int) -> float:
        g_row, g_col = header_position(ground)
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
    """``button`` (wired to ground), ``led`` (driven high = lit) or ``i2c`` (the rating pads' expanders)."""
    vi: str
    """What is connected, in Vietnamese, e.g. ``Nút: Đăng ký xe ô tô``."""
    en: str
    """The same in English, e.g. ``Button: Car registration``."""
    key: str
    """Config key path, list indices counted from 1, e.g. ``buttons.rating.1.buttons[1]``."""
    ground: int
    """The nearest ground pin (physical number), for the button's or LED's return wire."""


def english(text: Text) -> str:
    """The English of ``text``, or its Vietnamese when it has none."""
    return text.en or text.vi


def _service_name(config: Config, service_id: str) -> Text:
    try:
        return config.service(service_id).name
    except KeyError:  # a [buttons] section checked on its own may name an unknown service
        return Text(vi=service_id, en=service_id)


def _group_name(config: Config, group_id: str) -> Text:
    try:
        return config.group(group_id).name
    except KeyError:  # a [buttons] section checked on its own may name an unknown group
        return Text(vi=group_id, en=group_id)


def _level_name(config: Config, level: int) -> Text:
    levels = config.rating.levels
    if 1 <= level <= len(levels):
        return levels[level - 1]
    return Text(vi=f"mức {level}", en=f"level {level}")


def wiring_rows(config: Config) -> list[WiringRow]:
    """Every pin of ``[buttons]``, and GPIO 2/3 when the rating pads have expanders, sorted by physical pin."""
    found: list[tuple[int, Kind, str, str, str]] = []  # bcm, kind, vi, en, key
    if config.rating_pads is not None and config.rating_pads.expanders:
        chips = len(config.rating_pads.expanders)
        for bcm, line in ((2, "SDA"), (3, "SCL")):
            found.append((bcm, "i2c", f"I2C {line}: tới {chips} chip MCP23017 (bộ nút đánh giá)",
                          f"I2C {line}: to the {chips} MCP23017 chips (rating pads)", "rating_pads.expanders"))
    buttons = config.buttons
    if buttons is None:
        return _rows(found)

    for service_id, svc in buttons.services.items():
        name = _service_name(config, service_id)
        key = f"buttons.services.{service_id}"
        found.append((svc.button, "button", f"Nút: {name.vi}", f"Button: {english(name)}", f"{key}.button"))
        if svc.led is not None:
            found.append((svc.led, "led", f"Đèn nút: {name.vi}", f"Button LED: {english(name)}", f"{key}.led"))

    if buttons.priority is not None:
        prio = buttons.priority
        vi, en = "Nút ưu tiên", "Priority button"
        if prio.service is not None:
            name = _service_name(config, prio.service)
            vi, en = f"{vi}: {name.vi}", f"{en}: {english(name)}"
        found.append((prio.button, "button", vi, en, "buttons.priority.button"))
        if prio.led is not None:
            found.append((prio.led, "led", f"Đèn {vi[0].lower()}{vi[1:]}", f"{en} LED", "buttons.priority.led"))

    for group_id, group_button in buttons.groups.items():
        name = _group_name(config, group_id)
        key = f"buttons.groups.{group_id}"
        # Named as a rating button names its counter; a bound service follows as for the priority button.
        bound_vi = bound_en = ""
        if group_button.service is not None:  # the ticket it gives at once
            service = _service_name(config, group_button.service)
            bound_vi, bound_en = f": {service.vi}", f": {english(service)}"
        found.append(
            (
                group_button.button,
                "button",
                f"Nút ưu tiên nhóm {name.vi}{bound_vi}",
                f"Priority button, group {english(name)}{bound_en}",
                f"{key}.button",
            )
        )
        if group_button.led is not None:
            found.append(
                (
                    group_button.led,
                    "led",
                    f"Đèn nút ưu tiên nhóm {name.vi}{bound_vi}",
                    f"Priority button LED, group {english(name)}{bound_en}",
                    f"{key}.led",
                )
            )

    for counter, rating in buttons.rating.items():
        key = f"buttons.rating.{counter}"
        for i, pin in enumerate(rating.buttons, start=1):
            level = _level_name(config, i)
            found.append(
                (
                    pin,
                    "button",
                    f"Nút đánh giá quầy {counter}: {level.vi}",
                    f"Rating button, counter {counter}: {english(level)}",
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
                en = f"Rating button LED, counter {counter}: {english(level)}"
            found.append((pin, "led", vi, en, f"{key}.leds[{i}]"))

    return _rows(found)


def _rows(found: list[tuple[int, Kind, str, str, str]]) -> list[WiringRow]:
    rows = [
        WiringRow(
            bcm=bcm,
            physical=BCM_TO_PHYSICAL[bcm],
            kind=kind,
            vi=nfc(vi),
            en=nfc(en),
            key=key,
            ground=nearest_ground(BCM_TO_PHYSICAL[bcm]),
        )
        for bcm, kind, vi, en, key in found
    ]
    return sorted(rows, key=lambda r: (r.physical, r.key))



# ---------------------------------------------------------------------------
# Shared texts

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


def title(config: Config) -> tuple[str, str]:
    """The title of the table and the picture: (Vietnamese, English)."""
    unit = config.site.unit_name
    return (
        f"Sơ đồ đấu dây nút bấm và đèn (GPIO) – {unit.vi}",
        f"Button and LED wiring (GPIO) – {english(unit)}",
    )
