"""The announcer: the backend interface and the queue.

An announcement is the chime, then the clips of its phrase (and speech-engine
output for pieces that have no clip, such as a citizen's name), joined into ONE
WAV of :data:`drivers.speaker.wav.FORMAT` by the
:class:`~drivers.speaker.composer.Composer`. Both backends get the same WAV;
only the last hop differs (:class:`Speaker`):

- ``real`` (:mod:`drivers.speaker.alsa_backend`) pipes it to ``aplay``;
- ``simulated`` (:mod:`drivers.speaker.simulated`) writes it to a file.

The app uses an :class:`Announcer`: ``announce(phrase)`` returns at once and a
worker thread plays the queue in order, so two announcements never overlap.
A second thread renders names ahead (``prepare``), at low priority.

Personal data: a phrase's text may hold a citizen's name, so logs and the
errors passed on name the phrase's kind ("named call"), never its words.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, Optional

from drivers.base import DeviceError
from drivers.names import normalise_name
from drivers.speaker.composer import Composer
from drivers.speaker.phrases import (
    Phrase,
    call_announcement,
    named_call_announcement,
    rating_prompt_announcement,
    rating_thanks_announcement,
    reason_prompt_announcement,
    reason_thanks_announcement,
    results_ready_announcement,
)
from drivers.speaker.wav import Tone

__all__ = ["Announcer", "Composer", "Speaker"]

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
# The announcer: a queue and one worker thread (plus one preparing names)

#: Names waiting to be prepared at most (more are rendered when called).
PREPARE_QUEUE = 256

# Queue order: tones first, then announcements in order, then the stop.
_TONE, _ANNOUNCEMENT, _STOP = 0, 1, 2


@dataclass(frozen=True)
class _Item:
    """One thing to play: a phrase to compose, or a ready WAV (a tone)."""

    kind: str
    text: str = field(repr=False)
    phrase: Phrase | None = None
    wav: bytes | None = field(default=None, repr=False)


def _private(exc: Exception, names: tuple[str, ...], kind: str) -> Exception:
    """``exc``, or a plain error in its place when its message holds one of ``names``."""
    message = str(exc).casefold()
    if any(name.casefold() in message for name in names):
        return DeviceError(
            "speaker", f"the {kind} failed ({type(exc).__name__}; its message held the "
            "citizen's name and is not shown)",
            "run kiosk announce to test the speaker",
        )
    return exc


class Announcer:
    """Plays announcements one after another on its own thread.

    ``announce`` (and the ``call``/``results_ready``/... helpers) return at
    once; announcements are played in the order they were queued and never
    overlap. A tone skips the queue: it is played as soon as the announcement
    playing (if any) ends. An error while composing or playing is logged (by
    the announcement's kind, never its words) and passed to ``on_error``; the
    next announcement is still played.

    ``prepare(name)`` renders a name's speech on a second thread, at low
    priority, so that the call finds it ready; ``forget_names()`` drops every
    name's sound (end of the business day).
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
        self._queue: queue.PriorityQueue[tuple[int, int, Optional[_Item]]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._pending = 0  # queued, not yet played
        self._composing = 0  # announcements queued, not yet composed
        self._idle = threading.Condition()
        self._names: queue.Queue[Optional[str]] = queue.Queue(PREPARE_QUEUE)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._work, name="announcer", daemon=True)
        self._thread.start()
        self._preparer = threading.Thread(target=self._prepare_names, name="announcer-prepare",
                                          daemon=True)
        self._preparer.start()

    # --- what the app says ----------------------------------------------------

    def announce(self, phrase: Phrase) -> None:
        """Queue ``phrase``; returns immediately."""
        with self._idle:
            self._pending += 1
            self._composing += 1
        self._queue.put((_ANNOUNCEMENT, next(self._order), _Item(phrase.kind, phrase.text, phrase)))

    def call(self, number: str | int, counter: int, name: str | None = None) -> Phrase:
        """Queue the call of ticket ``number`` to ``counter``, and return its phrase.

        Without a name: "Mời công dân có số thứ tự {number} đến quầy số {counter}".
        With one: the configured ``named_call`` ("Mời công dân {name}, số thứ
        tự {number}, đến quầy số {counter}"); a ``name`` that is not a name
        (empty, digits...) gives the call without a name. The same call again
        (a recall) plays the identical WAV.
        """
        if name is not None and normalise_name(name):
            return self._queue_phrase(named_call_announcement(self.config, number, counter, name))
        if name is not None:
            log.warning("speaker: the name given for a call is not a name; calling by number")
        return self._queue_phrase(call_announcement(self.config, number, counter))

    def results_ready(
        self, counter: int, *, name: str | None = None, number: str | int | None = None
    ) -> Phrase:
        """Queue a call to collect results at ``counter``, and return its phrase.

        By name when there is one ("Mời công dân {name} đến quầy số {counter}
        nhận kết quả", ``results_named``), else by ticket number ("Mời công dân
        có số thứ tự {number} đến quầy số {counter} nhận kết quả",
        ``results_number``). Give both when the ticket has a name: a template
        may say both. ValueError if there is neither a name nor a number.
        """
        return self._queue_phrase(
            results_ready_announcement(self.config, counter, name=name, number=number)
        )

    def rating_prompt(self) -> Phrase:
        """Queue "Kính mời công dân đánh giá mức độ hài lòng"."""
        return self._queue_phrase(rating_prompt_announcement(self.config))

    def rating_thanks(self) -> Phrase:
        """Queue "Cảm ơn công dân đã đánh giá"."""
        return self._queue_phrase(rating_thanks_announcement(self.config))

    def reason_prompt(self, reasons: dict[str, list[str]]) -> Phrase:
        """Queue "Xin cho biết lý do chưa hài lòng: nút một, thái độ cán bộ; ...".

        ``reasons``: the reasons' labels by language ("vi", "en"), in button order.
        """
        return self._queue_phrase(reason_prompt_announcement(self.config, reasons))

    def reason_thanks(self) -> Phrase:
        """Queue "Cảm ơn ý kiến của công dân"."""
        return self._queue_phrase(reason_thanks_announcement(self.config))

    def tone(self, kind: Tone) -> None:
        """Play a short tone now, before anything queued: "ok" (two quick
        rising beeps: a card was read) or "error" (two low buzzes: refused).
        ValueError for another kind."""
        wav = self.composer.tone(kind)
        with self._idle:
            self._pending += 1
        self._queue.put((_TONE, next(self._order), _Item(f"{kind} tone", f"(tone: {kind})", wav=wav)))

    def _queue_phrase(self, phrase: Phrase) -> Phrase:
        self.announce(phrase)
        return phrase

    # --- names ahead ----------------------------------------------------------

    def prepare(self, name: str) -> None:
        """Render ``name``'s speech in the background so that its call finds it
        ready; returns at once. Low priority: it waits while announcements are
        being composed, and the engine runs under ``nice``. Not a name: nothing."""
        normal = normalise_name(name)
        if not normal or self._closing.is_set():
            return
        try:
            self._names.put_nowait(normal)
        except queue.Full:
            log.warning("speaker: %d names wait to be prepared; this one is rendered when called",
                        PREPARE_QUEUE)

    def forget_names(self) -> None:
        """Drop every cached sound of a name, and the names waiting to be
        prepared (personal data: the office calls this at the end of the day)."""
        try:
            while True:
                self._names.get_nowait()
        except queue.Empty:
            pass
        self.composer.forget_names()

    def _prepare_names(self) -> None:
        while True:
            name = self._names.get()
            if name is None:
                return
            with self._idle:
                # Announcements first: wait until none is waiting to be composed.
                self._idle.wait_for(lambda: self._composing == 0 or self._closing.is_set())
            if self._closing.is_set():
                return
            try:
                self.composer.prepare(name)
            except Exception as exc:  # the call renders it again (and reports the problem)
                log.warning("speaker: preparing a name failed: %s",
                            _private(exc, (name,), "name preparation"))

    # --- the worker -----------------------------------------------------------

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been played; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Play what is queued, then stop the workers and release the speaker."""
        self._queue.put((_STOP, next(self._order), None))
        self._thread.join(timeout)
        self._closing.set()
        with self._idle:
            self._idle.notify_all()
        try:
            self._names.put_nowait(None)
        except queue.Full:
            pass  # the preparer sees _closing after its render
        self._preparer.join(timeout)
        self.speaker.close()

    def _composed(self, item: _Item) -> None:
        if item.phrase is not None:
            with self._idle:
                self._composing -= 1
                self._idle.notify_all()

    def _work(self) -> None:
        while True:
            _priority, _seq, item = self._queue.get()
            if item is None:
                return
            try:
                try:
                    wav = item.wav
                    if wav is None and item.phrase is not None:
                        wav = self.composer.wav(item.phrase)
                finally:
                    self._composed(item)
                self.speaker.play(wav or b"", item.text)
            except Exception as exc:  # keep announcing after one failure
                exc = _private(exc, item.phrase.names() if item.phrase else (), item.kind)
                log.error("speaker: %s failed: %s", item.kind, exc)
                if self.on_error is not None:
                    try:
                        self.on_error(exc)
                    except Exception:
                        log.exception("speaker: on_error failed")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
