"""Asking central for the publish URLs: ``POST /api/v1/media/publish`` with the kiosk's bearer token.

Each attempt to (re)connect asks again: a key is valid for minutes only, and
central refuses a revoked device here first. The URLs hold the key: never log them.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass

import httpx

PUBLISH_PATH = "/api/v1/media/publish"


class KeyRefused(Exception):
    """Central gave no publish URLs; the message says why (never holds a key)."""


@dataclass(frozen=True)
class PublishUrls:
    """Where to push: the main and thumbnail RTMP URLs (with their keys) and how long they are valid."""

    main: str
    thumb: str
    expires_s: float

    def __repr__(self) -> str:  # never print a key by accident
        return f"PublishUrls(expires_s={self.expires_s})"


class CentralKeys:
    """Asks central for publish URLs with the kiosk's token (the sync token), as the sync worker talks to it.

    ``token`` returns the bearer token (read at each call: a re-enrolled kiosk
    gets its new one); ``verify`` is the TLS verification of the sync client.
    """

    def __init__(
        self, server_url: str, token: Callable[[], str], verify: ssl.SSLContext | bool = True, timeout: float = 5.0,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.verify = verify
        self.timeout = timeout

    def __call__(self) -> PublishUrls:
        """Fresh publish URLs; :class:`KeyRefused` saying why when there are none."""
        try:
            token = self.token()
        except Exception as exc:  # no token file yet: the kiosk is not enrolled
            raise KeyRefused(f"no token ({exc})") from None
        try:
            with httpx.Client(verify=self.verify, timeout=self.timeout) as client:
                response = client.post(
                    self.server_url + PUBLISH_PATH, json={}, headers={"Authorization": f"Bearer {token}"}
                )
        except httpx.HTTPError as exc:
            raise KeyRefused(f"cannot reach {self.server_url} ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise KeyRefused(f"central answered {response.status_code}: {_detail(response)}")
        try:
            data = response.json()
            urls = PublishUrls(str(data["main"]), str(data["thumb"]), float(data["expires_s"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRefused(f"central's answer is not the publish contract ({type(exc).__name__})") from None
        for url in (urls.main, urls.thumb):
            if not url.startswith(("rtmp://", "rtmps://")):
                raise KeyRefused("central's publish URL is not rtmp:// or rtmps://")
        return urls


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail or response.reason_phrase)[:200]
