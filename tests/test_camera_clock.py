"""The simulated camera's frames show the office's time (``[site] timezone``), not the machine's."""

from __future__ import annotations

import time
from datetime import timedelta

from kiosk.devices import open_devices
from tests.conftest import small_config


def test_the_simulated_camera_shows_the_office_time_whatever_the_machine_zone(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # a machine set up far from the office
    time.tzset()
    config = small_config(site__timezone="Asia/Tokyo", camera={"enabled": True, "backend": "simulated",
                                                              "resolution": [320, 180], "frame_rate": 5},
                          printer={"backend": "simulated", "output_dir": str(tmp_path / "tickets")})
    devices, problems = open_devices(config, lambda event: None)
    try:
        assert devices.camera is not None, problems
        assert devices.camera.clock().utcoffset() == timedelta(hours=9)
    finally:
        devices.close_inputs()  # the camera's thread (the print worker is not started until the office runs)
        if devices.announcer is not None:
            devices.announcer.close()
        monkeypatch.undo()
        time.tzset()
