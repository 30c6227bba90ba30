"""The office's configuration: one TOML file, validated on load.

Every problem in a file is reported at once, one line each, naming the key path
and what is wrong::

    services[2].numbering: end 999 is below start 1001

List indices in key paths count from 1, as a technician counts the
``[[services]]`` blocks in the file. Unknown keys are errors, so a typo is never
silently ignored. All text is stored NFC-normalised.

The office-level sections are modelled here; each device's section comes from
``drivers/<device>/config.py``. Like them, this module imports only pydantic,
the standard library and those config modules, so that reading a config file
loads no device library. It is about 650 lines because the models and
the checks that span sections belong together.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from drivers.base import nfc_all
from drivers.board.config import BoardConfig
from drivers.buttons.config import ButtonsConfig, validate_buttons
from drivers.camera.config import CameraConfig
from drivers.keypad.config import KeypadConfig
from drivers.printer.config import PrinterConfig
from drivers.ratingpad.config import RatingPadsConfig, validate_rating_pads
from drivers.scanner.config import CounterScannerConfig, ScannerConfig, validate_counter_scanners
from drivers.section import Section
from drivers.speaker.config import SpeakerConfig
from drivers.stream.config import StreamConfig
from kiosk.web.config import WebConfig

Language = Literal["vi", "en"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


#: Base of every section model: unknown keys are errors, models are frozen.
Model = Section


class Text(Model):
    """A text in Vietnamese (required) and English (optional)."""

    vi: str = Field(min_length=1, description="Vietnamese text, shown and spoken first.")
    en: str | None = Field(default=None, description="English text, where English is enabled.")

    def get(self, lang: str) -> str:
        """The text in ``lang``, or the Vietnamese text when there is no such translation."""
        if lang == "en" and self.en:
            return self.en
        return self.vi


class Languages(Model):
    """Which languages each output uses, in order (Vietnamese first)."""

    board: list[Language] = Field(default_factory=lambda: ["vi", "en"], min_length=1)
    ticket: list[Language] = Field(default_factory=lambda: ["vi", "en"], min_length=1)
    voice: list[Language] = Field(default_factory=lambda: ["vi"], min_length=1)

    @field_validator("board", "ticket", "voice")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


class Site(Model):
    """The office itself."""

    unit_name: Text = Field(description="The unit's name, printed on tickets and the board.")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="IANA time zone of the office.")
    day_starts_at: int = Field(
        default=0, ge=0, le=23, description="Hour (0-23) at which a new business day starts."
    )
    hotline: str = Field(default="", description="Complaints hotline printed on tickets and shown on the board.")
    languages: Languages = Field(default_factory=Languages)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. 'Asia/Ho_Chi_Minh')") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The office's time zone."""
        return ZoneInfo(self.timezone)


class Numbering(Model):
    """How a service numbers its tickets.

    Either a letter prefix with zero-padded digits (``A001``) or a plain numeric
    range (``1001``-``1999``). Numbering restarts at ``start`` each business day
    unless ``reset_daily`` is false, in which case it carries on and wraps from
    ``end`` back to ``start``. A number is never issued twice in one business day:
    a service issues at most ``end - start + 1`` tickets a day.
    """

    prefix: str = Field(default="", description="Letters before the number, e.g. 'A'; empty for none.")
    start: int = Field(default=1, ge=0, le=999_999)
    end: int = Field(default=999, ge=0, le=999_999)
    width: int = Field(default=0, ge=0, le=6, description="Zero-pad the number to this many digits.")
    reset_daily: bool = Field(default=True, description="Start again at 'start' every business day.")

    @field_validator("prefix")
    @classmethod
    def _letters(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Z]{1,2}", value):
            raise ValueError(f"prefix {value!r} must be one or two capital letters A-Z")
        return value

    @model_validator(mode="after")
    def _range(self) -> Numbering:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is below start {self.start}")
        return self

    @property
    def size(self) -> int:
        """How many distinct numbers the range holds."""
        return self.end - self.start + 1

    def display(self, number: int) -> str:
        """The number as printed and shown: ``A001``, ``1005``."""
        digits = str(number).zfill(self.width) if self.width else str(number)
        return f"{self.prefix}{digits}"


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _parse_hhmm(value: str) -> time:
    match = _HHMM.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a time of day like '07:30'")
    return time(int(match.group(1)), int(match.group(2)))


