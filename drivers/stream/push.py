"""The push stage every backend shares: one ffmpeg process, frames and sound in, two RTMP streams out.

The camera's JPEG frames are written to ffmpeg's standard input at the
camera's frame rate (the last frame again when the camera has none newer, so
the stream's clock keeps pace with the sound's); ffmpeg takes the sound from the
source's input, encodes the main stream (H.264 + AAC, FLV) and the thumbnail
(H.264, no sound) and pushes both to the RTMP URLs central handed out.
ffmpeg's ``-progress`` report on its standard output says whether the stream
moves; its error lines are kept for the status with the publish key blanked.

The URLs carry a publish key: they are never logged, and every text taken
from ffmpeg goes through :func:`redact` first.
"""

from __future__ import annotations

import collections
import logging
import re
import subprocess
import threading
import time
from typing import IO

from drivers.stream.settings import Encoder, EncoderSettings
from drivers.stream.sources import AudioSource, CameraFrames

log = logging.getLogger(__name__)

_KEY = re.compile(r"(key=)[A-Za-z0-9._~%+/=-]+", re.IGNORECASE)
#: ffmpeg's sound-input errors name its ALSA or lavfi input like this.
_AUDIO_ERROR = re.compile(r"\balsa\b|audio device", re.IGNORECASE)
#: Seconds the stream must keep moving before it counts as published (a refused key fails sooner).
PUBLISHED_AFTER_S = 1.5
#: A fixed TCP send buffer of about a second of the main stream (the kernel would grow it to megabytes): a
#: path that silently stopped carrying packets blocks ffmpeg within seconds, so the stall is seen and acted on.
SOCKET_ARGS = ["-send_buffer_size", "131072"]
#: The frames written while catching up after a pause, at most (beyond, the stream starts afresh in time).
MAX_CATCH_UP_S = 2.0


def redact(text: str) -> str:
    """``text`` with every publish key blanked (``key=***``): what may be logged or shown."""
    return _KEY.sub(r"\1***", text)


def push_command(
    ffmpeg: str, settings: EncoderSettings, encoder: Encoder, audio: AudioSource, main_url: str, thumb_url: str,
) -> list[str]:
    """The ffmpeg command line: JPEG frames on standard input and ``audio`` to ``main_url`` and ``thumb_url``.

    Input 0 is the frames, input 1 the sound. It holds the keys: never log it.
    """
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.5",
        "-f", "mjpeg", "-framerate", f"{settings.frame_rate:g}", "-i", "pipe:0",
        *audio.input_args(),
        "-filter_complex", settings.filter_graph(),
        "-map", "[main]", "-map", "1:a", *settings.main_video_args(encoder), *settings.audio_args(),
        "-f", "flv", "-flvflags", "no_duration_filesize", *SOCKET_ARGS, main_url,
        "-map", "[thumb]", *settings.thumb_args(),
        "-f", "flv", "-flvflags", "no_duration_filesize", *SOCKET_ARGS, thumb_url,
    ]


class Push:
    """One run of ffmpeg pushing the stream; it ends when ffmpeg does, or :meth:`stop`.

    Nothing here retries: :class:`~drivers.stream.publisher.Publisher` starts a
    new push (with a fresh key) when this one has ended.
    """

    def __init__(self, command: list[str], frames: CameraFrames, frame_rate: float) -> None:
        self._command = command
        self._frames = frames
        self._period = 1.0 / frame_rate
        self._lock = threading.Lock()
        self._errors: collections.deque[str] = collections.deque(maxlen=20)
        self._out_time = -1
        self._moving_since: float | None = None  # when the stream last started moving
        self._last_move = 0.0
        self.audio_failed = False  # ffmpeg said the sound input failed
        self.frames_written = 0
        self.started_at = 0.0
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start ffmpeg and the threads that feed and watch it (OSError if ffmpeg cannot start)."""
        self._process = subprocess.Popen(
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.started_at = self._last_move = time.monotonic()
        process = self._process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        for name, target, stream in (
            ("stream-feed", self._feed, process.stdin),
            ("stream-progress", self._read_progress, process.stdout),
            ("stream-errors", self._read_errors, process.stderr),
        ):
            thread = threading.Thread(target=target, args=(stream,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    # -- what the publisher watches

    @property
    def pid(self) -> int | None:
        """ffmpeg's process id (tests kill it)."""
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        """Whether ffmpeg still runs."""
        return self._process is not None and self._process.poll() is None

    @property
    def publishing(self) -> bool:
        """Whether the stream moves: ffmpeg runs and has been sending for a moment, up to a second ago."""
        with self._lock:
            since, last = self._moving_since, self._last_move
        now = time.monotonic()
        return self.alive and since is not None and now - since >= PUBLISHED_AFTER_S and now - last < 2.0

    @property
    def published_s(self) -> float:
        """For how long the stream has been moving without a pause (0 when it is not)."""
        with self._lock:
            since = self._moving_since
        return time.monotonic() - since if since is not None and self.alive else 0.0

    def stalled(self, seconds: float) -> bool:
        """Whether the stream has not moved for ``seconds`` (a network that swallows packets)."""
        with self._lock:
            return time.monotonic() - self._last_move > seconds

    def error(self) -> str:
        """ffmpeg's last error line (keys blanked), or its exit status, or ""."""
        with self._lock:
            if self._errors:
                return self._errors[-1]
        code = self._process.poll() if self._process is not None else None
        return f"ffmpeg exited with status {code}" if code not in (None, 0) else ""

    # -- ending

    def stop(self, timeout: float = 3.0) -> None:
        """End ffmpeg: politely (end of input), then SIGTERM, then SIGKILL; wait for it."""
        self._stopping.set()
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        for stream in (process.stdin, process.stdout, process.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    # -- the threads

    def _feed(self, stdin: IO[bytes]) -> None:
        """Write the camera's latest frame every frame period until ffmpeg or the push ends."""
        due = time.monotonic()
        try:
            while not self._stopping.is_set():
                jpeg = self._frames.frame(timeout=1.0)
                if jpeg is None:  # no frame at all yet (or the camera closed): nothing to push
                    if self._stopping.wait(0.1):
                        break
                    continue
                stdin.write(jpeg)
                stdin.flush()
                self.frames_written += 1
                due += self._period
                now = time.monotonic()
                if now - due > MAX_CATCH_UP_S:
                    due = now  # a long pause: start afresh rather than burst seconds of frames
                elif due > now:
                    self._stopping.wait(due - now)
        except (BrokenPipeError, ConnectionResetError, ValueError, OSError):
            pass  # ffmpeg ended; the publisher sees it
        try:
            stdin.close()
        except OSError:
            pass

    def _read_progress(self, stdout: IO[bytes]) -> None:
        for raw in stdout:
            line = raw.decode("ascii", "replace").strip()
            if not line.startswith("out_time_us="):
                continue
            try:
                value = int(line.split("=", 1)[1])
            except ValueError:  # "N/A" before the first packet
                continue
            now = time.monotonic()
            with self._lock:
                if value > self._out_time:
                    if self._moving_since is None or now - self._last_move > 2.0:
                        self._moving_since = now
                    self._out_time, self._last_move = value, now

    def _read_errors(self, stderr: IO[bytes]) -> None:
        for raw in stderr:
            line = redact(raw.decode("utf-8", "replace").strip())
            if not line:
                continue
            with self._lock:
                self._errors.append(line)
                if _AUDIO_ERROR.search(line):
                    self.audio_failed = True
