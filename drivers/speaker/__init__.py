"""The loudspeaker: compose announcements from clips and play them, one at a time.

An announcement is the chime, then the clips of its phrase (and speech-engine
output for pieces that have no clip, such as a citizen's name), joined into ONE
WAV. Both backends build the same WAV:

- ``real`` pipes it to ``aplay`` (ALSA) in a child process with a timeout, so
  a wedged sound device cannot hang the kiosk; it writes nothing to disk;
- ``simulated`` writes ``announce-NNNN.wav`` and ``announce-NNNN.txt`` (the
  words, names included) to ``output_dir``, for tests and the demo.

The modules, one per concern:

- :mod:`~drivers.speaker.config`: the ``[speaker]`` section (:class:`SpeakerConfig`);
- :mod:`~drivers.speaker.words`: numbers as Vietnamese and English words;
- :mod:`~drivers.speaker.phrases`: what each announcement says, as text and clips
  (the templates of calls by name and of results calls);
- :mod:`~drivers.speaker.syllables`: the bank of recorded name syllables
  (file names, ``missing_syllables`` for ``kiosk sounds``);
- :mod:`~drivers.speaker.wav`: WAV/PCM helpers, the chime, the scan tones;
- :mod:`~drivers.speaker.engines`: the speech engines (espeak-ng, pyttsx3);
- :mod:`~drivers.speaker.soundset`: the clip files, ``kiosk sounds build``;
- :mod:`~drivers.speaker.composer`: phrase -> one WAV, and its bounded caches;
- :mod:`~drivers.speaker.announcer`: the backend interface, the queue, names prepared ahead;
- :mod:`~drivers.speaker.alsa_backend` and :mod:`~drivers.speaker.simulated`:
  the two backends.

The app uses an :class:`Announcer` from :func:`open_announcer`: ``announce(phrase)``
returns at once and a worker thread plays the queue in order, so two
announcements never overlap. See docs/sound.md.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable, Optional

from drivers.base import DeviceError
from drivers.speaker.announcer import Announcer, Composer, Speaker
from drivers.speaker.config import SOUNDS_DIR, SpeakerConfig
from drivers.speaker.engines import SpeechEngine
from drivers.speaker.phrases import (
    Phrase,
    call_announcement,
    check_lang,
    named_call_announcement,
    rating_prompt_announcement,
    rating_thanks_announcement,
    results_ready_announcement,
)
from drivers.speaker.soundset import check_sounds_dir
from drivers.speaker.syllables import missing_syllables, syllable_file

__all__ = [
    "Announcer",
    "Composer",
    "Phrase",
    "SOUNDS_DIR",
    "Speaker",
    "SpeakerConfig",
    "announce_command",
    "call_announcement",
    "missing_syllables",
    "named_call_announcement",
    "open_announcer",
    "open_speaker",
    "rating_prompt_announcement",
    "rating_thanks_announcement",
    "results_ready_announcement",
    "syllable_file",
]

log = logging.getLogger("drivers.speaker")


def open_speaker(config: SpeakerConfig) -> Speaker:
    """The backend chosen by ``config.backend`` (DeviceError if it cannot work)."""
    if config.backend == "real":
        from drivers.speaker.alsa_backend import AlsaSpeaker

        return AlsaSpeaker(config.alsa_device)
    from drivers.speaker.simulated import SimulatedSpeaker

    return SimulatedSpeaker(config.output_dir, config.pace)


def open_announcer(
    config: SpeakerConfig,
    on_error: Optional[Callable[[Exception], None]] = None,
    engine: SpeechEngine | None = None,
) -> Announcer:
    """Open the configured speaker, load the clips and start the announcer."""
    check_sounds_dir(config.sounds_dir)
    composer = Composer(config, engine)
    missing = composer.missing_clips()
    if missing:
        log.warning(
            "speaker: %d clips missing in %s (spoken by the speech engine instead): %s",
            len(missing), config.sounds_dir, ", ".join(missing[:10]),
        )
    composer.preload()
    return Announcer(open_speaker(config), composer, on_error)


def announce_command(
    number: str,
    counter: int,
    lang: str | None,
    text_only: bool,
    out: Path | None,
    config: SpeakerConfig,
    name: str | None = None,
) -> int:
    """``kiosk announce NUMBER COUNTER [--lang vi|en] [--text] [--out FILE] [--name NAME]``:
    say "number ... to counter ..." for a technician testing the speaker.

    ``lang`` "vi" or "en" (None: every configured language). With ``name``
    the call by name (to hear how a name or the syllable bank sounds). With
    ``text_only`` print the words; with ``out`` write the WAV there; else play
    it on the configured backend. Returns the exit status (0 ok, 1 device
    problem, 2 bad argument).
    """
    from drivers.speaker.simulated import SimulatedSpeaker
    from drivers.speaker.wav import wav_seconds

    try:
        if lang is not None:
            config = config.model_copy(update={"languages": [check_lang(lang)]})
        if name is not None:
            phrase = named_call_announcement(config, number, counter, name)
        else:
            phrase = call_announcement(config, number, counter)
    except ValueError as exc:
        print(f"announce: {exc}", file=sys.stderr)
        return 2
    print(phrase.text)
    if text_only:
        return 0
    try:
        check_sounds_dir(config.sounds_dir)
        wav = Composer(config).wav(phrase)
        if out is not None:
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(wav)
            print(f"wrote {out} ({wav_seconds(wav):.2f} s)")
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
