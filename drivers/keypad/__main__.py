"""Technician's check: print what the keypads do.

    python -m drivers.keypad /boot/firmware/kiosk.toml 60

It lists the pairings, then prints every event the keypads post for the given
seconds (60 by default). Stop the kiosk service first: it grabs the keypads.
"""

from __future__ import annotations

import sys
import time

from drivers.section import load_section
from drivers.keypad import KeypadConfig, open_keypads


def main(argv: list[str] | None = None) -> int:
    """``python -m drivers.keypad office.toml [seconds]``: print the pairings and what the keypads do."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m drivers.keypad CONFIG.toml [seconds]")
        return 2
    config = load_section(args[0], "keypads", KeypadConfig)
    seconds = float(args[1]) if len(args) > 1 else 60.0
    service = open_keypads(config, lambda event: print(event, flush=True), start=False)
    try:
        for pairing in service.list_pairings():
            print(f"paired: counter {pairing.counter} <- {pairing.device}", flush=True)
        print(f"type on the keypads ({seconds:.0f} s)...", flush=True)
        service.start()
        time.sleep(seconds)
    finally:
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
