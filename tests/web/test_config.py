"""The [web] section."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from kiosk.web.config import WebConfig, is_loopback


def test_defaults_are_safe() -> None:
    config = WebConfig()
    assert config.enabled and config.bind == "127.0.0.1" and config.port == 8080
    assert config.credentials_file == "/var/lib/kiosk/credentials.json" and config.session_minutes == 480
    assert all(field.description for field in WebConfig.model_fields.values())


def test_an_office_section() -> None:
    section = tomllib.loads('[web]\nbind = "0.0.0.0"\nport = 80\nsession_minutes = 60\n')["web"]
    config = WebConfig(**section)
    assert config.bind == "0.0.0.0" and not is_loopback(config.bind)


@pytest.mark.parametrize(
    "section",
    [{"bind": "localhost"}, {"bind": "0.0.0.0:8080"}, {"port": 70000}, {"session_minutes": 1}, {"passwrd": "x"}],
)
def test_bad_values_are_refused(section: dict) -> None:
    with pytest.raises(ValidationError):
        WebConfig(**section)


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("192.168.1.10")
