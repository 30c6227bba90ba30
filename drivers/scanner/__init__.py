"""The USB 2D barcode scanners: the citizens' at the ticket machine, and the officers' at their counters.

A keyboard-wedge scanner is a USB keyboard that types what it reads.
:func:`open_scanner` starts a :class:`ScannerService` that finds it, grabs it
(its keys never reach the board window or a shell), reads it in its own thread
and posts what happens to the app (:mod:`drivers.scanner.events`):
:class:`CodeScanned` for a whole code, :class:`ScanRejected` for keys that are
no usable code, :class:`ScannerConnected` / :class:`ScannerDisconnected`.
The code itself holds an ID number and an address: it is never logged
(``repr`` leaves it out); the app keeps only what it needs (``kiosk.cccd``).
A counter's scanner (``[[counter_scanners]]``) reads the dossier code of a
citizen's receipt; the same service reads it, and tags what it reads with the
counter (``CodeScanned.counter``).

A key goes through layers that each can be tested alone:

========================  ==========================================================
``layouts``               what each key types on the "us", "de" and "fr" layouts
``decoder``               key changes -> characters (Shift, AltGr, dead keys, Alt
                          codes, Ctrl+Shift+U, combining marks)
``handler``               characters -> whole codes (Enter/Tab or silence ends one;
                          too long or undecodable -> ScanRejected)
``matching``              which input device is the scanner (USB id, name, path)
``service``               finder and reader threads: open, grab, read, reconnect
``evdev_backend``         the real last hop: ``evdev.InputDevice`` under /dev/input
``simulated``             the simulated last hop: scanners in memory
``encoder``               text -> the keys a scanner sends (for the simulated one)
``config``                the ``[scanner]`` section
========================  ==========================================================

Setup and troubleshooting: docs/scanner.md. Technician's check:
``python -m drivers.scanner office.toml [seconds]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from drivers.scanner.config import CounterScannerConfig, ScannerConfig
from drivers.scanner.events import CodeScanned, ScanRejected, ScannerConnected, ScannerDisconnected
from drivers.scanner.handler import ScanHandler
from drivers.scanner.matching import ScannerInfo, ScannerRole, matches, role_of
from drivers.scanner.service import ScannerService

if TYPE_CHECKING:
    from drivers.scanner.simulated import SimulatedScanners

__all__ = [
    "CodeScanned",
    "CounterScannerConfig",
    "ScanHandler",
    "ScanRejected",
    "ScannerConfig",
    "ScannerConnected",
    "ScannerDisconnected",
    "ScannerInfo",
    "ScannerRole",
    "ScannerService",
    "find_scanners",
    "input_devices",
    "matches",
    "open_scanner",
    "role_of",
]


def open_scanner(
    config: ScannerConfig | None,
    post: Callable[[Any], None],
    *,
    counter_scanners: Sequence[CounterScannerConfig] = (),
    simulated: SimulatedScanners | None = None,
    clock: Callable[[], float] = time.monotonic,
    start: bool = True,
) -> ScannerService:
    """Start looking for the scanners the config describes and reading them.

    ``config`` is ``[scanner]`` (None when the ticket machine has none),
    ``counter_scanners`` the ``[[counter_scanners]]`` entries (all of the same
    backend, which ``kiosk.config`` checks).

    For the simulated backend, pass your
    :class:`~drivers.scanner.simulated.SimulatedScanners` to plug scanners in,
    or use the one created (``service.simulated``; it starts empty:
    ``service.simulated.plug_for(config)`` then ``service.refresh()``).
    Raises DeviceError when the real backend cannot work on this machine
    (python-evdev missing, no /dev/input).
    """
    entries: list[ScannerConfig | CounterScannerConfig] = [config] if config is not None else []
    entries += counter_scanners
    if not entries:
        raise ValueError("no scanner to open: give [scanner] or at least one counter scanner")
    sim: SimulatedScanners | None = None
    if entries[0].backend == "real":
        from drivers.scanner.evdev_backend import evdev_backend

        patterns = [pattern for entry in entries for pattern in entry.devices]
        lister, opener = evdev_backend(config or ScannerConfig(), patterns=patterns)
    else:
        from drivers.scanner.simulated import SimulatedScanners

        sim = simulated if simulated is not None else SimulatedScanners()
        lister, opener = sim.list, sim.open
    service = ScannerService(
        config, post, lister=lister, opener=opener, clock=clock, counter_scanners=counter_scanners
    )
    service.simulated = sim
    if start:
        service.start()
    return service


def input_devices(config: ScannerConfig | CounterScannerConfig) -> list[ScannerInfo]:
    """Every input device the real backend sees (for a technician choosing ``names`` or ``usb_ids``).

    Raises DeviceError when python-evdev is missing or there is no /dev/input.
    """
    from drivers.scanner.evdev_backend import evdev_backend

    lister, _ = evdev_backend(ScannerConfig(), patterns=config.devices)
    return lister()


def find_scanners(config: ScannerConfig) -> list[ScannerInfo]:
    """The input devices that are the scanner now, by the real backend (``kiosk doctor``)."""
    return [info for info in input_devices(config) if matches(config, info)]
