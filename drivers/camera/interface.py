"""The camera interface, :class:`Camera`: what the app calls, and what a backend must provide.

Both backends (:mod:`drivers.camera.simulated`, :mod:`drivers.camera.picamera2_backend`)
derive from :class:`Camera` and differ only in their frame source; the stream,
``latest_jpeg``, snapshots, purge and close are written once, here.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from drivers.base import DeviceError
from drivers.camera.config import DEVICE, CameraConfig
from drivers.camera.hub import FrameHub
from drivers.camera.snapshots import SnapshotKind, purge_snapshots, save_snapshot, snapshot_name


class Camera(ABC):
    """A counter camera: live frames, the latest frame, snapshots and their purge.

    Every public method is safe to call from any thread. Open one with
    :func:`drivers.camera.open_camera`.

    The backend contract. A backend:

    * **must** call ``super().__init__(config, counters)`` first (it makes
      :attr:`hub`), then open its device and start its frame source before
      ``__init__`` returns;
    * **must** hand every encoded JPEG frame to ``self.hub.publish(jpeg)``,
      from whichever thread makes it; if the source dies, it calls
      ``self.hub.fail(DeviceError(...))`` so that readers get the error at once
      rather than a stall after ``stall_timeout_s``;
    * **must** raise :class:`DeviceError` naming the fix when the device cannot
      be opened, after releasing whatever it had opened;
    * **must** implement :meth:`_stop_source`: stop the frames and release the
      device (called once, by :meth:`close`);
    * **may** add methods of its own (``SimulatedCamera.freeze`` for tests).

    It does not override the public methods: both backends stream, save and
    purge exactly the same way.
    """

    def __init__(self, config: CameraConfig, counters: list[int]) -> None:
        self.config = config
        #: The counter numbers the camera looks at.
        self.counters = list(counters)
        self.snapshot_dir = Path(config.snapshot_dir)
        #: Where the backend publishes frames and every reader reads them.
        self.hub = FrameHub(config.stall_timeout_s)
        self._lock = threading.Lock()  # guards snapshot naming and close
        self._closed = False

    # -- what a backend must implement

    @abstractmethod
    def _stop_source(self) -> None:
        """Stop producing frames and release the device."""

    # -- shared by every backend

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def frames(self) -> Iterator[bytes]:
        """Yield JPEG frames as they come: first the latest, then each newer one.

        Any number of readers may iterate at once, from any threads. Ends when
        the camera is closed; raises :class:`DeviceError` if no frame comes for
        ``stall_timeout_s``.
        """
        seq = 0
        while True:
            got = self.hub.wait_next(seq)
            if got is None:
                return
            seq, jpeg = got
            yield jpeg

    def latest_jpeg(self) -> bytes:
        """The latest frame as JPEG bytes (waits for the first frame after opening)."""
        self._check_open()
        return self.hub.latest()

    def snapshot(self, counter: int, ticket_display: str, kind: SnapshotKind, now: datetime) -> Path:
        """Save the current frame as a JPEG and return its path.

        The file goes to ``snapshot_dir/YYYY-MM-DD/`` and is named with the
        date and time, the counter, the ticket and the kind (see
        :func:`~drivers.camera.snapshots.snapshot_name`); ``-2``, ``-3`` ... is
        added if that name is taken. Raises :class:`DeviceError` if there is no
        fresh frame or the file cannot be written.
        """
        name = snapshot_name(counter, ticket_display, kind, now)
        jpeg = self.latest_jpeg()
        with self._lock:
            return save_snapshot(self.snapshot_dir, name, now, jpeg)

    def purge(self, now: datetime) -> int:
        """Delete snapshots older than ``retention_days`` before ``now``; return how many.

        See :func:`~drivers.camera.snapshots.purge_snapshots` for what is
        deleted. Call it only while the clock is synchronised: a clock years
        ahead would make every snapshot look old.
        """
        return purge_snapshots(self.snapshot_dir, now - timedelta(days=self.config.retention_days))

    def close(self) -> None:
        """Stop the camera and end every reader's stream. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._stop_source()
        finally:
            self.hub.close()

    def _check_open(self) -> None:
        if self._closed:
            raise DeviceError(DEVICE, "the camera is closed")

    def __enter__(self) -> Camera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
