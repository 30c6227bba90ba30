"""What the loudspeaker says, as text and as a list of sound clips (pure, no I/O).

Every announcement is a :class:`Phrase`: the words as a citizen hears them
(``text``), the pieces to play in order (``segments``) and what kind of
announcement it is (``kind``, what the logs say instead of the words). A piece
is a recorded clip (:class:`Clip`, a file under ``sounds/``), a piece of text
the speech engine must say (:class:`Speech`), or a citizen's name
(:class:`Name`: the syllable bank's clips when it has them all, else the
speech engine). :data:`CLIPS` is the table of every clip and the words it says.

The calls with a name and the results calls follow the configured templates
(:class:`~drivers.speaker.config.Phrasing`): the literal text between the
placeholders is played from the clip whose words it is, when there is one
(case, spaces and punctuation at its ends aside), else said by the engine.

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
from dataclasses import dataclass, field
from typing import Union

from drivers.base import nfc
from drivers.names import normalise_name
from drivers.speaker.config import (
    Four,
    Language,
    NumberStyle,
    SpeakerConfig,
    template_fields,
)
from drivers.speaker.syllables import name_clips
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


@dataclass(frozen=True)
class Name:
    """A citizen's name, normalised: said from the syllable bank's ``clips``
    when every one of them is there, else by the speech engine in the
    Vietnamese voice (also in an English sentence: an English voice mangles
    Vietnamese names). Neither field shows in a repr (personal data)."""

    text: str = field(repr=False)
    clips: tuple[str, ...] = field(default=(), repr=False)


Segment = Union[Clip, Speech, Name]


@dataclass(frozen=True)
class Phrase:
    """An announcement: the words heard (``text``), what to play (``segments``)
    and its ``kind`` ("call", "named call", ...), which logs name instead of
    the words. The text may hold a name, so a repr leaves it out."""

    text: str = field(repr=False)
    segments: tuple[Segment, ...]
    kind: str = "announcement"

    def names(self) -> tuple[str, ...]:
        """The citizens' names this phrase says (to keep them out of messages)."""
        return tuple(s.text for s in self.segments if isinstance(s, Name))


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
    "vi/so_thu_tu": "số thứ tự",
    "vi/cam_on_danh_gia": "Cảm ơn công dân đã đánh giá",
    "vi/xin_cho_biet_ly_do": "Xin cho biết lý do chưa hài lòng",
    "vi/nut": "nút",
    "vi/cam_on_y_kien": "Cảm ơn ý kiến của công dân",
}

