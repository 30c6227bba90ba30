"""The simulated camera: a thread draws test frames with Pillow and publishes them like a real camera.

A frame shows a "simulated camera" banner, the counters ("Quầy 3" /
"Counter 3"), the time and date, the frame number and a bar that moves across
the bottom. From the hub on, everything is the code the real camera uses.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from drivers.base import DeviceError, nfc
from drivers.camera.config import DEVICE, CameraConfig
from drivers.camera.interface import Camera
from drivers.fonts import font_path
from drivers.stream.clock_code import burn

log = logging.getLogger(__name__)


def counters_label(counters: list[int]) -> tuple[str, str]:
    """The Vietnamese and English labels of the counters: ("Quầy 3", "Counter 3")."""
    numbers = ", ".join(str(n) for n in counters)
    if not counters:
        return "Quầy ?", "Counter ?"
    english = "Counter" if len(counters) == 1 else "Counters"
    return nfc(f"Quầy {numbers}"), f"{english} {numbers}"


class FrameDrawer:
    """Draws the simulated camera's frames with Pillow.

    The parts that never change are drawn once, in the constructor; each frame
    copies them and adds the clock, the frame number and the moving bar, so a
    viewer sees at once that the stream is live.
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
        # The time drawn, as cells a program reads back (glass-to-glass latency of the stream to central).
        burn(frame, round(now.timestamp() * 1000))
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
    """Draws frames with Pillow on a thread at the configured frame rate.

    ``clock`` gives the time shown on the frames (default: the machine's local time).
    """

    def __init__(
        self, config: CameraConfig, counters: list[int], clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(config, counters)
        self.clock = clock or local_now
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
