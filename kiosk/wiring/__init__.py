"""``kiosk wiring``: which button or LED goes on which pin of the Pi's header.

The config names pins by their GPIO (BCM) number; a technician with a screwdriver
counts header positions (physical pins 1-40). This package turns the ``[buttons]``
section into:

- :func:`wiring_rows` (:mod:`kiosk.wiring.pinmap`): one :class:`WiringRow` per
  configured pin (GPIO number, physical pin, what is connected in Vietnamese and
  English, the config key and the nearest ground pin), sorted by physical pin;
- :func:`wiring_table` (:mod:`kiosk.wiring.table`): the same as plain text for the
  terminal, with how to wire a button and an LED;
- :func:`wiring_svg` (:mod:`kiosk.wiring.svg`): an A4 picture of the 40-pin header
  to print and tape inside the cabinet (plain SVG, no external fonts or files);
- :func:`expander_table` and :func:`expander_svg` (:mod:`kiosk.wiring.expanders`):
  the rating pads' MCP23017 expanders pin by pin, and the USB pads.

:func:`main` is the command itself. Nothing here touches GPIO: it runs on a
laptop as well as on the Pi.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kiosk.config import Config
from kiosk.wiring.expanders import expander_svg, expander_table
from kiosk.wiring.pinmap import (
    BCM_TO_PHYSICAL,
    GROUND_PINS,
    PHYSICAL_TO_BCM,
    POWER_3V3_PINS,
    POWER_5V_PINS,
    WIRING_NOTES,
    WiringRow,
    nearest_ground,
    wiring_rows,
)
from kiosk.wiring.svg import wiring_svg
from kiosk.wiring.table import NO_BUTTONS_MESSAGE, NO_PINS_MESSAGE, wiring_table

__all__ = [
    "BCM_TO_PHYSICAL",
    "GROUND_PINS",
    "NO_BUTTONS_MESSAGE",
    "NO_PINS_MESSAGE",
    "PHYSICAL_TO_BCM",
    "POWER_3V3_PINS",
    "POWER_5V_PINS",
    "WIRING_NOTES",
    "WiringRow",
    "expander_svg",
    "expander_table",
    "main",
    "nearest_ground",
    "wiring_rows",
    "wiring_svg",
    "wiring_table",
]


def pads_svg_path(svg_path: Path) -> Path:
    """Where ``kiosk wiring --svg FILE`` writes the rating pads' page: beside FILE, ``<name>-rating-pads.svg``."""
    return svg_path.with_name(f"{svg_path.stem}-rating-pads.svg")


def main(config: Config, svg_path: Path | None = None, out: Callable[[str], None] = print) -> int:
    """``kiosk wiring [--svg FILE]``: print the tables; with ``svg_path``, write the pictures.

    The header's picture goes to ``svg_path``; with ``[rating_pads]``, the
    expanders' and USB pads' to :func:`pads_svg_path`. Returns 0 when done, 1
    when there is nothing to wire (no pins in ``[buttons]`` and no rating pads;
    no SVG is then written) or an SVG cannot be written.
    """
    out(wiring_table(config))
    pads = config.rating_pads is not None and bool(config.rating_pads.pads)
    if pads:
        out("\n" + expander_table(config))
    if not wiring_rows(config) and not pads:
        return 1
    if svg_path is not None:
        pictures = [(Path(svg_path), wiring_svg(config))]
        if pads:
            pictures.append((pads_svg_path(Path(svg_path)), expander_svg(config)))
        for path, svg in pictures:
            try:
                path.write_text(svg, encoding="utf-8")
            except OSError as exc:
                out(f"\nKhông ghi được {path} / Cannot write {path}: {exc.strerror}")
                return 1
            out(f"\nĐã ghi sơ đồ vào {path}: in khổ A4, tỉ lệ 100%, dán trong tủ.")
            out(f"Wrote the diagram to {path}: print on A4 at 100% and tape it inside the cabinet.")
    return 0
