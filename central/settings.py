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

    [pages]
    figures_max_age_seconds = 5 # a page's figures are kept this long and shown to whoever asks meanwhile

    [reports]
    out_dir = "reports"         # where the monthly reports are written (relative: to the file's folder)

    [media]                     # the media server: docs/central.md "Máy chủ hình ảnh / media server"
    enabled = true
    public_host = "central.example.gov.vn"
    record_days = 30
    record_quota_gb = 500
    not_recorded = ["ld-csgt"]  # units whose streams are not recorded
    secret_file = "/var/lib/kiosk-central/media.secret"   # made on first use; keep it private

    [ops]                       # the operations room's alerts (/ops)
    unattended_minutes = 10     # a citizen waits this long and no counter of the service is staffed
    offline_minutes = 5         # an office not heard from this long
    stream_grace_seconds = 15   # a camera stream stopped this long while its office is online
    rating_alert_minutes = 60   # a "Không hài lòng" alert stays open this long

The classification defaults are the provincial practice (Xuất sắc >= 90, Tốt >= 80,
Khá >= 65, Trung bình >= 50, Yếu below). A wrong file is refused with every
problem, each naming its key (``classification[2].min_score: ...``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class Pages(BaseModel):
    """The dashboards' figures (``central.recent``)."""

    model_config = _STRICT
    figures_max_age_seconds: float = Field(
        default=5, ge=0, le=300, allow_inf_nan=False,
        description="How long a server process keeps the figures it computed for a page (0: never kept).")


class Reports(BaseModel):
    """Where the scheduled reports go."""

    model_config = _STRICT
    out_dir: str = Field(default="reports", min_length=1, description="Folder of the generated reports.")


class Ops(BaseModel):
    """The operations room's alert thresholds (``central.ops.alerts``)."""

    model_config = _STRICT
    unattended_minutes: int = Field(default=10, ge=1, le=24 * 60,
                                    description="A citizen has waited this long and no counter of the service is staffed.")
    offline_minutes: int = Field(default=5, ge=1, le=7 * 24 * 60, description="An office not heard from this long.")
    stream_grace_seconds: int = Field(default=15, ge=0, le=3600,
                                      description="A camera stream stopped this long while its office is online.")
    rating_alert_minutes: int = Field(default=60, ge=1, le=24 * 60,
                                      description="How long a dissatisfied-rating alert stays open.")


class Media(BaseModel):
    """The media server (``kiosk-central media``): nginx with the RTMP module in front of central.

    Kiosks push RTMP to ``rtmp_port``; browsers reach central's pages and the HLS under
    ``/media/`` on ``web_port`` (nginx proxies everything else to central on
    ``127.0.0.1:central_port``). Relative folders are taken relative to the settings file.
    """

    model_config = _STRICT
    enabled: bool = Field(default=False, description="Whether central hands out publish keys (else 503).")
    public_host: str = Field(default="", max_length=253, pattern=r"^[A-Za-z0-9.:\[\]-]*$",
                             description="Host name kiosks push to; empty: the host the kiosk called central at.")
    rtmp_port: int = Field(default=1935, ge=1, le=65535, description="RTMP port kiosks push to.")
    web_listen: str = Field(default="", max_length=100, pattern=r"^[A-Za-z0-9.:\[\]-]*$",
                            description="Address nginx's web port listens on; empty: every address.")
    web_port: int = Field(default=8080, ge=1, le=65535, description="nginx's web port: central's front door.")
    central_port: int = Field(default=8081, ge=1, le=65535,
                              description="Port of kiosk-central serve on 127.0.0.1 behind nginx.")
    tls_certificate: str = Field(default="", description="PEM certificate for HTTPS on web_port (empty: HTTP).")
    tls_certificate_key: str = Field(default="", description="Its private key (PEM).")
    runtime_dir: str = Field(default="/run/kiosk-central-media", min_length=1,
                             description="nginx's config, pid, logs and temp files.")
    live_dir: str = Field(default="/run/kiosk-central-media/hls", min_length=1,
                          description="Live HLS (keep it in RAM, /run is: a full disk must not stop live viewing).")
    record_dir: str = Field(default="/var/lib/kiosk-central/recordings", min_length=1,
                            description="Recorded HLS fragments, one folder per device.")
    record_days: int = Field(default=30, ge=1, le=3650, description="Days recordings are kept.")
    record_quota_gb: float = Field(default=100, gt=0, le=1_000_000, allow_inf_nan=False,
                                   description="Most disk the recordings may use; the oldest go first.")
    not_recorded: list[str] = Field(default_factory=list, max_length=10_000,
                                    description="Codes of the units whose streams are not recorded.")
    publish_key_seconds: int = Field(default=300, ge=10, le=86_400, description="How long a publish key is valid.")
    update_seconds: int = Field(default=10, ge=3, le=300,
                                description="How often nginx re-checks a live publish (a revoked device is cut).")
    secret_file: str = Field(default="media.secret", min_length=1,
                             description="Central's media secrets (generated on first use; keep it private).")
    nginx: str = Field(default="/usr/sbin/nginx", min_length=1, description="The nginx binary.")
    rtmp_module: str = Field(default="/usr/lib/nginx/modules/ngx_rtmp_module.so", min_length=1,
                             description="nginx's RTMP module (Debian: libnginx-mod-rtmp).")

    @model_validator(mode="after")
    def _pair(self) -> "Media":
        if bool(self.tls_certificate) != bool(self.tls_certificate_key):
            raise ValueError("give both tls_certificate and tls_certificate_key, or neither")
        return self


class Settings(BaseModel):
    """Central's settings (see the module docstring for the file)."""

    model_config = _STRICT
    classification: list[Grade] = Field(default_factory=_default_grades, min_length=1, max_length=20)
    ranking: Ranking = Field(default_factory=Ranking)
    pages: Pages = Field(default_factory=Pages)
    reports: Reports = Field(default_factory=Reports)
    media: Media = Field(default_factory=Media)
    ops: Ops = Field(default_factory=Ops)

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
    media = settings.media
    folders = {k: str(_beside(path, getattr(media, k)))
               for k in ("runtime_dir", "live_dir", "record_dir", "secret_file")}
    return settings.model_copy(update={"reports": Reports(out_dir=str(out_dir)),
                                       "media": media.model_copy(update=folders)})


def _beside(config: Path, folder: str) -> Path:
    """``folder`` as an absolute path; a relative one is taken relative to the settings file's folder."""
    p = Path(folder)
    return p if p.is_absolute() else (config.parent / p).resolve()
