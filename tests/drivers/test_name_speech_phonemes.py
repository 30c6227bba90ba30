"""espeak-ng reads a name we normalise exactly as it reads the clean name.

200 common syllables of Vietnamese names, each written the ways a scanner or a
keyboard may send it (decomposed accents, upper case, stray spaces, mixed
case), go through the normalisation the loudspeaker applies (the text of a
call's name segment) and must give exactly the phonemes espeak-ng gives for
the clean NFC form. Without normalising, decomposed text is read wrongly for
many of them (espeak-ng switches to English for "Nguyễn"): that is why the
loudspeaker normalises. One espeak-ng process per batch keeps this to seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from drivers.speaker.config import SpeakerConfig
from drivers.speaker.phrases import Name, named_call_announcement

FAMILY = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương "
    "Trịnh Trương Đinh Lâm Mai Tô Tạ Hà Lương Cao Quách Thái Châu Lưu Kiều La Từ Triệu Khổng "
    "Tăng Diệp Mạc Chu Hứa Thân Giang Âu Ông Doãn Lạc Phùng Nghiêm Vi Hàn Khúc Quan Lục Tống "
    "Tôn Kim"
).split()
MIDDLE = (
    "Văn Thị Hữu Đức Công Quang Minh Ngọc Xuân Thu Thanh Hồng Bảo Gia Thế Đình Mạnh Như Khánh "
    "Quốc Trọng Tuấn Hoài Diệu Phương Bích Cẩm Mỹ Tường Nhật Thúy Thùy Hải Duy Đăng Chí Khắc "
    "Tiến"
).split()
GIVEN = (
    "An Anh Bình Cường Dũng Hường Ước Tuyết Việt Hương Lan Hoa Hùng Huy Hiếu Hiền Hạnh Hằng "
    "Hậu Hòa Hoàn Hợp Khoa Khôi Kiên Linh Loan Long Lộc Lợi Luân Ly My Nam Nga Ngân Nghĩa "
    "Nhung Nhàn Oanh Phong Phúc Phượng Quân Quyên Quỳnh Sơn Sang Tâm Tân Thắng Thảo Thành Thủy "
    "Thư Tiên Toàn Trang Trâm Trí Trung Tú Tùng Uyên Vân Vinh Vy Yến Xuyến Ánh Ái Ân Bắc Chiến "
    "Cúc Dung Duyên Điệp Định Giao Hân Hiệp Hưng Khang Khải Khuê Lệ Liên Liễu Nguyệt Nhân "
    "Nhi Phát Quý Sáng Sương Tài Thoa Thuận Thương Tín Trinh Tuệ"
).split()
SYLLABLES = FAMILY + MIDDLE + GIVEN

VI = SpeakerConfig(languages=["vi"])

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def phonemes(texts: list[str], voice: str = "vi") -> list[str]:
    """espeak-ng's phonemes of each text (one process for all, one line each)."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-q", "-x", "-b", "1"],
        input="\n".join(texts).encode("utf-8"), capture_output=True, timeout=60, check=True,
    )
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(texts), "espeak-ng did not give one line per text"
    return [line.strip() for line in lines]


def spoken(raw: str) -> str:
    """What the loudspeaker hands the speech engine for the name ``raw`` in a call."""
    names = [s for s in named_call_announcement(VI, "1", 1, raw).segments if isinstance(s, Name)]
    assert len(names) == 1
    return names[0].text


def _mixed(text: str) -> str:
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(text))


MESSY = {
    "decomposed": lambda s: unicodedata.normalize("NFD", s),
    "upper case": str.upper,
    "stray spaces": lambda s: f"  {s.lower()} \u00a0 ",
    "mixed case": _mixed,
    "all of them": lambda s: "\t" + unicodedata.normalize("NFD", _mixed(s).upper()) + "  ",
}


def test_the_list_is_200_distinct_clean_syllables() -> None:
    assert len(SYLLABLES) == 200
    assert len(set(SYLLABLES)) == 200
    assert all(unicodedata.is_normalized("NFC", s) for s in SYLLABLES)


@pytest.mark.parametrize("mess", MESSY)
def test_messy_syllables_normalised_read_as_the_clean_ones(mess: str) -> None:
    clean = phonemes(SYLLABLES)
    messy = [MESSY[mess](s) for s in SYLLABLES]
    assert messy != SYLLABLES
    normalised = phonemes([spoken(m) for m in messy])
    wrong = [(s, c, n) for s, c, n in zip(SYLLABLES, clean, normalised) if c != n]
    assert wrong == []


def test_messy_full_names_normalised_read_as_the_clean_ones() -> None:
    names = [f"{FAMILY[i % len(FAMILY)]} {MIDDLE[i % len(MIDDLE)]} {GIVEN[i % len(GIVEN)]}"
             for i in range(200)]
    clean = phonemes(names)
    for mess in MESSY.values():
        assert phonemes([spoken(mess(n)) for n in names]) == clean


def test_without_normalising_espeak_misreads_decomposed_names() -> None:
    clean = phonemes(SYLLABLES)
    raw = phonemes([unicodedata.normalize("NFD", s) for s in SYLLABLES])
    misread = [s for s, c, r in zip(SYLLABLES, clean, raw) if c != r]
    assert len(misread) >= 50, misread
    assert "Nguyễn" in misread and "Hường" in misread
    # "Nguyễn" decomposed is read as English.
    assert "(en)" in raw[SYLLABLES.index("Nguyễn")]


def test_without_normalising_espeak_misreads_mixed_case() -> None:
    clean = phonemes(SYLLABLES)
    raw = phonemes([_mixed(s) for s in SYLLABLES])
    assert sum(c != r for c, r in zip(clean, raw)) >= 100
    # "nGuYễN" is not read as "Nguyễn".
    assert raw[SYLLABLES.index("Nguyễn")] != clean[SYLLABLES.index("Nguyễn")]
