"""The encoder settings every backend shares: sizes, rates, keyframes and the ffmpeg arguments they make.

The main stream is the camera's picture (``[camera] resolution`` and
``frame_rate``) in H.264 with a keyframe every second (nginx cuts its HLS
fragments at keyframes, so 1 s fragments need 1 s GOPs), plus the microphone
in AAC-LC mono 48 kHz. The thumbnail is the same picture at 320 pixels wide
and ``thumb_frame_rate`` with no sound, always encoded in software (it is tiny).

Which H.264 encoder makes the main stream is the one thing a machine decides
(:func:`choose_encoder`): the Pi 4's hardware encoder through ffmpeg's
``h264_v4l2m2m`` (the V4L2 memory-to-memory device ``/dev/video11`` that
picamera2's ``H264Encoder`` drives too), or libx264.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drivers.base import DeviceError
from drivers.camera.config import CameraConfig
from drivers.stream.config import DEVICE, StreamConfig

Encoder = Literal["hardware", "software"]

#: The Pi 4's H.264 encoder (bcm2835-codec); a Pi 5 has none.
HARDWARE_ENCODER_DEVICE = Path("/dev/video11")
#: Seconds between keyframes of the main stream: the HLS fragment length on central (half a second keeps
#: the director's picture under 3 s behind the counter; a player starts at a fragment's keyframe).
GOP_SECONDS = 0.5
#: Seconds between keyframes of the thumbnail: its latency matters less than its few bits.
THUMB_GOP_SECONDS = 1.0
THUMB_WIDTH = 320
FFMPEG_FIX = "install it: sudo apt install ffmpeg"


@dataclass(frozen=True)
class EncoderSettings:
    """What the main and the thumbnail streams are encoded to."""

    width: int
    height: int
    frame_rate: float
    main_kbps: int
    audio_kbps: int
    thumb_frame_rate: float
    thumb_kbps: int

    @classmethod
    def of(cls, stream: StreamConfig, camera: CameraConfig) -> EncoderSettings:
        """The settings of the ``[stream]`` and ``[camera]`` sections."""
        return cls(
            width=camera.width, height=camera.height, frame_rate=camera.frame_rate,
            main_kbps=stream.main_bitrate_kbps, audio_kbps=stream.audio_bitrate_kbps,
            thumb_frame_rate=min(stream.thumb_frame_rate, camera.frame_rate), thumb_kbps=stream.thumb_bitrate_kbps,
        )

    @property
    def thumb_size(self) -> tuple[int, int]:
        """The thumbnail's width and height: 320 wide, the camera's shape, even (320x180 for 16:9)."""
        height = round(THUMB_WIDTH * self.height / self.width / 2) * 2
        return THUMB_WIDTH, max(2, height)

    @staticmethod
    def gop(frame_rate: float, seconds: float = GOP_SECONDS) -> int:
        """Frames between keyframes at ``frame_rate``: ``seconds``' worth."""
        return max(1, round(frame_rate * seconds))

    def filter_graph(self) -> str:
        """The ffmpeg filter graph: the camera's frames split into the main picture and the thumbnail."""
        width, height = self.thumb_size
        return (
            f"[0:v]format=yuv420p,split=2[main][small];"
            f"[small]fps={self.thumb_frame_rate:g},scale={width}:{height}[thumb]"
        )

    def main_video_args(self, encoder: Encoder) -> list[str]:
        """The main picture's encoder arguments (``-c:v`` onwards)."""
        rate = f"{self.main_kbps}k"
        gop = str(self.gop(self.frame_rate))
        if encoder == "hardware":
            # The V4L2 encoder takes the bitrate and the I-frame period as controls.
            return ["-c:v", "h264_v4l2m2m", "-b:v", rate, "-g", gop]
        return [
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main",
            # maxrate with a one-second buffer: the bitrate is a ceiling, not an average.
            "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
            "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        ]

    def audio_args(self) -> list[str]:
        """The sound's encoder arguments: AAC-LC mono 48 kHz."""
        return ["-c:a", "aac", "-b:a", f"{self.audio_kbps}k", "-ac", "1", "-ar", "48000"]

    def thumb_args(self) -> list[str]:
        """The thumbnail's encoder arguments: libx264, no sound."""
        rate = f"{self.thumb_kbps}k"
        gop = str(self.gop(self.thumb_frame_rate, THUMB_GOP_SECONDS))
        return [
            "-an", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main",
            "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
            "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        ]


def ffmpeg_path() -> str:
    """The ffmpeg program; :class:`DeviceError` naming the fix when it is not installed."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise DeviceError(DEVICE, "ffmpeg not found", FFMPEG_FIX)
    return found


def has_hardware_encoder(device: Path = HARDWARE_ENCODER_DEVICE) -> bool:
    """Whether this machine has the Pi 4's H.264 encoder and ffmpeg can drive it."""
    if not device.exists():
        return False
    try:
        listed = subprocess.run([ffmpeg_path(), "-hide_banner", "-encoders"], capture_output=True, timeout=10)
    except (DeviceError, OSError, subprocess.TimeoutExpired):
        return False
    return b"h264_v4l2m2m" in listed.stdout


def choose_encoder(config: StreamConfig, backend: str, hardware: bool | None = None) -> Encoder:
    """The main stream's encoder for ``[stream] encoder`` on this machine.

    The simulated camera always uses software. ``hardware``: whether the
    hardware encoder exists (default: look). Raises :class:`DeviceError` when
    ``encoder = "hardware"`` is asked of a machine without one.
    """
    if backend == "simulated" or config.encoder == "software":
        return "software"
    present = has_hardware_encoder() if hardware is None else hardware
    if config.encoder == "hardware" and not present:
        raise DeviceError(
            DEVICE, f"no hardware H.264 encoder ({HARDWARE_ENCODER_DEVICE} missing, or ffmpeg lacks h264_v4l2m2m)",
            "a Pi 5 has none: set [stream] encoder = \"auto\" or \"software\"",
        )
    return "hardware" if present else "software"
