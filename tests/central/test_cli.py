"""The ``kiosk-central`` command line, as an admin without a browser uses it (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect

from central import cli
from central.db import normalise_url
from tests.central.conftest import ROOT_DIR, free_port
from tests.central.test_push_rules import pushable_demo
from tests.conftest import DEMO


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_has_help() -> None:
    for command in ([], ["serve"], ["migrate"], ["add-site"], ["set-config"], ["add-user"], ["enrolment-code"], ["revoke"]):
        done = subprocess.run([sys.executable, "-m", "central", *command, "--help"], cwd=ROOT_DIR,
                              capture_output=True, text=True)
        assert done.returncode == 0 and "usage: kiosk-central" in done.stdout, command
    assert "--db" in subprocess.run([sys.executable, "-m", "central", "serve", "--help"], cwd=ROOT_DIR,
                                    capture_output=True, text=True).stdout


def test_bring_an_office_online_from_the_command_line(db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, "migrate", "--db", db_url)[0] == 0
    assert run(capsys, "migrate", "--db", db_url)[0] == 0  # idempotent
    tables = set(inspect(create_engine(normalise_url(db_url))).get_table_names())
    assert {"alembic_version", "sites", "devices", "events", "boots", "users", "sessions", "rate_limits"} <= tables
    code, out, _ = run(capsys, "add-site", "ld-csgt", "Phòng CSGT Lâm Đồng", "--province", "Lâm Đồng", "--db", db_url)
    assert code == 0 and "ld-csgt" in out
    code, _, err = run(capsys, "add-site", "ld-csgt", "again", "--db", db_url)
    assert code == 1 and "already exists" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[site]\nunit_nam = "x"\n', encoding="utf-8")
    code, _, err = run(capsys, "set-config", "ld-csgt", str(bad), "--db", db_url)
    assert code == 1 and "not a valid kiosk configuration" in err and "unit_name" in err
    # The demo file sets what stays each kiosk's own ([store], [web]) and no [sync]: refused (issue 11, point 4).
    url = "https://central.example.gov.vn"
    code, _, err = run(capsys, "set-config", "ld-csgt", str(DEMO), "--server-url", url, "--db", db_url)
    assert code == 1 and "[store] stays local" in err and "[sync] server_url is missing" in err
    good = tmp_path / "good.toml"
    good.write_text(pushable_demo(url), encoding="utf-8")
    code, out, _ = run(capsys, "set-config", "ld-csgt", str(good), "--server-url", url, "--db", db_url)
    assert code == 0 and "version 1" in out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("mật-khẩu-dài-đủ\n"))
    code, out, _ = run(capsys, "add-user", "truong", "--role", "leader", "--site", "ld-csgt", "--password-stdin", "--db", db_url)
    assert code == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("ngan\n"))
    code, _, err = run(capsys, "add-user", "x", "--role", "admin", "--password-stdin", "--db", db_url)
    assert code == 1 and "at least 8" in err
    code, enrolment, _ = run(capsys, "enrolment-code", "ld-csgt", "--db", db_url)
    assert code == 0 and len(enrolment.strip()) == 14
    code, _, err = run(capsys, "enrolment-code", "nope", "--db", db_url)
    assert code == 1 and "no site" in err

    # serve, enrol through HTTP, revoke from the command line
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port)],
                            cwd=ROOT_DIR, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{url}/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                __import__("time").sleep(0.1)
        device = httpx.post(f"{url}/api/v1/enroll", json={"code": enrolment.strip(), "serial": "pi-1"}).json()
        headers = {"Authorization": f"Bearer {device['token']}"}
        config = httpx.get(f"{url}/api/v1/config", headers=headers).json()
        assert config["config"]["site"]["unit_name"]["vi"].startswith("Phòng Cảnh sát giao thông")
        assert run(capsys, "revoke", device["device_id"], "--db", db_url)[0] == 0
        assert httpx.get(f"{url}/api/v1/config", headers=headers).status_code == 401
        assert "/api/v1/events" in httpx.get(f"{url}/openapi.json").json()["paths"]
    finally:
        proc.terminate()
        proc.wait(10)
    code, _, err = run(capsys, "revoke", "no-such-device", "--db", db_url)
    assert code == 1 and "no device" in err


def test_migrations_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from central.db import make_engine, migrate
    from central.models import Base

    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []  # a model changed without a new migration otherwise
