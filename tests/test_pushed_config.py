"""The central server's configuration, as the kiosk stores it: applied at every start, over the local layers.

What central may change and what stays the kiosk's is in docs/configuration.md
("Layers"); the whole path against a real server is in
tests/central/test_pushed_restart.py.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.bootconfig import LOCAL_PATHS, LOCAL_SECTIONS, SYNC_TIMING, load_at_boot, load_file, store_central
from kiosk.config import SyncConfig, load_config, parse_config, resolve_paths
from kiosk.printing import ticket_view
from kiosk.state import Ticket
from kiosk.sync import SyncWorker
from tests.conftest import DEMO, ROOT
from tests.office_files import office_documents

EXAMPLE = ROOT / "config" / "kiosk.example.toml"
SERVER = "https://central.example.vn"
TICKET = Ticket(id="t-1", day="2026-11-24", service="oto", number=1001, display="1001", priority=False,
                issued_at="2026-11-24T08:00:00+07:00", queue_seq=1)


def kiosk(tmp_path: Path, defaults_file: Path = EXAMPLE) -> tuple[Path, Path, Path, SyncConfig]:
    """An enrolled kiosk's files: the image's defaults, a boot file with [sync], the token."""
    state = tmp_path / "state"
    state.mkdir(parents=True)
    defaults = tmp_path / "etc" / "kiosk.toml"
    defaults.parent.mkdir(parents=True)
    defaults.write_text(defaults_file.read_text(encoding="utf-8"), encoding="utf-8")
    boot = tmp_path / "boot" / "kiosk.toml"
    boot.parent.mkdir(parents=True)
    boot.write_text(
        f'[sync]\nserver_url = "{SERVER}"\ntoken_file = "{state / "token.json"}"\n'
        f'config_cache = "{state / "central-config.json"}"\n',
        encoding="utf-8",
    )
    (state / "token.json").write_text(json.dumps({"device_id": "dev-1", "token": "t"}), encoding="utf-8")
    sync = load_at_boot(defaults, boot, state / "last-good.json").config.sync
    return defaults, boot, state / "last-good.json", sync


def central_document(**site: str) -> dict:
    """What an administrator gives `kiosk-central set-config`: a whole office, here without [sync]."""
    document = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["site"].update(site)
    document["board"]["notices"] = ["Từ thứ Hai, cấp căn cước cả buổi chiều"]
    document["store"] = {"path": "/srv/elsewhere/kiosk.db"}
    document["web"] = {"enabled": False}
    document["keypads"]["pairings_file"] = "/srv/elsewhere/keypads.json"
    return document


def test_the_stored_central_configuration_is_what_the_kiosk_starts_on(tmp_path):
    defaults, boot, last_good, sync = kiosk(tmp_path)
    local = load_at_boot(defaults, boot, last_good).config
    store_central(sync, 4, central_document(hotline="1900 0000"), "dev-1")
    loaded = load_at_boot(defaults, boot, last_good)  # a restart, or a power cut
    config = loaded.config
    assert (loaded.source, config.site.hotline) == ("files", "1900 0000")
    assert config.board.notices == ["Từ thứ Hai, cấp căn cước cả buổi chiều"]  # a device section: applied at start
    # What stays the kiosk's: where it syncs (the QR code on tickets too), its data, its pages, its files.
    assert config.sync == local.sync and ticket_view(config, TICKET).qr_url == f"{SERVER}/t/t-1"
    assert (config.store, config.web) == (local.store, local.web)
    assert config.keypads.pairings_file == local.keypads.pairings_file
    assert json.loads(last_good.read_text(encoding="utf-8"))["central_version"] == 4
    # The version it holds is the one it asks the server about: an unchanged config is answered 304.
    worker = SyncWorker(tmp_path / "kiosk.db", config.sync, on_acked=lambda seq: None)
    assert worker._config_etag == '"v4"' and worker.config_version() == 4


def test_a_pushed_sync_section_never_changes_where_or_with_what_the_kiosk_syncs(tmp_path):
    defaults, boot, last_good, sync = kiosk(tmp_path)
    document = central_document(hotline="1900 0000")
    document["sync"] = {"server_url": "https://elsewhere.example.vn", "token_file": "/srv/token.json",
                        "config_cache": "/srv/config.json", "ca_file": "/srv/ca.pem", "interval_seconds": 5.0}
    store_central(sync, 6, document, "dev-1")
    config = load_at_boot(defaults, boot, last_good).config
    assert config.site.hotline == "1900 0000"
    assert config.sync == sync.model_copy(update={"interval_seconds": 5.0})  # only how often came from central


def test_a_broken_boot_file_runs_on_the_last_good_with_the_central_configuration_over_it(tmp_path):
    defaults, boot, last_good, sync = kiosk(tmp_path)
    store_central(sync, 2, central_document(hotline="1900 0000"), "dev-1")
    load_at_boot(defaults, boot, last_good)
    boot.write_bytes(b"")
    loaded = load_at_boot(defaults, boot, last_good)
    assert (loaded.source, loaded.config.site.hotline) == ("last-good", "1900 0000")
    assert loaded.config.sync.server_url == SERVER


def test_the_plain_config_file_gets_the_central_configuration_too(tmp_path):
    defaults, boot, last_good, sync = kiosk(tmp_path)
    store_central(sync, 7, central_document(hotline="1900 7777"), "dev-1")
    whole = tmp_path / "whole.toml"  # `kiosk run --config FILE`, no boot partition
    whole.write_text(EXAMPLE.read_text(encoding="utf-8") + boot.read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load_file(whole)
    assert loaded.config.site.hotline == "1900 7777" and loaded.layers.applied.central == 7


def test_a_configuration_from_another_server_or_enrolment_is_neither_applied_nor_asked_about(tmp_path):
    defaults, boot, last_good, sync = kiosk(tmp_path)
    for other in (sync.model_copy(update={"server_url": "https://old-central.example.vn"}), sync):
        store_central(other, 9, central_document(hotline="1900 9999"), "dev-1" if other is not sync else "dev-0")
        loaded = load_at_boot(defaults, boot, last_good)
        assert loaded.config.site.hotline == "0263 3822 113"  # the local one
        assert SyncWorker(tmp_path / "kiosk.db", sync, on_acked=lambda seq: None)._config_etag is None


def test_a_central_configuration_that_cannot_apply_is_said_on_the_board(tmp_path):
    defaults, boot, last_good, sync = kiosk(tmp_path)
    document = central_document()
    document["queue"] = {"priority": "sometimes"}  # accepted by an older server, refused by this kiosk
    store_central(sync, 5, document, "dev-1")
    loaded = load_at_boot(defaults, boot, last_good)
    assert loaded.source == "files" and loaded.layers.applied.central is None
    assert [n.vi for n in loaded.notes] == [
        "Không áp dụng được cấu hình từ máy chủ trung tâm (phiên bản 5): "
        "queue.priority: 'sometimes' is not allowed; use one of 'strict' or 'interleave'"
    ]


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=office_documents(), defaults_file=st.sampled_from([EXAMPLE, DEMO]))
def test_every_central_configuration_valid_on_its_own_is_applied_and_never_moves_the_kiosk(
    tmp_path_factory, document, defaults_file
):
    defaults, boot, last_good, sync = kiosk(tmp_path_factory.mktemp("kiosk"), defaults_file)
    local = load_at_boot(defaults, boot, last_good).config
    store_central(sync, 3, document, "dev-1")
    loaded = load_at_boot(defaults, boot, last_good)
    assert (loaded.source, loaded.layers.applied.central) == ("files", 3), loaded.notes
    config = loaded.config
    alone = resolve_paths(parse_config(document), defaults.parent)
    for section in document:
        if section in (*LOCAL_SECTIONS, "sync"):
            continue
        ours, theirs = getattr(config, section), getattr(alone, section)
        if section in LOCAL_PATHS:  # its file paths stay the kiosk's
            blank = dict.fromkeys(LOCAL_PATHS[section])
            ours, theirs = ours.model_copy(update=blank), theirs.model_copy(update=blank)
        assert ours == theirs, section
    for section in LOCAL_SECTIONS:
        assert getattr(config, section) == getattr(local, section), section
    # Where and with what the kiosk syncs stays its own; how often may come from central.
    timing = {key: getattr(alone.sync, key) for key in SYNC_TIMING if key in document.get("sync", {})}
    assert config.sync == local.sync.model_copy(update=timing)
    assert load_config(defaults)  # the image's file is untouched
