"""What the loudspeaker says, as text and as a list of sound clips (pure, no I/O).

Every announcement is a :class:`Phrase`: the words as a citizen hears them
(``text``) and the pieces to play in order (``segments``). A piece is either a
recorded clip (:class:`Clip`, a file under ``sounds/``) or a piece of text the
speech engine must say (:class:`Speech`, e.g. a citizen's name, which has no
clip). :data:`CLIPS` is the table of every clip and the words it says.

Ticket numbers may carry a letter prefix ("A001"): the letter is read by its
name ("a", "bê", "xê" ... in Vietnamese; "A", "B", "C" in English), then the
number (:mod:`drivers.speaker.words`). In ``words`` style the number drops its
leading zeros ("A001" -> "a một"); in ``digits`` style every digit is read ("a
không không một").

The ``*_announcement`` functions at the end say a phrase in every language of
a :class:`~drivers.speaker.config.SpeakerConfig`, one after the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from drivers.base import nfc
from drivers.speaker.config import Four, Language, NumberStyle, SpeakerConfig
from drivers.speaker.words import (
    EN_WORDS,
    MAX_WORDS,
    english_number_words,
    join_words,
    number_words,
    vietnamese_number_words,
)

LANGUAGES: tuple[Language, ...] = ("vi", "en")


@dataclass(frozen=True)
class Clip:
    """A recorded clip: ``name`` is its path under ``sounds/`` without ``.wav``
    (``"vi/mot"`` is ``sounds/vi/mot.wav``)."""

    name: str


@dataclass(frozen=True)
class Speech:
    """Text with no clip, said by the speech engine in the voice of ``lang``."""

    text: str
    lang: Language


Segment = Union[Clip, Speech]


@dataclass(frozen=True)
class Phrase:
    """An announcement: the words heard (``text``) and what to play (``segments``)."""

    text: str
    segments: tuple[Segment, ...]


# ---------------------------------------------------------------------------
# The clip set: clip name -> the words it says (what a recorded voice must say).
# docs/sound.md and sounds/README.md list the same table for offices.

_VI_WORD_CLIPS: dict[str, str] = {
    "không": "vi/khong",
    "một": "vi/mot",
    "mốt": "vi/mot_sac",
    "hai": "vi/hai",
    "ba": "vi/ba",
    "bốn": "vi/bon",
    "tư": "vi/tu",
    "năm": "vi/nam",
    "lăm": "vi/lam",
    "sáu": "vi/sau",
    "bảy": "vi/bay",
    "tám": "vi/tam",
    "chín": "vi/chin",
    "mười": "vi/muoi",
    "mươi": "vi/muoi_ngang",
    "linh": "vi/linh",
    "trăm": "vi/tram",
    "nghìn": "vi/nghin",
    "triệu": "vi/trieu",
}

#: Vietnamese letter names (the traditional alphabet names, as a clerk spells).
VI_LETTER_NAMES: dict[str, str] = {
    "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê",
    "E": "e", "Ê": "ê", "F": "ép", "G": "giê", "H": "hát", "I": "i", "J": "gi",
    "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o", "Ô": "ô",
    "Ơ": "ơ", "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê",
    "U": "u", "Ư": "ư", "V": "vê", "W": "vê kép", "X": "ích-xì", "Y": "i dài",
    "Z": "dét",
}

# ASCII file names for the Vietnamese-only letters (Telex spelling).
_VI_LETTER_FILE = {"Ă": "aw", "Â": "aa", "Đ": "dd", "Ê": "ee", "Ô": "oo", "Ơ": "ow", "Ư": "uw"}


def _vi_letter_clip(letter: str) -> str:
    return "vi/chu_" + _VI_LETTER_FILE.get(letter, letter.lower())


_VI_SENTENCES: dict[str, str] = {
    "vi/moi_cong_dan_co_so_thu_tu": "Mời công dân có số thứ tự",
    "vi/den_quay_so": "đến quầy số",
    "vi/kinh_moi_danh_gia": "Kính mời công dân đánh giá mức độ hài lòng",
    "vi/moi_cong_dan": "Mời công dân",
    "vi/nhan_ket_qua": "nhận kết quả",
    "vi/cam_on_danh_gia": "Cảm ơn công dân đã đánh giá",
}

_EN_SENTENCES: dict[str, str] = {
    "en/ticket_number": "Ticket number",
    "en/please_go_to_counter": "please go to counter",
    "en/rating_prompt": "Please rate your satisfaction with our service",
    "en/citizen": "Citizen",
    "en/please_come_to_counter": "please come to counter",
    "en/to_collect_your_results": "to collect your results",
    "en/thanks_rating": "Thank you for your rating",
}


def _build_clip_table() -> dict[str, str]:
    table: dict[str, str] = {"chime": "(chime)", "pause": "(silence)"}
    table.update(_VI_SENTENCES)
    table.update({clip: word for word, clip in _VI_WORD_CLIPS.items()})
    table.update({_vi_letter_clip(k): v for k, v in VI_LETTER_NAMES.items()})
    table.update(_EN_SENTENCES)
    table.update({f"en/{w}": w for w in EN_WORDS})
    table.update({f"en/letter_{c.lower()}": c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    return table


#: Every clip: name -> the words it says. ``chime`` and ``pause`` are sounds.
CLIPS: dict[str, str] = _build_clip_table()


def clip_names(lang: Language) -> list[str]:
    """The clips of one language (``vi/...`` or ``en/...``), in table order."""
    return [name for name in CLIPS if name.startswith(lang + "/")]


# ---------------------------------------------------------------------------
# Ticket numbers (optional letter prefix, then digits) and counter numbers

_TICKET = re.compile(r"^(?:([^\W\d_]+)[\s-]?)?([0-9]+)$")


def parse_ticket(ticket: str | int) -> tuple[str, str]:
    """Split a ticket number into its letter prefix and its digits.

    ``"A001"`` -> ``("A", "001")``; ``1005`` -> ``("", "1005")``. Letters are
    upper-cased. Raises ValueError for anything else (``"12A"``, ``""``).
    """
    text = nfc(str(ticket)).strip()
    match = _TICKET.match(text)
    if not match:
        raise ValueError(
            f"ticket number {text!r} is not letters followed by digits (like 1005 or A001)"
        )
    letters, digits = (match.group(1) or "").upper(), match.group(2)
    return letters, digits


def _word_clip(word: str, lang: Language) -> Clip:
    if lang == "vi":
        return Clip(_VI_WORD_CLIPS[word])
    return Clip(f"en/{word}")


def _letter(letter: str, lang: Language) -> tuple[str, Segment]:
    """Text and segment for one prefix letter."""
    if lang == "vi":
        if letter in VI_LETTER_NAMES:
            return VI_LETTER_NAMES[letter], Clip(_vi_letter_clip(letter))
        return letter, Speech(letter, "vi")
    if "A" <= letter <= "Z":
        return letter, Clip(f"en/letter_{letter.lower()}")
    return letter, Speech(letter, "en")


def read_ticket(
    ticket: str | int, lang: Language = "vi", style: NumberStyle = "words", four: Four = "tư"
) -> Phrase:
    """How a ticket number is said: ``"A001"`` -> "a một" (words) or
    "a không không một" (digits)."""
    letters, digits = parse_ticket(ticket)
    if style == "words" and len(digits.lstrip("0")) > len(str(MAX_WORDS)):
        raise ValueError(f"ticket number {ticket!r} is too long to read as words; use digits")
    texts: list[str] = []
    segments: list[Segment] = []
    for letter in letters:
        text, segment = _letter(letter, lang)
        texts.append(text)
        segments.append(segment)
    words = number_words(digits, lang, style, four)
    texts.append(join_words(words, lang))
    segments += [_word_clip(w, lang) for w in words]
    return Phrase(" ".join(texts), tuple(segments))


def read_counter(counter: int, lang: Language = "vi", four: Four = "tư") -> Phrase:
    """How a counter number is said (always as words: "quầy số mười hai")."""
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
        raise ValueError(f"counter must be a whole number >= 0, not {counter!r}")
    words = (
        vietnamese_number_words(counter, four) if lang == "vi" else english_number_words(counter)
    )
    return Phrase(join_words(words, lang), tuple(_word_clip(w, lang) for w in words))


# ---------------------------------------------------------------------------
# The announcements, one language at a time


def _clip(name: str) -> Phrase:
    return Phrase(CLIPS[name], (Clip(name),))


def _concat(parts: list[Phrase], sep: str = " ") -> Phrase:
    text = ""
    segments: list[Segment] = []
    for part in parts:
        # No space before a comma that ends the previous part's text.
        if text and not part.text.startswith(","):
            text += sep
        text += part.text
        segments += part.segments
    return Phrase(text, tuple(segments))


def check_lang(lang: str) -> Language:
    """``lang`` if it is a known language ("vi", "en"), else ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang  # type: ignore[return-value]


