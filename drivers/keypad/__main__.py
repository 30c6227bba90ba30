"""Technician's check: print what the keypads do.

    python -m drivers.keypad /boot/firmware/kiosk.toml 60

It lists the pairings, then prints every event the keypads post for the given
seconds (60 by default). Stop the kiosk service first: it grabs the keypads.
"""

from __future__ import annotations

from collections.abc import Iterator

from drivers.inputs.check import check_args, watch
from drivers.keypad import KeypadConfig, open_keypads


def main(argv: list[str] | None = None) -> int:
    """``python -m drivers.keypad office.toml [seconds]``: print the pairings and what the keypads do."""
    args = check_args("keypad", argv, "keypads", KeypadConfig)
    if args is None:
        return 2
    config, seconds = args
    service = open_keypads(config, lambda event: print(event, flush=True), start=False)

    def lines() -> Iterator[str]:
        for pairing in service.list_pairings():
            yield f"paired: counter {pairing.counter} <- {pairing.device}"
        yield f"type on the keypads ({seconds:.0f} s)..."

    return watch(service, seconds, lines)


if __name__ == "__main__":
    raise SystemExit(main())
