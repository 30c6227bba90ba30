"""The loudspeaker: compose announcements from clips and play them, one at a time.

An announcement is the chime, then the clips of its phrase (and speech-engine
output for pieces that have no clip, such as a citizen's name), joined into ONE
WAV of :data:`drivers.soundset.FORMAT`. Both backends build the same WAV:

- ``real`` pipes it to ``aplay`` (ALSA) in a child process with a timeout, so
  a wedged sound device cannot hang the kiosk;
- ``simulated`` writes ``announce-NNNN.wav`` and ``announce-NNNN.txt`` (the
  words) to ``output_dir``.

The app uses an :class:`Announcer`: ``announce(phrase)`` returns at once and a
worker thread plays the queue in order, so two announcements never overlap.
"""

from __future__ import annotations

import io
import logging
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import wave
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drivers.base import Backend, DeviceError
from drivers.soundset import (
    DEFAULT_RATE,
    FORMAT,
    PAUSE_SECONDS,
    SOUNDS_DIR,
    EngineName,
    SpeechEngine,
    chime_frames,
    clip_path,
    convert,
    make_engine,
    read_wav,
    scale,
    silence_frames,
    speak_frames,
    wav_bytes,
)
from kiosk import spoken
from kiosk.spoken import CLIPS, Clip, Language, Phrase, Speech

log = logging.getLogger(__name__)


