"""WAV files and raw PCM: the format of every clip, reading, writing, converting, the chime, the tones.

Every clip is turned into :data:`FORMAT` (16 kHz, mono, 16-bit) when loaded, so
an announcement is made by joining bytes. Conversion uses only the standard
library (``wave``, ``array``): no sox at run time. The chime, the pause
between languages and the short tones of a scanned card (:func:`tone_frames`)
are synthesized here, so a kiosk without clip files still chimes.
"""

from __future__ import annotations

import array
import io
import math
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: The short tones: a scan that was read ("ok"), or refused ("error").
Tone = Literal["ok", "error"]


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


def wav_seconds(wav: bytes) -> float:
    """Duration of a complete WAV file (bytes)."""
    with wave.open(io.BytesIO(wav), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


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


# (start s, length s, frequency Hz, harmonics' weights) of each beep.
_TONES: dict[str, list[tuple[float, float, float, tuple[float, ...]]]] = {
    # Two quick rising pure beeps (A5, E6): bright and short, "got it".
    "ok": [(0.0, 0.07, 880.0, (1.0,)), (0.10, 0.11, 1318.5, (1.0,))],
    # Two low buzzes falling (G3, D3), odd harmonics like a square wave: "no".
    "error": [(0.0, 0.16, 196.0, (1.0, 0.0, 0.33, 0.0, 0.2)),
              (0.23, 0.24, 146.8, (1.0, 0.0, 0.33, 0.0, 0.2))],
}


def tone_frames(kind: Tone, fmt: AudioFormat = FORMAT) -> bytes:
    """A short tone, quite unlike the chime: ``ok`` two quick rising beeps
    (0.21 s), ``error`` two low falling buzzes (0.47 s). Each beep fades in
    and out over 5 ms, so there is no click."""
    if kind not in _TONES:
        raise ValueError(f"tone must be ok or error, not {kind!r}")
    beeps = _TONES[kind]
    n = int(max(start + length for start, length, _f, _h in beeps) * fmt.rate)
    mix = [0.0] * n
    ramp = 0.005 * fmt.rate
    for start, length, freq, harmonics in beeps:
        first, count = int(start * fmt.rate), int(length * fmt.rate)
        for i in range(count):
            t = i / fmt.rate
            envelope = min(1.0, i / ramp, (count - 1 - i) / ramp)
            mix[first + i] += envelope * sum(
                weight * math.sin(2 * math.pi * freq * (k + 1) * t)
                for k, weight in enumerate(harmonics) if weight
            )
    top = max(abs(v) for v in mix)
    gain = 0.5 * 32767 / top
    return array.array("h", (int(v * gain) for v in mix)).tobytes()
