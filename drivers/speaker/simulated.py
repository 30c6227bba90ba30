"""The simulated backend: writes each announcement as a WAV file and its words.

It gets the very WAV the real backend would play (the same
:class:`~drivers.speaker.composer.Composer`); only the last hop differs.
For tests and the demo only: its files hold citizens' names (the words, and
the voice saying them). The real backend writes nothing.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from drivers.base import DeviceError
from drivers.speaker.announcer import Speaker
from drivers.speaker.wav import wav_seconds


@dataclass(frozen=True)
class Played:
    """What the simulated speaker played: file, words and when (monotonic s).
    The words may hold a name: a repr leaves them out."""

    path: Path
    text: str = field(repr=False)
    start: float
    end: float


class SimulatedSpeaker(Speaker):
    """Writes each announcement as ``announce-NNNN.wav`` plus ``.txt`` (the words).

    Numbering goes on from the files already in ``output_dir``. ``played``
    records each announcement's start and end. With ``pace`` > 0 it waits that
    fraction of the WAV's length, like a real speaker.
    """

    def __init__(self, output_dir: Path, pace: float = 0.0) -> None:
        self.output_dir = Path(output_dir)
        self.pace = pace
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceError(
                "speaker", f"cannot create output folder {self.output_dir}: {exc}",
                "set output_dir in [speaker] to a writable folder",
            ) from exc
        numbers = [
            int(m.group(1)) for p in self.output_dir.glob("announce-*.wav")
            if (m := re.fullmatch(r"announce-(\d+)\.wav", p.name))
        ]
        self._next = max(numbers, default=0) + 1
        self.played: list[Played] = []
        self._lock = threading.Lock()

    def play(self, wav: bytes, text: str) -> None:
        """Write ``announce-NNNN.wav`` and ``.txt``, then wait ``pace`` of its length."""
        start = time.monotonic()
        with self._lock:
            number = self._next
            self._next += 1
        path = self.output_dir / f"announce-{number:04d}.wav"
        path.write_bytes(wav)
        path.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
        if self.pace:
            time.sleep(wav_seconds(wav) * self.pace)
        with self._lock:
            self.played.append(Played(path, text, start, time.monotonic()))
