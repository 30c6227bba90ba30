"""The frame hub: the latest JPEG frame, handed from the one frame source to many readers.

Every backend publishes its frames here; the live stream, ``latest_jpeg`` and
the snapshots all read from here, so both backends share everything after the
frame is encoded.
"""

from __future__ import annotations

import threading
import time

from drivers.base import DeviceError
from drivers.camera.config import DEVICE


class FrameHub:
    """The latest JPEG frame, handed from one producer thread to many readers.

    The producer calls :meth:`publish` for each frame; readers call
    :meth:`wait_next` with the sequence number of the last frame they saw and
    get the newest frame after it. Readers never queue frames: a slow reader
    simply gets the newest one when it is ready again.
    """

    def __init__(self, stall_timeout_s: float) -> None:
        self.stall_timeout_s = stall_timeout_s
        self._condition = threading.Condition()
        self._frame: bytes | None = None
        self._seq = 0
        self._at = 0.0  # time.monotonic() of the latest frame
        self._closed = False
        self._error: DeviceError | None = None

    def publish(self, jpeg: bytes) -> None:
        """Make ``jpeg`` the latest frame and wake every waiting reader."""
        with self._condition:
            self._frame = jpeg
            self._seq += 1
            self._at = time.monotonic()
            self._condition.notify_all()

    def fail(self, error: DeviceError) -> None:
        """The producer died: readers get ``error`` instead of waiting."""
        with self._condition:
            self._error = error
            self._condition.notify_all()

    def close(self) -> None:
        """No more frames: waiting readers return ``None``."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def wait_next(self, after: int) -> tuple[int, bytes] | None:
        """The newest frame after sequence number ``after``, as ``(seq, jpeg)``.

        Waits up to ``stall_timeout_s`` for it. Returns ``None`` once the hub is
        closed; raises :class:`DeviceError` if the producer failed or stalled.
        """
        deadline = time.monotonic() + self.stall_timeout_s
        with self._condition:
            while True:
                if self._closed:
                    return None
                if self._error is not None:
                    raise self._error
                if self._frame is not None and self._seq > after:
                    return self._seq, self._frame
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _stalled(self.stall_timeout_s)
                self._condition.wait(remaining)

    def latest(self) -> bytes:
        """The latest frame, waiting for the first one if there is none yet.

        Raises :class:`DeviceError` if the newest frame is older than the stall
        timeout (the camera stopped sending), or the hub is closed.
        """
        with self._condition:
            fresh = self._frame is not None and time.monotonic() - self._at <= self.stall_timeout_s
            if fresh and self._error is None and not self._closed:
                return self._frame  # type: ignore[return-value]
            seq = self._seq
        got = self.wait_next(seq)  # the next frame, or the stall/closed/failed error
        if got is None:
            raise DeviceError(DEVICE, "the camera is closed")
        return got[1]


def _stalled(seconds: float) -> DeviceError:
    return DeviceError(
        DEVICE,
        f"no frame from the camera for {seconds:g} s",
        "check the ribbon cable and `journalctl -u kiosk` for libcamera errors; restart the kiosk",
    )