class SpeakerConfig(BaseModel):
    """The ``[speaker]`` section of the office's configuration file."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = Field(
        "real",
        description="real: play through ALSA with aplay; simulated: write each "
        "announcement as a WAV and a text file to output_dir.",
    )
    languages: list[Language] = Field(
        default_factory=lambda: ["vi", "en"],
        description='Languages of each announcement, in order ("vi", "en"). '
        "Vietnamese should come first.",
    )
    read_numbers: spoken.NumberStyle = Field(
        "words",
        description='"words": 1005 is "một nghìn không trăm linh năm"; '
        '"digits": "một không không năm". Counters are always read as words.',
    )
    four_after_tens: spoken.Four = Field(
        "tư",
        description='How 4 is said after "mươi": "tư" (24 "hai mươi tư") or "bốn" '
        '("hai mươi bốn").',
    )
    voice: Literal["vi", "vi-vn-x-central", "vi-vn-x-south"] = Field(
        "vi",
        description="espeak-ng voice for Vietnamese speech (names, missing clips, "
        "kiosk sounds build): northern, central or southern.",
    )
    english_voice: str = Field("en", description="espeak-ng voice for English speech.")
    speech_rate: int = Field(
        DEFAULT_RATE, ge=80, le=300, description="Speech-engine speed in words per minute."
    )
    tts_engine: EngineName = Field(
        "espeak-ng",
        description='Speech engine: "espeak-ng" (its command line program) or "pyttsx3" '
        "(espeak-ng through pyttsx3, in a child process; its output sometimes varies).",
    )
    tts_timeout_s: float = Field(
        15.0, gt=0, description="Seconds a speech render may take before it is killed."
    )
    volume: float = Field(
        1.0, ge=0.0, le=1.0,
        description="Loudness of announcements, 0.0 to 1.0 (applied to the samples; "
        "set the amplifier or alsamixer for the rest).",
    )
    sounds_dir: Path = Field(
        SOUNDS_DIR,
        description="Folder of the clips (chime.wav, vi/*.wav, en/*.wav); default "
        "the sounds/ folder shipped with the kiosk.",
    )
    alsa_device: str = Field(
        "default",
        description='ALSA device for the real backend, as aplay -D takes it ("default", '
        '"plughw:1,0" for a USB speaker; list them with aplay -L).',
    )
    output_dir: Path = Field(
        Path("out/speaker"),
        description="Simulated backend: folder for announce-NNNN.wav/.txt files.",
    )
    pace: float = Field(
        0.0, ge=0.0,
        description="Simulated backend: wait this fraction of each announcement's "
        "length, as a real speaker would (1.0 = real time, for demos; 0 = no wait).",
    )

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[Language]) -> list[Language]:
        if not value:
            raise ValueError('at least one language is needed, e.g. ["vi", "en"]')
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    def voice_for(self, lang: Language) -> str:
        """espeak-ng voice name for ``lang``."""
        return self.voice if lang == "vi" else self.english_voice


# ---------------------------------------------------------------------------
# Phrases as configured (every configured language, one after the other)


def call_announcement(config: SpeakerConfig, number: str | int, counter: int) -> Phrase:
    """ "Mời công dân có số thứ tự ... đến quầy số ..." in every configured language."""
    return spoken.join_languages([
        spoken.call_phrase(number, counter, lang, config.read_numbers, config.four_after_tens)
        for lang in config.languages
    ])


def rating_prompt_announcement(config: SpeakerConfig) -> Phrase:
    """ "Kính mời công dân đánh giá mức độ hài lòng" in every configured language."""
    return spoken.join_languages([spoken.rating_prompt(lang) for lang in config.languages])


def results_ready_announcement(config: SpeakerConfig, name: str, counter: int) -> Phrase:
    """ "Mời công dân {name} đến quầy số ... nhận kết quả" in every configured language."""
    return spoken.join_languages([
        spoken.results_ready(name, counter, lang, config.four_after_tens)
        for lang in config.languages
    ])


def rating_thanks_announcement(config: SpeakerConfig) -> Phrase:
    """ "Cảm ơn công dân đã đánh giá" in every configured language."""
    return spoken.join_languages([spoken.rating_thanks(lang) for lang in config.languages])


# ---------------------------------------------------------------------------
# Composing: chime + clips (+ speech) -> one WAV


class Composer:
    """Turns a :class:`Phrase` into one WAV (chime first), the same for both backends.

    Clips are read once and kept in memory in :data:`FORMAT`, already at the
    configured volume, so composing is joining bytes. A clip missing from
    ``sounds_dir`` is spoken by the speech engine instead (with a warning in
    the log; ``missing_clips()`` lists them for the self-test). Composed WAVs
    of recent phrases are kept, so a recall plays the identical WAV.
    Safe to use from several threads.
    """

    def __init__(self, config: SpeakerConfig, engine: SpeechEngine | None = None) -> None:
        self.config = config
        self.engine = engine or make_engine(config.tts_engine, config.tts_timeout_s)
        self._clips: dict[str, bytes] = {}
        self._speech: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._recent: OrderedDict[Phrase, bytes] = OrderedDict()
        self._lock = threading.RLock()

    def missing_clips(self) -> list[str]:
        """Clips of the configured languages that are not in ``sounds_dir``."""
        names = ["chime", "pause"] + [
            name for lang in self.config.languages for name in spoken.clip_names(lang)
        ]
        return [n for n in names if not clip_path(self.config.sounds_dir, n).is_file()]

    def preload(self) -> None:
        """Read every clip of the configured languages now (not at the first call)."""
        for name in ["chime", "pause"] + [
            n for lang in self.config.languages for n in spoken.clip_names(lang)
        ]:
            if clip_path(self.config.sounds_dir, name).is_file():
                self.clip(name)

    def clip(self, name: str) -> bytes:
        """PCM frames of clip ``name`` (speech-engine output if the file is missing)."""
        with self._lock:
            frames = self._clips.get(name)
            if frames is None:
                frames = scale(self._load_clip(name), self.config.volume)
                self._clips[name] = frames
            return frames

    def _load_clip(self, name: str) -> bytes:
        path = clip_path(self.config.sounds_dir, name)
        if path.is_file():
            src, frames = read_wav(path)
            return convert(frames, src, FORMAT)
        if name == "chime":
            log.warning("speaker: %s missing, using the built-in chime", path)
            return chime_frames(FORMAT)
        if name == "pause":
            return silence_frames(PAUSE_SECONDS, FORMAT)
        if name not in CLIPS:
            raise ValueError(f"unknown clip {name!r}")
        lang: Language = "en" if name.startswith("en/") else "vi"
        log.warning(
            "speaker: clip %s missing, speaking %r with the speech engine instead "
            "(run: kiosk sounds build)", path, CLIPS[name],
        )
        return self._render(CLIPS[name], lang)

    def speech(self, text: str, lang: Language) -> bytes:
        """PCM frames of ``text`` said by the speech engine (kept for reuse)."""
        key = (text, lang)
        with self._lock:
            frames = self._speech.get(key)
            if frames is None:
                frames = scale(self._render(text, lang), self.config.volume)
                self._speech[key] = frames
                if len(self._speech) > 64:
                    self._speech.popitem(last=False)
            else:
                self._speech.move_to_end(key)
            return frames

    def _render(self, text: str, lang: Language) -> bytes:
        return speak_frames(
            self.engine, text, self.config.voice_for(lang), self.config.speech_rate, FORMAT
        )

    def frames(self, phrase: Phrase) -> bytes:
        """The announcement's PCM: chime, then each segment in order."""
        parts = [self.clip("chime")]
        for segment in phrase.segments:
            if isinstance(segment, Clip):
                parts.append(self.clip(segment.name))
            elif isinstance(segment, Speech):
                parts.append(self.speech(segment.text, segment.lang))
            else:
                raise TypeError(f"not a segment: {segment!r}")
        return b"".join(parts)

    def wav(self, phrase: Phrase) -> bytes:
        """The announcement as a complete WAV file (bytes)."""
        with self._lock:
            cached = self._recent.get(phrase)
            if cached is not None:
                self._recent.move_to_end(phrase)
                return cached
        data = wav_bytes(self.frames(phrase), FORMAT)
        with self._lock:
            self._recent[phrase] = data
            if len(self._recent) > 16:
                self._recent.popitem(last=False)
        return data


