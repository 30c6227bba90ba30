"""Speech engines: text to a WAV file, in a child process with a timeout.

The speech engine says what has no clip (a citizen's name, a clip missing from
``sounds_dir``) and makes the default clips (:func:`drivers.speaker.soundset.build_clips`).

Speech is always rendered to a file in a separate process with a timeout and
never spoken with pyttsx3's ``say()``: that fails silently without a sound
card and can hang on a Pi. The default engine is the ``espeak-ng`` program
rather than pyttsx3, whose espeak driver (2.99) sometimes loses or mixes up
audio, so the same text does not always give the same sound (docs/sound.md).

A new engine derives from :class:`SpeechEngine` and must implement
:meth:`SpeechEngine.render_many`; it may use :meth:`SpeechEngine._run` to run
its program and :func:`check_rendered` to check the files it wrote. It may
override :meth:`SpeechEngine.speak` (one text to WAV bytes, used for names):
espeak-ng's writes the WAV to a pipe, so a citizen's name is never written to
disk, not even to a temporary file.

The text to say may be a citizen's name: it goes to the engine on stdin (not
on the command line, which every user of the Pi can see) and no message of
this module repeats it.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
import wave
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

from drivers.base import DeviceError, last_error_line, run_tool
from drivers.speaker.config import EngineName
from drivers.speaker.wav import FORMAT, AudioFormat, convert, read_wav, trim_silence

#: One render job: ``(text, voice, words_per_minute, path of the WAV to write)``.
Job = tuple[str, str, int, Path]

_INSTALL_ESPEAK = "install it with: sudo apt-get install espeak-ng"

# One render per process: pyttsx3 2.99's espeak driver, reused for a second
# render in the same process, loses or carries over audio between renders
# (lengths vary from run to run; a short text once came out empty). Even one
# render per process differs now and then (about one clip in 200 lost its
# first 0.1 s), which is why espeak-ng's program is the default engine.
_PYTTSX3_SCRIPT = """
import json, sys
import pyttsx3
voice, rate, path, text = json.loads(sys.stdin.read())
engine = pyttsx3.init("espeak")
engine.setProperty("voice", voice)
engine.setProperty("rate", rate)
engine.save_to_file(text, path)
engine.runAndWait()
"""


class SpeechEngine(ABC):
    """Renders text to WAV files. Never plays anything itself."""

    #: The engine's name, as ``tts_engine`` in ``[speaker]`` names it.
    name: str = ""
    #: The fix a technician reads when a render hangs and is killed.
    timeout_fix: str = "check that espeak-ng works: espeak-ng -v vi -w /tmp/t.wav 'một'"

    def __init__(self, timeout_s: float = 15.0) -> None:
        self.timeout_s = timeout_s

    @abstractmethod
    def render_many(self, jobs: Sequence[Job]) -> None:
        """Render each ``(text, voice, words_per_minute, path)`` to ``path``.

        Raises DeviceError if the engine is missing, fails or takes longer
        than ``timeout_s`` for one job.
        """

    def render(self, text: str, voice: str, rate: int, path: Path) -> None:
        """Render one text to ``path`` (a WAV file in the engine's format)."""
        self.render_many([(text, voice, rate, path)])

    def speak(
        self, text: str, voice: str, rate: int, *, low_priority: bool = False
    ) -> tuple[AudioFormat, bytes]:
        """Render one text; its format and raw frames.

        ``low_priority``: the render is background work (a name prepared ahead)
        and should yield the CPU to announcements. This default goes through
        a temporary file; engines that can do better override it.
        """
        with tempfile.TemporaryDirectory(prefix="kiosk-tts-") as tmp:
            path = Path(tmp) / "speech.wav"
            self.render(text, voice, rate, path)
            return read_wav(path)

    def _run(self, command: list[str], stdin: str) -> bytes:
        """Run ``command`` with ``stdin``; its stdout. DeviceError if it is
        missing, hangs or fails.

        The child is killed at ``timeout_s`` (by :func:`drivers.base.run_tool`):
        a hung engine cannot hold the announcer.
        """
        result = run_tool(
            "speech", command, timeout=self.timeout_s, input=stdin.encode("utf-8"),
            missing_fix=_INSTALL_ESPEAK, timeout_fix=self.timeout_fix,
        )
        if result.returncode != 0:
            raise DeviceError(
                "speech", f"{self.name} failed: {last_error_line(result)}",
                "check that espeak-ng and its Vietnamese voices are installed: "
                "espeak-ng --voices=vi",
            )
        return result.stdout


class Pyttsx3Engine(SpeechEngine):
    """pyttsx3 (espeak-ng driver) run in a child Python process, one per render.

    The child uses ``save_to_file`` only; a wedged espeak or audio library is
    killed at the timeout instead of hanging the kiosk. Not the default: its
    output now and then differs for the same text (see above).
    """

    name = "pyttsx3"
    # The child is a Python process, so the timeout message names python: say what it was doing.
    timeout_fix = "the pyttsx3 speech engine hung; " + SpeechEngine.timeout_fix

    def render_many(self, jobs: Sequence[Job]) -> None:
        for text, voice, rate, path in jobs:
            payload = json.dumps([voice, rate, str(path), text])
            self._run([sys.executable, "-c", _PYTTSX3_SCRIPT], payload)
        check_rendered(self.name, jobs)


class EspeakNgEngine(SpeechEngine):
    """The ``espeak-ng`` command line program, one process per render (the
    default: the same text always gives the same sound)."""

    name = "espeak-ng"

    def render_many(self, jobs: Sequence[Job]) -> None:
        program = self._program()
        for text, voice, rate, path in jobs:
            # Text on stdin ("-b 1": UTF-8) so a text starting with "-" is not an option.
            self._run([program, "-b", "1", "-v", voice, "-s", str(rate), "-w", str(path)], text)
        check_rendered(self.name, jobs)

    def speak(
        self, text: str, voice: str, rate: int, *, low_priority: bool = False
    ) -> tuple[AudioFormat, bytes]:
        """Render one text through a pipe (``--stdout``): no file at all.

        ``low_priority`` runs espeak-ng under ``nice``, so on a busy Pi a name
        prepared ahead takes the CPU only when announcements leave it free.
        """
        command = [self._program(), "-b", "1", "-v", voice, "-s", str(rate), "--stdout"]
        nice = shutil.which("nice") if low_priority else None
        if nice:
            command = [nice, "-n", "10", *command]
        data = self._run(command, text)
        try:
            # espeak-ng cannot seek a pipe, so its header gives no length: read to the end.
            with wave.open(io.BytesIO(data), "rb") as reader:
                fmt = AudioFormat(reader.getframerate(), reader.getnchannels(), reader.getsampwidth())
                frames = reader.readframes(reader.getnframes())
        except (wave.Error, EOFError):
            frames = b""
        if not frames:
            raise _no_sound(self.name, voice)
        return fmt, frames

    @staticmethod
    def _program() -> str:
        program = shutil.which("espeak-ng")
        if program is None:
            raise DeviceError("speech", "espeak-ng not found", _INSTALL_ESPEAK)
        return program


def _no_sound(engine: str, voice: str) -> DeviceError:
    # Not the text: it may be a citizen's name.
    return DeviceError(
        "speech", f"{engine} produced no sound with voice {voice!r}",
        "check the voice name: espeak-ng --voices=vi lists vi, vi-vn-x-central, "
        "vi-vn-x-south",
    )


def check_rendered(engine: str, jobs: Sequence[Job]) -> None:
    """DeviceError if a job's file is missing or holds no sound (a wrong voice name)."""
    for _text, voice, _rate, path in jobs:
        if not Path(path).is_file() or Path(path).stat().st_size <= 44:
            raise _no_sound(engine, voice)


def make_engine(name: EngineName = "espeak-ng", timeout_s: float = 15.0) -> SpeechEngine:
    """The speech engine called ``name`` ("espeak-ng" or "pyttsx3")."""
    if name == "pyttsx3":
        return Pyttsx3Engine(timeout_s)
    if name == "espeak-ng":
        return EspeakNgEngine(timeout_s)
    raise ValueError(f"unknown speech engine {name!r}: use pyttsx3 or espeak-ng")


def speak_frames(
    engine: SpeechEngine, text: str, voice: str, rate: int, fmt: AudioFormat = FORMAT,
    *, low_priority: bool = False,
) -> bytes:
    """Render ``text`` and return it trimmed, in ``fmt``."""
    src, frames = engine.speak(text, voice, rate, low_priority=low_priority)
    return trim_silence(convert(frames, src, fmt), fmt, tail_s=0.12)
