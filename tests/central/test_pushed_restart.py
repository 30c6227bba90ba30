"""A configuration pushed by the real central server survives the kiosk's restart; the server then answers 304.

The kiosk process starts as ``kiosk run --boot-config`` starts it (``load_at_boot``,
then ``Process``), with every device simulated.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from central import core
from kiosk.bootconfig import load_at_boot
from kiosk.config import SyncConfig
from kiosk.printing import ticket_view
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from kiosk.enrolment import enroll_with, read_token
from tests.conftest import DEMO
from tests.test_office import drive, wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast

NOTICE = "Từ thứ Hai, phòng mở cửa cả sáng thứ Bảy"


def boot_process(tmp_path: Path, defaults: Path, boot: Path, last_good: Path) -> Process:
    """A start of the kiosk, as the service does it."""
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.problem is None
    config = simulated_config(loaded.config, tmp_path / "office", web_port=0)
    pair_keypads(config)
    process = Process(config, defaults, ScaledClock(weekday_morning(config.site.tz, 8, 0)), simulate=True,
                      boot_path=boot, layers=loaded.layers)
    process.start()
    return process


def test_a_pushed_config_is_applied_again_after_a_restart(tmp_path, live, central):
    central.site("ld")
    defaults = tmp_path / "etc" / "kiosk.toml"
    defaults.parent.mkdir()
    defaults.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    state = tmp_path / "state"
    sync = SyncConfig(server_url=live.url, token_file=str(state / "token.json"),
                      config_cache=str(state / "central-config.json"), interval_seconds=0.3, heartbeat_seconds=0.3,
                      config_seconds=0.3, backoff_base_seconds=0.1, backoff_max_seconds=0.3)
    enroll_with(sync, code=central.code("ld"))
    boot = tmp_path / "boot" / "kiosk.toml"
    boot.parent.mkdir()
    boot.write_text("[sync]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in sync.model_dump(exclude_none=True).items()),
                    encoding="utf-8")
    last_good = state / "last-good.json"
    local_hotline = load_at_boot(defaults, boot, last_good).config.site.hotline

    # The province pushes a new hotline and a board notice: a file central accepts (its [sync] is this server).
    pushed = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    pushed["site"]["hotline"] = "1900 1234"
    pushed["board"]["notices"] = [NOTICE]
    pushed["sync"] = {"server_url": live.url}
    for local in ("store", "web"):
        pushed.pop(local, None)
    with central.engine.begin() as conn:
        version = core.set_site_config(conn, "ld", pushed)

    process = boot_process(tmp_path, defaults, boot, last_good)
    before: dict = {}

    def running() -> None:
        before["local"] = process.office.view().hotline
        wait_for(lambda: process.office.view().hotline == "1900 1234", seconds=20)
        before["qr"] = ticket_view(process.office.config, _ticket()).qr_url  # [sync] stays: the QR code too
        before["notices"] = process.config.board.notices  # a device section: at the next start

    drive(process, running)
    assert (before["local"], before["qr"]) == (local_hotline, f"{live.url}/t/t-1")
    assert NOTICE not in before["notices"]
    assert json.loads(last_good.read_text(encoding="utf-8"))["central_version"] == version

    live.stop()  # a power cut; the kiosk comes back before the network does
    process = boot_process(tmp_path, defaults, boot, last_good)
    after: dict = {"config_answers": []}

    def restarted() -> None:
        after["hotline"] = process.office.view().hotline  # at once, with no server to ask
        after["notices"] = process.config.board.notices
        after["qr"] = ticket_view(process.office.config, _ticket()).qr_url
        request = process.sync._request

        def watched(client, method, path, **kwargs):  # what the server answers the kiosk's config checks
            response = request(client, method, path, **kwargs)
            if path.endswith("/config"):
                after["config_answers"].append(response.status_code)
            return response

        process.sync._request = watched
        live.start()
        wait_for(lambda: after["config_answers"], seconds=20)
        device = read_token(sync.token_file)["device_id"]
        wait_for(lambda: _heartbeat(central, device).get("config_version") == version, seconds=20)

    drive(process, restarted)
    assert after["hotline"] == "1900 1234"
    assert after["notices"] == [NOTICE]
    assert after["qr"] == f"{live.url}/t/t-1"
    assert set(after["config_answers"]) == {304}  # the kiosk holds the server's version: nothing to send


def _ticket():
    from kiosk.state import Ticket

    return Ticket(id="t-1", day="2026-11-24", service="oto", number=1001, display="1001", priority=False,
                  issued_at="2026-11-24T08:00:00+07:00", queue_seq=1)


def _heartbeat(central, device_id: str) -> dict:
    text = central.scalar(f"SELECT heartbeat_json FROM devices WHERE id = '{device_id}'")
    return json.loads(text) if text else {}
