"""An input event as the drivers read it: :class:`InputEvent`, and :class:`SimulatedInputEvent` in memory.

A reader reads ``evdev.InputEvent`` objects from a real device and
:class:`SimulatedInputEvent` objects from a simulated one
(:mod:`drivers.inputs.simulated`); the keypad's and the scanner's handlers
read only what :class:`InputEvent` names, so both fit. Pure: no threads, no
device library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class InputEvent(Protocol):
    """What a handler reads of an input event: ``evdev.InputEvent`` and
    :class:`SimulatedInputEvent` both fit."""

    @property
    def type(self) -> int: ...
    @property
    def code(self) -> int: ...
    @property
    def value(self) -> int: ...


@dataclass(frozen=True)
class SimulatedInputEvent:
    """An input event as ``evdev.InputEvent`` carries it: the time, then type, code and value."""

    sec: int
    usec: int
    type: int
    code: int
    value: int
