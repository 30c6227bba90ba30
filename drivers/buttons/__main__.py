"""Technician's check of the buttons and LEDs: ``python -m drivers.buttons office.toml [seconds]``.

Lights every LED in turn, then prints each event for ``seconds`` (default 60).
Run it on the Pi with the kiosk service stopped (it holds the pins).
"""

from __future__ import annotations

import sys
import time

from drivers.section import load_section
from drivers.buttons import ButtonsConfig, open_buttons


def main(argv: list[str] | None = None) -> int:
    """Run the check on the config file named in ``argv``; 2 without one."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m drivers.buttons CONFIG.toml [seconds]")
        return 2
    config = load_section(args[0], "buttons", ButtonsConfig)
    seconds = float(args[1]) if len(args) > 1 else 60.0
    panel = open_buttons(config, lambda event: print(event, flush=True))
    try:
        for service_id in config.services:
            print(f"LED of service {service_id}", flush=True)
            panel.set_service_led(service_id, "steady")
            time.sleep(0.5)
            panel.set_service_led(service_id, "off")
        if config.priority is not None:
            print("LED of the priority button", flush=True)
            panel.set_priority_led("steady")
            time.sleep(0.5)
            panel.set_priority_led("off")
        for group_id in config.groups:
            print(f"LED of priority group {group_id}", flush=True)
            panel.set_group_led(group_id, "steady")
            time.sleep(0.5)
            panel.set_group_led(group_id, "off")
        for counter in config.rating:
            print(f"rating LEDs of counter {counter}", flush=True)
            panel.set_rating_leds(counter, "blink")
            time.sleep(1.0)
            panel.set_rating_leds(counter, "off")
        print(f"press the buttons ({seconds:.0f} s)...", flush=True)
        time.sleep(seconds)
    finally:
        panel.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
