"""What every printer is: the :class:`Printer` base class, its status and its error.

Both backends (:mod:`drivers.printer.escpos_backend`, the real one, and
:mod:`drivers.printer.simulated`) derive from :class:`Printer`. Standard
library only at runtime: the app and the config can name these types without
loading Pillow or python-escpos.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from drivers.base import DeviceError
from drivers.printer.config import PrinterConfig

if TYPE_CHECKING:
    from PIL import Image

#: The name every printer error starts with (``printer: out of paper (...)``).
DEVICE = "printer"


class PrinterState(str, Enum):
    """What the printer can do now."""

    OK = "ok"
    PAPER_LOW = "paper_low"  # still prints; a new roll is needed soon
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"  # unplugged, switched off, cover open, or not answering


_MESSAGES = {
    PrinterState.OK: "ready",
    PrinterState.PAPER_LOW: "paper is running low",
    PrinterState.PAPER_OUT: "out of paper",
    PrinterState.OFFLINE: "offline",
}

_FIXES = {
    PrinterState.OK: "",
    PrinterState.PAPER_LOW: "put in a new roll soon",
    PrinterState.PAPER_OUT: "open the cover and put in a new roll, the shiny side towards the print head",
    PrinterState.OFFLINE: "check that the printer is switched on, its cable is plugged in and its cover is shut",
}


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's state and a sentence for the technician."""

    state: PrinterState
    message: str

    @classmethod
    def of(cls, state: PrinterState, message: str | None = None) -> PrinterStatus:
        """The status for ``state``, with ``message`` or the usual one ("ready", "out of paper", ...)."""
        return cls(state, message or _MESSAGES[state])

    @property
    def can_print(self) -> bool:
        """Whether a ticket would be printed (low paper still prints)."""
        return self.state in (PrinterState.OK, PrinterState.PAPER_LOW)

    @property
    def fix(self) -> str:
        """What a person should do about it ("" when nothing)."""
        return _FIXES[self.state]

    def __str__(self) -> str:
        return f"{self.state.value}: {self.message}"


class PrinterError(DeviceError):
    """A ticket was not printed, or may be incomplete. ``status`` says why."""

    def __init__(self, status: PrinterStatus, problem: str | None = None, fix: str | None = None) -> None:
        self.status = status
        super().__init__(DEVICE, problem or status.message, status.fix if fix is None else fix)


class Printer(ABC):
    """A ticket printer. Safe to call from any thread (calls are serialised).

    The backend contract. A backend **must** override:

    - :meth:`print_ticket`: turn the image into bytes with
      :func:`drivers.printer.raster.ticket_bytes` (the pipeline both backends
      share), then, holding ``self._lock`` and after :meth:`_check_open`, do
      the last hop; raise :class:`PrinterError` when the ticket was not printed
      or may be incomplete. Never retry or wait for a person.
    - :meth:`status`: the state now, holding ``self._lock``; a closed printer is
      ``OFFLINE``. It never raises for a device problem.
    - :meth:`close`: set ``self._closed`` and release the device, holding
      ``self._lock``. Calling it twice is harmless.

    A backend **may** override :attr:`width_dots` (it defaults to the config's
    paper width). It gets ``self.config``, ``self._lock`` (one lock for every
    call, so a status check from another thread is safe) and ``self._closed``
    from this class, and should raise :class:`drivers.base.DeviceError` from
    its constructor when the device cannot be opened.
    """

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._closed = False

    @property
    def width_dots(self) -> int:
        """The width ticket images must have: 384 (58 mm) or 576 (80 mm)."""
        return self.config.dots

    @abstractmethod
    def print_ticket(self, image: Image.Image) -> None:
        """Print ``image`` and cut. Raises :class:`PrinterError` if it was not
        printed (out of paper, offline) or may be incomplete (failed midway)."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """The printer's state now. Never raises for a device problem."""

    @abstractmethod
    def close(self) -> None:
        """Release the device. The printer cannot be used afterwards."""

    def _check_open(self) -> None:
        """Raise :class:`PrinterError` if the printer was closed (call it holding the lock)."""
        if self._closed:
            raise PrinterError(PrinterStatus.of(PrinterState.OFFLINE, "the printer was closed"), fix="open it again")

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
