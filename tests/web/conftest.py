"""Fixtures of the web tests: the demo office behind a fake Office, credentials in a temp folder."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions
    from fastapi.testclient import TestClient

from kiosk.config import Config, load_config
from kiosk.web.app import create_app
from kiosk.web.config import WebConfig
from kiosk.credentials import add_officer, set_leader_password
from tests.conftest import DEMO, at
from tests.web.fakes import FakeOffice

LEADER_PASSWORD = "mật-khẩu-lãnh-đạo"
OFFICERS = {"1234": ("Nguyễn Văn An", "4321"), "5678": ("Trần Thị Bình", "8765")}


@pytest.fixture(scope="session")
def demo_config() -> Config:
    return load_config(DEMO)


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    """A credentials file with the leader password and two officers."""
    path = tmp_path / "credentials.json"
    assert set_leader_password(path, LEADER_PASSWORD)[0] == 0
    for code, (name, pin) in OFFICERS.items():
        assert add_officer(path, code, name, pin)[0] == 0
    return path


@pytest.fixture
def make_client(demo_config: Config, credentials: Path) -> Callable[..., tuple[TestClient, FakeOffice]]:
    """Build (client, office); options: simulate, camera, credentials_file, clock."""

    def make(simulate: bool = False, camera: Any = None, credentials_file: Path | None = None,
             clock: Callable[[], float] | None = None, **web: Any) -> tuple[TestClient, FakeOffice]:
        office = FakeOffice(demo_config, at("2026-11-24 09:00"), camera=camera, simulate=simulate)
        config = WebConfig(credentials_file=str(credentials_file or credentials), **web)
        app = create_app(office, config, clock=clock) if clock else create_app(office, config)
        return TestClient(app), office

    return make


def csrf_of(client: TestClient, page: str = "/leader") -> str:
    """Open a page (which sets the session cookie) and read its CSRF token."""
    text = client.get(page).text
    return text.split('name="csrf" content="', 1)[1].split('"', 1)[0]


def login_officer(client: TestClient, counter: int = 1, code: str = "1234", pin: str | None = None) -> dict[str, str]:
    """Log an officer in at ``counter``; return the headers for later POSTs."""
    token = csrf_of(client, f"/counter/{counter}")
    pin = pin if pin is not None else OFFICERS[code][1]
    response = client.post(f"/api/counter/{counter}/login", json={"code": code, "pin": pin},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf"]}


def login_leader(client: TestClient) -> dict[str, str]:
    token = csrf_of(client)
    response = client.post("/api/leader/login", json={"password": LEADER_PASSWORD}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf"]}
