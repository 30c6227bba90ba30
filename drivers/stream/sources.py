"""Where the stream's pictures and sound come from: the last hop, the only part the backends do not share.

Pictures: the counter camera's own frames (:class:`CameraFrames` reads the
camera's :class:`~drivers.camera.hub.FrameHub`), so the camera is opened once
and its LAN page, snapshots and stream all see the same picture. The real camera
fills the hub through picamera2, the simulated one with Pillow drawings that
carry a :mod:`~drivers.stream.clock_code`.

Sound: ffmpeg reads it itself; a source only says how (its input arguments):
:class:`AlsaMicrophone` (the USB microphone, real), :class:`SimulatedMicrophone`
(a 440 Hz tone, clearly audible) or :class:`Silence` (no microphone fitted, or
the microphone is lost: the stream goes on with a silent sound track).
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path

from drivers.base import DeviceError, run_tool
from drivers.camera import Camera

#: The device name of microphone errors.
MICROPHONE = "microphone"
#: The fix printed when the microphone is not found.
NO_MICROPHONE_FIX = (
    "plug the USB microphone in; `arecord -l` must list it as a capture device (card N, device M): "
    "set [stream] microphone = \"plughw:N,M\""
)
ASOUND = Path("/proc/asound")
SAMPLE_RATE = 48000


class AudioSource(ABC):
    """A sound track for ffmpeg: its input arguments, and whether the device is there."""

    #: What the status reports for this source while it is used: ok, or off for no microphone.
    state = "ok"

    @abstractmethod
    def input_args(self) -> list[str]:
        """ffmpeg's input options and ``-i`` for this sound (one input)."""

    def present(self) -> bool:
        """Whether the device is there now (cheap: no sound is read)."""
        return True

    def describe(self) -> str:
        """The source as the technician knows it."""
        return type(self).__name__


class AlsaMicrophone(AudioSource):
    """The USB microphone, read by ffmpeg's ALSA input (mono, 48 kHz)."""

    def __init__(self, device: str, asound: Path = ASOUND) -> None:
        self.device = device
        self.asound = asound

    def input_args(self) -> list[str]:
        return ["-f", "alsa", "-thread_queue_size", "1024", "-sample_rate", str(SAMPLE_RATE), "-channels", "1",
                "-i", self.device]

    def present(self) -> bool:
        """Whether ALSA lists the capture device: its card and device for ``hw:``/``plughw:`` names,
        any capture device for ``default`` and the like."""
        return alsa_capture_present(self.device, self.asound)

    def describe(self) -> str:
        return f"ALSA {self.device}"


class SimulatedMicrophone(AudioSource):
    """A steady 440 Hz tone (about -21 dBFS), paced in real time like a microphone.

    :meth:`unplug` and :meth:`plug` act out a USB microphone pulled and put back (for tests).
    """

    def __init__(self) -> None:
        self._plugged = True

    def input_args(self) -> list[str]:
        return ["-re", "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={SAMPLE_RATE}"]

    def present(self) -> bool:
        return self._plugged

    def unplug(self) -> None:
        """Act out the microphone being pulled out."""
        self._plugged = False

    def plug(self) -> None:
        """Act out the microphone being plugged back in."""
        self._plugged = True

    def describe(self) -> str:
        return "simulated microphone (440 Hz tone)"


class Silence(AudioSource):
    """A silent sound track, so the main stream keeps one shape whatever the microphone does."""

    state = "off"

    def input_args(self) -> list[str]:
        return ["-re", "-f", "lavfi", "-i", f"anullsrc=sample_rate={SAMPLE_RATE}:channel_layout=mono"]

    def describe(self) -> str:
        return "silence"


_CARD_DEV = re.compile(r"^(?:plug)?hw:(?:CARD=)?([^,]+)(?:,(?:DEV=)?(\d+))?$")


def alsa_capture_present(device: str, asound: Path = ASOUND) -> bool:
    """Whether ALSA (``/proc/asound``) has the capture device named ``device``."""
    match = _CARD_DEV.match(device)
    if match is None:
        # default, sysdefault:CARD=x, dsnoop...: there must be some capture device at all.
        try:
            return any("capture" in line for line in (asound / "pcm").read_text().splitlines())
        except OSError:
            return False
    card, number = match.group(1), match.group(2) or "0"
    folder = asound / (f"card{card}" if card.isdigit() else card)  # /proc/asound/<id> links to cardN
    return (folder / f"pcm{number}c").exists()


def measure_level(source: AudioSource, ffmpeg: str, seconds: float = 1.0) -> float:
    """Record ``seconds`` of ``source`` through ffmpeg and return its mean level in dBFS.

    Raises :class:`DeviceError` naming the fix when the sound cannot be read.
    """
    command = [ffmpeg, "-hide_banner", "-nostats", *source.input_args(), "-t", f"{seconds:g}",
               "-af", "volumedetect", "-f", "null", "-"]
    result: subprocess.CompletedProcess[bytes] = run_tool(
        MICROPHONE, command, timeout=seconds + 10, timeout_fix="the microphone gives no sound; " + NO_MICROPHONE_FIX,
    )
    text = result.stderr.decode("utf-8", "replace")
    found = re.search(r"mean_volume:\s*(-?[\d.]+|-inf) dB", text)
    if result.returncode != 0 or found is None:
        last = text.strip().splitlines()[-1] if text.strip() else f"exit status {result.returncode}"
        raise DeviceError(MICROPHONE, f"cannot record from {source.describe()} ({last})", NO_MICROPHONE_FIX)
    return float("-inf") if found.group(1) == "-inf" else float(found.group(1))


class CameraFrames:
    """The camera's latest JPEG frame, kept by a reader thread, and whether the camera is live.

    The camera is ``lost`` while its hub gives no new frame for
    ``stall_timeout_s`` (a loose cable, a frozen source); it is ``ok`` again
    with the next frame. ``frame()`` keeps returning the last frame meanwhile.
    """

    def __init__(self, camera: Camera) -> None:
        self.camera = camera
        self._lock = threading.Lock()
        self._jpeg: bytes | None = None
        self._seq = 0
        self.state = "ok"
        self.error: str | None = None
        self._new = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stream-frames", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            try:
                got = self.camera.hub.wait_next(seq)
            except DeviceError as exc:
                with self._lock:
                    self.state, self.error = "lost", str(exc)
                self._stop.wait(0.2)
                continue
            if got is None:  # the camera was closed
                with self._lock:
                    self.state, self.error = "lost", "the camera was closed"
                    self._new.notify_all()
                return
            seq, jpeg = got
            with self._lock:
                self._jpeg, self._seq = jpeg, seq
                self.state, self.error = "ok", None
                self._new.notify_all()

    def frame(self, timeout: float = 5.0) -> bytes | None:
        """The latest frame (waiting up to ``timeout`` for the first); ``None`` if there is none."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._jpeg is None and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._new.wait(remaining)
            return self._jpeg

    def close(self) -> None:
        """Stop reading (the camera itself stays open: it is the office's)."""
        self._stop.set()
        with self._lock:
            self._new.notify_all()
