"""The counter camera: a live MJPEG stream for the leader and JPEG snapshots.

A camera looks at one or more counters. It produces a stream of JPEG frames
(the leader's web page shows it as ``multipart/x-mixed-replace``, see
:func:`mjpeg_chunks`) and, when the app asks, saves the current frame as a
snapshot when an officer starts or completes serving a citizen. Snapshots are
kept for ``retention_days`` and then deleted by :meth:`Camera.purge`.
See docs/camera.md.

Both backends share everything but the frame source: one producer publishes
each new frame to a :class:`FrameHub`; any number of readers wait on it for the
next frame (a slow reader skips frames, it never queues them); snapshots are
the latest frame, written to ``snapshot_dir/YYYY-MM-DD/``.

The modules:

==========================  ===================================================
``config``                  :class:`CameraConfig`, the ``[camera]`` section
``interface``               :class:`Camera`: the shared methods and the backend contract
``hub``                     :class:`FrameHub`: one frame source, many readers
``mjpeg``                   the stream's multipart framing
``snapshots``               snapshot names, saving, the purge
``simulated``               frames drawn with Pillow (any computer)
``picamera2_backend``       the Pi camera through picamera2 (the only user of it)
``__main__``                ``python -m drivers.camera``: a test snapshot and a preview server
==========================  ===================================================

Importing this package loads neither Pillow nor picamera2: :func:`open_camera`
imports the chosen backend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from drivers.camera.config import DEVICE, CameraConfig, load_camera_config
from drivers.camera.hub import FrameHub
from drivers.camera.interface import Camera
from drivers.camera.mjpeg import MJPEG_CONTENT_TYPE, mjpeg_chunks
from drivers.camera.snapshots import SnapshotKind, snapshot_name

__all__ = [
    "DEVICE",
    "MJPEG_CONTENT_TYPE",
    "Camera",
    "CameraConfig",
    "FrameHub",
    "SnapshotKind",
    "load_camera_config",
    "mjpeg_chunks",
    "open_camera",
    "snapshot_name",
]


def open_camera(
    config: CameraConfig, counters: list[int], clock: Callable[[], datetime] | None = None
) -> Camera | None:
    """Open the camera chosen by ``config``; ``None`` when it is disabled.

    ``counters`` are the counter numbers the camera looks at (drawn on the
    simulated frames). ``clock`` gives the local time shown on simulated
    frames (default: the machine's). Raises :class:`~drivers.base.DeviceError`
    with a fix if the real camera or picamera2 is missing.
    """
    if not config.enabled:
        return None
    if config.backend == "simulated":
        from drivers.camera.simulated import SimulatedCamera

        return SimulatedCamera(config, counters, clock)
    from drivers.camera.picamera2_backend import RealCamera

    return RealCamera(config, counters)