def call_phrase(
    number: str | int,
    counter: int,
    lang: Language = "vi",
    style: NumberStyle = "words",
    four: Four = "tư",
) -> Phrase:
    """Call a ticket to a counter.

    vi: "Mời công dân có số thứ tự {number} đến quầy số {counter}";
    en: "Ticket number {number}, please go to counter {counter}".
    """
    lang = check_lang(lang)
    ticket = read_ticket(number, lang, style, four)
    desk = read_counter(counter, lang, four)
    if lang == "vi":
        parts = [_clip("vi/moi_cong_dan_co_so_thu_tu"), ticket, _clip("vi/den_quay_so"), desk]
        return _concat(parts)
    ticket = Phrase(ticket.text + ",", ticket.segments)
    return _concat([_clip("en/ticket_number"), ticket, _clip("en/please_go_to_counter"), desk])


def rating_prompt(lang: Language = "vi") -> Phrase:
    """Ask the citizen to rate: "Kính mời công dân đánh giá mức độ hài lòng"."""
    lang = check_lang(lang)
    return _clip("vi/kinh_moi_danh_gia" if lang == "vi" else "en/rating_prompt")


def rating_thanks(lang: Language = "vi") -> Phrase:
    """Thank the citizen after a rating: "Cảm ơn công dân đã đánh giá"."""
    lang = check_lang(lang)
    return _clip("vi/cam_on_danh_gia" if lang == "vi" else "en/thanks_rating")


