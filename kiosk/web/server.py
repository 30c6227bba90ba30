"""Running the web app with uvicorn in a daemon thread of the kiosk process."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from kiosk.web.app import create_app
from kiosk.web.config import WebConfig

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without signal handlers: the kiosk process owns SIGTERM and SIGHUP."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """A running web server; :meth:`stop` ends it."""

    def __init__(self, server: _Server, thread: threading.Thread, sock: socket.socket, app: Any) -> None:
        self.app = app
        self._server = server
        self._thread = thread
        self._socket = sock
        self.host, self.port = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8080``."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving (open streams are cut after ``timeout`` seconds)."""
        self.app.state.stopping.set()
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()


def start_server(office: Any, web_config: WebConfig, timeout: float = 10.0) -> WebServer:
    """Serve ``office`` on ``web_config.bind:port`` in a daemon thread; return once it is listening.

    The socket is bound here, so a port already in use raises ``OSError`` in the
    caller (uvicorn itself would call ``sys.exit`` in its thread). Port 0 picks a
    free port (see :attr:`WebServer.port`).
    """
    app = create_app(office, web_config)
    family = socket.AF_INET6 if ":" in web_config.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((web_config.bind, web_config.port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the web server did not start on {web_config.bind}:{web_config.port}")
        time.sleep(0.02)
    handle = WebServer(server, thread, sock, app)
    log.info("web: serving on %s", handle.url)
    return handle
