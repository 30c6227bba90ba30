"""Numbers as words, in Vietnamese and in English (pure, no I/O).

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

The ``*_words`` functions return one word per item: each word has a clip
(:mod:`drivers.speaker.phrases`), so an announcement is those clips in order.
"""

from __future__ import annotations

from drivers.speaker.config import Four, Language, NumberStyle

#: Largest number read as words (up to 999 999 999, i.e. "triệu"/"million").
MAX_WORDS = 999_999_999

#: Vietnamese digits 0..9.
VI_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_VI_GROUPS = ["", "nghìn", "triệu"]

#: English 0..19.
EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
           "seventeen", "eighteen", "nineteen"]
#: English tens (index 2..9: twenty..ninety).
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_GROUPS = ["", "thousand", "million"]
#: Every word an English number can have (each has a clip ``en/<word>``).
EN_WORDS = EN_ONES + EN_TENS[2:] + ["hundred", "thousand", "million", "and"]


def _check_range(n: int) -> None:
    if not 0 <= n <= MAX_WORDS:
        raise ValueError(f"cannot read {n} as words: numbers go from 0 to {MAX_WORDS}")


# ---------------------------------------------------------------------------
# Vietnamese


def _vi_below_1000(n: int, full: bool, four: Four) -> list[str]:
    """Words for 0 < n < 1000. ``full``: a group after nghìn/triệu, which
    always says its hundreds ("không trăm") and its "linh"."""
    hundreds, tens, units = n // 100, (n // 10) % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(VI_DIGITS[units])  # "linh một", "linh bốn", "linh năm"
        return words
    if tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(VI_DIGITS[units])  # "mười một", "mười bốn"
        return words
    words += [VI_DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt")
    elif units == 4:
        words.append(four)
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(VI_DIGITS[units])
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
# English (British style: "one hundred and five")


def _en_below_100(n: int) -> list[str]:
    if n < 20:
        return [EN_ONES[n]]
    words = [EN_TENS[n // 10]]
    if n % 10:
        words.append(EN_ONES[n % 10])
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
            words += [EN_ONES[hundreds], "hundred"]
            if rest100:
                words.append("and")
        elif index == 0 and len(groups) > 1:
            words.append("and")  # "one thousand and five"
        if rest100:
            words += _en_below_100(rest100)
        if index:
            words.append(_EN_GROUPS[index])
    return words


def english_text(words: list[str]) -> str:
    """Join English words, hyphenating tens and units ("twenty-one")."""
    text = ""
    for word in words:
        if text and word in EN_ONES[1:10] and text.split(" ")[-1] in EN_TENS[2:]:
            text += "-" + word
        else:
            text += (" " if text else "") + word
    return text


def english_number(n: int) -> str:
    """``n`` in English words: 1005 -> "one thousand and five"."""
    return english_text(english_number_words(n))


# ---------------------------------------------------------------------------
# Either language


def number_words(digits: str, lang: Language, style: NumberStyle = "words", four: Four = "tư") -> list[str]:
    """Words of a digit string in ``style``: the number ("words") or each digit ("digits")."""
    if style == "digits":
        if lang == "vi":
            return [VI_DIGITS[int(d)] for d in digits]
        return [EN_ONES[int(d)] for d in digits]
    if lang == "vi":
        return vietnamese_number_words(int(digits), four)
    return english_number_words(int(digits))


def join_words(words: list[str], lang: Language) -> str:
    """The text of ``words`` as written in ``lang`` ("hai mươi mốt", "twenty-one")."""
    return english_text(words) if lang == "en" else " ".join(words)
