"""Reading a CCCD's QR code: the holder's name and date of birth, and nothing from anything else."""

from __future__ import annotations

import random
import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.cccd import SAMPLE_CARDS, CardHolder, NotACard, parse_cccd

ADDRESS = "Số 9 Phố Mẫu, Phường Thử Nghiệm, Quận Ví Dụ, Thành phố Giả Định"


def card(
    id_number: str = "001099000009",
    old_id: str = "",
    name: str = "Nguyễn Văn An",
    birth: str = "05051990",
    sex: str = "Nam",
    address: str = ADDRESS,
    issued: str = "01072021",
) -> str:
    return "|".join([id_number, old_id, name, birth, sex, address, issued])


def refusal(code: str) -> NotACard:
    with pytest.raises(NotACard) as caught:
        parse_cccd(code)
    return caught.value


def test_a_card_gives_its_holders_name_and_date_of_birth():
    assert parse_cccd(card()) == CardHolder("Nguyễn Văn An", date(1990, 5, 5))


@pytest.mark.parametrize(
    "index, name, born",
    [
        (0, "Nguyễn Thị Hường", date(1985, 3, 12)),
        (1, "Đặng Văn Ước", date(1956, 1, 1)),
        (2, "Lê Thị Ánh Tuyết", date(1999, 2, 28)),
        (3, "Hoàng Quốc Việt", date(1972, 12, 30)),
    ],
)
def test_the_sample_cards_hold_the_test_names(index, name, born):
    assert parse_cccd(SAMPLE_CARDS[index]) == CardHolder(name, born)


def test_every_sample_card_is_well_formed_and_clearly_made_up():
    assert len(SAMPLE_CARDS) == 8
    for code in SAMPLE_CARDS:
        parse_cccd(code)
        assert code.startswith("0010990") and "Phố Mẫu" in code


@pytest.mark.parametrize(
    "code",
    [
        card() + "\r\n",
        "  " + card() + "\r",
        card() + "|",
        card() + "|\n",
        card(name="NGUYỄN  VĂN   AN"),
        card(name="nguyễn văn an"),
        card(name="Nguye\u0302\u0303n Va\u0306n An"),  # decomposed accents from a scanner
        card(sex="NỮ"),
        card(old_id="000000009"),
    ],
)
def test_what_scanners_add_or_change_is_tolerated(code):
    assert parse_cccd(code).name == "Nguyễn Văn An"  # NFC, one space between syllables, capitalised


@pytest.mark.parametrize(
    "code, reason",
    [
        ("8934567890123", "1 field(s) separated by |, an ID card has 7"),
        ("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", "an ID card has 7"),
        ("", "1 field(s)"),
        (card() + "|extra", "8 field(s)"),
        (card()[:40], "field(s) separated by |"),
        (card(id_number="00109900000"), "ID number is not 12 digits"),
        (card(id_number="00109900000a"), "ID number is not 12 digits"),
        (card(id_number="００１０９９０００００９"), "ID number is not 12 digits"),  # full-width digits
        (card(old_id="12345"), "old ID number"),
        (card(name=""), "not a name"),
        (card(name="Nguyễn Văn 4n"), "not a name"),
        (card(name="Nguyễn; DROP"), "not a name"),
        (card(birth="31021990"), "date of birth is not a date"),
        (card(birth="1990-5-5"), "date of birth is not a date"),
        (card(birth="05051850"), "date of birth is not a date"),
        (card(sex="X"), "neither Nam nor Nữ"),
        (card(address="  "), "address field is empty"),
        (card(issued="00002021"), "date of issue is not a date"),
        (card(birth="05052022", issued="01072021"), "before the date of birth"),
        (card(name="Nguyễn\x00Văn An"), "control"),
    ],
)
def test_anything_but_a_card_is_refused_with_a_reason(code, reason):
    refused = refusal(code)
    assert reason in refused.reason_en and str(refused) == refused.reason_en
    assert refused.reason_vi  # a sentence for the board


def test_a_10_kb_burst_is_refused_at_once():
    garbage = "".join(random.Random(1).choice("0123456789|abcĐễ ") for _ in range(10_240))
    start = time.perf_counter()
    refused = refusal(garbage)
    assert time.perf_counter() - start < 0.01
    assert "too long" in refused.reason_en and "Mã quá dài" in refused.reason_vi


def test_a_date_of_issue_after_today_is_refused_when_today_is_known():
    code = card(issued="01072027")
    assert parse_cccd(code).name == "Nguyễn Văn An"
    assert "after today" in refusal_today(code, date(2026, 11, 24)).reason_en


def refusal_today(code: str, today: date) -> NotACard:
    with pytest.raises(NotACard) as caught:
        parse_cccd(code, today=today)
    return caught.value


def test_nothing_of_the_holder_shows_in_repr_or_str():
    holder = parse_cccd(SAMPLE_CARDS[0])
    for text in (repr(holder), str(holder)):
        assert "Hường" not in text and "1985" not in text


def _mutations(code: str, rng: random.Random) -> list[str]:
    """Corrupted and truncated forms of ``code``, as a bad scan gives them."""
    out = [code[:n] for n in range(0, len(code), 7)]
    for _ in range(40):
        chars = list(code)
        i = rng.randrange(len(chars))
        chars[i] = rng.choice("|0x \r\x00ễ")
        out.append("".join(chars))
    return out


@pytest.mark.parametrize("code", SAMPLE_CARDS)
def test_no_reason_quotes_the_code(code):
    """Whatever went wrong, the reason holds no ID number, name, date or address of the card."""
    fields = code.split("|")
    secrets = [f for f in fields if f and f not in ("Nam", "Nữ")] + fields[2].split() + fields[5].split(",")
    for mutated in _mutations(code, random.Random(code)):
        try:
            parse_cccd(mutated)
        except NotACard as refused:
            for secret in secrets:
                assert secret.strip() not in refused.reason_en + refused.reason_vi, (secret, refused)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=600),
    st.lists(st.text(alphabet="0123456789|aĐễ \r\n", max_size=30), min_size=6, max_size=8).map("|".join),
))
def test_any_text_is_a_card_holder_or_refused_never_a_crash(code):
    try:
        holder = parse_cccd(code)
    except NotACard:
        return
    assert holder.name and holder.birth_date.year >= 1900
