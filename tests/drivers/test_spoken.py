"""What the loudspeaker says: number words, ticket numbers and phrases."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.speaker.config import SpeakerConfig
from drivers.speaker.phrases import (
    CLIPS,
    Clip,
    Name,
    Speech,
    call_phrase,
    fill_template,
    join_languages,
    named_call_announcement,
    name_segment,
    rating_prompt,
    rating_thanks,
    read_ticket,
    results_ready_announcement,
)
from drivers.speaker.words import english_number, vietnamese_number

# Checked by hand, one by one, against the rules of spoken Vietnamese
# (mốt/một, lăm/năm, linh, không trăm, mười/mươi, tư/bốn).
VIETNAMESE = [
    (0, "không"),
    (1, "một"),
    (2, "hai"),
    (4, "bốn"),
    (5, "năm"),
    (7, "bảy"),
    (9, "chín"),
    (10, "mười"),
    (11, "mười một"),  # một, not mốt, after mười
    (14, "mười bốn"),  # bốn, not tư, after mười
    (15, "mười lăm"),  # lăm, not năm
    (19, "mười chín"),
    (20, "hai mươi"),  # mươi, not mười
    (21, "hai mươi mốt"),  # mốt, not một
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (30, "ba mươi"),
    (31, "ba mươi mốt"),
    (44, "bốn mươi tư"),
    (45, "bốn mươi lăm"),
    (50, "năm mươi"),
    (51, "năm mươi mốt"),
    (55, "năm mươi lăm"),
    (99, "chín mươi chín"),
    (100, "một trăm"),
    (101, "một trăm linh một"),  # linh một, not linh mốt
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),  # linh năm, not linh lăm
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (120, "một trăm hai mươi"),
    (121, "một trăm hai mươi mốt"),
    (124, "một trăm hai mươi tư"),
    (205, "hai trăm linh năm"),
    (350, "ba trăm năm mươi"),
    (999, "chín trăm chín mươi chín"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt"),
    (1050, "một nghìn không trăm năm mươi"),
    (1100, "một nghìn một trăm"),
    (1105, "một nghìn một trăm linh năm"),
    (1234, "một nghìn hai trăm ba mươi tư"),
    (2001, "hai nghìn không trăm linh một"),
    (2024, "hai nghìn không trăm hai mươi tư"),
    (5555, "năm nghìn năm trăm năm mươi lăm"),
    (9999, "chín nghìn chín trăm chín mươi chín"),
    (10000, "mười nghìn"),
    (10005, "mười nghìn không trăm linh năm"),
    (11000, "mười một nghìn"),
    (15000, "mười lăm nghìn"),
    (21000, "hai mươi mốt nghìn"),
    (25005, "hai mươi lăm nghìn không trăm linh năm"),
    (100000, "một trăm nghìn"),
    (100001, "một trăm nghìn không trăm linh một"),
    (105000, "một trăm linh năm nghìn"),
    (110010, "một trăm mười nghìn không trăm mười"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    (1000000, "một triệu"),
    (1000005, "một triệu không trăm linh năm"),
    (1001000, "một triệu không trăm linh một nghìn"),
    (2500000, "hai triệu năm trăm nghìn"),
]


@pytest.mark.parametrize("n, words", VIETNAMESE)
def test_vietnamese_number_words(n: int, words: str) -> None:
    assert vietnamese_number(n) == words


def test_four_after_tens_can_be_bon() -> None:
    assert vietnamese_number(24, four="bốn") == "hai mươi bốn"
    assert vietnamese_number(1234, four="bốn") == "một nghìn hai trăm ba mươi bốn"
    # Only after mươi: 4, 14 and 104 are bốn either way.
    assert vietnamese_number(14, four="tư") == "mười bốn"
    assert vietnamese_number(104, four="tư") == "một trăm linh bốn"
    assert vietnamese_number(4, four="tư") == "bốn"


ENGLISH = [
    (0, "zero"),
    (5, "five"),
    (13, "thirteen"),
    (20, "twenty"),
    (21, "twenty-one"),
    (99, "ninety-nine"),
    (100, "one hundred"),
    (105, "one hundred and five"),
    (110, "one hundred and ten"),
    (121, "one hundred and twenty-one"),
    (1000, "one thousand"),
    (1005, "one thousand and five"),
    (1010, "one thousand and ten"),
    (1100, "one thousand one hundred"),
    (1105, "one thousand one hundred and five"),
    (2001, "two thousand and one"),
    (9999, "nine thousand nine hundred and ninety-nine"),
    (15000, "fifteen thousand"),
    (100001, "one hundred thousand and one"),
    (105000, "one hundred and five thousand"),
    (999999, "nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
    (1000000, "one million"),
    (1000005, "one million and five"),
]


@pytest.mark.parametrize("n, words", ENGLISH)
def test_english_number_words(n: int, words: str) -> None:
    assert english_number(n) == words


@pytest.mark.parametrize("n", [-1, 1_000_000_000])
def test_numbers_out_of_range_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match="0 to 999999999"):
        vietnamese_number(n)
    with pytest.raises(ValueError):
        english_number(n)


# An independent reader of Vietnamese number words, to check every number.
_DIGIT = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
          "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def _parse_below_1000(words: list[str]) -> int:
    value = 0
    if "trăm" in words:
        i = words.index("trăm")
        value += 100 * _DIGIT[words[i - 1]]
        words = words[i + 1:]
    if words[:1] == ["linh"]:
        assert len(words) == 2 and words[1] in ("một", "hai", "ba", "bốn", "năm", "sáu",
                                               "bảy", "tám", "chín")
        return value + _DIGIT[words[1]]
    if words[:1] == ["mười"]:
        assert words[1:2] != ["năm"] and words[1:2] != ["mốt"]
        return value + 10 + (_DIGIT[words[1]] if len(words) > 1 else 0)
    if "mươi" in words:
        i = words.index("mươi")
        rest = words[i + 1:]
        assert rest[:1] not in (["một"], ["năm"]), words
        return value + 10 * _DIGIT[words[i - 1]] + (_DIGIT[rest[0]] if rest else 0)
    if words:
        assert len(words) == 1 and words[0] not in ("mốt", "lăm", "tư")
        value += _DIGIT[words[0]]
    return value


def _parse_vietnamese(text: str) -> int:
    words = text.split()
    total = 0
    for scale, word in ((1_000_000, "triệu"), (1000, "nghìn")):
        if word in words:
            i = words.index(word)
            total += scale * _parse_below_1000(words[:i])
            words = words[i + 1:]
            # A group after nghìn/triệu always says its hundreds.
            assert not words or words[1:2] == ["trăm"], text
    return total + (_parse_below_1000(words) if words else 0)


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_vietnamese_number_reads_back(n: int) -> None:
    text = vietnamese_number(n)
    assert _parse_vietnamese(text) == n
    for wrong in ("lẻ", "mươi một", "mươi năm", "mười năm", "linh mốt", "linh lăm", "ngàn"):
        assert wrong not in text


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=999_999))
def test_number_clips_say_the_text(n: int) -> None:
    """The clips played are exactly the words shown."""
    for lang in ("vi", "en"):
        phrase = read_ticket(n, lang)
        words = " ".join(CLIPS[s.name] for s in phrase.segments)
        assert words == phrase.text.replace("-", " ")


def test_digit_by_digit() -> None:
    assert read_ticket("1005", "vi", "digits").text == "một không không năm"
    assert read_ticket("1005", "en", "digits").text == "one zero zero five"
    assert read_ticket("0421", "vi", "digits").text == "không bốn hai một"  # bốn, not tư
    assert [s.name for s in read_ticket("15", "vi", "digits").segments] == ["vi/mot", "vi/nam"]


def test_letter_prefix() -> None:
    assert read_ticket("A001").text == "a một"
    assert read_ticket("A001", style="digits").text == "a không không một"
    assert read_ticket("B1005").text == "bê một nghìn không trăm linh năm"
    assert read_ticket("c21").text == "xê hai mươi mốt"  # lower case accepted
    assert read_ticket("Đ-5").text == "đê năm"
    assert read_ticket("AB12").text == "a bê mười hai"
    assert read_ticket("A001", "en").text == "A one"
    assert read_ticket("B1005", "en").text == "B one thousand and five"
    assert read_ticket("A001").segments == (Clip("vi/chu_a"), Clip("vi/mot"))
    assert read_ticket("L7", "en").segments == (Clip("en/letter_l"), Clip("en/seven"))


@pytest.mark.parametrize("letter, name", [
    ("A", "a"), ("B", "bê"), ("C", "xê"), ("D", "dê"), ("Đ", "đê"), ("E", "e"), ("G", "giê"),
    ("H", "hát"), ("K", "ca"), ("L", "e-lờ"), ("M", "em-mờ"), ("N", "en-nờ"), ("P", "pê"),
    ("Q", "quy"), ("R", "e-rờ"), ("S", "ét-xì"), ("T", "tê"), ("V", "vê"), ("X", "ích-xì"),
    ("Y", "i dài"),
])
def test_vietnamese_letter_names(letter: str, name: str) -> None:
    phrase = read_ticket(letter + "1")
    assert phrase.text == f"{name} một"
    assert CLIPS[phrase.segments[0].name] == name


@pytest.mark.parametrize("bad", ["", "12A", "A", "1.5", "A 1 2", "١٢", "-5"])
def test_bad_ticket_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="letters followed by digits"):
        read_ticket(bad)


def test_call_phrase_vietnamese() -> None:
    phrase = call_phrase("1005", 3)
    assert phrase.text == "Mời công dân có số thứ tự một nghìn không trăm linh năm đến quầy số ba"
    assert phrase.segments == (
        Clip("vi/moi_cong_dan_co_so_thu_tu"), Clip("vi/mot"), Clip("vi/nghin"),
        Clip("vi/khong"), Clip("vi/tram"), Clip("vi/linh"), Clip("vi/nam"),
        Clip("vi/den_quay_so"), Clip("vi/ba"),
    )
    assert call_phrase(1005, 3) == phrase  # an int is the same ticket
    assert call_phrase("A001", 12).text == "Mời công dân có số thứ tự a một đến quầy số mười hai"
    assert call_phrase("1005", 24, style="digits").text == (
        "Mời công dân có số thứ tự một không không năm đến quầy số hai mươi tư"
    )
    assert call_phrase("7", 24, four="bốn").text.endswith("quầy số hai mươi bốn")


def test_call_phrase_english() -> None:
    phrase = call_phrase("1005", 3, "en")
    assert phrase.text == "Ticket number one thousand and five, please go to counter three"
    assert phrase.segments[0] == Clip("en/ticket_number")
    assert phrase.segments[-2:] == (Clip("en/please_go_to_counter"), Clip("en/three"))


def test_other_phrases() -> None:
    assert rating_prompt("vi").text == "Kính mời công dân đánh giá mức độ hài lòng"
    assert rating_prompt("vi").segments == (Clip("vi/kinh_moi_danh_gia"),)
    assert rating_prompt("en").text == "Please rate your satisfaction with our service"
    assert rating_thanks("vi").text == "Cảm ơn công dân đã đánh giá"
    assert rating_thanks("en").text == "Thank you for your rating"


VI = SpeakerConfig(languages=["vi"])
EN = SpeakerConfig(languages=["en"])


def test_results_call_by_name() -> None:
    decomposed = unicodedata.normalize("NFD", "NGUYỄN  thị hương ")
    phrase = results_ready_announcement(VI, 2, name=decomposed)
    assert phrase.text == "Mời công dân Nguyễn Thị Hương đến quầy số hai nhận kết quả"
    assert unicodedata.is_normalized("NFC", phrase.text)
    assert phrase.kind == "named results call"
    assert phrase.segments == (
        Clip("vi/moi_cong_dan"), Name("Nguyễn Thị Hương", ("vi/syllables/nguyeenx",
                                                            "vi/syllables/thij",
                                                            "vi/syllables/huwowng")),
        Clip("vi/den_quay_so"), Clip("vi/hai"), Clip("vi/nhan_ket_qua"),
    )


def test_results_call_by_name_in_english_keeps_the_vietnamese_name() -> None:
    english = results_ready_announcement(EN, 2, name="Nguyễn Thị Hương")
    assert english.text == (
        "Citizen Nguyễn Thị Hương, please come to counter two to collect your results"
    )
    assert english.segments[0] == Clip("en/citizen")
    assert name_segment("Nguyễn Thị Hương") in english.segments


def test_results_call_by_number_when_unnamed() -> None:
    phrase = results_ready_announcement(VI, 3, number="A12")
    assert phrase.text == "Mời công dân có số thứ tự a mười hai đến quầy số ba nhận kết quả"
    assert phrase.kind == "results call"
    assert all(isinstance(s, Clip) for s in phrase.segments)
    assert results_ready_announcement(EN, 3, number="A12").text == (
        "Ticket number A twelve, please come to counter three to collect your results"
    )
    # A "name" that is not one (a scanner's garbage) falls back to the number.
    assert results_ready_announcement(VI, 3, name="12|34", number="A12") == phrase


def test_results_call_needs_a_name_or_a_number() -> None:
    with pytest.raises(ValueError, match="name or the ticket number"):
        results_ready_announcement(VI, 3)
    with pytest.raises(ValueError, match="name or the ticket number"):
        results_ready_announcement(VI, 3, name="  ")


def test_named_call_vietnamese() -> None:
    phrase = named_call_announcement(VI, "1005", 3, "nguyễn văn an")
    assert phrase.text == (
        "Mời công dân Nguyễn Văn An, số thứ tự một nghìn không trăm linh năm, đến quầy số ba"
    )
    assert phrase.kind == "named call"
    # Every literal piece of the default sentence has its clip: only the name is no clip.
    assert [type(s).__name__ for s in phrase.segments].count("Name") == 1
    assert not any(isinstance(s, Speech) for s in phrase.segments)
    assert phrase.segments[:3] == (
        Clip("vi/moi_cong_dan"), name_segment("Nguyễn Văn An"), Clip("vi/so_thu_tu"),
    )


def test_named_call_english() -> None:
    phrase = named_call_announcement(EN, "B7", 12, "Đặng Văn Ước")
    assert phrase.text == (
        "Citizen Đặng Văn Ước, ticket number B seven, please go to counter twelve"
    )
    assert Clip("en/ticket_number") in phrase.segments  # "ticket number" matches "Ticket number"
    assert not any(isinstance(s, Speech) for s in phrase.segments)


def test_named_call_refuses_what_is_not_a_name_without_repeating_it() -> None:
    with pytest.raises(ValueError) as caught:
        named_call_announcement(VI, "5", 1, "Nguyễn 123")
    assert "123" not in str(caught.value) and "Nguyễn" not in str(caught.value)


def test_configured_phrasing_is_said() -> None:
    config = SpeakerConfig(languages=["vi"], phrasing={"vi": {
        "named_call": "Xin mời ông bà {name} tới quầy {counter}, số {number}!",
    }})
    phrase = named_call_announcement(config, "7", 2, "Lê Văn Tám")
    assert phrase.text == "Xin mời ông bà Lê Văn Tám tới quầy hai, số bảy!"
    # Words with no clip go to the speech engine, in the template's language.
    assert phrase.segments[0] == Speech("Xin mời ông bà", "vi")
    assert phrase.segments[2] == Speech("tới quầy", "vi")
    assert phrase.segments[4] == Speech("số", "vi")
    # The other sentences keep their defaults.
    assert results_ready_announcement(config, 2, number="7").text == (
        "Mời công dân có số thứ tự bảy đến quầy số hai nhận kết quả"
    )


def test_template_pieces_match_clips_ignoring_case_and_punctuation() -> None:
    phrase = fill_template("MỜI CÔNG DÂN: {name}; đến quầy số... {counter}.", "vi", 5,
                           name=name_segment("An"))
    assert phrase.segments == (Clip("vi/moi_cong_dan"), name_segment("An"),
                               Clip("vi/den_quay_so"), Clip("vi/nam"))


def test_template_with_a_placeholder_not_given() -> None:
    with pytest.raises(ValueError, match="says {number}"):
        fill_template("Mời công dân {name}, số {number}, quầy {counter}", "vi", 5,
                      name=name_segment("An"))


def test_a_phrase_with_a_name_does_not_show_it_in_its_repr() -> None:
    phrase = named_call_announcement(SpeakerConfig(), "5", 1, "Hoàng Quốc Việt")
    for shown in (repr(phrase), repr(phrase.segments), str(phrase.segments)):
        assert "Hoàng" not in shown and "Việt" not in shown
        assert "hoangf" not in shown and "vieetj" not in shown  # nor its syllable files
    assert "named call" in repr(phrase)


def test_join_languages() -> None:
    phrase = join_languages([call_phrase("5", 1, "vi"), call_phrase("5", 1, "en")])
    assert phrase.text == (
        "Mời công dân có số thứ tự năm đến quầy số một\n"
        "Ticket number five, please go to counter one"
    )
    pause = phrase.segments.index(Clip("pause"))
    assert phrase.segments[pause - 1] == Clip("vi/mot")
    assert phrase.segments[pause + 1] == Clip("en/ticket_number")


def test_phrase_is_frozen_and_comparable() -> None:
    phrase = call_phrase("5", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        phrase.text = "x"  # type: ignore[misc]
    assert hash(phrase) == hash(call_phrase("5", 1))


def test_bad_language_and_counter() -> None:
    with pytest.raises(ValueError, match="vi, en"):
        call_phrase("5", 1, "fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="counter"):
        call_phrase("5", -1)


def test_every_clip_word_is_nfc_and_every_segment_has_a_clip() -> None:
    for name, words in CLIPS.items():
        assert unicodedata.is_normalized("NFC", words), name
    for phrase in (call_phrase("AB1234", 21), rating_prompt("en"),
                   results_ready_announcement(SpeakerConfig(), 5, name="An"),
                   named_call_announcement(SpeakerConfig(), "A1", 5, "An")):
        for segment in phrase.segments:
            if isinstance(segment, Clip):
                assert segment.name in CLIPS
