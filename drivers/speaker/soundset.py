"""The clip set on disk: where each clip's file is, and making the default clips.

The loudspeaker says an announcement by joining short clips (one per phrase
piece, number word and letter; the table is :data:`drivers.speaker.phrases.CLIPS`).
The default clips are made by the speech engine (espeak-ng's command line
program) with :func:`build_clips` (``kiosk sounds build``); an office may
replace any of them with a recorded human voice (``sounds/README.md``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from drivers.base import DeviceError
from drivers.speaker.config import DEFAULT_RATE, SOUNDS_DIR, Language
from drivers.speaker.engines import SpeechEngine, make_engine
from drivers.speaker.phrases import CLIPS, clip_names
from drivers.speaker.wav import (
    FORMAT,
    PAUSE_SECONDS,
    AudioFormat,
    chime_frames,
    convert,
    read_wav,
    silence_frames,
    trim_silence,
    write_wav,
)

__all__ = [
    "DEFAULT_RATE",
    "DEFAULT_VOICES",
    "SOUNDS_DIR",
    "build_clips",
    "check_sounds_dir",
    "clip_path",
    "default_clip_set",
]

#: Espeak voice for each language when none is configured.
DEFAULT_VOICES: dict[Language, str] = {"vi": "vi", "en": "en"}


def default_clip_set(languages: Sequence[Language] = ("vi", "en")) -> dict[str, str]:
    """Clip name -> words for ``languages``, plus ``chime`` and ``pause``."""
    names = ["chime", "pause"]
    for lang in languages:
        names += clip_names(lang)
    return {name: CLIPS[name] for name in names}


def clip_path(sounds_dir: Path, name: str) -> Path:
    """Where clip ``name`` lives (``vi/mot`` -> ``sounds_dir/vi/mot.wav``)."""
    return Path(sounds_dir) / f"{name}.wav"


def check_sounds_dir(sounds_dir: Path) -> None:
    """DeviceError if the clip folder is missing (a missing clip is not an error)."""
    if not Path(sounds_dir).is_dir():
        raise DeviceError(
            "speaker", f"sounds folder {sounds_dir} not found",
            "set sounds_dir in [speaker], or make the clips with: kiosk sounds build",
        )


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
                (CLIPS[name], voices[lang], rate, Path(tmp) / f"{index}.wav")
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
