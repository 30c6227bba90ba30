"""The pin map as plain text for the terminal: ``kiosk wiring`` prints it."""

from __future__ import annotations

import textwrap

from kiosk.config import Config
from kiosk.wiring.pinmap import GROUND_PINS, POWER_3V3_PINS, POWER_5V_PINS, WIRING_NOTES, title, wiring_rows

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


def wiring_table(config: Config) -> str:
    """The pin map as plain text for the terminal, sorted by physical pin, Vietnamese first."""
    title_vi, title_en = title(config)
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
