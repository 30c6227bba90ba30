"""The publisher: keeps the camera and microphone pushed to central, whatever the network does.

One thread loops: ask central for fresh publish URLs, start a
:class:`~drivers.stream.push.Push`, watch it, and when it ends (network cut,
central restarted, key refused, ffmpeg killed) wait and start again. The
wait doubles from 0.5 s up to ``[stream] retry_max_s`` (5 s by default, with
jitter so that offices do not all come back in the same instant), so a stream
is back within seconds of the network returning, without an operator, and a
refused key is retried calmly rather than in a tight loop. A push that moved
for a while resets the wait.

The kiosk's own LAN page does not depend on any of this: it reads the camera
directly, and the publisher only reads frames from it too.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from drivers.base import DeviceError
from drivers.camera import Camera
from drivers.stream.config import DEVICE, StreamConfig
from drivers.stream.keys import KeyRefused, PublishUrls
from drivers.stream.push import Push, push_command, redact
from drivers.stream.settings import Encoder, EncoderSettings
from drivers.stream.sources import AudioSource, CameraFrames, Silence

log = logging.getLogger(__name__)

#: The first wait after a failure; it doubles up to retry_max_s.
FIRST_RETRY_S = 0.5
#: A push that moved this long resets the wait to FIRST_RETRY_S.
STEADY_S = 10.0
#: How often the microphone's presence is looked at while pushing.
MIC_CHECK_S = 2.0
#: After the microphone failed for a reason other than being unplugged, try it again after this long.
MIC_RETRY_S = 300.0


class Publisher:
    """Pushes ``camera`` and ``microphone`` to the URLs ``keys()`` returns, retrying for ever until :meth:`stop`.

    ``microphone`` ``None`` means none is fitted (the stream carries silence).
    ``keys`` is usually a :class:`~drivers.stream.keys.CentralKeys`. Every
    public method is safe from any thread; :meth:`status` never blocks or raises.
    """

    def __init__(
        self,
        config: StreamConfig,
        settings: EncoderSettings,
        camera: Camera | None,
        microphone: AudioSource | None,
        keys: Callable[[], PublishUrls],
        ffmpeg: str,
        encoder: Encoder,
    ) -> None:
        self.config = config
        self.settings = settings
        self.camera = camera
        self.microphone = microphone
        self.keys = keys
        self.ffmpeg = ffmpeg
        self.encoder = encoder
        self.attempts = 0  # pushes started, and key requests refused
        self.last_error: str | None = None  # why the last attempt ended (no key in it)
        self.push: Push | None = None  # the current push (tests kill its ffmpeg)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._frames: CameraFrames | None = None
        self._mic_state = "off" if microphone is None else "ok"
        self._mic_failed_at: float | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle

    def start(self) -> None:
        """Start publishing in a background thread (returns at once)."""
        if self.camera is not None:
            self._frames = CameraFrames(self.camera)
        self._thread = threading.Thread(target=self._run, name="stream", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop publishing and end ffmpeg (the camera stays open: it is the office's)."""
        self._stop.set()
        push = self.push
        if push is not None:
            push.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._frames is not None:
            self._frames.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the kiosk reports

    def status(self) -> dict[str, Any]:
        """``{"camera": S, "microphone": S, "publishing": bool}``, S in ok, lost, off, error.

        camera: ``error`` when there is no camera to push (it could not be
        opened), ``lost`` while it gives no frames. microphone: ``off`` when
        none is configured, ``lost`` while it is unplugged, ``error`` when it
        is there but cannot be recorded from.
        """
        frames = self._frames
        if self.camera is None or frames is None:
            camera = "error"
        else:
            camera = frames.state
        push = self.push
        with self._lock:
            microphone = self._mic_state
        return {"camera": camera, "microphone": microphone, "publishing": bool(push and push.publishing)}

    @property
    def publishing(self) -> bool:
        """Whether the stream reaches central now."""
        push = self.push
        return bool(push and push.publishing)

    # -- the loop

    def _run(self) -> None:
        if self._frames is None:
            self.last_error = "no camera: [camera] is off or could not be opened"
            log.error("stream not started: %s", self.last_error)
            return
        wait = FIRST_RETRY_S
        failing = False
        while not self._stop.is_set():
            try:
                steady, error = self._attempt()
            except Exception as exc:  # a bug must not end the stream for good
                steady, error = False, f"unexpected {type(exc).__name__}: {redact(str(exc))}"
                log.exception("stream: attempt failed")
            if self._stop.is_set():
                break
            if error is None:  # ended on purpose (the microphone came back): go again at once
                wait, failing = FIRST_RETRY_S, False
                continue
            self.last_error = error
            if steady:
                wait = FIRST_RETRY_S
            delay = random.uniform(wait / 2, wait)
            # The first failure in a row is news; the repeats would fill the log while central is away.
            (log.debug if failing else log.warning)("stream: %s; retrying in %.1f s", error, delay)
            failing = True
            self._stop.wait(delay)
            wait = min(wait * 2, self.config.retry_max_s)

    def _attempt(self) -> tuple[bool, str | None]:
        """One push from key to end; returns (whether it ran steadily, why it ended or None if on purpose)."""
        assert self._frames is not None
        try:
            urls = self.keys()
        except KeyRefused as exc:
            self.attempts += 1
            return False, f"no publish key: {redact(str(exc))}"
        audio = self._audio_for_attempt()
        command = push_command(self.ffmpeg, self.settings, self.encoder, audio, urls.main, urls.thumb)
        push = Push(command, self._frames, self.settings.frame_rate)
        self.attempts += 1
        try:
            push.start()
        except OSError as exc:
            return False, f"ffmpeg cannot start ({exc.strerror or exc})"
        self.push = push
        announced = False
        next_mic_check = time.monotonic() + MIC_CHECK_S
        restart = False
        try:
            while not self._stop.wait(0.1):
                if not push.alive:
                    break
                if push.publishing and not announced:
                    announced = True
                    log.info("stream: publishing to central (%s)", audio.describe())
                if push.stalled(self.config.stall_s):
                    push.stop()
                    return push.published_s >= STEADY_S, f"the stream stopped moving for {self.config.stall_s:g} s"
                if time.monotonic() >= next_mic_check:
                    next_mic_check = time.monotonic() + MIC_CHECK_S
                    if self._microphone_changed(audio):
                        restart = True
                        break
            steady = push.published_s >= STEADY_S or (time.monotonic() - push.started_at >= STEADY_S and announced)
            push.stop()
            if self._stop.is_set() or restart:
                return steady, None
            if push.audio_failed and audio is self.microphone:
                self._microphone_failed()
            return steady, f"the push ended ({push.error() or 'ffmpeg exited'})"
        finally:
            push.stop()

    # -- the microphone

    def _audio_for_attempt(self) -> AudioSource:
        """The microphone when it can be used, else silence; sets the microphone's state."""
        mic = self.microphone
        if mic is None:
            return Silence()
        if not mic.present():
            self._set_mic("lost")
            return Silence()
        failed = self._mic_failed_at
        if failed is not None and time.monotonic() - failed < MIC_RETRY_S:
            return Silence()
        self._mic_failed_at = None
        self._set_mic("ok")
        return mic

    def _microphone_changed(self, audio: AudioSource) -> bool:
        """Whether the push should start again: the microphone was unplugged or came back."""
        mic = self.microphone
        if mic is None:
            return False
        present = mic.present()
        if audio is mic and not present:
            self._set_mic("lost")
            return True
        with self._lock:
            lost = self._mic_state == "lost"
        return lost and present  # plugged back in: restart with it

    def _microphone_failed(self) -> None:
        assert self.microphone is not None
        if self.microphone.present():
            self._mic_failed_at = time.monotonic()
            self._set_mic("error")
        else:
            self._set_mic("lost")

    def _set_mic(self, state: str) -> None:
        with self._lock:
            changed, self._mic_state = self._mic_state != state, state
        if changed and state != "ok":
            log.warning("stream: microphone %s; the stream carries silence", state)


def open_publisher(
    config: StreamConfig,
    camera: Camera | None,
    keys: Callable[[], PublishUrls],
    backend: str,
    settings: EncoderSettings,
) -> Publisher:
    """The publisher for ``[stream]``: the backend's microphone and encoder, ffmpeg found.

    ``backend`` is ``[camera] backend``. Raises :class:`DeviceError` naming the
    fix when ffmpeg is missing or the configured encoder does not exist here.
    The microphone being absent is not an error here: the publisher reports it
    ``lost`` and pushes silence until it is plugged in.
    """
    from drivers.stream.settings import choose_encoder, ffmpeg_path
    from drivers.stream.sources import AlsaMicrophone, SimulatedMicrophone

    ffmpeg = ffmpeg_path()
    encoder = choose_encoder(config, backend)
    microphone: AudioSource | None
    if not config.microphone:
        microphone = None
    elif backend == "simulated":
        microphone = SimulatedMicrophone()
    else:
        microphone = AlsaMicrophone(config.microphone)
    if camera is None:
        raise DeviceError(DEVICE, "no camera to push", "set [camera] enabled = true and check the camera")
    return Publisher(config, settings, camera, microphone, keys, ffmpeg, encoder)
