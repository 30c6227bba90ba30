"""The kiosk's own LAN page keeps showing the camera while central is unreachable and the publisher retries."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from drivers.camera import CameraConfig
from drivers.camera.simulated import SimulatedCamera
from drivers.stream import StreamConfig
from drivers.stream.keys import CentralKeys
from drivers.stream.publisher import Publisher
from drivers.stream.settings import EncoderSettings, ffmpeg_path
from drivers.stream.sources import SimulatedMicrophone
from kiosk.web.config import WebConfig
from kiosk.web.server import start_server
from tests.conftest import at
from tests.web.conftest import credentials, demo_config  # noqa: F401  (fixtures)
from tests.web.fakes import FakeOffice
from tests.web.test_server import leader_client

CAMERA = CameraConfig(enabled=True, backend="simulated", resolution=(1280, 720), frame_rate=10)


@pytest.fixture
def camera(tmp_path: Path) -> Iterator[SimulatedCamera]:
    cam = SimulatedCamera(CAMERA.model_copy(update={"snapshot_dir": str(tmp_path / "snaps")}), [1])
    yield cam
    cam.close()


def jpeg_parts(chunks: Iterator[bytes], count: int) -> list[bytes]:
    """The first ``count`` JPEG parts of a multipart/x-mixed-replace body, by their Content-Length."""
    buffer, parts = b"", []
    for chunk in chunks:
        buffer += chunk
        while True:
            head, sep, rest = buffer.partition(b"\r\n\r\n")
            if not sep:
                break
            assert head.lstrip(b"\r\n").startswith(b"--frame\r\nContent-Type: image/jpeg"), head[:60]
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            if len(rest) < length:
                break
            parts.append(rest[:length])
            buffer = rest[length:]
            if len(parts) == count:
                return parts
    raise AssertionError("the stream ended early")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_lan_page_streams_while_central_is_unreachable(demo_config, credentials, camera) -> None:  # noqa: F811
    config = StreamConfig(enabled=True)
    keys = CentralKeys(f"http://127.0.0.1:{closed_port()}", lambda: "token-of-this-kiosk", timeout=2)
    publisher = Publisher(config, EncoderSettings.of(config, CAMERA), camera, SimulatedMicrophone(), keys,
                          ffmpeg_path(), "software")
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), camera=camera)
    server = start_server(office, WebConfig(port=0, credentials_file=str(credentials)))
    publisher.start()
    try:
        time.sleep(2)
        client = leader_client(server.url)
        with client.stream("GET", "/leader/camera.mjpg") as response:
            assert response.status_code == 200
            frames = jpeg_parts(response.iter_bytes(), 3)
        assert all(Image.open(io.BytesIO(jpeg)).size == (1280, 720) for jpeg in frames)
        assert len(set(frames)) >= 2  # a moving picture, not one frame again
        assert publisher.attempts >= 2 and not publisher.publishing
        assert "cannot reach" in (publisher.last_error or "")
        assert publisher.status() == {"camera": "ok", "microphone": "ok", "publishing": False}
    finally:
        publisher.stop()
        server.stop()
