"""The web server in its thread: start, stop, a busy port, and the camera stream over real HTTP."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from drivers.camera import MJPEG_CONTENT_TYPE, CameraConfig
from drivers.camera.simulated import SimulatedCamera
from kiosk.web.config import WebConfig
from kiosk.web.server import start_server
from kiosk.web.app import MAX_CAMERA_VIEWERS
from tests.conftest import at
from tests.web.conftest import LEADER_PASSWORD
from tests.web.fakes import FakeOffice


@pytest.fixture
def camera(tmp_path: Path) -> Iterator[SimulatedCamera]:
    cam = SimulatedCamera(CameraConfig(enabled=True, backend="simulated", resolution=(320, 240), frame_rate=10,
                                       snapshot_dir=str(tmp_path / "snaps")), [1])
    yield cam
    cam.close()


def leader_client(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10)
    page = client.get("/leader").text
    token = page.split('name="csrf" content="', 1)[1].split('"', 1)[0]
    response = client.post("/api/leader/login", json={"password": LEADER_PASSWORD}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    return client


def first_frame(chunks: Iterator[bytes]) -> bytes:
    """The first JPEG of a multipart/x-mixed-replace body, read from ``response.iter_bytes()``.

    Keep the iterator referenced while the stream must stay open: an abandoned
    ``iter_bytes()`` generator closes its connection when it is garbage collected.
    """
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        head, sep, rest = buffer.partition(b"\r\n\r\n")
        if sep:
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            if len(rest) >= length:
                assert head.startswith(b"--frame\r\nContent-Type: image/jpeg")
                return rest[:length]
    raise AssertionError("the stream ended before a frame")


def test_start_serve_and_stop(demo_config, credentials: Path) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"))
    server = start_server(office, WebConfig(port=0, credentials_file=str(credentials)))
    assert server.url.startswith("http://127.0.0.1:") and server.port > 0
    assert "Quầy 1" in httpx.get(server.url + "/").text
    # A second server on the same port fails in the caller, not in a thread.
    with pytest.raises(OSError):
        start_server(office, WebConfig(port=server.port, credentials_file=str(credentials)))
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/", timeout=2)


def test_stop_does_not_wait_for_long_polls(demo_config, credentials: Path) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"))
    server = start_server(office, WebConfig(port=0, credentials_file=str(credentials)))
    client = leader_client(server.url)
    results: list[int] = []
    poll = threading.Thread(target=lambda: results.append(
        client.get("/api/view?since=0&wait=25", timeout=30).status_code))
    poll.start()
    time.sleep(0.5)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 4
    poll.join(10)
    assert not poll.is_alive()


def test_leader_watches_the_camera_stream(demo_config, credentials: Path, camera: SimulatedCamera) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), camera=camera)
    server = start_server(office, WebConfig(port=0, credentials_file=str(credentials)))
    try:
        anonymous = httpx.get(server.url + "/leader/camera.mjpg")
        assert anonymous.status_code == 401 and b"\xff\xd8" not in anonymous.content
        client = leader_client(server.url)
        with client.stream("GET", "/leader/camera.mjpg") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == MJPEG_CONTENT_TYPE
            image = Image.open(io.BytesIO(first_frame(response.iter_bytes())))
            assert image.format == "JPEG" and image.size == (320, 240)
    finally:
        server.stop()


def test_camera_viewers_are_limited_and_released(demo_config, credentials: Path, camera: SimulatedCamera) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), camera=camera)
    server = start_server(office, WebConfig(port=0, credentials_file=str(credentials)))

    def open_viewer(client: httpx.Client, patience: float) -> tuple[object, httpx.Response]:
        # A slot is freed once the server notices the viewer's connection closed: allow a moment.
        deadline = time.monotonic() + patience
        while True:
            stream = client.stream("GET", "/leader/camera.mjpg")
            response = stream.__enter__()
            if response.status_code == 200 or time.monotonic() > deadline:
                return stream, response
            stream.__exit__(None, None, None)
            time.sleep(0.1)

    try:
        client = leader_client(server.url)
        for patience in (0.0, 5.0):  # the second round needs the slots the first one freed
            viewers = [open_viewer(client, patience) for _ in range(MAX_CAMERA_VIEWERS)]
            # Held until the viewers close: a collected reader would close its connection and free its slot.
            readers = [response.iter_bytes() for _, response in viewers]
            for (_, response), reader in zip(viewers, readers):
                assert response.status_code == 200
                assert Image.open(io.BytesIO(first_frame(reader))).size == (320, 240)
            # Streamed, so that a wrongly granted fifth viewer fails here instead of reading forever.
            with client.stream("GET", "/leader/camera.mjpg") as extra:
                assert extra.status_code == 503, f"a fifth viewer was let in (round with patience {patience} s)"
                assert "đang xem camera" in json.loads(extra.read())["vi"]
            for stream, _ in viewers:
                stream.__exit__(None, None, None)
    finally:
        server.stop()


def test_simulated_office_on_the_network_is_refused(demo_config, credentials: Path) -> None:
    office = FakeOffice(demo_config, at("2026-11-24 09:00"), simulate=True)
    with pytest.raises(ValueError, match="loopback"):
        start_server(office, WebConfig(bind="0.0.0.0", port=0, credentials_file=str(credentials)))
    # Nothing was left listening.
    probe = socket.socket()
    try:
        probe.bind(("0.0.0.0", 0))
    finally:
        probe.close()
