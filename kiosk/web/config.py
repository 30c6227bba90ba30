"""The ``[web]`` section of the office's config file: the local web server."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from drivers.section import Section


class WebConfig(Section):
    """The ``[web]`` section: where the officer and leader pages are served."""

    enabled: bool = Field(
        default=True, description="Whether the kiosk serves the officer and leader pages at all."
    )
    bind: str = Field(
        default="127.0.0.1",
        description="IP address to listen on. '127.0.0.1' serves only this Pi (the default, and the only "
        "address allowed in simulate mode); offices set '0.0.0.0' so tablets and the leader's PC on the "
        "office network can open the pages.",
    )
    port: int = Field(
        default=8080, ge=0, le=65535,
        description="TCP port of the pages, e.g. http://<pi>:8080/ (0: any free port, for tests).",
    )
    credentials_file: str = Field(
        default="/var/lib/kiosk/credentials.json",
        description="JSON file (mode 0600) holding the hashed leader password, the officers' hashed PINs and "
        "the secret that signs login cookies. Managed with `kiosk users ...`; never edit it by hand.",
    )
    session_minutes: int = Field(
        default=480,
        ge=5,
        le=7 * 24 * 60,
        description="Minutes a login lasts before the page asks for the PIN or password again (480 = a "
        "working day).",
    )

    @field_validator("bind")
    @classmethod
    def _bind(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(
                f"bind must be an IP address such as '127.0.0.1' or '0.0.0.0' (got {value!r})"
            ) from None
        return value


def is_loopback(bind: str) -> bool:
    """Whether ``bind`` only accepts connections from this machine."""
    return ipaddress.ip_address(bind).is_loopback