_EN_SENTENCES: dict[str, str] = {
    "en/ticket_number": "Ticket number",
    "en/please_go_to_counter": "please go to counter",
    "en/rating_prompt": "Please rate your satisfaction with our service",
    "en/citizen": "Citizen",
    "en/please_come_to_counter": "please come to counter",
    "en/to_collect_your_results": "to collect your results",
    "en/thanks_rating": "Thank you for your rating",
    "en/reason_prompt": "Please tell us why you were not satisfied",
    "en/button": "button",
    "en/thanks_feedback": "Thank you for your feedback",
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


def reason_prompt(reasons: list[str], lang: Language = "vi", four: Four = "tư") -> Phrase:
    """Offer the reasons on the rating buttons, reason i on button i.

    vi: "Xin cho biết lý do chưa hài lòng: nút một, thái độ cán bộ; nút hai,
    thời gian chờ; ..."; en: "Please tell us why you were not satisfied:
    button one, officer's attitude; ...". A reason is played from the clip that
    says exactly its words, if there is one, else said by the speech engine.
    """
    lang = check_lang(lang)
    head = _clip("vi/xin_cho_biet_ly_do" if lang == "vi" else "en/reason_prompt")
    button = _clip("vi/nut" if lang == "vi" else "en/button")
    texts = [head.text + ":"]
    segments: list[Segment] = list(head.segments)
    for number, reason in enumerate(reasons, start=1):
        digit = read_counter(number, lang, four)
        label = " ".join(nfc(reason).split())
        last = number == len(reasons)
        texts.append(f"{button.text} {digit.text}, {label[:1].lower() + label[1:]}{'' if last else ';'}")
        segments += [Clip("pause"), *button.segments, *digit.segments, *literal_segments(label, lang)]
    return Phrase(" ".join(texts), tuple(segments), "reason prompt")


def reason_thanks(lang: Language = "vi") -> Phrase:
    """Thank the citizen for giving a reason: "Cảm ơn ý kiến của công dân"."""
    lang = check_lang(lang)
    return _clip("vi/cam_on_y_kien" if lang == "vi" else "en/thanks_feedback")


def name_segment(name: str) -> Name:
    """A citizen's name as a segment, normalised (NFC, capitals, spaces), with
    the syllable bank's clip names. ValueError if it is not a name (the
    message does not repeat it)."""
    normal = normalise_name(name)
    if not normal:
        raise ValueError("the citizen's name is empty or not a name")
    return Name(normal, name_clips(normal))


def _clip_words(lang: Language) -> dict[str, str]:
    """The clips of ``lang`` by their words, case-folded."""
    return {" ".join(CLIPS[n].split()).casefold(): n for n in clip_names(lang)}


_CLIP_BY_WORDS: dict[Language, dict[str, str]] = {lang: _clip_words(lang) for lang in LANGUAGES}
# Spaces and punctuation around a template's literal piece (", số thứ tự ").
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def literal_segments(literal: str, lang: Language) -> tuple[Segment, ...]:
    """The segments of a template's literal piece: its clip if one says
    exactly these words, else speech; nothing for bare spaces/punctuation."""
    words = " ".join(_EDGES.sub("", literal).split())
    if not words:
        return ()
    clip = _CLIP_BY_WORDS[lang].get(words.casefold())
    return (Clip(clip),) if clip else (Speech(words, lang),)


def fill_template(
    template: str,
    lang: Language,
    counter: int,
    *,
    name: Name | None = None,
    number: str | int | None = None,
    style: NumberStyle = "words",
    four: Four = "tư",
    kind: str = "announcement",
) -> Phrase:
    """Say ``template`` ("Mời công dân {name} đến quầy số {counter} nhận kết quả")
    in ``lang`` with these values. ValueError if it needs a value not given."""
    lang = check_lang(lang)
    values: dict[str, Phrase] = {"counter": read_counter(counter, lang, four)}
    if name is not None:
        values["name"] = Phrase(name.text, (name,))
    if number is not None:
        values["number"] = read_ticket(number, lang, style, four)
    texts: list[str] = []
    segments: list[Segment] = []
    for literal, placeholder in template_fields(template):
        texts.append(literal)
        segments += literal_segments(literal, lang)
        if placeholder is None:
            continue
        if placeholder not in values:
            raise ValueError(f"this announcement says {{{placeholder}}}, and none was given")
        texts.append(values[placeholder].text)
        segments += values[placeholder].segments
    return Phrase(" ".join("".join(texts).split()), tuple(segments), kind)


def template_speech(template: str, lang: Language) -> list[Speech]:
    """The literal pieces of ``template`` that have no clip (said by the engine)."""
    return [
        s for literal, _ in template_fields(template)
        for s in literal_segments(literal, lang) if isinstance(s, Speech)
    ]


def join_languages(phrases: list[Phrase], kind: str | None = None) -> Phrase:
    """One announcement in several languages: a short pause between them, and
    one line of text per language (Vietnamese first, by the caller's order).
    Its kind is ``kind``, or the first phrase's."""
    if not phrases:
        raise ValueError("no phrase to join")
    segments: list[Segment] = []
    for index, phrase in enumerate(phrases):
        if index:
            segments.append(Clip("pause"))
        segments += phrase.segments
    return Phrase("\n".join(p.text for p in phrases), tuple(segments), kind or phrases[0].kind)


# ---------------------------------------------------------------------------
# The announcements as configured (every configured language, one after the other)


def call_announcement(config: SpeakerConfig, number: str | int, counter: int) -> Phrase:
    """ "Mời công dân có số thứ tự ... đến quầy số ..." in every configured language."""
    return join_languages([
        call_phrase(number, counter, lang, config.read_numbers, config.four_after_tens)
        for lang in config.languages
    ], "call")


def named_call_announcement(
    config: SpeakerConfig, number: str | int, counter: int, name: str
) -> Phrase:
    """The call of a ticket that carries a name, as ``named_call`` says in each
    configured language ("Mời công dân {name}, số thứ tự {number}, đến quầy số
    {counter}"). ValueError if ``name`` is not a name."""
    who = name_segment(name)
    return join_languages([
        fill_template(
            config.phrasing_for(lang).named_call, lang, counter, name=who, number=number,
            style=config.read_numbers, four=config.four_after_tens,
        )
        for lang in config.languages
    ], "named call")


def results_ready_announcement(
    config: SpeakerConfig, counter: int, *, name: str | None = None, number: str | int | None = None
) -> Phrase:
    """A call to collect results: by name (``results_named``, "Mời công dân {name}
    đến quầy số {counter} nhận kết quả") when there is one, else by number
    (``results_number``). ValueError if neither is given."""
    who = name_segment(name) if name is not None and normalise_name(name) else None
    if who is None and number is None:
        raise ValueError("a results call needs the citizen's name or the ticket number")
    kind = "named results call" if who else "results call"
    phrases = []
    for lang in config.languages:
        phrasing = config.phrasing_for(lang)
        template = phrasing.results_named if who else phrasing.results_number
        phrases.append(fill_template(
            template, lang, counter, name=who, number=number,
            style=config.read_numbers, four=config.four_after_tens,
        ))
    return join_languages(phrases, kind)


def rating_prompt_announcement(config: SpeakerConfig) -> Phrase:
    """ "Kính mời công dân đánh giá mức độ hài lòng" in every configured language."""
    return join_languages([rating_prompt(lang) for lang in config.languages], "rating prompt")


def rating_thanks_announcement(config: SpeakerConfig) -> Phrase:
    """ "Cảm ơn công dân đã đánh giá" in every configured language."""
    return join_languages([rating_thanks(lang) for lang in config.languages], "rating thanks")


def reason_prompt_announcement(config: SpeakerConfig, reasons: dict[str, list[str]]) -> Phrase:
    """ "Xin cho biết lý do chưa hài lòng: nút một, ..." in every configured language.

    ``reasons``: the reasons' labels by language, in button order (a language
    missing from it uses the Vietnamese labels).
    """
    return join_languages([
        reason_prompt(reasons.get(lang) or reasons["vi"], lang, config.four_after_tens) for lang in config.languages
    ], "reason prompt")


def reason_thanks_announcement(config: SpeakerConfig) -> Phrase:
    """ "Cảm ơn ý kiến của công dân" in every configured language."""
    return join_languages([reason_thanks(lang) for lang in config.languages], "reason thanks")
