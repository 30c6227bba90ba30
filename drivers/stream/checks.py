"""The technician's checks (``kiosk doctor``): the microphone records sound, and a test publish reaches central.

Each returns a line for the report or raises :class:`DeviceError` naming the fix.
"""

from __future__ import annotations

import math
import time

from drivers.base import DeviceError
from drivers.stream.config import DEVICE, StreamConfig
from drivers.stream.publisher import Publisher
from drivers.stream.settings import ffmpeg_path
from drivers.stream.sources import (
    MICROPHONE, NO_MICROPHONE_FIX, AlsaMicrophone, AudioSource, SimulatedMicrophone, measure_level,
)

#: Below this mean level a microphone records nothing a viewer could hear (muted, or a dead capsule).
SILENT_DB = -75.0


def microphone_for(config: StreamConfig, backend: str) -> AudioSource | None:
    """The microphone ``[stream]`` names for ``backend`` (``[camera] backend``); ``None`` when none is fitted."""
    if not config.microphone:
        return None
    return SimulatedMicrophone() if backend == "simulated" else AlsaMicrophone(config.microphone)


def check_microphone(config: StreamConfig, backend: str, seconds: float = 1.0) -> str:
    """Record ``seconds`` from the microphone; its description and level, or DeviceError with the fix."""
    microphone = microphone_for(config, backend)
    if microphone is None:
        return "none configured ([stream] microphone = \"\"): the stream carries silence"
    if not microphone.present():
        raise DeviceError(MICROPHONE, f"no capture device {config.microphone!r}", NO_MICROPHONE_FIX)
    level = measure_level(microphone, ffmpeg_path(), seconds)
    if level < SILENT_DB:
        shown = "-inf" if math.isinf(level) else f"{level:.0f}"
        raise DeviceError(
            MICROPHONE, f"{microphone.describe()} records only silence ({shown} dB)",
            "unmute its capture in `alsamixer -c N` (F4), and check that it is the microphone's card in `arecord -l`",
        )
    return f"{microphone.describe()}, sound level {level:.0f} dB"


def trial_publish(publisher: Publisher, seconds: float = 3.0, within_s: float = 15.0) -> str:
    """Publish for ``seconds`` once the stream reaches central (waiting up to ``within_s``), then stop.

    Raises :class:`DeviceError` saying why it did not reach central and what to do.
    """
    publisher.start()
    try:
        deadline = time.monotonic() + within_s
        while not publisher.publishing:
            if time.monotonic() > deadline:
                raise DeviceError(DEVICE, f"no stream reached central within {within_s:g} s "
                                  f"({publisher.last_error or 'no answer'})", _fix(publisher.last_error or ""))
            time.sleep(0.2)
        time.sleep(seconds)
        if not publisher.publishing:
            raise DeviceError(DEVICE, f"the stream dropped ({publisher.last_error})", _fix(publisher.last_error or ""))
        status = publisher.status()
    finally:
        publisher.stop()
    settings = publisher.settings
    width, height = settings.thumb_size
    return (f"published {seconds:g} s to central: {settings.width}x{settings.height} {publisher.encoder} H.264 "
            f"+ sound ({status['microphone']}), thumbnail {width}x{height}")


def _fix(error: str) -> str:
    """What to do about why a publish failed."""
    if "401" in error or "no token" in error:
        return "this kiosk is not enrolled or was revoked: run kiosk enroll with a new code"
    if "503" in error:
        return "central's media server is off: central's admin sets [media] enabled = true"
    if "cannot reach" in error:
        return "check the network and [sync] server_url"
    return "the office's firewall must let the kiosk out to central's RTMP port (TCP 1935 by default)"
