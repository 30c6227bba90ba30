"""First boot: the enrolment code in the SD card's kiosk.toml is used once the server answers, then removed."""

from __future__ import annotations

import pytest

from kiosk.bootconfig import load_layers
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from kiosk.enrolment import read_token
from tests.conftest import DEMO
from tests.test_office import drive, wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast


def test_first_boot_enrols_retrying_until_the_server_answers(tmp_path, live, central):
    central.site("ld")
    code = central.code("ld")
    live.stop()  # the office boots before the network is up
    defaults = tmp_path / "etc" / "kiosk.toml"
    defaults.parent.mkdir()
    defaults.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    boot = tmp_path / "boot" / "kiosk.toml"
    boot.parent.mkdir()
    token = tmp_path / "state" / "token.json"
    boot.write_text(
        f'[sync]\nserver_url = "{live.url}"\nenrolment_code = "{code}"\ntoken_file = "{token}"\n'
        f'config_cache = "{tmp_path / "state" / "config.json"}"\ninterval_seconds = 0.5\n',
        encoding="utf-8",
    )
    config, _ = load_layers(defaults, boot)
    config = simulated_config(config, tmp_path / "office", web_port=0)
    pair_keypads(config)
    process = Process(config, defaults, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True,
                      boot_path=boot)
    process._enrol_delay = 0.5
    process.start()
    seen = {}

    def body() -> None:
        wait_for(lambda: any(b.text_vi.startswith("Chưa đăng ký được với máy chủ trung tâm")
                             for b in process.office.view().banners), seconds=15)
        seen["offline"] = True
        process.office.simulation.press_service("oto")  # the office works meanwhile
        live.start()  # the network comes up
        wait_for(lambda: token.exists(), seconds=30)
        wait_for(lambda: not any(b.text_vi.startswith("Chưa đăng ký") for b in process.office.view().banners))
        device = read_token(token)["device_id"]
        wait_for(lambda: central.events(device), seconds=15)
        seen["device"] = device

    drive(process, body)
    assert seen.get("offline") and seen.get("device")
    text = boot.read_text(encoding="utf-8")
    assert code not in text and "# enrolment_code: used and removed by the kiosk" in text
    types = [row.type for row in central.events(seen["device"])]
    assert "ticket_issued" in types
