"""Officers' USB numeric keypads: one per counter, read with python-evdev.

:func:`open_keypads` starts a :class:`KeypadService` that reads every keypad in
its own thread and posts what happens to the app (:mod:`drivers.keypad.events`).
A key goes through layers that each can be tested alone:

========================  ==========================================================
``keycodes``              Linux input event codes by name (no python-evdev needed)
``keymap``                key names -> symbols ("0".."9", "enter", "." ...), defaults
``presses``               key down/up/autorepeat -> symbols; ``0`` held = ``long:0``
``sequence``              symbols -> :class:`KeypadAction` / :class:`KeypadDossier` / :class:`KeypadRejected`
``handler``               one device's events through the three above, pairing, posting
``pairing``               which keypad drives which counter (a JSON file)
``service``               scanner and reader threads: open, grab, read, reconnect
``evdev_backend``         the real last hop: ``evdev.InputDevice`` under /dev/input
``simulated``             the simulated last hop: keypads in memory a test types on
``config``                the ``[keypads]`` section
========================  ==========================================================

Key sequences and setup: docs/buttons-and-keypads.md. Technician's check:
``python -m drivers.keypad office.toml [seconds]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from drivers.keypad.config import KeypadConfig
from drivers.keypad.events import (
    ActionKind,
    KeypadAction,
    KeypadConnected,
    KeypadDisconnected,
    KeypadDossier,
    KeypadPaired,
    KeypadRejected,
)
from drivers.keypad.handler import KeypadHandler
from drivers.keypad.pairing import Pairing, PairingStore, list_pairings, reset_pairings
from drivers.keypad.presses import KeyPressTracker
from drivers.keypad.sequence import KeySequenceParser
from drivers.keypad.service import KeypadDevice, KeypadInput, KeypadService, find_devices

if TYPE_CHECKING:
    from drivers.keypad.simulated import SimulatedKeypads

__all__ = [
    "ActionKind",
    "KeyPressTracker",
    "KeySequenceParser",
    "KeypadAction",
    "KeypadConfig",
    "KeypadConnected",
    "KeypadDevice",
    "KeypadDisconnected",
    "KeypadDossier",
    "KeypadHandler",
    "KeypadInput",
    "KeypadPaired",
    "KeypadRejected",
    "KeypadService",
    "Pairing",
    "PairingStore",
    "find_devices",
    "list_pairings",
    "open_keypads",
    "reset_pairings",
]


def open_keypads(
    config: KeypadConfig,
    post: Callable[[Any], None],
    *,
    counters: Collection[int] | None = None,
    service_count: int | None = None,
    group_count: int | None = None,
    simulated: SimulatedKeypads | None = None,
    clock: Callable[[], float] = time.monotonic,
    start: bool = True,
) -> KeypadService:
    """Open the keypads the config asks for and start reading them.

    ``counters`` (the counter numbers), ``service_count`` (how many services)
    and ``group_count`` (how many priority groups) let bad pairings, transfers
    and groups beep instead of reaching the engine. For the
    simulated backend, pass your :class:`~drivers.keypad.simulated.SimulatedKeypads`
    to plug keypads in, or use the one created (``service.simulated``).
    """
    store = PairingStore(config.pairings_file)
    sim: SimulatedKeypads | None = None
    lister: Callable[[], list[str]]
    opener: Callable[[str], KeypadDevice]
    if config.backend == "real":
        from drivers.keypad.evdev_backend import evdev_backend

        lister, opener = evdev_backend(config)
    else:
        from drivers.keypad.simulated import SimulatedKeypads

        sim = simulated if simulated is not None else SimulatedKeypads()
        lister, opener = sim.list_paths, sim.open
    service = KeypadService(
        config,
        post,
        lister=lister,
        opener=opener,
        store=store,
        clock=clock,
        counters=counters,
        service_count=service_count,
        group_count=group_count,
    )
    service.simulated = sim
    if start:
        service.start()
    return service