class Opening(Model):
    """When a service takes tickets: weekdays and hour ranges in the site's time zone."""

    days: list[Weekday] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        description="Weekdays the service runs: mon tue wed thu fri sat sun.",
    )
    hours: list[tuple[str, str]] = Field(
        default_factory=lambda: [("07:30", "11:30"), ("13:30", "17:00")],
        description="Opening periods as [open, close] pairs of 'HH:MM'.",
    )

    @field_validator("hours")
    @classmethod
    def _periods(cls, value: list[tuple[str, str]]) -> list[tuple[str, str]]:
        previous_close: time | None = None
        for opens, closes in value:
            start, end = _parse_hhmm(opens), _parse_hhmm(closes)
            if end <= start:
                raise ValueError(f"period {opens}-{closes} closes before it opens")
            if previous_close is not None and start < previous_close:
                raise ValueError(f"period {opens}-{closes} overlaps or is out of order")
            previous_close = end
        return value

    @field_validator("days")
    @classmethod
    def _unique_days(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return value

    def periods(self) -> list[tuple[time, time]]:
        """The opening periods as ``time`` pairs."""
        return [(_parse_hhmm(a), _parse_hhmm(b)) for a, b in self.hours]


ServiceId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


class Service(Model):
    """One service citizens take a ticket for."""

    id: ServiceId = Field(description="Short identifier: lower-case letters, digits, '-' or '_'.")
    name: Text
    numbering: Numbering = Field(default_factory=Numbering)
    daily_cap: int | None = Field(default=None, ge=1, description="Most tickets a day; none for no cap.")
    opening: Opening = Field(default_factory=Opening)
    priority_allowed: bool = Field(default=True, description="Whether the priority button issues for it.")
    expected_minutes: float = Field(
        default=10, gt=0, le=480, description="Minutes per citizen, used until real service times exist."
    )
    results_later: bool = Field(
        default=False,
        description="true: the result is handed over later (the same day or another): completing a ticket does "
        "not ask for a rating; the officer calls the citizen back with results_ready, and the rating follows "
        "the handover.",
    )

    @model_validator(mode="after")
    def _cap_fits(self) -> Service:
        if self.daily_cap is not None and self.daily_cap > self.numbering.size:
            raise ValueError(
                f"daily_cap {self.daily_cap} is more than the {self.numbering.size} numbers "
                f"of numbering {self.numbering.start}-{self.numbering.end}"
            )
        return self

    @property
    def effective_cap(self) -> int:
        """Tickets a day: the cap, and never more than the numbers available."""
        cap = self.numbering.size
        return min(cap, self.daily_cap) if self.daily_cap else cap


class Counter(Model):
    """One counter (desk) where an officer serves citizens."""

    number: int = Field(ge=1, le=99, description="The counter's number, as called out.")
    name: Text | None = Field(default=None, description="Name shown on the board; default 'Quầy N'.")
    services: list[str] = Field(min_length=1, description="Service ids it serves, in its order of preference.")
    rating_buttons: bool = Field(default=False, description="Whether four rating buttons are fitted.")

    def display_name(self, lang: str = "vi") -> str:
        """``Quầy 3`` / ``Counter 3`` unless a name is configured."""
        if self.name is not None:
            return self.name.get(lang)
        return f"Counter {self.number}" if lang == "en" else f"Quầy {self.number}"


class QueuePolicy(Model):
    """How the next citizen is chosen."""

    priority: Literal["strict", "interleave"] = Field(
        default="interleave",
        description="strict: priority tickets always first; interleave: one after every N normal ones.",
    )
    priority_every: int = Field(default=2, ge=1, le=50, description="N for interleave.")
    across_services: Literal["longest_waiting", "counter_order"] = Field(
        default="longest_waiting",
        description="longest_waiting: whoever waited longest across the counter's services; "
        "counter_order: the counter's first service with anyone waiting.",
    )
    recalls_before_no_show: int = Field(
        default=2, ge=0, le=10, description="Recalls allowed; one more recall marks a no-show."
    )
    transfer_position: Literal["original_time", "end"] = Field(
        default="original_time",
        description="Where a transferred ticket joins its new queue: by its issue time, or at the end.",
    )
    require_officer: bool = Field(
        default=False,
        description="true: a counter calls (next, a number, a name) only while an officer is signed in there, "
        "so every call, completion and rating names its officer; false: a counter with nobody signed in "
        "may call too.",
    )


#: The levels the one-stop rules count: a button's press is counted as one of these.
Counted = Literal["very_satisfied", "satisfied", "dissatisfied"]
COUNTED: tuple[Counted, ...] = ("very_satisfied", "satisfied", "dissatisfied")

#: How a scale's buttons are counted when the config does not say (``counts_as`` left out).
_DEFAULT_COUNTS: dict[int, tuple[Counted, ...]] = {
    2: ("satisfied", "dissatisfied"),
    3: ("very_satisfied", "satisfied", "dissatisfied"),
    4: ("very_satisfied", "satisfied", "satisfied", "dissatisfied"),
    5: ("very_satisfied", "satisfied", "satisfied", "dissatisfied", "dissatisfied"),
}


def default_counts(scale: int) -> list[str]:
    """How each level of a ``scale``-button rating is counted when ``counts_as`` is not given, best first.

    Four buttons count "Bình thường" as satisfied; five count the two worst as
    dissatisfied. Central uses it too, for ratings recorded before the kiosk
    said how a press counts. ValueError for a scale outside 2..5.
    """
    if scale not in _DEFAULT_COUNTS:
        raise ValueError(f"a rating scale has 2 to 5 levels, not {scale}")
    return list(_DEFAULT_COUNTS[scale])


class Level(Text):
    """One rating button: its label, and the counted level a press of it is (None: the scale's default)."""

    counts_as: Counted | None = Field(
        default=None,
        description='How a press is counted: "very_satisfied", "satisfied" or "dissatisfied"; '
        "left out: the default for the number of levels.",
    )


def _default_levels() -> list[Level]:
    return [
        Level(vi="Rất hài lòng", en="Very satisfied", counts_as="very_satisfied"),
        Level(vi="Hài lòng", en="Satisfied", counts_as="satisfied"),
        Level(vi="Bình thường", en="Neutral", counts_as="satisfied"),
        Level(vi="Không hài lòng", en="Dissatisfied", counts_as="dissatisfied"),
    ]


ReasonId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class Reason(Model):
    """A reason a dissatisfied citizen may give, on the rating button of the same position."""

    id: ReasonId = Field(description="Short identifier: lower-case letters, digits or '_' (what central counts).")
    vi: str = Field(min_length=1, description="Vietnamese label, shown on the board and spoken.")
    en: str | None = Field(default=None, description="English label, where English is enabled.")

    def get(self, lang: str) -> str:
        """The label in ``lang``, or the Vietnamese label when there is no such translation."""
        if lang == "en" and self.en:
            return self.en
        return self.vi


def _default_reasons(buttons: int = 4) -> list[Reason]:
    """The default reasons for ``buttons`` rating buttons: all four, or with fewer buttons the first
    ones and "Khác" on the last button (so an older config with a shorter scale stays valid)."""
    reasons = [
        Reason(id="thai_do", vi="Thái độ cán bộ", en="Officer's attitude"),
        Reason(id="thoi_gian_cho", vi="Thời gian chờ", en="Waiting time"),
        Reason(id="huong_dan", vi="Hướng dẫn chưa rõ", en="Unclear guidance"),
        Reason(id="khac", vi="Khác", en="Other"),
    ]
    if buttons >= len(reasons):
        return reasons
    return reasons[:buttons - 1] + reasons[-1:] if buttons >= 2 else []


class Rating(Model):
    """Satisfaction rating after service: the buttons, how each is counted, and the reasons offered."""

    levels: list[Level] = Field(
        default_factory=_default_levels,
        min_length=2,
        max_length=5,
        description="One per button, from best (level 1) to worst; their number is the scale (2 to 5).",
    )
    window_seconds: int = Field(default=30, ge=5, le=600, description="Seconds the rating buttons stay lit.")
    reason_seconds: int = Field(
        default=10, ge=3, le=60,
        description="Seconds the reasons are offered after a press counted as dissatisfied.",
    )
    reasons: list[Reason] = Field(
        default_factory=_default_reasons,
        max_length=5,
        description="Reasons offered after a dissatisfied press, reason i on button i; empty: none asked.",
    )

    @model_validator(mode="before")
    @classmethod
    def _reasons_for_the_buttons(cls, data: Any) -> Any:
        # Reasons left out: the defaults that fit the buttons given.
        if isinstance(data, dict) and "reasons" not in data and isinstance(data.get("levels"), list):
            data = {**data, "reasons": _default_reasons(len(data["levels"]))}
        return data

    @property
    def scale(self) -> int:
        """The number of buttons."""
        return len(self.levels)

    def counts(self) -> list[str]:
        """How a press of each level is counted, best first (``counts_as``, else the scale's default)."""
        defaults = default_counts(self.scale)
        return [level.counts_as or default for level, default in zip(self.levels, defaults)]

    def counted(self, level: int) -> str:
        """How a press of ``level`` (1 = best) is counted."""
        return self.counts()[level - 1]


GroupId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class PriorityGroup(Model):
    """A group of citizens the office gives priority to (recorded on the ticket, counted by central)."""

    id: GroupId = Field(description="Short identifier: lower-case letters, digits or '_'.")
    name: Text


def _default_groups() -> list[PriorityGroup]:
    names = [
        ("xuat_khau_ld", "Xuất khẩu lao động", "Labour export"),
        ("benh", "Người bệnh", "Illness"),
        ("vay_von", "Vay vốn sản xuất", "Bank loan for production"),
        ("co_cong", "Người có công với cách mạng và thân nhân", "Revolutionary contributors and relatives"),
        ("cao_tuoi", "Người cao tuổi", "Elderly"),
        ("khuyet_tat", "Người khuyết tật", "Disabled"),
        ("mang_thai", "Phụ nữ mang thai", "Pregnant women"),
    ]
    return [PriorityGroup(id=i, name=Text(vi=vi, en=en)) for i, vi, en in names]


def _default_notice() -> Text:
    return Text(
        vi="Họ tên trên CCCD chỉ dùng để gọi công dân, xóa khi hết ngày làm việc",
        en="The name on your ID card is used only to call you and is deleted at the end of the day",
    )


class Names(Model):
    """Citizens called by name from their chip ID card (CCCD), scanned at the ticket machine."""

    scan_window_seconds: int = Field(
        default=20, ge=3, le=120, description="After a scan, a service press within this many seconds gives a named ticket."
    )
    board: Literal["initials", "full", "off"] = Field(
        default="initials",
        description='How the board shows a name: "initials" (Nguyễn V. A.), "full", or "off" (number only).',
    )
    ticket: bool = Field(default=True, description="Print the citizen's name on the ticket.")
    results_keep_days: int = Field(
        default=7, ge=1, le=90,
        description="Days a name is kept for a result not yet collected (results_later services); "
        "every other name is deleted at the end of the business day.",
    )
    notice: Text = Field(
        default_factory=_default_notice,
        description="The one-line notice the personal-data rules ask for where names are collected "
        "(board and ticket).",
    )


class SyncConfig(Model):
    """The ``[sync]`` section of the office's TOML file: where and how to sync."""

    server_url: str | None = Field(
        default=None, description="The central server, e.g. https://central.example.gov.vn. Empty: no sync."
    )
    enrolment_code: str | None = Field(
        default=None, description="One-time code from `kiosk-central enrolment-code SITE`, used by `kiosk enroll`."
    )
    token_file: str = Field(
        default="/var/lib/kiosk/central-token.json", description="Where the device token is kept (mode 0600)."
    )
    ca_file: str | None = Field(
        default=None, description="PEM file of the CA that signed the server's certificate, if not a public CA."
    )
    config_cache: str = Field(
        default="/var/lib/kiosk/central-config.json", description="The last good configuration from the server."
    )
    interval_seconds: float = Field(
        default=1.0, gt=0, le=3600, description="Seconds between uploads when idle (and no wake() came)."
    )
    batch_size: int = Field(default=500, ge=1, le=1000, description="Events per request (the server takes up to 1000).")
    heartbeat_seconds: float = Field(default=30.0, gt=0, le=3600, description="Seconds between heartbeats.")
    config_seconds: float = Field(default=300.0, gt=0, le=86400, description="Seconds between config checks.")
    timeout_seconds: float = Field(default=20.0, gt=0, le=600, description="Network timeout of one request.")
    backoff_base_seconds: float = Field(default=1.0, gt=0, le=600, description="First backoff cap after a failure.")
    backoff_max_seconds: float = Field(default=300.0, gt=0, le=86400, description="Largest backoff cap.")


class Store(Model):
    """Where the office's data lives."""

    path: str = Field(default="/var/lib/kiosk/kiosk.db", description="SQLite file of the office.")


class Config(Model):
    """One office."""

    site: Site
    services: list[Service] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    queue: QueuePolicy = Field(default_factory=QueuePolicy)
    rating: Rating = Field(default_factory=Rating)
    priority_groups: list[PriorityGroup] = Field(
        default_factory=_default_groups, max_length=20,
        description="Priority groups an officer records (keypad * n Enter) or a group button gives.",
    )
    names: Names = Field(default_factory=Names)
    store: Store = Field(default_factory=Store)
    # Devices. A section left out means the device is not fitted; `kiosk doctor`
    # reports the missing ones a kiosk needs (printer, board, speaker, buttons).
    printer: PrinterConfig | None = None
    board: BoardConfig | None = None
    speaker: SpeakerConfig | None = None
    buttons: ButtonsConfig | None = None
    keypads: KeypadConfig | None = None
    camera: CameraConfig | None = None
    # The camera and its microphone pushed live to central's operations room (drivers/stream).
    stream: StreamConfig | None = None
    # The card scanner at the ticket machine: citizens called by name (see [names]).
    scanner: ScannerConfig | None = None
    # Barcode scanners at counters: the officer scans the receipt's dossier code (mã hồ sơ).
    counter_scanners: list[CounterScannerConfig] = Field(default_factory=list, max_length=100)
    # Rating pads (MCP23017 I2C expanders, USB keypads): a pad at every counter.
    rating_pads: RatingPadsConfig | None = None
    # The central server; left out, the office works on its own.
    sync: SyncConfig | None = None
    # The officer and leader pages; left out, no web server runs.
    web: WebConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return nfc_all(data)

    def service(self, service_id: str) -> Service:
        """The service with this id (KeyError if none)."""
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def counter(self, number: int) -> Counter:
        """The counter with this number (KeyError if none)."""
        for counter in self.counters:
            if counter.number == number:
                return counter
        raise KeyError(number)

    def group(self, group_id: str) -> PriorityGroup:
        """The priority group with this id (KeyError if none)."""
        for group in self.priority_groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)


