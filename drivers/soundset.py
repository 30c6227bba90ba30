"""The announcement clips, the chime, the speech engine, and WAV handling.

The loudspeaker says an announcement by joining short clips (one per phrase
piece, number word and letter; the table is :data:`kiosk.spoken.CLIPS`). The
default clips are made by the speech engine (espeak-ng's command line program)
with :func:`build_clips`; an office may replace any of them with a recorded
human voice (``sounds/README.md``).

Every clip is turned into :data:`FORMAT` (16 kHz, mono, 16-bit) when loaded, so
an announcement is made by joining bytes. Conversion uses only the standard
library (``wave``, ``array``): no sox at run time.

Speech is always rendered to a file in a separate process with a timeout and
never spoken with pyttsx3's ``say()``: that fails silently without a sound
card and can hang on a Pi. The default engine is the ``espeak-ng`` program
rather than pyttsx3, whose espeak driver (2.99) sometimes loses or mixes up
audio, so the same text does not always give the same sound (docs/sound.md).
"""

from __future__ import annotations

import array
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

from drivers.base import DeviceError, shipped_dir
from kiosk.spoken import CLIPS, Language, clip_names

#: The repository's sound folder (``sounds/``), the default clip set.
SOUNDS_DIR = shipped_dir("sounds")

EngineName = Literal["espeak-ng", "pyttsx3"]


@dataclass(frozen=True)
class AudioFormat:
    """PCM format of a WAV: samples per second, channels, bytes per sample."""

    rate: int
    channels: int
    width: int

    def seconds(self, frames: bytes) -> float:
        """Duration of ``frames`` (raw PCM) in this format."""
        return len(frames) / (self.rate * self.channels * self.width)


#: The format of every clip once loaded and of every announcement WAV.
FORMAT = AudioFormat(rate=16000, channels=1, width=2)

#: Seconds of silence of the ``pause`` clip (between two languages).
PAUSE_SECONDS = 0.6


# ---------------------------------------------------------------------------
# WAV and PCM helpers (standard library only)


def read_wav(path: Path) -> tuple[AudioFormat, bytes]:
    """Read a PCM WAV file: its format and its raw frames.

    Raises ValueError naming the file if it is not a PCM WAV.
    """
    try:
        with wave.open(str(path), "rb") as wav:
            fmt = AudioFormat(wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
            return fmt, wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(
            f"{path} is not a PCM WAV file ({exc}); convert it with: "
            f"sox INPUT -r {FORMAT.rate} -c 1 -b 16 {path.name}"
        ) from exc


def wav_bytes(frames: bytes, fmt: AudioFormat = FORMAT) -> bytes:
    """A complete WAV file (header + ``frames``) in memory."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(fmt.channels)
        wav.setsampwidth(fmt.width)
        wav.setframerate(fmt.rate)
        wav.writeframes(frames)
    return out.getvalue()


def write_wav(path: Path, frames: bytes, fmt: AudioFormat = FORMAT) -> None:
    """Write ``frames`` as a WAV file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav_bytes(frames, fmt))


def _to_int16(frames: bytes, width: int) -> array.array:
    """Samples of any PCM width (8-bit unsigned, 16/24/32-bit signed) as int16."""
    if width == 2:
        samples = array.array("h")
        samples.frombytes(frames)
        if sys.byteorder == "big":
            samples.byteswap()
        return samples
    if width == 1:
        return array.array("h", ((b - 128) << 8 for b in frames))
    if width in (3, 4):
        return array.array(
            "h",
            (
                int.from_bytes(frames[i + width - 2 : i + width], "little", signed=True)
                for i in range(0, len(frames), width)
            ),
        )
    raise ValueError(f"unsupported sample width: {width * 8} bits")


