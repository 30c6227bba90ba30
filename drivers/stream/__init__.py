"""The counter camera and its microphone, pushed live to central's operations room.

The kiosk pushes two RTMP streams to central's media server (nginx with the
RTMP module): the main one (the camera's picture in H.264 with the microphone
in AAC) and a 320x180 thumbnail without sound, to the URLs and keys central
hands out at ``POST /api/v1/media/publish``. See docs/camera.md.

Both backends share everything but the last hop: where the pictures come from
(the camera's frame hub, filled by picamera2 or by the simulated drawer), where
the sound comes from (ALSA or a synthetic tone) and which H.264 encoder makes
the main stream (the Pi 4's hardware one or libx264).

The modules:

==========================  ===================================================
``config``                  :class:`StreamConfig`, the ``[stream]`` section
``settings``                :class:`EncoderSettings`: sizes, rates, keyframes, ffmpeg's encoder arguments
``sources``                 the last hop: camera frames, ALSA / simulated microphone, silence
``clock_code``              the wall clock burned into simulated frames (latency), Python and JS decoders
``push``                    :class:`Push`: the one ffmpeg process every backend uses
``keys``                    :class:`CentralKeys`: fresh publish URLs from central
``publisher``               :class:`Publisher`: the reconnect loop and the status
``__main__``                ``python -m drivers.stream``: push a test stream to given URLs
==========================  ===================================================

Importing this package starts nothing and loads neither Pillow nor httpx.
"""

from __future__ import annotations

from drivers.stream.config import DEVICE, StreamConfig, load_stream_config

__all__ = ["DEVICE", "StreamConfig", "load_stream_config"]
