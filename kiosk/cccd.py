"""A citizen's chip ID card (CCCD) as its QR code holds it: who holds the card (pure).

The QR code holds seven fields separated by ``|``::

    ID number (12 digits) | old ID number (9 digits, or empty) | full name |
    date of birth (ddmmyyyy) | sex (Nam / Nữ) | permanent address | date of issue (ddmmyyyy)

:func:`parse_cccd` checks all seven, so that another barcode, a truncated or
corrupted code or a burst of garbage is refused (:class:`NotACard`), and keeps
only the name (normalised: :func:`drivers.names.normalise_name`) and the date
of birth. The ID number and the address are read only to check them and are
dropped; no reason ever quotes the code, and :class:`CardHolder` shows nothing
of the citizen in its ``repr``. No device library, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from drivers.base import nfc
from drivers.names import normalise_name

#: The longest code looked at: a CCCD's QR holds about 150 characters; anything far longer is not one.
MAX_CODE_LENGTH = 512

_FIELDS = 7
_ID = re.compile(r"\d{12}", re.ASCII)
_OLD_ID = re.compile(r"(\d{9})?", re.ASCII)
_DATE = re.compile(r"\d{8}", re.ASCII)
_SEXES = frozenset({"nam", "nữ"})
_FIRST_YEAR = 1900


@dataclass(frozen=True)
class CardHolder:
    """Who holds the card: the name (normalised) and the date of birth. Neither shows in ``repr``."""

    name: str = field(repr=False)
    birth_date: date = field(repr=False)


class NotACard(ValueError):
    """The code is no CCCD. ``reason_vi`` / ``reason_en`` say why, and never quote the code."""

    def __init__(self, reason_vi: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_vi = reason_vi
        self.reason_en = reason_en


def parse_cccd(code: str, *, today: date | None = None) -> CardHolder:
    """The holder of the CCCD whose QR code is ``code``; raises :class:`NotACard` for anything else.

    Surrounding whitespace (a scanner's CR or LF) and one trailing ``|`` are
    allowed. With ``today``, a date of birth or of issue after it (by more than
    a day, for a clock slightly behind) is refused too.
    """
    if len(code) > MAX_CODE_LENGTH:
        raise NotACard("Mã quá dài, không phải căn cước công dân", f"too long for an ID card ({len(code)} characters)")
    text = nfc(code).strip()
    if text.endswith("|"):
        text = text[:-1]
    if any(unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") for char in text):
        raise NotACard("Mã bị lỗi, không phải căn cước công dân", "the code holds control or unassigned characters")
    fields = text.split("|")
    if len(fields) != _FIELDS:
        raise NotACard(
            "Mã không phải căn cước công dân",
            f"not an ID card: {len(fields)} field(s) separated by |, an ID card has {_FIELDS}",
        )
    id_number, old_id, full_name, birth, sex, address, issued = fields
    if not _ID.fullmatch(id_number):
        raise NotACard("Số căn cước trong mã không hợp lệ", "the ID number is not 12 digits")
    if not _OLD_ID.fullmatch(old_id):
        raise NotACard("Số CMND cũ trong mã không hợp lệ", "the old ID number is neither empty nor 9 digits")
    name = normalise_name(full_name)
    if not name:
        raise NotACard("Họ tên trong mã không đọc được", "the name field is not a name (letters and spaces only)")
    birth_date = _date(birth, "Ngày sinh trong mã không hợp lệ", "the date of birth is not a date (ddmmyyyy)")
    if sex.strip().casefold() not in _SEXES:
        raise NotACard("Giới tính trong mã không hợp lệ", "the sex field is neither Nam nor Nữ")
    if not address.strip():
        raise NotACard("Địa chỉ trong mã bị trống", "the address field is empty")
    issue_date = _date(issued, "Ngày cấp trong mã không hợp lệ", "the date of issue is not a date (ddmmyyyy)")
    if issue_date < birth_date:
        raise NotACard("Ngày cấp trong mã trước ngày sinh", "the date of issue is before the date of birth")
    if today is not None and issue_date > today + timedelta(days=1):
        raise NotACard("Ngày cấp trong mã sau hôm nay", "the date of issue is after today")
    return CardHolder(name, birth_date)


def _date(text: str, reason_vi: str, reason_en: str) -> date:
    """A ddmmyyyy date from 1900 on; NotACard (with these reasons) for anything else."""
    if not _DATE.fullmatch(text) or int(text[4:]) < _FIRST_YEAR:
        raise NotACard(reason_vi, reason_en)
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise NotACard(reason_vi, reason_en) from None


def _card(number: int, old_id: str, name: str, birth: str, sex: str, issued: str) -> str:
    address = f"Số {number} Phố Mẫu, Phường Thử Nghiệm, Quận Ví Dụ, Thành phố Giả Định"
    return f"00109900000{number}|{old_id}|{name}|{birth}|{sex}|{address}|{issued}"


#: Well-formed made-up CCCD codes (fake ID numbers 00109900000N, fake addresses), for the
#: simulation page, the demo and the tests. Never a real person's.
SAMPLE_CARDS: list[str] = [
    _card(1, "", "Nguyễn Thị Hường", "12031985", "Nữ", "15062021"),
    _card(2, "000000002", "Đặng Văn Ước", "01011956", "Nam", "20042021"),
    _card(3, "", "Lê Thị Ánh Tuyết", "28021999", "Nữ", "03092022"),
    _card(4, "000000004", "Hoàng Quốc Việt", "30121972", "Nam", "11012022"),
    _card(5, "", "Nguyễn Văn An", "05051990", "Nam", "01072021"),
    _card(6, "", "Trần Thị Bích Ngọc", "29022000", "Nữ", "17082023"),
    _card(7, "000000007", "Phạm Minh Đức", "14071948", "Nam", "09102021"),
    _card(8, "", "Vũ Thị Thu Hà", "09091994", "Nữ", "22052024"),
]
