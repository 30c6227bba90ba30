"""The counter camera: a live MJPEG stream for the leader and JPEG snapshots.

A camera looks at one or more counters. It produces a stream of JPEG frames
(the leader's web page shows it as ``multipart/x-mixed-replace``, see
:func:`mjpeg_chunks`) and, when the app asks, saves the current frame as a
snapshot when an officer starts or completes serving a citizen. Snapshots are
kept for ``retention_days`` and then deleted by :meth:`Camera.purge`.

Both backends share everything but the frame source:

- ``real``: picamera2 on a Raspberry Pi. The camera records with picamera2's
  ``JpegEncoder`` into a ``FileOutput`` whose file is our own buffer, so every
  encoded frame lands in :class:`FrameHub`. picamera2 comes from the OS package
  ``python3-picamera2`` and is imported only when a real camera is opened (it
  installs on a PC but cannot import there: no libcamera).
- ``simulated``: a thread draws frames with Pillow (the counter numbers, the
  time, a moving bar) at the configured frame rate and JPEG quality.

From there on it is the same code: one producer publishes each new frame to a
:class:`FrameHub`; any number of readers wait on its condition for the next
frame (a slow reader skips frames, it never queues them); snapshots are the
latest frame, written to ``snapshot_dir/YYYY-MM-DD/``.

Run ``python -m drivers.camera office.toml`` to save one snapshot, or add
``--serve 8081`` to watch the stream in a browser while aiming the camera.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import stat
import sys
import threading
import time
import tomllib
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from PIL import Image, ImageDraw, ImageFont

from drivers.base import Backend, DeviceError
from drivers.fonts import font_path

log = logging.getLogger(__name__)

DEVICE = "camera"

#: The fix printed when picamera2 cannot be imported.
PICAMERA2_FIX = (
    "install python3-picamera2 from Raspberry Pi OS and create the venv with --system-site-packages"
)
#: The fix printed when libcamera sees no camera.
NO_CAMERA_FIX = (
    "check the ribbon cable: seated straight at both ends, locks closed, contacts facing the right way; "
    "then run `rpicam-hello --list-cameras` (older systems: `libcamera-hello --list-cameras`)"
)

#: The boundary between JPEG parts of the MJPEG stream.
MJPEG_BOUNDARY = "frame"
#: The Content-Type of the HTTP response that carries :func:`mjpeg_chunks`.
MJPEG_CONTENT_TYPE = f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}"

SnapshotKind = Literal["start", "complete"]
KINDS: tuple[str, ...] = ("start", "complete")

# 2026-11-24_08-15-02_quay3_1005_start.jpg (and -2, -3 ... when a name is taken)
_SNAPSHOT_NAME = re.compile(
    r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_quay\d+_[A-Za-z0-9-]+_(start|complete)(-\d+)?\.jpg$"
)
_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---------------------------------------------------------------------------
# Configuration


class CameraConfig(BaseModel):
    """The ``[camera]`` section of the office's config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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

    @field_validator("snapshot_dir")
    @classmethod
    def _snapshot_dir(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the folder for snapshots, e.g. \"/var/lib/kiosk/snapshots\"")
        if Path(value).resolve() == Path("/"):
            raise ValueError("the snapshot folder cannot be / (the purge deletes old files inside it)")
        return value

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
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return CameraConfig.model_validate(data.get("camera", {}))


# ---------------------------------------------------------------------------
# The frame hub: one producer, many readers


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

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

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


# ---------------------------------------------------------------------------
# MJPEG framing


def mjpeg_part(jpeg: bytes) -> bytes:
    """One part of a ``multipart/x-mixed-replace`` stream: boundary, headers, JPEG."""
    head = (
        f"--{MJPEG_BOUNDARY}\r\n"
        f"Content-Type: image/jpeg\r\n"
        f"Content-Length: {len(jpeg)}\r\n\r\n"
    ).encode("ascii")
    return head + jpeg + b"\r\n"


def mjpeg_chunks(camera: Camera) -> Iterator[bytes]:
    """The live stream as HTTP body chunks, one per frame; serve with :data:`MJPEG_CONTENT_TYPE`.

    For example, with FastAPI:
    ``StreamingResponse(mjpeg_chunks(camera), media_type=MJPEG_CONTENT_TYPE)``.
    Ends when the camera is closed; raises :class:`DeviceError` if it stalls.
    """
    for jpeg in camera.frames():
        yield mjpeg_part(jpeg)


# ---------------------------------------------------------------------------
# Snapshot names


def _ticket_slug(ticket_display: str) -> str:
    """The ticket as it appears in a file name: ASCII letters, digits and '-'."""
    text = unicodedata.normalize("NFKD", ticket_display)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # "Đ" has no decomposition
    text = text.replace("Đ", "D").replace("đ", "d")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text[:32]


