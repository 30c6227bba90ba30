"""The announcer: the backend interface, the shared pipeline and the queue.

An announcement is the chime, then the clips of its phrase (and speech-engine
output for pieces that have no clip, such as a citizen's name), joined into ONE
WAV of :data:`drivers.speaker.wav.FORMAT` by the :class:`Composer`. Both
backends get the same WAV; only the last hop differs (:class:`Speaker`):

- ``real`` (:mod:`drivers.speaker.alsa_backend`) pipes it to ``aplay``;
- ``simulated`` (:mod:`drivers.speaker.simulated`) writes it to a file.

The app uses an :class:`Announcer`: ``announce(phrase)`` returns at once and a
worker thread plays the queue in order, so two announcements never overlap.
"""

from __future__ import annotations

import logging
import queue
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Callable, Optional

from drivers.speaker.config import Language, SpeakerConfig
from drivers.speaker.engines import SpeechEngine, make_engine, speak_frames
from drivers.speaker.phrases import (
    CLIPS,
    Clip,
    Phrase,
    Speech,
    call_announcement,
    clip_names,
    rating_prompt_announcement,
    rating_thanks_announcement,
    results_ready_announcement,
)
from drivers.speaker.soundset import clip_path
from drivers.speaker.wav import (
    FORMAT,
    PAUSE_SECONDS,
    chime_frames,
    convert,
    read_wav,
    scale,
    silence_frames,
    wav_bytes,
)

# The logger of the whole package, under the name it always had.
log = logging.getLogger("drivers.speaker")


# ---------------------------------------------------------------------------
# The backend contract: the last hop


class Speaker(ABC):
    """Plays one announcement WAV; ``play`` returns when it has been heard.

    A backend must implement :meth:`play`; it may override :meth:`close` to
    release its device. ``play`` is called from the announcer's thread only,
    one announcement at a time, and raises DeviceError when the device fails.
    """

    @abstractmethod
    def play(self, wav: bytes, text: str) -> None:
        """Play ``wav`` (``text`` is what it says, for logs and files)."""

    def close(self) -> None:
        """Release the device."""


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

    def _clip_names(self) -> list[str]:
        """Every clip the configured languages use, sounds first."""
        return ["chime", "pause"] + [
            name for lang in self.config.languages for name in clip_names(lang)
        ]

    def missing_clips(self) -> list[str]:
        """Clips of the configured languages that are not in ``sounds_dir``."""
        return [n for n in self._clip_names() if not clip_path(self.config.sounds_dir, n).is_file()]

    def preload(self) -> None:
        """Read every clip of the configured languages now (not at the first call)."""
        for name in self._clip_names():
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
