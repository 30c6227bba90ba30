"""The ``[board]`` section of the office's config file.

Pydantic and the standard library only: validating a config file never loads pygame.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from drivers.base import Backend, nfc
from drivers.section import Section


class BoardConfig(Section):
    """The ``[board]`` section of the office's configuration file."""

    backend: Backend = Field(
        default="real",
        description="'real' draws on the screen (HDMI); 'simulated' draws without a screen and writes PNG files.",
    )
    width: int = Field(
        default=0, ge=0, le=7680,
        description="Width in pixels; 0 (with height 0) = the screen's size (real) or 1920x1080 (simulated).",
    )
    height: int = Field(
        default=0, ge=0, le=4320,
        description="Height in pixels; 0 (with width 0) = the screen's size (real) or 1920x1080 (simulated).",
    )
    fullscreen: bool = Field(
        default=True, description="Real backend: cover the whole screen (false: a window, for a desktop)."
    )
    show_english: bool = Field(
        default=True,
        description="Show English lines under the Vietnamese ones (when the app's board languages include 'en').",
    )
    notices: list[str] = Field(
        default_factory=list,
        description="Standing notices for the scrolling line at the bottom, shown before the app's own notices.",
    )
    notice_fps: int = Field(
        default=25, ge=0, le=60,
        description="Frames per second of the scrolling notice line; 0 = no scrolling (a long line is cut with '…').",
    )
    frames_dir: Path | None = Field(
        default=None,
        description="Simulated backend: write a PNG of every new board content here (board-000001.png, ...); "
        "also where save_png() without a path writes. Unset: frames only on request.",
    )
    video_driver: str = Field(
        default="",
        description="Real backend: SDL video driver, e.g. 'kmsdrm' on a Pi without a desktop, 'x11', 'wayland'; "
        "empty = SDL's own choice.",
    )

    @field_validator("notices")
    @classmethod
    def _notices_nfc(cls, value: list[str]) -> list[str]:
        return [nfc(n) for n in value]

    @model_validator(mode="after")
    def _both_or_neither(self) -> BoardConfig:
        if (self.width == 0) != (self.height == 0):
            raise ValueError("set both width and height, or leave both 0 for the screen's size")
        if self.width and (self.width < 320 or self.height < 240):
            raise ValueError(f"{self.width}x{self.height} is too small for the board (at least 320x240)")
        return self
