"""The ``[speaker]`` section of the office's config file, and the words it uses.

The value sets of the section (:data:`Language`, :data:`NumberStyle`,
:data:`Four`, :data:`EngineName`) and the defaults it points at
(:data:`SOUNDS_DIR`, :data:`DEFAULT_RATE`) are defined here, because this module
may import only pydantic, the standard library, :mod:`drivers.section` and
:mod:`drivers.base`; the other modules of the package import them from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from drivers.base import Backend, shipped_dir
from drivers.section import Section

#: A language of the announcements.
Language = Literal["vi", "en"]
#: How a ticket number is read: "words" (một nghìn không trăm linh năm) or "digits" (một không không năm).
NumberStyle = Literal["words", "digits"]
#: How 4 is said after "mươi" (24 "hai mươi tư" or "hai mươi bốn").
Four = Literal["tư", "bốn"]
#: The speech engines (see :mod:`drivers.speaker.engines`).
EngineName = Literal["espeak-ng", "pyttsx3"]

#: The repository's sound folder (``sounds/``), the default clip set.
SOUNDS_DIR = shipped_dir("sounds")

#: Speaking rate (words per minute) of the speech engine and of the default
#: clips: slower than espeak's 175 because many listeners are elderly.
DEFAULT_RATE = 150


class SpeakerConfig(Section):
    """The ``[speaker]`` section of the office's configuration file."""

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
    read_numbers: NumberStyle = Field(
        "words",
        description='"words": 1005 is "một nghìn không trăm linh năm"; '
        '"digits": "một không không năm". Counters are always read as words.',
    )
    four_after_tens: Four = Field(
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
