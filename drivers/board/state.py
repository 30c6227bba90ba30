"""What the board shows: plain frozen dataclasses built by the app.

The app builds a new :class:`BoardState` whenever something a citizen should see
changes and hands it to :meth:`drivers.board.Board.show`. Every string is stored
NFC-normalised (a decomposed "ế" would otherwise be drawn as "e" plus loose
accents), and lists are stored as tuples so that two states compare equal when
they show the same thing: the board redraws only when the state changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from drivers.base import nfc

#: Kinds of banner, in the order they are stacked (most serious first).
BannerKind = Literal["error", "offline", "paper", "closed", "info"]
BANNER_KINDS: tuple[str, ...] = get_args(BannerKind)

#: Languages the board can show. Vietnamese is always shown, first.
LANGUAGES = ("vi", "en")


def _nfc_or_none(text: str | None) -> str | None:
    return None if text is None else nfc(text)


def _line_or_none(text: str | None) -> str | None:
    """``text`` as one NFC line (whitespace collapsed), or None when there is nothing to show."""
    if text is None:
        return None
    return " ".join(nfc(text).split()) or None


@dataclass(frozen=True)
class CounterCall:
    """The latest call of one counter.

    ``number`` is the ticket number as printed ("1005", "A012"), or ``None`` when
    the counter has not called anyone yet. ``highlighted`` marks the newest call,
    which the board paints in the highlight colour.

    ``name`` is the called citizen's name as the board may show it, already
    masked by the app ("Nguyễn V. A."); it is drawn under the number. It is
    personal data: left out of ``repr`` and never kept in the text caches.
    ``results`` marks a call to collect results ("nhận kết quả"), tagged as
    such beside the counter's name.

    ``reasons`` (Vietnamese) and ``reasons_en`` are set for the few seconds a
    citizen who pressed "Không hài lòng" is asked why: the card then shows
    "Xin cho biết lý do chưa hài lòng" and the reasons numbered as the rating
    buttons ("1 Thái độ cán bộ  2 Thời gian chờ ..."), instead of the number.
    """

    counter: int
    counter_name_vi: str
    counter_name_en: str
    number: str | None
    highlighted: bool = False
    name: str | None = field(default=None, repr=False)
    results: bool = False
    reasons: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", tuple(" ".join(nfc(r).split()) for r in self.reasons))
        object.__setattr__(self, "reasons_en", tuple(" ".join(nfc(r).split()) for r in self.reasons_en))
        object.__setattr__(self, "counter_name_vi", nfc(self.counter_name_vi))
        object.__setattr__(self, "counter_name_en", nfc(self.counter_name_en))
        object.__setattr__(self, "number", _nfc_or_none(self.number))
        object.__setattr__(self, "name", _line_or_none(self.name))


@dataclass(frozen=True)
class ServiceQueue:
    """One service and how many citizens wait for it.

    ``note_vi``/``note_en`` is a short line under the name, e.g. "Hôm nay không
    làm việc" / "Closed today" or "Mở cửa lúc 07:30" / "Opens at 07:30".
    """

    name_vi: str
    name_en: str
    waiting: int
    note_vi: str | None = None
    note_en: str | None = None

    def __post_init__(self) -> None:
        if self.waiting < 0:
            raise ValueError(f"waiting must be >= 0, not {self.waiting}")
        object.__setattr__(self, "name_vi", nfc(self.name_vi))
        object.__setattr__(self, "name_en", nfc(self.name_en))
        object.__setattr__(self, "note_vi", _nfc_or_none(self.note_vi))
        object.__setattr__(self, "note_en", _nfc_or_none(self.note_en))


@dataclass(frozen=True)
class Banner:
    """A coloured strip across the board under the header.

    ``kind`` picks the colour: ``error`` (red; configuration and other errors),
    ``offline`` (purple), ``paper`` (orange; printer problems), ``closed`` (blue;
    a service closed today or opening later), ``info`` (grey). The app words
    its own banners; :meth:`paper_out` gives the printer's (the sample board shows it).
    """

    kind: BannerKind
    text_vi: str
    text_en: str = ""

    def __post_init__(self) -> None:
        if self.kind not in BANNER_KINDS:
            raise ValueError(f"banner kind {self.kind!r} is not one of {', '.join(BANNER_KINDS)}")
        object.__setattr__(self, "text_vi", nfc(self.text_vi))
        object.__setattr__(self, "text_en", nfc(self.text_en))

    @classmethod
    def paper_out(cls) -> Banner:
        """The printer has run out of paper."""
        return cls("paper", "Máy in hết giấy", "Printer out of paper")


@dataclass(frozen=True)
class BoardState:
    """Everything the board shows except the date and time (passed to each draw).

    ``languages`` is ``("vi",)`` or ``("vi", "en")``: Vietnamese is always shown
    first; English, smaller, second when listed. Lists given for ``counters``,
    ``services``, ``notices`` and ``banners`` are stored as tuples.

    ``greeting_vi``/``greeting_en`` greet a citizen who has just scanned their
    ID card ("Xin chào Nguyễn V. A. Mời chọn dịch vụ"), in a large strip under
    the banners, for as long as the app keeps them set. They hold a name, so
    they are left out of ``repr``. ``notice_vi``/``notice_en`` is the one-line
    personal-data notice ("Thông tin cá nhân chỉ dùng để gọi tên ..."), small,
    just above the footer. ``recording_vi``/``recording_en`` is the notice that
    the area is recorded ("Khu vực giao dịch được ghi hình và ghi âm"), set
    while the camera is on: a line with a red recording dot, always in view,
    between the personal-data notice and the footer. Each is shown only when its
    Vietnamese text is set (blank counts as unset); the English one only with
    English on.
    """

    unit_name_vi: str
    unit_name_en: str = ""
    languages: tuple[str, ...] = ("vi", "en")
    counters: tuple[CounterCall, ...] = ()
    services: tuple[ServiceQueue, ...] = ()
    notices: tuple[str, ...] = ()
    hotline: str = ""
    banners: tuple[Banner, ...] = field(default=())
    greeting_vi: str | None = field(default=None, repr=False)
    greeting_en: str | None = field(default=None, repr=False)
    notice_vi: str | None = None
    notice_en: str | None = None
    recording_vi: str | None = None
    recording_en: str | None = None

    def __post_init__(self) -> None:
        languages = tuple(self.languages)
        unknown = [lang for lang in languages if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown board language(s) {unknown}; use 'vi' and 'en'")
        object.__setattr__(self, "languages", languages)
        object.__setattr__(self, "unit_name_vi", nfc(self.unit_name_vi))
        object.__setattr__(self, "unit_name_en", nfc(self.unit_name_en))
        object.__setattr__(self, "counters", tuple(self.counters))
        object.__setattr__(self, "services", tuple(self.services))
        object.__setattr__(self, "notices", tuple(nfc(n) for n in self.notices))
        object.__setattr__(self, "hotline", nfc(self.hotline))
        object.__setattr__(self, "banners", tuple(self.banners))
        for name in ("greeting_vi", "greeting_en", "notice_vi", "notice_en", "recording_vi", "recording_en"):
            object.__setattr__(self, name, _line_or_none(getattr(self, name)))

    @property
    def english(self) -> bool:
        """Whether English lines are shown under the Vietnamese ones."""
        return "en" in self.languages
