"""What other threads hand to the office's engine thread: the inbox's message types.

Devices post their own frozen events (``ServicePressed``, ``KeypadAction``,
``Printed``, ``PressChecked`` ...); the process, the pages and the sync worker post the messages
below. Nothing else enters the inbox: the engine thread's state (banners,
LEDs, the store) is changed only by handling one of these.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from drivers.buttons import ButtonHeld, PriorityArmed, PriorityExpired, RatingPressed, ServicePressed
from drivers.keypad import (
    KeypadAction,
    KeypadConnected,
    KeypadDisconnected,
    KeypadDossier,
    KeypadPaired,
    KeypadRejected,
)
from drivers.ratingpad import RatingPadConnected, RatingPadDisconnected
from drivers.scanner import CodeScanned, ScannerConnected, ScannerDisconnected, ScanRejected
from kiosk.commands import Command
from kiosk.config import Config
from kiosk.printing import PressChecked, Printed, PrinterReport
from kiosk.view import Banner


@dataclass(frozen=True)
class Request:
    """A command from a page, answered through ``future`` (its stored events, or the refusal)."""

    command: Command
    future: Future


@dataclass(frozen=True)
class Reload:
    """Use this configuration from the next message on (SIGHUP, or pushed by central)."""

    config: Config
    version: str
    source: str


@dataclass(frozen=True)
class ReloadFailed:
    """The new configuration was refused; the old one stays in force."""

    message: str


@dataclass(frozen=True)
class Acked:
    """The central server holds every event up to ``seq`` (from the sync worker)."""

    seq: int


@dataclass(frozen=True)
class SyncState:
    """The sync worker's health, for the offline banner: ``since`` is when it last worked."""

    online: bool
    since: datetime | None = None


@dataclass(frozen=True)
class SetBanner:
    """Show ``banner`` under ``key`` (replacing the one there), for ``seconds`` or until cleared."""

    key: str
    banner: Banner
    seconds: float | None = None


@dataclass(frozen=True)
class ClearBanner:
    """Take down the banner under ``key``, if any."""

    key: str


@dataclass(frozen=True)
class Stop:
    """Finish and leave the engine loop."""


#: Everything the inbox takes.
Message = (
    Request | Reload | ReloadFailed | Acked | SyncState | SetBanner | ClearBanner | Stop
    | ServicePressed | RatingPressed | ButtonHeld | PriorityArmed | PriorityExpired
    | KeypadAction | KeypadDossier | KeypadRejected | KeypadPaired | KeypadConnected | KeypadDisconnected
    | Printed | PrinterReport | PressChecked
    | CodeScanned | ScanRejected | ScannerConnected | ScannerDisconnected
    | RatingPadConnected | RatingPadDisconnected
)
