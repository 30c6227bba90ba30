"""``kiosk doctor``'s camera, microphone and test-publish lines, against a real central with its media server."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.base import shipped_dir
from kiosk.config import Config, parse_config
from kiosk.doctor import Options, check_camera, check_microphone, check_stream
from tests.central.media_server import MediaRig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[MediaRig]:
    with MediaRig(tmp_path) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        yield rig


def office(tmp_path: Path, server_url: str, device: dict[str, Any] | None, **stream: Any) -> Config:
    """The demo office with a simulated camera streamed to ``server_url``, enrolled as ``device``."""
    with open(shipped_dir("config") / "demo.toml", "rb") as handle:
        data = tomllib.load(handle)
    token_file = tmp_path / "central-token.json"
    if device is not None:
        token_file.write_text(json.dumps({"device_id": device["device_id"], "token": device["token"]}))
        os.chmod(token_file, 0o600)
    data["camera"] = {"enabled": True, "backend": "simulated", "snapshot_dir": str(tmp_path / "snaps")}
    data["sync"] = {"server_url": server_url, "token_file": str(token_file)}
    data["stream"] = {"enabled": True, **stream}
    return parse_config(data)


def test_doctor_publishes_a_test_stream_to_central(rig, tmp_path) -> None:
    config = office(tmp_path, rig.web_url, rig.enroll("ld"))
    camera = check_camera(config, Options())
    microphone = check_microphone(config, Options())
    stream = check_stream(config, Options())
    assert camera.ok and microphone.ok and stream.ok, (camera, microphone, stream)
    assert "simulated microphone" in microphone.detail and "dB" in microphone.detail
    assert stream.detail.startswith("published 3 s to central: 1280x720 software H.264 + sound (ok)"), stream.detail
    assert "thumbnail 320x180" in stream.detail


def test_doctor_names_the_fix_when_the_kiosk_was_revoked(rig, tmp_path) -> None:
    device = rig.enroll("ld")
    rig.revoke(device["device_id"])
    line = check_stream(office(tmp_path, rig.web_url, device), Options())
    assert not line.ok
    assert "401" in line.detail and "kiosk enroll" in line.detail, line.detail
    assert device["token"] not in str(line) and "key=" not in str(line)


def test_doctor_names_the_fix_without_a_microphone(tmp_path) -> None:
    config = office(tmp_path, "http://127.0.0.1:9", None, microphone="plughw:7,0")
    config = config.model_copy(update={"camera": config.camera.model_copy(update={"backend": "real"})})
    line = check_microphone(config, Options())
    assert not line.ok and "arecord -l" in line.detail, line
    # No Pi camera stack on this machine either: the camera line names what to install, nothing falls back.
    no_camera = check_camera(config, Options())
    assert not no_camera.ok and "python3-picamera2" in no_camera.detail, no_camera
    assert not check_stream(config, Options()).ok