# ---------------------------------------------------------------------------
# Backends: the last hop


class Speaker(ABC):
    """Plays one announcement WAV; ``play`` returns when it has been heard."""

    @abstractmethod
    def play(self, wav: bytes, text: str) -> None:
        """Play ``wav`` (``text`` is what it says, for logs and files)."""

    def close(self) -> None:
        """Release the device."""


def _wav_seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


class AlsaSpeaker(Speaker):
    """Plays through ALSA with ``aplay`` in a child process.

    A child process, not pygame.mixer: a wedged sound device can only hang
    aplay, which is killed at the timeout, and pygame must stay in the main
    thread for the board while this runs on the announcer's thread.
    """

    def __init__(self, device: str = "default") -> None:
        self.device = device
        program = shutil.which("aplay")
        if program is None:
            raise DeviceError(
                "speaker", "aplay not found", "install it with: sudo apt-get install alsa-utils"
            )
        self._aplay = program
        # Open the device once with a short silence, so a wrong device is
        # reported at start-up rather than at the first call.
        self._run(wav_bytes(silence_frames(0.05)), timeout=10.0)

    def _run(self, wav: bytes, timeout: float) -> None:
        command = [self._aplay, "-q", "-D", self.device, "-"]
        try:
            result = subprocess.run(command, input=wav, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise DeviceError(
                "speaker", f"aplay on {self.device!r} did not finish within {timeout:.0f} s",
                "the sound device is stuck: unplug and replug the USB speaker, or reboot",
            ) from exc
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DeviceError(
                "speaker",
                f"cannot play on ALSA device {self.device!r}: "
                f"{lines[-1] if lines else 'aplay exit ' + str(result.returncode)}",
                "check that the speaker is plugged in (aplay -l lists sound cards) and set "
                "alsa_device in [speaker] to one from aplay -L, e.g. \"plughw:1,0\"",
            )

    def play(self, wav: bytes, text: str) -> None:
        self._run(wav, timeout=_wav_seconds(wav) + 10.0)


@dataclass(frozen=True)
class Played:
    """What the simulated speaker played: file, words and when (monotonic s)."""

    path: Path
    text: str
    start: float
    end: float


class SimulatedSpeaker(Speaker):
    """Writes each announcement as ``announce-NNNN.wav`` plus ``.txt`` (the words).

    ``played`` records each announcement's start and end. With ``pace`` > 0 it
    waits that fraction of the WAV's length, like a real speaker.
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
        start = time.monotonic()
        with self._lock:
            number = self._next
            self._next += 1
        path = self.output_dir / f"announce-{number:04d}.wav"
        path.write_bytes(wav)
        path.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
        if self.pace:
            time.sleep(_wav_seconds(wav) * self.pace)
        with self._lock:
            self.played.append(Played(path, text, start, time.monotonic()))


def open_speaker(config: SpeakerConfig) -> Speaker:
    """The backend chosen by ``config.backend`` (DeviceError if it cannot work)."""
    if config.backend == "real":
        return AlsaSpeaker(config.alsa_device)
    return SimulatedSpeaker(config.output_dir, config.pace)


def _check_sounds_dir(config: SpeakerConfig) -> None:
    if not Path(config.sounds_dir).is_dir():
        raise DeviceError(
            "speaker", f"sounds folder {config.sounds_dir} not found",
            "set sounds_dir in [speaker], or make the clips with: kiosk sounds build",
        )


# ---------------------------------------------------------------------------
# The announcer: a queue and one worker thread


class Announcer:
    """Plays announcements one after another on its own thread.

    ``announce`` (and the ``call``/``rating_prompt``/... helpers) return at
    once; announcements are played in the order they were queued and never
    overlap. An error while composing or playing is logged and passed to
    ``on_error``; the next announcement is still played.
    """

    def __init__(
        self,
        speaker: Speaker,
        composer: Composer,
        on_error: Optional[Callable[[Exception], None]] = None,
    ) -> None:
        self.speaker = speaker
        self.composer = composer
        self.config = composer.config
        self.on_error = on_error
        self._queue: queue.Queue[Optional[Phrase]] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="announcer", daemon=True)
        self._thread.start()

    def announce(self, phrase: Phrase) -> None:
        """Queue ``phrase``; returns immediately."""
        with self._idle:
            self._pending += 1
        self._queue.put(phrase)

    def call(self, number: str | int, counter: int) -> Phrase:
        """Queue "Mời công dân có số thứ tự {number} đến quầy số {counter}" (also
        for a recall: the same call gives the identical WAV). Returns the phrase."""
        return self._queue_phrase(call_announcement(self.config, number, counter))

    def rating_prompt(self) -> Phrase:
        """Queue "Kính mời công dân đánh giá mức độ hài lòng"."""
        return self._queue_phrase(rating_prompt_announcement(self.config))

    def results_ready(self, name: str, counter: int) -> Phrase:
        """Queue "Mời công dân {name} đến quầy số {counter} nhận kết quả"."""
        return self._queue_phrase(results_ready_announcement(self.config, name, counter))

    def rating_thanks(self) -> Phrase:
        """Queue "Cảm ơn công dân đã đánh giá"."""
        return self._queue_phrase(rating_thanks_announcement(self.config))

    def _queue_phrase(self, phrase: Phrase) -> Phrase:
        self.announce(phrase)
        return phrase

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been played; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Play what is queued, then stop the worker and release the speaker."""
        self._queue.put(None)
        self._thread.join(timeout)
        self.speaker.close()

    def _work(self) -> None:
        while True:
            phrase = self._queue.get()
            if phrase is None:
                return
            try:
                self.speaker.play(self.composer.wav(phrase), phrase.text)
            except Exception as exc:  # keep announcing after one failure
                log.error("speaker: announcement %r failed: %s", phrase.text, exc)
                if self.on_error is not None:
                    try:
                        self.on_error(exc)
                    except Exception:
                        log.exception("speaker: on_error failed")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()


def open_announcer(
    config: SpeakerConfig,
    on_error: Optional[Callable[[Exception], None]] = None,
    engine: SpeechEngine | None = None,
) -> Announcer:
    """Open the configured speaker, load the clips and start the announcer."""
    _check_sounds_dir(config)
    composer = Composer(config, engine)
    missing = composer.missing_clips()
    if missing:
        log.warning(
            "speaker: %d clips missing in %s (spoken by the speech engine instead): %s",
            len(missing), config.sounds_dir, ", ".join(missing[:10]),
        )
    composer.preload()
    return Announcer(open_speaker(config), composer, on_error)


# ---------------------------------------------------------------------------
# `kiosk announce NUMBER COUNTER [--lang vi|en] [--text] [--out FILE]`


def announce_command(
    number: str,
    counter: int,
    lang: str | None,
    text_only: bool,
    out: Path | None,
    config: SpeakerConfig,
) -> int:
    """Say "number ... to counter ..." for a technician testing the speaker.

    ``lang`` "vi" or "en" (None: every configured language). With
    ``text_only`` print the words; with ``out`` write the WAV there; else play
    it on the configured backend. Returns the exit status (0 ok, 1 device
    problem, 2 bad argument).
    """
    try:
        if lang is not None:
            config = config.model_copy(update={"languages": [spoken.check_lang(lang)]})
        phrase = call_announcement(config, number, counter)
    except ValueError as exc:
        print(f"announce: {exc}", file=sys.stderr)
        return 2
    print(phrase.text)
    if text_only:
        return 0
    try:
        _check_sounds_dir(config)
        wav = Composer(config).wav(phrase)
        if out is not None:
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(wav)
            print(f"wrote {out} ({_wav_seconds(wav):.2f} s)")
            return 0
        speaker = open_speaker(config)
        try:
            speaker.play(wav, phrase.text)
        finally:
            speaker.close()
        if isinstance(speaker, SimulatedSpeaker) and speaker.played:
            print(f"wrote {speaker.played[-1].path} (simulated speaker)")
        return 0
    except (DeviceError, OSError, ValueError) as exc:
        print(f"announce: {exc}", file=sys.stderr)
        return 1