def results_ready(name: str, counter: int, lang: Language = "vi", four: Four = "tư") -> Phrase:
    """Call a citizen by name to collect results.

    vi: "Mời công dân {name} đến quầy số {counter} nhận kết quả";
    en: "Citizen {name}, please come to counter {counter} to collect your results".
    The name has no clip: it is spoken by the speech engine, always with the
    Vietnamese voice (an English voice mangles Vietnamese names).
    """
    lang = check_lang(lang)
    name = " ".join(nfc(name).split())
    if not name:
        raise ValueError("the citizen's name is empty")
    who = Phrase(name, (Speech(name, "vi"),))
    desk = read_counter(counter, lang, four)
    if lang == "vi":
        parts = [_clip("vi/moi_cong_dan"), who, _clip("vi/den_quay_so"), desk, _clip("vi/nhan_ket_qua")]
        return _concat(parts)
    who = Phrase(name + ",", who.segments)
    parts = [_clip("en/citizen"), who, _clip("en/please_come_to_counter"), desk,
             _clip("en/to_collect_your_results")]
    return _concat(parts)


def join_languages(phrases: list[Phrase]) -> Phrase:
    """One announcement in several languages: a short pause between them, and
    one line of text per language (Vietnamese first, by the caller's order)."""
    if not phrases:
        raise ValueError("no phrase to join")
    segments: list[Segment] = []
    for index, phrase in enumerate(phrases):
        if index:
            segments.append(Clip("pause"))
        segments += phrase.segments
    return Phrase("\n".join(p.text for p in phrases), tuple(segments))


# ---------------------------------------------------------------------------
# The announcements as configured (every configured language, one after the other)


def call_announcement(config: SpeakerConfig, number: str | int, counter: int) -> Phrase:
    """ "Mời công dân có số thứ tự ... đến quầy số ..." in every configured language."""
    return join_languages([
        call_phrase(number, counter, lang, config.read_numbers, config.four_after_tens)
        for lang in config.languages
    ])


def rating_prompt_announcement(config: SpeakerConfig) -> Phrase:
    """ "Kính mời công dân đánh giá mức độ hài lòng" in every configured language."""
    return join_languages([rating_prompt(lang) for lang in config.languages])


def results_ready_announcement(config: SpeakerConfig, name: str, counter: int) -> Phrase:
    """ "Mời công dân {name} đến quầy số ... nhận kết quả" in every configured language."""
    return join_languages([
        results_ready(name, counter, lang, config.four_after_tens)
        for lang in config.languages
    ])


def rating_thanks_announcement(config: SpeakerConfig) -> Phrase:
    """ "Cảm ơn công dân đã đánh giá" in every configured language."""
    return join_languages([rating_thanks(lang) for lang in config.languages])
