"""The ``[speaker]`` section of the office's config file, and the words it uses.

The value sets of the section (:data:`Language`, :data:`NumberStyle`,
:data:`Four`, :data:`EngineName`) and the defaults it points at
(:data:`SOUNDS_DIR`, :data:`DEFAULT_RATE`) are defined here, because this module
may import only pydantic, the standard library, :mod:`drivers.section` and
:mod:`drivers.base`; the other modules of the package import them from here.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from drivers.base import Backend, nfc, shipped_dir
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


#: The placeholders a phrasing template may hold.
PLACEHOLDERS = ("name", "number", "counter")

#: The default phrasing of each language (``[speaker.phrasing.vi]`` / ``.en``).
DEFAULT_PHRASING: dict[Language, dict[str, str]] = {
    "vi": {
        "named_call": "Mời công dân {name}, số thứ tự {number}, đến quầy số {counter}",
        "results_named": "Mời công dân {name} đến quầy số {counter} nhận kết quả",
        "results_number": "Mời công dân có số thứ tự {number} đến quầy số {counter} nhận kết quả",
    },
    "en": {
        "named_call": "Citizen {name}, ticket number {number}, please go to counter {counter}",
        "results_named": "Citizen {name}, please come to counter {counter} to collect your results",
        "results_number": "Ticket number {number}, please come to counter {counter} "
        "to collect your results",
    },
}

# Per template: the placeholders it must hold, and those it must not.
_NEEDS: dict[str, tuple[set[str], set[str]]] = {
    "named_call": ({"name", "counter"}, set()),
    "results_named": ({"name", "counter"}, set()),
    "results_number": ({"number", "counter"}, {"name"}),
}


def template_fields(template: str) -> list[tuple[str, str | None]]:
    """A template as ``(literal text, placeholder or None)`` pieces, in order.

    Raises ValueError for unbalanced braces, an unknown placeholder or one with
    a format (``{name!r}``, ``{number:>4}``): a template says words, nothing else.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(
            f"{exc}: write a placeholder as {{name}}, {{number}} or {{counter}}"
        ) from None
    pieces: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            shown = "{" + field + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise ValueError(
                f"{shown} is not a placeholder: use {{name}}, {{number}} or {{counter}}"
            )
        pieces.append((literal, field))
    return pieces


def check_template(key: str, template: str) -> str:
    """``template`` (NFC) if it suits ``key`` (named_call, results_named,
    results_number), else ValueError naming the key and what is wrong."""
    template = nfc(template)
    if not template.strip():
        raise ValueError(f"{key} is empty")
    try:
        found = {field for _literal, field in template_fields(template) if field}
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None
    needed, banned = _NEEDS[key]
    missing = sorted(needed - found)
    if missing:
        raise ValueError(f"{key} must say " + " and ".join("{" + f + "}" for f in missing))
    if banned & found:
        raise ValueError(f"{key} must not say {{name}}: it calls a ticket that has no name")
    return template


class Phrasing(Section):
    """What the loudspeaker says in one language for the calls that involve a
    name or results (the plain call of a ticket is fixed).

    Each template is text with placeholders: ``{name}`` (the citizen's name),
    ``{number}`` (the ticket number, read as configured) and ``{counter}``.
    """

    named_call: str = Field(
        description="Calling a ticket that carries a name; must say {name} and {counter}."
    )
    results_named: str = Field(
        description="Calling a citizen by name to collect results; must say {name} and {counter}."
    )
    results_number: str = Field(
        description="Calling a ticket without a name to collect results; must say {number} "
        "and {counter}, not {name}."
    )

    @field_validator("named_call", "results_named", "results_number")
    @classmethod
    def _template(cls, value: str, info: ValidationInfo) -> str:
        return check_template(str(info.field_name), value)


def _phrasing(lang: Language) -> Phrasing:
    return Phrasing(**DEFAULT_PHRASING[lang])


class Phrasings(Section):
    """``[speaker.phrasing.vi]`` and ``[speaker.phrasing.en]``: a key left out keeps its default."""

    vi: Phrasing = Field(default_factory=lambda: _phrasing("vi"), description="Vietnamese phrasing.")
    en: Phrasing = Field(default_factory=lambda: _phrasing("en"), description="English phrasing.")

    @field_validator("vi", "en", mode="before")
    @classmethod
    def _fill_defaults(cls, value: Any, info: ValidationInfo) -> Any:
        # An office that changes one sentence keeps the language's other defaults.
        if isinstance(value, dict):
            return {**DEFAULT_PHRASING[info.field_name], **value}  # type: ignore[index]
        return value


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

    phrasing: Phrasings = Field(
        default_factory=Phrasings,
        description="The sentences of a call by name and of a results call, per language "
        "([speaker.phrasing.vi] named_call, results_named, results_number); see docs/sound.md.",
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

    def phrasing_for(self, lang: Language) -> Phrasing:
        """The phrasing templates of ``lang``."""
        return self.phrasing.vi if lang == "vi" else self.phrasing.en
