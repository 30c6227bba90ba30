"""The kiosk process with ``[stream]`` on: it publishes to central with its camera, reports the stream's
health in its heartbeat, and ends ffmpeg when it stops."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from central.models import Device
from drivers.camera import CameraConfig
from drivers.stream import StreamConfig
from kiosk.config import SyncConfig, load_config
from kiosk.run import Process
from kiosk.simulation import ScaledClock, simulated_config, weekday_morning
from tests.central.media_server import MediaRig
from tests.conftest import DEMO
from tests.test_office import wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast


def test_the_kiosk_process_streams_to_central_and_ends_ffmpeg_when_it_stops(tmp_path: Path) -> None:
    with MediaRig(tmp_path) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        director = rig.user("giamdoc", "director")
        device = rig.enroll("ld")
        token_file = tmp_path / "token.json"
        token_file.write_text(json.dumps({"device_id": device["device_id"], "token": device["token"]}))
        os.chmod(token_file, 0o600)
        config = load_config(DEMO).model_copy(update={
            "camera": CameraConfig(enabled=True, resolution=(1280, 720), frame_rate=10),
            "sync": SyncConfig(server_url=rig.web_url, token_file=str(token_file),
                               config_cache=str(tmp_path / "central-config.json"), heartbeat_seconds=1),
            "stream": StreamConfig(enabled=True),
        })
        config = simulated_config(config, tmp_path / "office", web_port=0)
        assert config.camera is not None and config.camera.backend == "simulated"
        process = Process(config, None, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True)
        process.start()
        try:
            rig.wait_playlist("live", device["device_id"], director, timeout_s=30)
            rig.wait_playlist("thumb", device["device_id"], director, timeout_s=10)
            wait_for(lambda: process.stream.status()["publishing"], 10)
            assert process.stream.status() == {"camera": "ok", "microphone": "ok", "publishing": True}

            def reported() -> dict | None:
                with rig.engine.connect() as conn:
                    row = conn.execute(select(Device.heartbeat_json).where(
                        Device.id == device["device_id"])).scalar()
                devices = json.loads(row or "{}").get("devices") or {}
                return devices if devices.get("camera") == "ok" and devices.get("microphone") == "ok" else None

            wait_for(reported, 15)  # the heartbeat carries the publisher's status to the operations room
            push = process.stream.push
        finally:
            process.shutdown()
        assert push is not None and not push.alive  # no ffmpeg left behind