# ---------------------------------------------------------------------------
# Loading and reporting


@dataclass(frozen=True)
class Problem:
    """One problem in a config file: where, and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """A config file is invalid. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _key_path(loc: tuple[Any, ...]) -> str:
    """('services', 1, 'numbering') -> 'services[2].numbering' (1-based indices)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts, to suggest a correction for a typo."""
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            inner = getattr(candidate, "__args__", (candidate,))
            found = next((c for c in (candidate, *inner) if isinstance(c, type) and issubclass(c, BaseModel)), None)
            if found is not None:
                model = found
                break
        else:
            return []
    return list(getattr(model, "model_fields", {}))


def _message(error: dict[str, Any]) -> str:
    """A pydantic error as a sentence a technician understands."""
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _fields_at(loc[:-1]), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not allowed; use one of {expected}"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id" and "reasons" in loc:
        return f"{error['input']!r} is not a valid id: use lower-case letters, digits or '_', starting with a letter"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return f"{error['input']!r} is not a valid id: use lower-case letters, digits, '-' or '_'"
    message = error["msg"]
    return message[0].lower() + message[1:]


def _cross_checks(config: Config) -> list[Problem]:
    """Checks that span sections: references between them and duplicates."""
    problems: list[Problem] = []
    ids = [s.id for s in config.services]
    for i, service in enumerate(config.services, start=1):
        if ids.index(service.id) != i - 1:
            problems.append(Problem(f"services[{i}].id", f"service id {service.id!r} is used twice"))
    for i, counter in enumerate(config.counters, start=1):
        numbers = [c.number for c in config.counters]
        if numbers.index(counter.number) != i - 1:
            problems.append(Problem(f"counters[{i}].number", f"counter number {counter.number} is used twice"))
        for j, service_id in enumerate(counter.services, start=1):
            if service_id not in ids:
                problems.append(
                    Problem(f"counters[{i}].services[{j}]", f"no service has id {service_id!r} (known: {', '.join(ids)})")
                )
        if len(set(counter.services)) != len(counter.services):
            problems.append(Problem(f"counters[{i}].services", "a service is listed twice"))
    # Two services whose numbers could be the same ticket would make "call
    # number 1005" ambiguous on a keypad with no letters, and confuse citizens.
    for i, a in enumerate(config.services, start=1):
        for j, b in enumerate(config.services, start=1):
            if j <= i or a.numbering.prefix != b.numbering.prefix:
                continue
            if a.numbering.start <= b.numbering.end and b.numbering.start <= a.numbering.end:
                problems.append(
                    Problem(
                        f"services[{j}].numbering",
                        f"numbers {b.numbering.start}-{b.numbering.end} overlap those of service "
                        f"{a.id!r} ({a.numbering.start}-{a.numbering.end}); give each service its own "
                        "range or its own prefix",
                    )
                )
    groups = [g.id for g in config.priority_groups]
    for i, group in enumerate(config.priority_groups, start=1):
        if groups.index(group.id) != i - 1:
            problems.append(Problem(f"priority_groups[{i}].id", f"group id {group.id!r} is used twice"))
    reasons = [r.id for r in config.rating.reasons]
    if len(reasons) > config.rating.scale:
        problems.append(Problem("rating.reasons", f"{len(reasons)} reasons but only {config.rating.scale} rating "
                                "buttons: reason i is offered on button i, so give at most one reason per button"))
    for i, reason in enumerate(config.rating.reasons, start=1):
        if reasons.index(reason.id) != i - 1:
            problems.append(Problem(f"rating.reasons[{i}].id", f"reason id {reason.id!r} is used twice"))
    problems += _device_checks(config)
    problems += _rating_pad_checks(config)
    problems += _stream_checks(config)
    found = validate_counter_scanners(config.counter_scanners, config.scanner, [c.number for c in config.counters])
    problems += [Problem(path, message) for path, message in found]
    served = {s for c in config.counters for s in c.services}
    for i, service in enumerate(config.services, start=1):
        if service.id not in served:
            problems.append(Problem(f"services[{i}]", f"no counter serves {service.id!r}"))
    return problems


