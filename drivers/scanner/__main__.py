"""Technician's check: list the input devices, then print what the scanner reads.

    python -m drivers.scanner /boot/firmware/kiosk.toml 60

It lists every input device (those ``[scanner]`` picks marked ``scanner``, a
counter's scanner of ``[[counter_scanners]]`` ``counter N``), then, for the
given seconds (60 by default), prints each scan and where it was read: for an
ID card only the name, masked ("Nguyễn T. H."), never the ID number or the address.
Stop the kiosk service first: it grabs the scanner.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from typing import Any

from drivers.base import DeviceError
from drivers.inputs.check import check_args, watch
from drivers.names import mask_name, normalise_name
from drivers.scanner import CodeScanned, CounterScannerConfig, ScannerConfig, open_scanner, role_of


def describe(code: str) -> str:
    """What a technician may see of a scanned code: its size, and the masked name if it looks like an ID card.

    (The full check is ``kiosk.cccd``, which a driver may not import: this reads only the name field.)
    """
    fields = code.strip().removesuffix("|").split("|")
    name = mask_name(normalise_name(fields[2]), "initials") if len(fields) == 7 else None
    if name:
        return f"an ID card (CCCD)? name {name}; {len(code)} characters"
    return f"not an ID card: {len(code)} characters, {len(fields)} field(s) separated by |"


def show(event: Any) -> None:
    """Print one posted event (a code only as :func:`describe` tells it)."""
    if isinstance(event, CodeScanned):
        where = f"at counter {event.counter} " if event.counter is not None else ""
        print(f"scanned {where}on {event.device}: {describe(event.code)}", flush=True)
    else:
        print(event, flush=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m drivers.scanner office.toml [seconds]``: list the input devices, then print what is scanned."""
    args = check_args("scanner", argv, "scanner", ScannerConfig)
    if args is None:
        return 2
    config, seconds = args
    path = (sys.argv[1:] if argv is None else argv)[0]
    with open(path, "rb") as handle:  # check_args has read it: it exists and parses
        entries = tomllib.load(handle).get("counter_scanners", [])
    counters = [CounterScannerConfig.model_validate(entry) for entry in entries]
    try:
        service = open_scanner(config, show, counter_scanners=counters, start=False)
    except DeviceError as exc:
        print(f"FAIL {exc}")
        return 1

    def lines() -> Iterator[str]:
        if config.backend == "real":
            for info in service.lister():
                role = role_of(info, config, counters)
                label = "other" if role is None else "scanner" if role.counter is None else f"counter {role.counter}"
                yield f"{label:<10} {info.describe()}"
        else:
            yield 'simulated backend: no real scanner is read (set backend = "real" in [scanner])'
        yield f"layout {config.layout!r}; scan a code ({seconds:.0f} s)..."

    return watch(service, seconds, lines)


if __name__ == "__main__":
    raise SystemExit(main())