def snapshot_name(counter: int, ticket_display: str, kind: str, now: datetime) -> str:
    """The file name of a snapshot, e.g. ``2026-11-24_08-15-02_quay3_1005_start.jpg``.

    ``now`` is written as given (the office's local time, as the app's clock
    gives it). Raises ValueError for a bad counter, ticket or kind.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be 'start' or 'complete', not {kind!r}")
    if counter < 1:
        raise ValueError(f"counter must be 1 or more, not {counter}")
    slug = _ticket_slug(ticket_display)
    if not slug:
        raise ValueError(f"ticket {ticket_display!r} has no letter or digit to name a file with")
    return f"{now:%Y-%m-%d_%H-%M-%S}_quay{counter}_{slug}_{kind}.jpg"


# ---------------------------------------------------------------------------
# The interface, shared by both backends


class Camera(ABC):
    """A counter camera: live frames, the latest frame, snapshots and their purge.

    Every public method is safe to call from any thread. Backends only start
    and stop their frame source; everything else is here.
    """

    def __init__(self, config: CameraConfig, counters: list[int]) -> None:
        self.config = config
        self.counters = list(counters)
        self.snapshot_dir = Path(config.snapshot_dir)
        self.hub = FrameHub(config.stall_timeout_s)
        self._lock = threading.Lock()  # guards snapshot naming and close
        self._closed = False

    # -- the frame source, per backend

    @abstractmethod
    def _stop_source(self) -> None:
        """Stop producing frames and release the device."""

    # -- shared

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
        :func:`snapshot_name`); ``-2``, ``-3`` ... is added if that name is
        taken. Raises :class:`DeviceError` if there is no fresh frame or the
        file cannot be written.
        """
        name = snapshot_name(counter, ticket_display, kind, now)
        jpeg = self.latest_jpeg()
        folder = self.snapshot_dir / f"{now:%Y-%m-%d}"
        with self._lock:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                return _write_new(folder, name, jpeg)
            except OSError as exc:
                raise DeviceError(
                    DEVICE,
                    f"cannot save a snapshot in {folder}: {exc.strerror or exc}",
                    f"check that the disk is not full and that the kiosk's user may write to {self.snapshot_dir}",
                ) from exc

    def purge(self, now: datetime) -> int:
        """Delete snapshots older than ``retention_days`` before ``now``; return how many.

        Only snapshot files (by their name) inside day folders of the snapshot
        folder are deleted, by their modification time; other files, symbolic
        links and anything outside are left alone. Day folders left empty are
        removed. Call it only while the clock is synchronised: a clock years
        ahead would make every snapshot look old.
        """
        cutoff = (now - timedelta(days=self.config.retention_days)).timestamp()
        deleted = 0
        try:
            days = list(os.scandir(self.snapshot_dir))
        except FileNotFoundError:
            return 0
        except OSError as exc:
            log.warning("camera: cannot list %s: %s", self.snapshot_dir, exc)
            return 0
        for day in days:
            # is_dir(follow_symlinks=False): a linked folder may point anywhere.
            if not _DAY_FOLDER.match(day.name) or not day.is_dir(follow_symlinks=False):
                continue
            try:
                entries = list(os.scandir(day.path))
            except OSError as exc:
                log.warning("camera: cannot list %s: %s", day.path, exc)
                continue
            for entry in entries:
                if not _SNAPSHOT_NAME.match(entry.name):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                    if not stat.S_ISREG(info.st_mode) or info.st_mtime >= cutoff:
                        continue
                    os.unlink(entry.path)
                    deleted += 1
                except OSError as exc:
                    log.warning("camera: cannot delete %s: %s", entry.path, exc)
            try:
                os.rmdir(day.path)  # only succeeds when the folder is empty
            except OSError:
                pass
        return deleted

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


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a new file ``name`` in ``folder`` (never overwriting)."""
    stem, suffix = name[: -len(".jpg")], ".jpg"
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            handle = open(path, "xb")
        except FileExistsError:
            continue
        try:
            with handle:
                handle.write(data)
        except OSError:
            path.unlink(missing_ok=True)  # no half-written JPEG left behind
            raise
        return path
    raise OSError(f"too many snapshots named {name}")


# ---------------------------------------------------------------------------
# Simulated backend


def counters_label(counters: list[int]) -> tuple[str, str]:
    """The Vietnamese and English labels of the counters: ("Quầy 3", "Counter 3")."""
    numbers = ", ".join(str(n) for n in counters)
    if not counters:
        return "Quầy ?", "Counter ?"
    english = "Counter" if len(counters) == 1 else "Counters"
    return unicodedata.normalize("NFC", f"Quầy {numbers}"), f"{english} {numbers}"


class FrameDrawer:
    """Draws the simulated camera's frames with Pillow.

    A frame shows a "simulated camera" banner, the counters ("Quầy 3" /
    "Counter 3"), the time and date, the frame number and a bar that moves
    across the bottom, so a viewer sees at once that the stream is live.
    """

    def __init__(self, size: tuple[int, int], counters: list[int], quality: int, frame_rate: float) -> None:
        self.size = size
        self.quality = quality
        self.frame_rate = frame_rate
        width, height = size
        scale = height / 720
        self._scale = scale
        self._small = ImageFont.truetype(str(font_path()), max(10, round(26 * scale)))
        self._time_font = ImageFont.truetype(str(font_path(bold=True)), max(14, round(64 * scale)))
        vi, en = counters_label(counters)
        background = Image.new("RGB", size, (28, 36, 48))
        draw = ImageDraw.Draw(background)
        draw.rectangle((0, 0, width, round(48 * scale)), fill=(150, 90, 0))
        banner = "CAMERA MÔ PHỎNG · SIMULATED CAMERA"
        banner_font, banner = _fit(draw, banner, font_path(), max(10, round(26 * scale)), width - 32 * scale)
        draw.text((round(16 * scale), round(10 * scale)), banner, font=banner_font, fill=(255, 255, 255))
        big, vi = _fit(draw, vi, font_path(bold=True), round(170 * scale), width * 0.9)
        box = draw.textbbox((0, 0), vi, font=big)
        x = (width - (box[2] - box[0])) / 2 - box[0]
        y = height * 0.36 - (box[3] - box[1]) / 2 - box[1]
        draw.text((x, y), vi, font=big, fill=(255, 255, 255))
        sub, en = _fit(draw, en, font_path(), round(48 * scale), width * 0.9)
        box = draw.textbbox((0, 0), en, font=sub)
        draw.text(((width - (box[2] - box[0])) / 2 - box[0], height * 0.55), en, font=sub, fill=(170, 180, 195))
        self._background = background

    def image(self, now: datetime, number: int) -> Image.Image:
        """The frame for time ``now`` and frame number ``number``."""
        width, height = self.size
        scale = self._scale
        frame = self._background.copy()
        draw = ImageDraw.Draw(frame)
        margin = round(24 * scale)
        draw.text((margin, height * 0.70), f"{now:%H:%M:%S}", font=self._time_font, fill=(255, 220, 80))
        draw.text((margin, height * 0.70 + 80 * scale), f"{now:%d/%m/%Y}", font=self._small, fill=(200, 200, 200))
        label = f"#{number:06d}"
        box = draw.textbbox((0, 0), label, font=self._small)
        draw.text((width - margin - box[2], height * 0.70 + 80 * scale), label, font=self._small, fill=(200, 200, 200))
        # A bar that crosses the frame every two seconds: motion a viewer can see.
        period = max(2, round(2 * self.frame_rate))
        bar = max(8, width // 12)
        x = (number % period) * (width - bar) // max(1, period - 1)
        draw.rectangle((x, height - round(20 * scale), x + bar, height), fill=(80, 200, 120))
        return frame

    def jpeg(self, now: datetime, number: int) -> bytes:
        """The frame as JPEG bytes at the configured quality."""
        out = io.BytesIO()
        self.image(now, number).save(out, format="JPEG", quality=self.quality)
        return out.getvalue()


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font_file: Path, size: int, max_width: float
) -> tuple[ImageFont.FreeTypeFont, str]:
    """A font at ``size`` or smaller (down to 8 px) and the text, cut with "…" if it still does not fit."""
    size = max(8, size)
    while True:
        font = ImageFont.truetype(str(font_file), size)
        if draw.textlength(text, font=font) <= max_width:
            return font, text
        if size == 8:
            break
        size = max(8, int(size * 0.9))
    while len(text) > 1 and draw.textlength(text + "…", font=font) > max_width:
        # Drop whole counter numbers ("Quầy 1, 2, 1…" would misread as counter 1).
        text = text.rsplit(",", 1)[0] if "," in text else text[:-1]
    return font, text + "…"


def local_now() -> datetime:
    """The machine's local time (the default clock of the simulated camera)."""
    return datetime.now().astimezone()