def _device_checks(config: Config) -> list[Problem]:
    """Pins used twice or reserved, and buttons that match the services, counters and rating levels."""
    if config.buttons is None:
        return []
    found = validate_buttons(
        config.buttons,
        rating_levels=len(config.rating.levels),
        service_ids=[s.id for s in config.services],
        counters=[c.number for c in config.counters],
        group_ids=[g.id for g in config.priority_groups],
    )
    problems = [Problem(path, message) for path, message in found]
    for i, counter in enumerate(config.counters, start=1):
        wired = counter.number in config.buttons.rating
        if counter.rating_buttons and not wired and config.rating_pads is None:  # else: _rating_pad_checks
            problems.append(
                Problem(f"counters[{i}].rating_buttons", f"true, but [buttons.rating.{counter.number}] gives no pins")
            )
        elif wired and not counter.rating_buttons:
            problems.append(
                Problem(f"buttons.rating.{counter.number}", f"counter {counter.number} has rating_buttons = false")
            )
    return problems


def _stream_checks(config: Config) -> list[Problem]:
    """A stream to central needs a camera to push and a central server to push to."""
    if config.stream is None or not config.stream.enabled:
        return []
    problems = []
    if config.camera is None or not config.camera.enabled:
        problems.append(Problem("stream.enabled", "true, but there is no camera to push: set [camera] enabled = true"))
    if config.sync is None or not config.sync.server_url:
        problems.append(Problem("stream.enabled", "true, but no central server to push to: set [sync] server_url"))
    return problems


