"""The local web pages: officer page per counter, leader page, JSON API, simulate-mode API.

``create_app(office, web_config)`` builds the FastAPI app; ``start_server(office,
web_config)`` runs it with uvicorn in a daemon thread and returns a handle with
``.stop()``. See ``docs/web.md``.

The app and server are imported on first use: ``kiosk.config`` imports
``kiosk.web.config`` for the ``[web]`` section, and the app imports the engine,
which imports the config.
"""

from typing import Any

from kiosk.web.config import WebConfig

__all__ = ["WebConfig", "WebServer", "create_app", "start_server"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from kiosk.web.app import create_app

        return create_app
    if name in ("WebServer", "start_server"):
        from kiosk.web import server

        return getattr(server, name)
    raise AttributeError(name)
