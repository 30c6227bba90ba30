"""The ``[stream]`` section of the office's config file: the camera and microphone pushed to central.

Only pydantic, the standard library and :mod:`drivers.section` / :mod:`drivers.base`
are imported here, so that validating a config file never starts ffmpeg or loads Pillow.
The backend is not chosen here: the stream follows ``[camera] backend``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from drivers.section import Section, load_section

#: The device's name: the config section, and the prefix of every DeviceError it raises.
DEVICE = "stream"

# ALSA device names as arecord -L lists them: default, plughw:1,0, hw:CARD=Device,DEV=0, sysdefault:CARD=Device
_ALSA_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(:[A-Za-z0-9_=,.-]+)?$")


class StreamConfig(Section):
    """The ``[stream]`` section of the office's config file."""

    enabled: bool = Field(
        default=False,
        description="Push the counter camera and its microphone to the central server's operations room. "
        "Needs [camera] enabled = true and [sync] server_url, and this kiosk enrolled.",
    )
    microphone: str = Field(
        default="default",
        description="The USB microphone as an ALSA capture device: 'default', or 'plughw:1,0' for card 1, "
        "device 0 as `arecord -l` lists it. Empty (\"\"): no microphone; the stream carries silence.",
    )
    main_bitrate_kbps: int = Field(
        default=850, ge=150, le=4000,
        description="Video bitrate of the main stream in kbit/s (the camera's resolution and frame rate). "
        "850 plus 64 of sound stays under the 1 Mbit/s an office may use.",
    )
    audio_bitrate_kbps: Literal[32, 48, 64, 96, 128] = Field(
        default=64, description="Sound bitrate in kbit/s (AAC-LC, mono, 48 kHz)."
    )
    thumb_bitrate_kbps: int = Field(
        default=120, ge=30, le=500, description="Bitrate of the 320x180 thumbnail stream (no sound) in kbit/s."
    )
    thumb_frame_rate: float = Field(
        default=5.0, ge=1.0, le=15.0, description="Frames per second of the thumbnail stream (1-15)."
    )
    encoder: Literal["auto", "hardware", "software"] = Field(
        default="auto",
        description="H.264 encoder of the main stream: 'hardware' is the Pi 4's video encoder (/dev/video11), "
        "'software' is libx264 (a Pi 5 has no hardware encoder); 'auto' takes the hardware one when it exists. "
        "The simulated camera always uses software.",
    )
    retry_max_s: float = Field(
        default=5.0, ge=1.0, le=60.0,
        description="The longest wait between two attempts to reach central after the stream dropped. "
        "At 5 or less the stream is back within 10 s of the network returning.",
    )
    stall_s: float = Field(
        default=8.0, ge=3.0, le=120.0,
        description="Seconds without the stream moving (a network that swallows packets) after which "
        "the push is restarted.",
    )

    @field_validator("microphone")
    @classmethod
    def _microphone(cls, value: str) -> str:
        value = value.strip()
        if value and not _ALSA_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an ALSA device name; write it as `arecord -l` shows the card, "
                "e.g. \"plughw:1,0\" (card 1, device 0), or \"default\""
            )
        return value


def load_stream_config(path: str | Path) -> StreamConfig:
    """The ``[stream]`` section of a TOML file (defaults if there is none)."""
    return load_section(path, "stream", StreamConfig)
