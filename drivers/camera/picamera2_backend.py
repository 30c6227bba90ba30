"""The real camera: the Raspberry Pi camera through picamera2, recording JPEG frames.

picamera2 records with its software ``JpegEncoder`` into a ``FileOutput``
whose "file" is :class:`_HubWriter`, so every encoded frame lands in the
camera's :class:`~drivers.camera.hub.FrameHub`; from there on it is the code
the simulated camera uses.

This is the only module that imports picamera2, and only when a camera is
opened: picamera2 comes from the OS package ``python3-picamera2`` and cannot
import without libcamera (on a PC, in CI), which must be a :class:`DeviceError`
naming the fix rather than an ImportError.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from drivers.base import DeviceError
from drivers.camera.config import DEVICE, CameraConfig
from drivers.camera.hub import FrameHub
from drivers.camera.interface import Camera

log = logging.getLogger(__name__)

#: The fix printed when picamera2 cannot be imported.
PICAMERA2_FIX = (
    "install python3-picamera2 from Raspberry Pi OS and create the venv with --system-site-packages"
)
#: The fix printed when libcamera sees no camera.
NO_CAMERA_FIX = (
    "check the ribbon cable: seated straight at both ends, locks closed, contacts facing the right way; "
    "then run `rpicam-hello --list-cameras` (older systems: `libcamera-hello --list-cameras`)"
)


class _HubWriter(io.BufferedIOBase):
    """The file picamera2's FileOutput writes each encoded JPEG frame to.

    picamera2 calls :meth:`write` once per frame from its encoder thread.
    """

    def __init__(self, hub: FrameHub) -> None:
        super().__init__()
        self._hub = hub

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        frame = bytes(data)  # picamera2 hands a memoryview of its buffer
        self._hub.publish(frame)
        return len(frame)


class RealCamera(Camera):
    """The Raspberry Pi camera through picamera2, recording JPEG frames."""

    def __init__(self, config: CameraConfig, counters: list[int]) -> None:
        super().__init__(config, counters)
        try:
            # Imported here, not at the top: see the module docstring.
            from picamera2 import Picamera2
            from picamera2.encoders import JpegEncoder
            from picamera2.outputs import FileOutput
        except Exception as exc:  # ImportError, or libcamera failing as it loads
            raise DeviceError(DEVICE, f"picamera2 is not available ({exc})", PICAMERA2_FIX) from exc
        try:
            cameras = Picamera2.global_camera_info()
        except Exception as exc:
            raise DeviceError(DEVICE, f"libcamera cannot list cameras ({exc})", NO_CAMERA_FIX) from exc
        if not cameras:
            raise DeviceError(DEVICE, "no camera detected", NO_CAMERA_FIX)
        if config.camera_index >= len(cameras):
            raise DeviceError(
                DEVICE,
                f"camera_index = {config.camera_index} but only {len(cameras)} camera(s) detected",
                f"set camera_index between 0 and {len(cameras) - 1} in [camera]",
            )
        try:
            self._picam2 = Picamera2(config.camera_index)
        except Exception as exc:
            raise DeviceError(
                DEVICE,
                f"cannot open camera {config.camera_index} ({exc})",
                "another program may be using it (stop rpicam-hello/motion), or the cable is loose",
            ) from exc
        frame_us = round(1_000_000 / config.frame_rate)
        try:
            video = self._picam2.create_video_configuration(
                main={"size": config.resolution},
                # A fixed frame duration sets the frame rate (libcamera's control).
                controls={"FrameDurationLimits": (frame_us, frame_us)},
            )
            self._picam2.configure(video)
            self._encoder = JpegEncoder(q=config.jpeg_quality)
            self._picam2.start_recording(self._encoder, FileOutput(_HubWriter(self.hub)))
            # Older picamera2 releases reset q to their "medium" preset when recording
            # starts; the encoder reads q at every frame, so set it again.
            self._encoder.q = config.jpeg_quality
        except Exception as exc:
            self._close_picam2()
            raise DeviceError(
                DEVICE,
                f"cannot start the camera at {config.width}x{config.height}, {config.frame_rate:g} fps ({exc})",
                "try a smaller resolution or frame rate in [camera]",
            ) from exc

    def _close_picam2(self) -> None:
        try:
            self._picam2.close()
        except Exception as exc:
            log.warning("camera: closing picamera2 failed: %s", exc)

    def _stop_source(self) -> None:
        try:
            self._picam2.stop_recording()
        except Exception as exc:
            log.warning("camera: stop_recording failed: %s", exc)
        self._close_picam2()