def _resample(samples: array.array, src: int, dst: int) -> array.array:
    """Change the sample rate by linear interpolation.

    When lowering the rate, a short moving average first removes most of what
    the new rate cannot carry (aliasing). Plain and good enough for speech; for
    best quality convert recorded clips beforehand with sox.
    """
    if src == dst or not samples:
        return samples
    if dst < src:
        span = max(1, round(src / dst))
        if span > 1:
            total, smoothed = 0, []
            window: list[int] = []
            for value in samples:
                window.append(value)
                total += value
                if len(window) > span:
                    total -= window.pop(0)
                smoothed.append(total // len(window))
            samples = array.array("h", smoothed)
    count = int(len(samples) * dst / src)
    step = src / dst
    last = len(samples) - 1
    out = array.array("h", bytes(2 * count))
    for i in range(count):
        pos = i * step
        j = int(pos)
        if j >= last:
            out[i] = samples[last]
        else:
            frac = pos - j
            out[i] = int(samples[j] + (samples[j + 1] - samples[j]) * frac)
    return out


def convert(frames: bytes, src: AudioFormat, dst: AudioFormat = FORMAT) -> bytes:
    """Convert PCM ``frames`` from ``src`` to ``dst`` (mono 16-bit only)."""
    if dst.channels != 1 or dst.width != 2:
        raise ValueError("only mono 16-bit output is supported")
    if src == dst:
        return frames
    samples = _to_int16(frames, src.width)
    if src.channels > 1:
        n = src.channels
        samples = array.array(
            "h", (sum(samples[i : i + n]) // n for i in range(0, len(samples) - n + 1, n))
        )
    samples = _resample(samples, src.rate, dst.rate)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def scale(frames: bytes, volume: float) -> bytes:
    """Multiply 16-bit samples by ``volume`` (0..1), clipping to range."""
    if volume == 1.0:
        return frames
    samples = array.array("h")
    samples.frombytes(frames)
    factor = max(0.0, volume)
    return array.array(
        "h", (max(-32768, min(32767, int(s * factor))) for s in samples)
    ).tobytes()


def trim_silence(
    frames: bytes, fmt: AudioFormat = FORMAT, threshold: int = 400,
    lead_s: float = 0.01, tail_s: float = 0.06,
) -> bytes:
    """Cut the silence before and after the sound, keeping short margins.

    espeak-ng ends every utterance with a long pause; joined number words
    would sound slow and broken without this.
    """
    samples = array.array("h")
    samples.frombytes(frames)
    loud = [i for i in range(len(samples)) if abs(samples[i]) > threshold]
    if not loud:
        return b""
    start = max(0, loud[0] - int(lead_s * fmt.rate))
    end = min(len(samples), loud[-1] + 1 + int(tail_s * fmt.rate))
    return samples[start:end].tobytes()


def peak(frames: bytes) -> int:
    """Largest absolute 16-bit sample (0 means silence)."""
    samples = array.array("h")
    samples.frombytes(frames)
    return max((abs(s) for s in samples), default=0)


# ---------------------------------------------------------------------------
# Chime and pause (synthesized, no speech engine needed)


def chime_frames(fmt: AudioFormat = FORMAT) -> bytes:
    """A pleasant two-tone "ding-dong" (E5 then C5, bell-like, 2.0 s).

    Each tone is a fundamental plus two soft harmonics with a quick attack and
    an exponential decay; the second tone starts while the first fades. The
    last 0.1 s fade out (no click), and the fading tail leaves a short breath
    before the words.
    """
    length, fade = 2.0, 0.1
    n = int(length * fmt.rate)
    mix = [0.0] * n
    for start, freq in ((0.0, 659.25), (0.5, 523.25)):
        first = int(start * fmt.rate)
        for i in range(first, n):
            t = (i - first) / fmt.rate
            envelope = min(1.0, t / 0.008) * math.exp(-t / 0.35)
            wave_ = (
                math.sin(2 * math.pi * freq * t)
                + 0.3 * math.sin(2 * math.pi * 2 * freq * t)
                + 0.1 * math.sin(2 * math.pi * 3 * freq * t)
            )
            mix[i] += envelope * wave_ * min(1.0, (n - i) / (fade * fmt.rate))
    top = max(abs(v) for v in mix)
    gain = 0.6 * 32767 / top
    return array.array("h", (int(v * gain) for v in mix)).tobytes()


def silence_frames(seconds: float, fmt: AudioFormat = FORMAT) -> bytes:
    """``seconds`` of silence."""
    return bytes(int(seconds * fmt.rate) * fmt.channels * fmt.width)


# ---------------------------------------------------------------------------
# Speech engines: render text to a WAV file, in another process, with a timeout

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

    name: str = ""

    def __init__(self, timeout_s: float = 15.0) -> None:
        self.timeout_s = timeout_s

    @abstractmethod
    def render_many(self, jobs: Sequence[tuple[str, str, int, Path]]) -> None:
        """Render each ``(text, voice, words_per_minute, path)`` to ``path``.

        Raises DeviceError if the engine is missing, fails or takes longer
        than ``timeout_s`` for one job.
        """

    def render(self, text: str, voice: str, rate: int, path: Path) -> None:
        """Render one text to ``path`` (a WAV file in the engine's format)."""
        self.render_many([(text, voice, rate, path)])

    def _run(self, command: list[str], stdin: str) -> None:
        try:
            result = subprocess.run(
                command, input=stdin.encode("utf-8"), capture_output=True,
                timeout=self.timeout_s,
            )
        except FileNotFoundError as exc:
            raise DeviceError(
                "speech", f"{command[0]} not found",
                "install it with: sudo apt-get install espeak-ng",
            ) from exc
        except subprocess.TimeoutExpired as exc:
            # subprocess.run kills the child on timeout: a hung engine cannot
            # hold the announcer.
            raise DeviceError(
                "speech", f"{self.name} did not finish within {exc.timeout:.0f} s",
                "check that espeak-ng works: espeak-ng -v vi -w /tmp/t.wav 'một'",
            ) from exc
        if result.returncode != 0:
            error = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DeviceError(
                "speech", f"{self.name} failed: {error[-1] if error else result.returncode}",
                "check that espeak-ng and its Vietnamese voices are installed: "
                "espeak-ng --voices=vi",
            )


class Pyttsx3Engine(SpeechEngine):
    """pyttsx3 (espeak-ng driver) run in a child Python process, one per render.

    The child uses ``save_to_file`` only; a wedged espeak or audio library is
    killed at the timeout instead of hanging the kiosk. Not the default: its
    output now and then differs for the same text (see above).
    """

    name = "pyttsx3"

    def render_many(self, jobs: Sequence[tuple[str, str, int, Path]]) -> None:
        for text, voice, rate, path in jobs:
            payload = json.dumps([voice, rate, str(path), text])
            self._run([sys.executable, "-c", _PYTTSX3_SCRIPT], payload)
        _check_rendered(self.name, jobs)


class EspeakNgEngine(SpeechEngine):
    """The ``espeak-ng`` command line program, one process per render (the
    default: the same text always gives the same sound)."""

    name = "espeak-ng"

    def render_many(self, jobs: Sequence[tuple[str, str, int, Path]]) -> None:
        program = shutil.which("espeak-ng")
        if program is None:
            raise DeviceError(
                "speech", "espeak-ng not found", "install it with: sudo apt-get install espeak-ng"
            )
        for text, voice, rate, path in jobs:
            # Text on stdin ("-b 1": UTF-8) so a text starting with "-" is not an option.
            self._run([program, "-b", "1", "-v", voice, "-s", str(rate), "-w", str(path)], text)
        _check_rendered(self.name, jobs)


def _check_rendered(engine: str, jobs: Sequence[tuple[str, str, int, Path]]) -> None:
    for text, voice, _rate, path in jobs:
        if not Path(path).is_file() or Path(path).stat().st_size <= 44:
            raise DeviceError(
                "speech", f"{engine} produced no sound for {text!r} with voice {voice!r}",
                "check the voice name: espeak-ng --voices=vi lists vi, vi-vn-x-central, "
                "vi-vn-x-south",
            )


def make_engine(name: EngineName = "espeak-ng", timeout_s: float = 15.0) -> SpeechEngine:
    """The speech engine called ``name`` ("espeak-ng" or "pyttsx3")."""
    if name == "pyttsx3":
        return Pyttsx3Engine(timeout_s)
    if name == "espeak-ng":
        return EspeakNgEngine(timeout_s)
    raise ValueError(f"unknown speech engine {name!r}: use pyttsx3 or espeak-ng")


def speak_frames(
    engine: SpeechEngine, text: str, voice: str, rate: int, fmt: AudioFormat = FORMAT
) -> bytes:
    """Render ``text`` and return it trimmed, in ``fmt``."""
    with tempfile.TemporaryDirectory(prefix="kiosk-tts-") as tmp:
        path = Path(tmp) / "speech.wav"
        engine.render(text, voice, rate, path)
        src, frames = read_wav(path)
    return trim_silence(convert(frames, src, fmt), fmt, tail_s=0.12)


# ---------------------------------------------------------------------------
# The clip set

#: Espeak voice for each language when none is configured.
DEFAULT_VOICES: dict[Language, str] = {"vi": "vi", "en": "en"}

#: Speaking rate (words per minute) of the default clips: slower than espeak's
#: 175 because many listeners are elderly.
DEFAULT_RATE = 150


def default_clip_set(languages: Sequence[Language] = ("vi", "en")) -> dict[str, str]:
    """Clip name -> words for ``languages``, plus ``chime`` and ``pause``."""
    names = ["chime", "pause"]
    for lang in languages:
        names += clip_names(lang)
    return {name: CLIPS[name] for name in names}


def clip_path(sounds_dir: Path, name: str) -> Path:
    """Where clip ``name`` lives (``vi/mot`` -> ``sounds_dir/vi/mot.wav``)."""
    return Path(sounds_dir) / f"{name}.wav"


def _pause_frames(fmt: AudioFormat) -> bytes:
    return silence_frames(PAUSE_SECONDS, fmt)


def build_clips(
    out_dir: Path,
    languages: Sequence[Language] = ("vi", "en"),
    engine: SpeechEngine | None = None,
    voices: dict[Language, str] | None = None,
    rate: int = DEFAULT_RATE,
    fmt: AudioFormat = FORMAT,
    overwrite: bool = True,
) -> list[Path]:
    """Generate every clip of ``languages`` with the speech engine, plus the
    chime and the pause, into ``out_dir`` (``chime.wav``, ``vi/mot.wav`` ...).

    Existing files are overwritten, unless ``overwrite`` is False: then only
    missing clips are made (keeps an office's recorded clips). Returns the
    files written, in table order.
    """
    engine = engine or make_engine("espeak-ng")
    voices = {**DEFAULT_VOICES, **(voices or {})}
    out_dir = Path(out_dir)
    written: list[Path] = []
    for name, frames in (("chime", chime_frames), ("pause", _pause_frames)):
        path = clip_path(out_dir, name)
        if overwrite or not path.is_file():
            write_wav(path, frames(fmt), fmt)
            written.append(path)
    with tempfile.TemporaryDirectory(prefix="kiosk-clips-") as tmp:
        for lang in languages:
            names = [
                n for n in clip_names(lang) if overwrite or not clip_path(out_dir, n).is_file()
            ]
            if not names:
                continue
            jobs = [
                (CLIPS[name], voices[lang], rate,
                 Path(tmp) / f"{index}.wav")
                for index, name in enumerate(names)
            ]
            engine.render_many(jobs)
            for (_text, _voice, _rate, raw), name in zip(jobs, names):
                src, frames = read_wav(raw)
                clip = trim_silence(convert(frames, src, fmt), fmt)
                if not clip:
                    raise DeviceError(
                        "speech", f"the clip {name} came out silent",
                        f"check the voice {voices[lang]!r}: espeak-ng --voices",
                    )
                path = clip_path(out_dir, name)
                write_wav(path, clip, fmt)
                written.append(path)
    return written