def _rating_pad_checks(config: Config) -> list[Problem]:
    """Pads on unknown counters, clashes of pins and addresses (drivers.ratingpad.config.validate_rating_pads)."""
    if config.rating_pads is None:
        return []
    counters = [(c.number, c.rating_buttons) for c in config.counters]
    found = validate_rating_pads(config.rating_pads, scale=len(config.rating.levels), counters=counters,
                                 buttons=config.buttons)
    return [Problem(path, message) for path, message in found]


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    """Validate a parsed TOML document; raise :class:`ConfigError` with every problem."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(_key_path(tuple(e["loc"])), _message(e)) for e in exc.errors()]
        raise ConfigError(source, problems) from None
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raise :class:`ConfigError` with every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read {path}: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")  # Notepad may start the file with a byte order mark
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [Problem("", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"not valid TOML: {exc}")]) from None
    config = parse_config(data, str(path))
    return resolve_paths(config, path.parent)


def resolve_paths(config: Config, base: Path) -> Config:
    """Make the file and folder paths of ``config`` that are relative, relative to ``base``."""

    def fix(value: Any) -> Any:
        if value is None or Path(value).is_absolute():
            return value
        resolved = (base / value).resolve()
        return type(value)(resolved) if isinstance(value, Path) else str(resolved)

    updates: dict[str, Any] = {"store": config.store.model_copy(update={"path": fix(config.store.path)})}
    fields = {
        "printer": ["output_dir"],
        "board": ["frames_dir"],
        "speaker": ["output_dir", "sounds_dir"],
        "keypads": ["pairings_file"],
        "camera": ["snapshot_dir"],
        "sync": ["token_file", "config_cache", "ca_file"],
        "web": ["credentials_file"],
    }
    for section, names in fields.items():
        model = getattr(config, section)
        if model is not None:
            updates[section] = model.model_copy(update={n: fix(getattr(model, n)) for n in names})
    return config.model_copy(update=updates)
