"""What the loudspeaker says, as text and as a list of sound clips (pure, no I/O).

Every announcement is a :class:`Phrase`: the words as a citizen hears them
(``text``) and the pieces to play in order (``segments``). A piece is either a
recorded clip (:class:`Clip`, a file under ``sounds/``) or a piece of text the
speech engine must say (:class:`Speech`, e.g. a citizen's name, which has no
clip).

Numbers are read the way a Vietnamese speaker reads them, by rules written and
tested here rather than taken from a library (libraries say "một nghìn lẻ năm",
"mười năm" or "hai mươi một"; see ``docs/sound.md``):

- 1 after ``mươi`` is ``mốt`` (21 "hai mươi mốt"), but ``một`` after ``mười``
  and ``linh`` (11 "mười một", 101 "một trăm linh một");
- 5 after ``mười``/``mươi`` is ``lăm`` (15 "mười lăm", 25 "hai mươi lăm"), but
  ``năm`` alone and after ``linh`` (105 "một trăm linh năm");
- 4 after ``mươi`` is ``tư`` by default (24 "hai mươi tư"; ``four="bốn"`` gives
  "hai mươi bốn"); 14 is always "mười bốn" and 104 "một trăm linh bốn";
- 10 is ``mười``, 20..90 are ``<digit> mươi``;
- a missing tens digit before a units digit is ``linh`` (105, 1005);
- a group of three digits after ``nghìn``/``triệu`` always says its hundreds,
  even zero: 1005 "một nghìn không trăm linh năm", 1010 "một nghìn không trăm
  mười"; a group that is all zeros is left out: 1000 "một nghìn", 1000005
  "một triệu không trăm linh năm".

English numbers use the British "and": 105 "one hundred and five", 1005 "one
thousand and five", 21 "twenty-one".

Ticket numbers may carry a letter prefix ("A001"): the letter is read by its
name ("a", "bê", "xê" ... in Vietnamese; "A", "B", "C" in English), then the
number. In ``words`` style the number drops its leading zeros ("A001" -> "a
một"); in ``digits`` style every digit is read ("a không không một").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Union

Language = Literal["vi", "en"]
NumberStyle = Literal["words", "digits"]
Four = Literal["tư", "bốn"]

LANGUAGES: tuple[Language, ...] = ("vi", "en")

#: Largest number read as words (up to 999 999 999, i.e. "triệu"/"million").
MAX_WORDS = 999_999_999


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

_EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_WORDS = _EN_ONES + _EN_TENS[2:] + ["hundred", "thousand", "million", "and"]

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
    table.update({f"en/{w}": w for w in _EN_WORDS})
    table.update({f"en/letter_{c.lower()}": c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    return table


#: Every clip: name -> the words it says. ``chime`` and ``pause`` are sounds.
CLIPS: dict[str, str] = _build_clip_table()


def clip_names(lang: Language) -> list[str]:
    """The clips of one language (``vi/...`` or ``en/...``), in table order."""
    return [name for name in CLIPS if name.startswith(lang + "/")]


# ---------------------------------------------------------------------------
# Vietnamese numbers

_VI_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_VI_GROUPS = ["", "nghìn", "triệu"]


def _vi_below_1000(n: int, full: bool, four: Four) -> list[str]:
    """Words for 0 < n < 1000. ``full``: a group after nghìn/triệu, which
    always says its hundreds ("không trăm") and its "linh"."""
    hundreds, tens, units = n // 100, (n // 10) % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_VI_DIGITS[units])  # "linh một", "linh bốn", "linh năm"
        return words
    if tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(_VI_DIGITS[units])  # "mười một", "mười bốn"
        return words
    words += [_VI_DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt")
    elif units == 4:
        words.append(four)
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_VI_DIGITS[units])
    return words


def vietnamese_number_words(n: int, four: Four = "tư") -> list[str]:
    """The words of ``n`` in Vietnamese, one word per item (each has a clip)."""
    _check_range(n)
    if n == 0:
        return ["không"]
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue  # "một nghìn", "một triệu không trăm linh năm"
        leading = index == len(groups) - 1
        words += _vi_below_1000(group, full=not leading, four=four)
        if index:
            words.append(_VI_GROUPS[index])
    return words


def vietnamese_number(n: int, four: Four = "tư") -> str:
    """``n`` in Vietnamese words: 1005 -> "một nghìn không trăm linh năm"."""
    return " ".join(vietnamese_number_words(n, four))


# ---------------------------------------------------------------------------
# English numbers (British style: "one hundred and five")

_EN_GROUPS = ["", "thousand", "million"]


def _en_below_100(n: int) -> list[str]:
    if n < 20:
        return [_EN_ONES[n]]
    words = [_EN_TENS[n // 10]]
    if n % 10:
        words.append(_EN_ONES[n % 10])
    return words


def english_number_words(n: int) -> list[str]:
    """The words of ``n`` in English, one word per item (each has a clip)."""
    _check_range(n)
    if n == 0:
        return ["zero"]
    groups: list[int] = []
    rest = n
    while rest:
        groups.append(rest % 1000)
        rest //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        hundreds, rest100 = divmod(group, 100)
        if hundreds:
            words += [_EN_ONES[hundreds], "hundred"]
            if rest100:
                words.append("and")
        elif index == 0 and len(groups) > 1:
            words.append("and")  # "one thousand and five"
        if rest100:
            words += _en_below_100(rest100)
        if index:
            words.append(_EN_GROUPS[index])
    return words


def _english_text(words: list[str]) -> str:
    """Join English words, hyphenating tens and units ("twenty-one")."""
    text = ""
    for word in words:
        if text and word in _EN_ONES[1:10] and text.split(" ")[-1] in _EN_TENS[2:]:
            text += "-" + word
        else:
            text += (" " if text else "") + word
    return text


def english_number(n: int) -> str:
    """``n`` in English words: 1005 -> "one thousand and five"."""
    return _english_text(english_number_words(n))


def _check_range(n: int) -> None:
    if not 0 <= n <= MAX_WORDS:
        raise ValueError(f"cannot read {n} as words: numbers go from 0 to {MAX_WORDS}")


# ---------------------------------------------------------------------------
# Ticket numbers: optional letter prefix, then digits

_TICKET = re.compile(r"^(?:([^\W\d_]+)[\s-]?)?([0-9]+)$")


def parse_ticket(ticket: str | int) -> tuple[str, str]:
    """Split a ticket number into its letter prefix and its digits.

    ``"A001"`` -> ``("A", "001")``; ``1005`` -> ``("", "1005")``. Letters are
    upper-cased. Raises ValueError for anything else (``"12A"``, ``""``).
    """
    text = unicodedata.normalize("NFC", str(ticket)).strip()
    match = _TICKET.match(text)
    if not match:
        raise ValueError(
            f"ticket number {text!r} is not letters followed by digits (like 1005 or A001)"
        )
    letters, digits = (match.group(1) or "").upper(), match.group(2)
    return letters, digits


def _number_words(
    digits: str, lang: Language, style: NumberStyle, four: Four
) -> list[str]:
    """Words of a digit string in ``style`` (each word has a clip)."""
    if style == "digits":
        if lang == "vi":
            return [_VI_DIGITS[int(d)] for d in digits]
        return [_EN_ONES[int(d)] for d in digits]
    if lang == "vi":
        return vietnamese_number_words(int(digits), four)
    return english_number_words(int(digits))


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


def _join_text(words: list[str], lang: Language) -> str:
    return _english_text(words) if lang == "en" else " ".join(words)


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
    words = _number_words(digits, lang, style, four)
    texts.append(_join_text(words, lang))
    segments += [_word_clip(w, lang) for w in words]
    return Phrase(" ".join(texts), tuple(segments))


def read_counter(counter: int, lang: Language = "vi", four: Four = "tư") -> Phrase:
    """How a counter number is said (always as words: "quầy số mười hai")."""
    if isinstance(counter, bool) or not isinstance(counter, int) or counter < 0:
        raise ValueError(f"counter must be a whole number >= 0, not {counter!r}")
    words = (
        vietnamese_number_words(counter, four) if lang == "vi" else english_number_words(counter)
    )
    return Phrase(_join_text(words, lang), tuple(_word_clip(w, lang) for w in words))


# ---------------------------------------------------------------------------
# Phrase builders


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
    name = " ".join(unicodedata.normalize("NFC", name).split())
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
