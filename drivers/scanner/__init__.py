"""The citizens' USB 2D barcode scanner at the ticket machine, read with python-evdev.

A keyboard-wedge scanner is a USB keyboard that types what it reads.
:func:`open_scanner` starts a :class:`ScannerService` that finds it, grabs it
(its keys never reach the board window or a shell), reads it in its own thread
and posts what happens to the app (:mod:`drivers.scanner.events`):
:class:`CodeScanned` for a whole code, :class:`ScanRejected` for keys that are
no usable code, :class:`ScannerConnected` / :class:`ScannerDisconnected`.
The code itself holds an ID number and an address: it is never logged
(``repr`` leaves it out); the app keeps only what it needs (``kiosk.cccd``).

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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.scanner.config import ScannerConfig
from drivers.scanner.events import CodeScanned, ScanRejected, ScannerConnected, ScannerDisconnected
from drivers.scanner.handler import ScanHandler
from drivers.scanner.matching import ScannerInfo, matches
from drivers.scanner.service import ScannerService

if TYPE_CHECKING:
    from drivers.scanner.simulated import SimulatedScanners

__all__ = [
    "CodeScanned",
    "ScanHandler",
    "ScanRejected",
    "ScannerConfig",
    "ScannerConnected",
    "ScannerDisconnected",
    "ScannerInfo",
    "ScannerService",
    "find_scanners",
    "input_devices",
    "matches",
    "open_scanner",
]


def open_scanner(
    config: ScannerConfig,
    post: Callable[[Any], None],
    *,
    simulated: SimulatedScanners | None = None,
    clock: Callable[[], float] = time.monotonic,
    start: bool = True,
) -> ScannerService:
    """Start looking for the scanner the config describes and reading it.

    For the simulated backend, pass your
    :class:`~drivers.scanner.simulated.SimulatedScanners` to plug scanners in,
    or use the one created (``service.simulated``; it starts empty:
    ``service.simulated.plug_for(config)`` then ``service.refresh()``).
    Raises DeviceError when the real backend cannot work on this machine
    (python-evdev missing, no /dev/input).
    """
    sim: SimulatedScanners | None = None
    if config.backend == "real":
        from drivers.scanner.evdev_backend import evdev_backend

        lister, opener = evdev_backend(config)
    else:
        from drivers.scanner.simulated import SimulatedScanners

        sim = simulated if simulated is not None else SimulatedScanners()
        lister, opener = sim.list, sim.open
    service = ScannerService(config, post, lister=lister, opener=opener, clock=clock)
    service.simulated = sim
    if start:
        service.start()
    return service


def input_devices(config: ScannerConfig) -> list[ScannerInfo]:
    """Every input device the real backend sees (for a technician choosing ``names`` or ``usb_ids``).

    Raises DeviceError when python-evdev is missing or there is no /dev/input.
    """
    from drivers.scanner.evdev_backend import evdev_backend

    lister, _ = evdev_backend(config)
    return lister()


def find_scanners(config: ScannerConfig) -> list[ScannerInfo]:
    """The input devices that are the scanner now, by the real backend (``kiosk doctor``)."""
    return [info for info in input_devices(config) if matches(config, info)]
