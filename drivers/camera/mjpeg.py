"""The live stream's framing: JPEG frames as the parts of a ``multipart/x-mixed-replace`` body.

Browsers show such a body as a moving picture in an ``<img>``. The leader's web
page (kiosk/web) and the test server (``python -m drivers.camera --serve``)
both serve :func:`mjpeg_chunks` with :data:`MJPEG_CONTENT_TYPE`.
"""

from __future__ import annotations

from collections.abc import Iterator

from drivers.camera.interface import Camera

#: The boundary between JPEG parts of the MJPEG stream.
MJPEG_BOUNDARY = "frame"
#: The Content-Type of the HTTP response that carries :func:`mjpeg_chunks`.
MJPEG_CONTENT_TYPE = f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}"


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