class SimulatedCamera(Camera):
    """Draws frames with Pillow on a thread at the configured frame rate."""

    def __init__(
        self, config: CameraConfig, counters: list[int], clock: Callable[[], datetime] = local_now
    ) -> None:
        super().__init__(config, counters)
        self.clock = clock
        self.drawer = FrameDrawer(config.resolution, self.counters, config.jpeg_quality, config.frame_rate)
        self.frames_drawn = 0
        self._stop = threading.Event()
        self._frozen = threading.Event()
        # The first frame now, so latest_jpeg() never waits after opening.
        self._draw_one()
        self._thread = threading.Thread(target=self._run, name="camera-simulated", daemon=True)
        self._thread.start()

    def freeze(self) -> None:
        """Stop sending frames, as a camera whose cable came loose (for tests)."""
        self._frozen.set()

    def unfreeze(self) -> None:
        """Send frames again after :meth:`freeze`."""
        self._frozen.clear()

    def _draw_one(self) -> None:
        self.frames_drawn += 1
        self.hub.publish(self.drawer.jpeg(self.clock(), self.frames_drawn))

    def _run(self) -> None:
        period = 1.0 / self.config.frame_rate
        due = time.monotonic() + period
        try:
            while not self._stop.wait(max(0.0, due - time.monotonic())):
                if not self._frozen.is_set():
                    self._draw_one()
                # Keep the rate; after a long pause start afresh instead of bursting.
                due = max(due + period, time.monotonic())
        except Exception as exc:  # a bug here must reach the readers, not vanish
            log.exception("camera: simulated frame source failed")
            self.hub.fail(DeviceError(DEVICE, f"simulated frame source failed: {exc}"))

    def _stop_source(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


# ---------------------------------------------------------------------------
# Real backend (picamera2)


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
        frame = bytes(data)
        self._hub.publish(frame)
        return len(frame)


class RealCamera(Camera):
    """The Raspberry Pi camera through picamera2, recording JPEG frames."""

    def __init__(self, config: CameraConfig, counters: list[int]) -> None:
        super().__init__(config, counters)
        try:
            # Imported here only: picamera2 cannot import without libcamera (on a PC, in CI).
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


# ---------------------------------------------------------------------------
# Factory and command line


def open_camera(
    config: CameraConfig, counters: list[int], clock: Callable[[], datetime] = local_now
) -> Camera | None:
    """Open the camera chosen by ``config``; ``None`` when it is disabled.

    ``counters`` are the counter numbers the camera looks at (drawn on the
    simulated frames). ``clock`` gives the local time shown on simulated
    frames. Raises :class:`DeviceError` with a fix if the real camera or
    picamera2 is missing.
    """
    if not config.enabled:
        return None
    if config.backend == "simulated":
        return SimulatedCamera(config, counters, clock)
    return RealCamera(config, counters)


def serve(camera: Camera, port: int, host: str = "0.0.0.0") -> Any:
    """A small HTTP server showing the stream at ``/`` (for aiming the camera).

    Returns the server; call ``serve_forever()`` on it, ``shutdown()`` to stop.
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (
        "<!doctype html><meta charset='utf-8'><title>Camera quầy</title>"
        "<body style='margin:0;background:#111'><img src='/stream.mjpg' style='width:100%'>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            elif self.path == "/stream.mjpg":
                self.send_response(200)
                self.send_header("Content-Type", MJPEG_CONTENT_TYPE)
                self.send_header("Cache-Control", "no-cache, private")
                self.end_headers()
                try:
                    for chunk in mjpeg_chunks(camera):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the viewer went away
                except DeviceError as exc:
                    log.warning("%s", exc)
            else:
                self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    """Save a test snapshot, or serve the stream (``python -m drivers.camera office.toml``)."""
    parser = argparse.ArgumentParser(description="Test the counter camera: save a snapshot or watch the stream.")
    parser.add_argument("config", nargs="?", help="the office's TOML file (its [camera] section is used)")
    parser.add_argument("--simulated", action="store_true", help="use the simulated camera")
    parser.add_argument("--snapshot-dir", metavar="DIR", help="save snapshots to DIR instead of snapshot_dir")
    parser.add_argument("--counter", type=int, default=1, help="counter number for the test snapshot (default 1)")
    parser.add_argument("--serve", type=int, metavar="PORT", help="serve the stream on http://<pi>:PORT/")
    args = parser.parse_args(argv)
    try:
        config = load_camera_config(args.config) if args.config else CameraConfig()
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        print(f"camera: bad configuration: {exc}", file=sys.stderr)
        return 2
    update: dict[str, Any] = {"enabled": True}  # the test runs even when the kiosk does not use it
    if args.simulated:
        update["backend"] = "simulated"
    if args.snapshot_dir:
        update["snapshot_dir"] = args.snapshot_dir
    config = config.model_copy(update=update)
    try:
        camera = open_camera(config, [args.counter])
        assert camera is not None
    except DeviceError as exc:
        print(exc, file=sys.stderr)
        return 1
    with camera:
        try:
            path = camera.snapshot(args.counter, "TEST", "start", datetime.now())
        except DeviceError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"saved a {config.width}x{config.height} test snapshot: {path}")
        if args.serve:
            server = serve(camera, args.serve)
            print(f"streaming on http://0.0.0.0:{args.serve}/ (Ctrl+C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
