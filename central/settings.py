"""Central's own settings: a small TOML file, optional (no file: the defaults).

``kiosk-central serve --config FILE`` (or ``$KIOSK_CENTRAL_CONFIG``) names it::

    [[classification]]          # best first; a score at or above min_score gets that class
    name = "Xuất sắc"
    min_score = 90
    [[classification]]
    name = "Tốt"
    min_score = 80
    [[classification]]
    name = "Khá"
    min_score = 65
    [[classification]]
    name = "Trung bình"
    min_score = 50
    [[classification]]
    name = "Yếu"
    min_score = 0

    [ranking]
    min_tickets = 30            # fewer tickets in the period: listed, not ranked

    [reports]
    out_dir = "reports"         # where the monthly reports are written (relative: to the file's folder)

The classification defaults are the provincial practice (Xuất sắc >= 90, Tốt >= 80,
Khá >= 65, Trung bình >= 50, Yếu below). A wrong file is refused with every
problem, each naming its key (``classification[2].min_score: ...``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: The environment variable naming the settings file when ``--config`` is not given.
ENV = "KIOSK_CENTRAL_CONFIG"
_STRICT = ConfigDict(extra="forbid", frozen=True)


class SettingsError(Exception):
    """The settings file is unusable; the message names each wrong key and what is wrong."""


class Grade(BaseModel):
    """One class of the classification: its name and the lowest composite score (0-100) it takes."""

    model_config = _STRICT
    name: str = Field(min_length=1, max_length=60, description="Vietnamese name, e.g. \"Xuất sắc\".")
    min_score: float = Field(ge=0, le=100, allow_inf_nan=False, description="Lowest score of this class.")


def _default_grades() -> list[Grade]:
    return [Grade(name=n, min_score=s) for n, s in
            (("Xuất sắc", 90), ("Tốt", 80), ("Khá", 65), ("Trung bình", 50), ("Yếu", 0))]


class Ranking(BaseModel):
    """How the ranking page ranks."""

    model_config = _STRICT
    min_tickets: int = Field(default=30, ge=0, le=1_000_000,
                             description="A unit with fewer tickets in the period is listed but not ranked.")


class Reports(BaseModel):
    """Where the scheduled reports go."""

    model_config = _STRICT
    out_dir: str = Field(default="reports", min_length=1, description="Folder of the generated reports.")


class Settings(BaseModel):
    """Central's settings (see the module docstring for the file)."""

    model_config = _STRICT
    classification: list[Grade] = Field(default_factory=_default_grades, min_length=1, max_length=20)
    ranking: Ranking = Field(default_factory=Ranking)
    reports: Reports = Field(default_factory=Reports)

    @field_validator("classification")
    @classmethod
    def _best_first(cls, grades: list[Grade]) -> list[Grade]:
        for i in range(1, len(grades)):
            if grades[i].min_score >= grades[i - 1].min_score:
                raise ValueError(
                    f"list the classes best first: {grades[i].name!r} (min_score {grades[i].min_score:g}) must have "
                    f"a lower min_score than {grades[i - 1].name!r} ({grades[i - 1].min_score:g})"
                )
        names = [g.name for g in grades]
        if len(set(names)) != len(names):
            raise ValueError("two classes have the same name")
        return grades

    def classify(self, score: float | None) -> str | None:
        """The class of a composite score (None: no score, or below every class)."""
        if score is None:
            return None
        for grade in self.classification:
            if score >= grade.min_score:
                return grade.name
        return None


def _key(loc: tuple[Any, ...]) -> str:
    """('classification', 1, 'min_score') -> 'classification[2].min_score' (1-based, as a person counts)."""
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_settings(data: dict[str, Any], source: str = "settings") -> Settings:
    """The settings in ``data`` (a parsed TOML document); :class:`SettingsError` names every wrong key."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [f"{_key(e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()]
        raise SettingsError(f"{source}:\n" + "\n".join(f"- {line}" for line in lines)) from None


def load_settings(path: str | Path | None = None) -> Settings:
    """The settings of the file at ``path``, else of ``$KIOSK_CENTRAL_CONFIG``, else the defaults.

    A relative ``reports.out_dir`` is taken relative to the file's folder.
    """
    if path is None:
        path = os.environ.get(ENV) or None
    if path is None:
        return Settings()
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    settings = parse_settings(data, str(path))
    out_dir = Path(settings.reports.out_dir)
    if not out_dir.is_absolute():
        out_dir = (path.parent / out_dir).resolve()
    return settings.model_copy(update={"reports": Reports(out_dir=str(out_dir))})
