"""The ``[camera]`` section of the office's config file, and where the camera reports from.

Only pydantic, the standard library and :mod:`drivers.section` / :mod:`drivers.base`
are imported here, so that validating a config file never loads Pillow or picamera2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from drivers.base import Backend, nfc
from drivers.section import Section, load_section

#: The device's name: the config section, and the prefix of every DeviceError it raises.
DEVICE = "camera"

#: The notice shown on the board and printed on every ticket while the camera is on (see docs/camera.md).
RECORDING_NOTICE_VI = "Khu vực giao dịch được ghi hình và ghi âm"
RECORDING_NOTICE_EN = "This area is recorded on camera, with sound"


class RecordingNotice(Section):
    """The notice that the area is recorded: Vietnamese (required while the camera is on), English optional."""

    vi: str = Field(default=RECORDING_NOTICE_VI, description="Vietnamese text, shown first.")
    en: str = Field(default=RECORDING_NOTICE_EN, description="English text, where English is enabled (\"\": none).")

    @field_validator("vi", "en")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # One NFC line: the board draws it on a single strip, the ticket wraps it itself.
        return " ".join(nfc(value).split())


class CameraConfig(Section):
    """The ``[camera]`` section of the office's config file."""

    enabled: bool = Field(
        default=False, description="Whether this kiosk has a counter camera. Off: no stream and no snapshots."
    )
    backend: Backend = Field(
        default="real",
        description="'real' uses the Raspberry Pi camera through picamera2; 'simulated' draws test frames "
        "(counter number and clock) so everything else can be tried without a camera.",
    )
    camera_index: int = Field(
        default=0,
        ge=0,
        le=7,
        description="Which camera to use when several are connected (0 = the first; a Pi 5 has two connectors).",
    )
    resolution: tuple[int, int] = Field(
        default=(1280, 720),
        description="Width and height of the stream and the snapshots in pixels, e.g. [1280, 720]. "
        "Both must be even (a libcamera rule).",
    )
    frame_rate: float = Field(
        default=10.0,
        ge=1.0,
        le=30.0,
        description="Frames per second of the live stream (1-30). 10 is smooth enough to watch a counter and "
        "keeps the Pi's CPU and the network free.",
    )
    jpeg_quality: int = Field(
        default=80,
        ge=10,
        le=95,
        description="JPEG quality of stream frames and snapshots (10-95): higher is sharper and bigger.",
    )
    snapshot_dir: str = Field(
        default="/var/lib/kiosk/snapshots",
        description="Folder of the snapshots; each day gets a sub-folder YYYY-MM-DD.",
    )
    retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Snapshots older than this many days are deleted by the daily purge.",
    )
    recording_notice: RecordingNotice = Field(
        default_factory=RecordingNotice,
        description="The notice that citizens are recorded, on the board and every ticket while the camera is "
        'on: a text (Vietnamese only) or {vi = "...", en = "..."}. It cannot be blank while the camera is on.',
    )
    stall_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Seconds without a new frame after which the camera is reported as stalled "
        "(a DeviceError to the stream readers and to snapshot).",
    )

    @field_validator("resolution", mode="before")
    @classmethod
    def _resolution_pair(cls, value: Any) -> Any:
        # pydantic would otherwise report "1280x720" as a bare "not a valid tuple".
        if isinstance(value, str):
            raise ValueError(f"write it as [width, height], like [1280, 720] (got {value!r})")
        return value

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, value: tuple[int, int]) -> tuple[int, int]:
        width, height = value
        if not (160 <= width <= 4608 and 120 <= height <= 3456):
            raise ValueError(f"{width}x{height} is out of range; use between 160x120 and 4608x3456, e.g. [1280, 720]")
        if width % 2 or height % 2:
            raise ValueError(f"{width}x{height}: width and height must be even numbers, e.g. [1280, 720]")
        return value

    @field_validator("recording_notice", mode="before")
    @classmethod
    def _notice_text(cls, value: Any) -> Any:
        # A bare text is the Vietnamese notice (a technician who rewords it writes Vietnamese, no English).
        return {"vi": value, "en": ""} if isinstance(value, str) else value

    @field_validator("recording_notice")
    @classmethod
    def _notice_required(cls, value: RecordingNotice, info: ValidationInfo) -> RecordingNotice:
        # Citizens must be told they are recorded (Nghị định 13/2023/NĐ-CP): no camera on without the notice.
        if info.data.get("enabled") and not value.vi:
            raise ValueError(
                "the camera is on, so citizens must be told they are recorded: give the Vietnamese text, e.g. "
                f'recording_notice = "{RECORDING_NOTICE_VI}" (or set enabled = false)'
            )
        return value

    @field_validator("snapshot_dir")
    @classmethod
    def _snapshot_dir(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the folder for snapshots, e.g. \"/var/lib/kiosk/snapshots\"")
        if Path(value).resolve() == Path("/"):
            raise ValueError("the snapshot folder cannot be / (the purge deletes old files inside it)")
        return value

    @property
    def notice_shown(self) -> tuple[str, str] | None:
        """The recording notice as (Vietnamese, English) while the camera is on; None when it is off."""
        if not self.enabled or not self.recording_notice.vi:
            return None
        return self.recording_notice.vi, self.recording_notice.en

    @property
    def width(self) -> int:
        """Frame width in pixels."""
        return self.resolution[0]

    @property
    def height(self) -> int:
        """Frame height in pixels."""
        return self.resolution[1]


def load_camera_config(path: str | Path) -> CameraConfig:
    """The ``[camera]`` section of a TOML file (defaults if there is none)."""
    return load_section(path, "camera", CameraConfig)
