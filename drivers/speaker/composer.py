"""Composing: chime + clips (+ names, + speech) -> one WAV, with bounded caches.

The :class:`Composer` turns a :class:`~drivers.speaker.phrases.Phrase` into one
WAV of :data:`~drivers.speaker.wav.FORMAT`, the same for both backends. What
it keeps in memory, each bounded (least recently used goes first):

- the clips of the table, read once at start-up (bounded by the table);
- syllable clips of the name bank (:data:`SYLLABLE_CACHE`);
- engine speech that is not a name: a missing clip's words, a template's
  words that have no clip (:data:`SPEECH_CACHE`);
- citizens' names said by the engine (:data:`NAME_CACHE`), filled ahead by
  :meth:`Composer.prepare` so that "next" finds them ready;
- the last composed WAVs (:data:`RECENT_CACHE`), so a recall plays the
  identical WAV (a WAV composed again is identical too: the engine is
  deterministic and every cache is keyed by exactly what is said).

:meth:`Composer.forget_names` drops every sound of a name (the names, the
syllables, the WAVs); the office calls it at the end of the business day.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

from drivers.base import DeviceError
from drivers.speaker.config import Language, SpeakerConfig
from drivers.speaker.engines import SpeechEngine, make_engine, speak_frames
from drivers.speaker.phrases import (
    CLIPS,
    Clip,
    Name,
    Phrase,
    Speech,
    clip_names,
    name_segment,
    template_speech,
)
from drivers.speaker.soundset import clip_path
from drivers.speaker.wav import (
    FORMAT,
    PAUSE_SECONDS,
    Tone,
    chime_frames,
    convert,
    read_wav,
    scale,
    silence_frames,
    tone_frames,
    wav_bytes,
)

# The logger of the whole package, under the name it always had.
log = logging.getLogger("drivers.speaker")

#: Names said by the engine kept in memory (about 45 KB each: 256 is some 12 MB).
NAME_CACHE = 256
#: Syllable clips of the bank kept in memory (about 15 KB each).
SYLLABLE_CACHE = 512
#: Other engine speech kept in memory.
SPEECH_CACHE = 64
#: Composed announcement WAVs kept for recalls.
RECENT_CACHE = 16

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A dict that keeps at most ``size`` items, dropping the least recently used."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value of ``key`` (now the most recently used), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the oldest item if full."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        """Drop everything."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class Composer:
    """Turns a :class:`Phrase` into one WAV (chime first), the same for both backends.

    Clips are read once and kept in memory in :data:`FORMAT`, already at the
    configured volume, so composing is joining bytes. A clip missing from
    ``sounds_dir`` is spoken by the speech engine instead (with a warning in
    the log; ``missing_clips()`` lists them for the self-test). A name is
    joined from the syllable bank when it has every syllable, else said by the
    engine. Safe to use from several threads: renders run outside the lock,
    and two threads wanting the same render share one.
    """

    def __init__(self, config: SpeakerConfig, engine: SpeechEngine | None = None) -> None:
        self.config = config
        self.engine = engine or make_engine(config.tts_engine, config.tts_timeout_s)
        self._clips: dict[str, bytes] = {}
        self._syllables: Lru[str, bytes] = Lru(SYLLABLE_CACHE)
        self._speech: Lru[tuple[str, Language], bytes] = Lru(SPEECH_CACHE)
        self._names: Lru[str, bytes] = Lru(NAME_CACHE)
        self._recent: Lru[Phrase, bytes] = Lru(RECENT_CACHE)
        self._tones: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Event] = {}
        # Bumped by forget_names(): a name render that started before is not kept.
        self._generation = 0

    # --- the clip table -------------------------------------------------------

    def _clip_names(self) -> list[str]:
        """Every clip the configured languages use, sounds first."""
        return ["chime", "pause"] + [
            name for lang in self.config.languages for name in clip_names(lang)
        ]

    def missing_clips(self) -> list[str]:
        """Clips of the configured languages that are not in ``sounds_dir``."""
        return [n for n in self._clip_names() if not clip_path(self.config.sounds_dir, n).is_file()]

    def preload(self) -> None:
        """Read every clip of the configured languages now (not at the first
        call), and say the configured templates' words that have no clip."""
        for name in self._clip_names():
            if clip_path(self.config.sounds_dir, name).is_file():
                self.clip(name)
        for lang in self.config.languages:
            phrasing = self.config.phrasing_for(lang)
            for template in (phrasing.named_call, phrasing.results_named, phrasing.results_number):
                for piece in template_speech(template, lang):
                    try:
                        self.speech(piece.text, piece.lang)
                    except DeviceError as exc:  # the call tries again (and reports it)
                        log.warning("speaker: cannot say %r of [speaker.phrasing.%s] yet: %s",
                                    piece.text, lang, exc)

    def clip(self, name: str) -> bytes:
        """PCM frames of clip ``name`` (speech-engine output if the file is missing)."""
        with self._lock:
            frames = self._clips.get(name)
        if frames is None:
            frames = scale(self._load_clip(name), self.config.volume)
            with self._lock:
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

    # --- speech ---------------------------------------------------------------

    def speech(self, text: str, lang: Language) -> bytes:
        """PCM frames of ``text`` (not a name) said by the speech engine (kept for reuse)."""
        return self._shared(
            ("speech", text, lang), lambda: self._speech.get((text, lang)),
            lambda: scale(self._render(text, lang), self.config.volume),
            lambda frames: self._speech.put((text, lang), frames),
        )

    def _render(self, text: str, lang: Language, low_priority: bool = False) -> bytes:
        return speak_frames(
            self.engine, text, self.config.voice_for(lang), self.config.speech_rate, FORMAT,
            low_priority=low_priority,
        )

    def _shared(
        self,
        key: Hashable,
        cached: Callable[[], bytes | None],
        render: Callable[[], bytes],
        keep: Callable[[bytes], None],
        generation: int | None = None,
    ) -> bytes:
        """The cached value, or one render shared by every thread asking for
        ``key`` meanwhile. The lock is never held while rendering."""
        while True:
            with self._lock:
                frames = cached()
                if frames is not None:
                    return frames
                running = self._rendering.get(key)
                if running is None:
                    running = self._rendering[key] = threading.Event()
                    break
            # Another thread renders it: wait for it, then look again (if it
            # failed, this thread tries itself).
            running.wait(self.config.tts_timeout_s + 5)
        try:
            frames = render()
            with self._lock:
                if generation is None or generation == self._generation:
                    keep(frames)
            return frames
        finally:
            with self._lock:
                self._rendering.pop(key, None)
            running.set()

    # --- names ----------------------------------------------------------------

    def name_frames(self, name: Name, *, low_priority: bool = False) -> bytes:
        """PCM frames of a citizen's name: the bank's syllable clips when every
        one is there and readable, else the engine in the Vietnamese voice."""
        if name.clips:
            frames = self._bank_frames(name.clips)
            if frames is not None:
                return frames
        with self._lock:
            generation = self._generation
        return self._shared(
            ("name", name.text), lambda: self._names.get(name.text),
            lambda: scale(self._render(name.text, "vi", low_priority), self.config.volume),
            lambda frames: self._names.put(name.text, frames),
            generation,
        )

    def _bank_frames(self, clips: tuple[str, ...]) -> bytes | None:
        """The syllable clips joined, or None if one is missing or unreadable."""
        if not all(clip_path(self.config.sounds_dir, c).is_file() for c in clips):
            return None
        parts = []
        for clip in clips:
            with self._lock:
                frames = self._syllables.get(clip)
            if frames is None:
                path = clip_path(self.config.sounds_dir, clip)
                try:
                    src, raw = read_wav(path)
                except (OSError, ValueError) as exc:
                    # One syllable's file name says no name; the fix needs it.
                    log.warning("speaker: syllable clip %s unreadable (%s); the engine says the name",
                                path.name, type(exc).__name__)
                    return None
                frames = scale(convert(raw, src, FORMAT), self.config.volume)
                with self._lock:
                    self._syllables.put(clip, frames)
            parts.append(frames)
        return b"".join(parts)

    def prepare(self, name: str, *, low_priority: bool = True) -> bool:
        """Make ``name``'s sound ready now, so a call finds it cached. False
        if it is not a name. Raises DeviceError if the engine fails."""
        try:
            segment = name_segment(name)
        except ValueError:
            return False
        self.name_frames(segment, low_priority=low_priority)
        return True

    def is_prepared(self, name: str) -> bool:
        """Whether ``name``'s sound is ready (cached, or all in the bank)."""
        try:
            segment = name_segment(name)
        except ValueError:
            return False
        if segment.clips and all(
            clip_path(self.config.sounds_dir, c).is_file() for c in segment.clips
        ):
            return True
        with self._lock:
            return self._names.get(segment.text) is not None

    def forget_names(self) -> None:
        """Drop every cached sound of a name: the names, the syllables and the
        composed WAVs (which hold names). Renders under way are not kept."""
        with self._lock:
            self._generation += 1
            self._names.clear()
            self._syllables.clear()
            self._recent.clear()

    # --- composing ------------------------------------------------------------

    def frames(self, phrase: Phrase) -> bytes:
        """The announcement's PCM: chime, then each segment in order."""
        parts = [self.clip("chime")]
        for segment in phrase.segments:
            if isinstance(segment, Clip):
                parts.append(self.clip(segment.name))
            elif isinstance(segment, Speech):
                parts.append(self.speech(segment.text, segment.lang))
            elif isinstance(segment, Name):
                parts.append(self.name_frames(segment))
            else:
                raise TypeError(f"not a segment: {type(segment).__name__}")
        return b"".join(parts)

    def wav(self, phrase: Phrase) -> bytes:
        """The announcement as a complete WAV file (bytes)."""
        with self._lock:
            generation = self._generation
            cached = self._recent.get(phrase)
        if cached is not None:
            return cached
        data = wav_bytes(self.frames(phrase), FORMAT)
        with self._lock:
            if generation == self._generation:
                self._recent.put(phrase, data)
        return data

    def tone(self, kind: Tone) -> bytes:
        """The short tone ``kind`` ("ok", "error") as a WAV (no chime)."""
        with self._lock:
            data = self._tones.get(kind)
        if data is None:
            data = wav_bytes(scale(tone_frames(kind), self.config.volume), FORMAT)
            with self._lock:
                self._tones[kind] = data
        return data
