"""What the scanner driver posts to the app: frozen objects, one per thing that happened.

The app receives them through the ``post`` callable given to
:func:`drivers.scanner.open_scanner` (from the scanner's reader thread).
``device`` is the scanner's path: its stable ``/dev/input/by-id/`` link when it
has one, so it stays the same when the scanner is plugged in again. ``counter``
is where the scanner is: None for the ticket machine's (``[scanner]``), the
counter's number for a counter's (``[[counter_scanners]]``); the app routes a
code by it.

A scanned code holds a citizen's ID number, name and address: it is kept out of
``repr`` (and so out of every log line that shows the event), and no reason
ever quotes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeScanned:
    """A whole code was read: ``code`` is its text, NFC-normalised (not shown by ``repr``)."""

    device: str
    code: str = field(repr=False)
    counter: int | None = None


@dataclass(frozen=True)
class ScanRejected:
    """Keys were read that are no usable code (too long, or keys that type no character).

    The app sounds a beep and may note it on the board; ``reason`` is for the
    log and never contains what was scanned.
    """

    device: str
    reason: str
    counter: int | None = None


@dataclass(frozen=True)
class ScannerConnected:
    """A scanner was opened and grabbed: its keys now reach only the kiosk. ``name`` is the device's own name."""

    device: str
    name: str = ""


@dataclass(frozen=True)
class ScannerDisconnected:
    """A scanner was unplugged or cannot be opened; ``reason`` says why and what to do.

    ``device`` is "" when no scanner was found at all when the driver started.
    """

    device: str
    reason: str
