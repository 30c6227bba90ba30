"""One scanner's input events in, whole codes out: :class:`ScanHandler` (pure: no threads, no device library).

The pipeline every backend shares: each key event goes through the
:class:`~drivers.scanner.decoder.KeyDecoder`; the pieces it returns are
gathered into a code, which ends at Enter or Tab or when the scanner has been
silent ``end_gap_ms``. A complete code becomes :class:`CodeScanned` (its text
NFC-normalised, so a base letter and its combining marks come out as one
letter, and UTF-8 bytes typed one by one as their text); keys that type no character make the whole code a
:class:`ScanRejected`. A burst longer than ``max_length`` is dropped with one
ScanRejected, and so is everything after it until the scanner falls silent.
The reader thread of :mod:`drivers.scanner.service` calls it; tests call it directly.
"""

from __future__ import annotations

import unicodedata

from drivers.base import nfc
from drivers.inputs.input_events import InputEvent
from drivers.keypad.keycodes import EV_KEY
from drivers.scanner.config import LayoutName, ScannerConfig
from drivers.scanner.decoder import END, KeyDecoder, Undecodable, repair_utf8
from drivers.scanner.events import CodeScanned, ScanRejected
from drivers.scanner.layouts import LAYOUTS

ScanResult = CodeScanned | ScanRejected


class ScanHandler:
    """Turns the events of one opened scanner into codes (one reader thread uses it)."""

    def __init__(
        self, device: str, config: ScannerConfig, *, counter: int | None = None, layout: LayoutName | None = None
    ) -> None:
        """``config`` gives the timing and the longest code; ``counter`` tags what the scanner reads (None:
        the ticket machine's); ``layout`` is the scanner's keyboard layout when not ``config``'s."""
        self.device = device
        self.counter = counter
        self.decoder = KeyDecoder(LAYOUTS[layout or config.layout])
        self.max_length = config.max_length
        self.end_gap_s = config.end_gap_ms / 1000
        self._chars: list[str] = []
        self._length = 0
        self._bad: str | None = None  # why the code being read will be refused
        self._dropping = False  # over max_length: drop everything until the scanner is silent
        self._last: float | None = None  # clock time of the last key event of the burst being read

    @property
    def pending(self) -> bool:
        """True while a burst of keys has not yet ended in silence (call :meth:`tick` often then)."""
        return self._last is not None

    def handle_event(self, event: InputEvent, now: float) -> list[ScanResult]:
        """One input event read at clock time ``now``; the codes it completes."""
        if event.type != EV_KEY:
            return []  # EV_SYN, EV_MSC scan codes, LED echoes
        out = self.tick(now)  # a new burst after a silence that no tick noticed
        self._last = now
        for piece in self.decoder.key(event.code, event.value):
            if self._dropping:
                continue
            if piece is END:
                out.extend(self._finish())
            elif isinstance(piece, Undecodable):
                self._bad = self._bad or piece.reason
            else:
                assert isinstance(piece, str)
                self._chars.append(piece)
                self._length += len(piece)
                if self._length > self.max_length:
                    self._drop()
                    self._dropping = True
                    out.append(self._rejected(
                        f"more than {self.max_length} characters in one burst: dropped (no ID card holds that)"
                    ))
        return out

    def tick(self, now: float) -> list[ScanResult]:
        """The code that silence has ended, if ``end_gap_ms`` has passed since the last key."""
        if self._last is None or now - self._last < self.end_gap_s:
            return []
        self._last = None
        busy = self.decoder.busy
        self.decoder.reset()
        if self._dropping:
            self._dropping = False
            return []
        if busy:
            self._bad = self._bad or "the scanner fell silent in the middle of a character (an Alt or Ctrl+Shift+U code)"
        return self._finish()

    def _finish(self) -> list[ScanResult]:
        text, bad = "".join(self._chars), self._bad
        self._drop()
        if bad is not None:
            return [self._rejected(bad)]
        if not text:
            return []
        code = nfc(repair_utf8(text))
        if any(unicodedata.category(char) == "Cc" for char in code):
            return [self._rejected("control characters in the code (typed as Alt codes)")]
        return [CodeScanned(self.device, code, self.counter)]

    def _rejected(self, reason: str) -> ScanRejected:
        return ScanRejected(self.device, reason, self.counter)

    def _drop(self) -> None:
        self._chars.clear()
        self._length = 0
        self._bad = None
