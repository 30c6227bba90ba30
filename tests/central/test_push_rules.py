"""Central refuses a configuration that would cut the office off (issue 11, point 4, central's half).

``kiosk-central set-config`` checks the file as the kiosk does, then against
what central may push (central/pushed.py): ``[sync]`` with this server's
address is required; ``[store]``, ``[web]`` and the kiosk's own ``[sync]`` files
stay local.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central import pushed
from central.cli import main
from tests.central.conftest import Central
from tests.conftest import DEMO

URL = "https://central.example.gov.vn"


def pushable_demo(server_url: str | None = URL) -> str:
    """The demo office's file as central may push it: no [store], [web] or folders, a [sync] with this server."""
    text = DEMO.read_text(encoding="utf-8")
    kept, skipping, section = [], False, ""
    for line in text.splitlines():
        header = re.match(r"\s*\[+([a-z_.]+)\]+", line)
        if header:
            section = header.group(1).split(".")[0]
            skipping = section in ("store", "web")
        key = re.match(r"\s*([a-z_]+)\s*=", line)
        if not skipping and not (key and key.group(1) in pushed.LOCAL_PATHS.get(section, ())):
            kept.append(line)
    if server_url is not None:
        kept += ["", "[sync]", f'server_url = "{server_url}"', "heartbeat_seconds = 60"]
    return "\n".join(kept) + "\n"


def set_config(db_url: str, tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["set-config", "ld", str(path), "--db", db_url, *extra])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def site(central: Central) -> Central:
    central.site()
    return central


def test_a_config_without_sync_is_refused_with_the_reason(site: Central, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, said = set_config(site.url, tmp_path, pushable_demo(None), capsys, "--server-url", URL)
    assert code == 1
    assert "[sync] server_url is missing" in said and "stop syncing" in said and f'server_url = "{URL}"' in said
    assert site.scalar("SELECT config_version FROM sites") == 0


def test_a_config_for_another_server_is_refused(site: Central, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, said = set_config(site.url, tmp_path, pushable_demo("https://other.example.vn"), capsys, "--server-url", URL)
    assert code == 1 and "is not this server" in said and "lose central" in said
    assert site.scalar("SELECT config_json FROM sites") is None


@pytest.mark.parametrize(
    "extra, words",
    [
        ('[store]\npath = "/tmp/x.db"\n', "[store] stays local"),
        ('[web]\nport = 9000\n', "[web] stays local"),
    ],
)
def test_local_sections_are_refused(site: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    extra: str, words: str) -> None:
    code, said = set_config(site.url, tmp_path, extra + pushable_demo(), capsys, "--server-url", URL)
    assert code == 1 and words in said


def test_a_devices_folders_are_refused(site: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = pushable_demo().replace("[printer]\n", '[printer]\noutput_dir = "/srv/x"\n')
    code, said = set_config(site.url, tmp_path, text, capsys, "--server-url", URL)
    assert code == 1 and "printer.output_dir stays local" in said


@pytest.mark.parametrize("key", ["token_file", "ca_file", "config_cache", "enrolment_code"])
def test_the_kiosks_own_sync_keys_are_refused(site: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              key: str) -> None:
    code, said = set_config(site.url, tmp_path, pushable_demo() + f'{key} = "x"\n', capsys, "--server-url", URL)
    assert code == 1 and f"sync.{key} stays local" in said


def test_a_pushable_config_is_set_and_served(site: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    code, said = set_config(site.url, tmp_path, pushable_demo(URL + "/"), capsys, "--server-url", URL.upper())
    assert code == 0 and "version 1" in said
    # Next time, the site's own address is the reference (or $KIOSK_CENTRAL_URL).
    code, said = set_config(site.url, tmp_path, pushable_demo(), capsys)
    assert code == 0 and "version 2" in said
    code, said = set_config(site.url, tmp_path, pushable_demo("https://moved.example.vn"), capsys)
    assert code == 1 and "is not this server" in said
    monkeypatch.setenv("KIOSK_CENTRAL_URL", "https://moved.example.vn")
    from central.cli import build_parser  # the default is read when the parser is built

    assert build_parser().parse_args(["set-config", "ld", "f"]).server_url == "https://moved.example.vn"
    client = TestClient(site.app)
    device = client.post("/api/v1/enroll", json={"code": site.code(), "serial": "pi-1"}).json()
    served = client.get("/api/v1/config", headers={"Authorization": f"Bearer {device['token']}"}).json()
    assert served["version"] == 2 and served["config"]["sync"]["server_url"] == URL
    assert "store" not in served["config"] and "web" not in served["config"]


def test_the_first_config_needs_to_know_this_servers_address(site: Central, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CENTRAL_URL", raising=False)
    code, said = set_config(site.url, tmp_path, pushable_demo(), capsys)
    assert code == 1 and "--server-url" in said


def test_every_section_and_sync_key_is_either_pushable_or_local() -> None:
    """A section or [sync] key added to the kiosk's config must be put on one side or the other."""
    from kiosk.config import Config, SyncConfig

    assert set(pushed.PUSHABLE) | set(pushed.LOCAL) == set(Config.model_fields)
    assert set(pushed.SYNC_TIMING) | set(pushed.LOCAL_SYNC_KEYS) | {"server_url"} == set(SyncConfig.model_fields)
    assert json.dumps(sorted(pushed.LOCAL_SYNC_KEYS)) == '["ca_file", "config_cache", "enrolment_code", "token_file"]'
