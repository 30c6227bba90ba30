"""The operations room's routes: the wall page, its live stream, its state as JSON, and the static files.

    /ops             the wall (session; a director or admin sees every unit, a leader their own)
    /ops/stream      server-sent events: tiles every 2 s, alerts as they happen (central.ops.live)
    /ops/state.json  the same tiles and alerts once, as JSON
    /static/...      central/static/: the page's script and the vendored hls.js player

Not signed in: the page goes to the sign-in page; the stream and the JSON
answer 401 (an EventSource cannot follow a redirect to a form). The media URLs
a tile plays (``/media/thumb|live/<device>/index.m3u8``) are served by nginx and
authorised by central's ``/media/auth`` (``central.media``), with the same rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from central import core
from central.access import HEADERS, NotSignedIn, signed_in, visible_sites
from central.db import reader
from central.ops import alerts, live, tiles
from central.settings import Settings

STATIC = Path(__file__).resolve().parents[1] / "static"


def mount(app: FastAPI, engine: Engine, settings: Settings) -> None:
    """Add the operations room to ``app`` and start its hub with the app (``app.state.ops_hub``).

    Called by ``central.web.mount``, whose exception handlers turn :class:`NotSignedIn`
    into the sign-in page and ``Forbidden`` into a 403 for the page.
    """
    from central.web import templates  # here: central.web imports this module

    router = APIRouter(include_in_schema=False)
    read = reader(engine)
    pages = templates()
    hub = live.Hub(engine, settings.ops)
    app.state.ops_hub = hub
    app.router.add_event_handler("startup", hub.start)
    app.router.add_event_handler("shutdown", hub.stop)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def state(request: Request) -> tuple[Any, dict[str, Any]]:
        """The signed-in user and what they may see now: {"tiles", "alerts", "sites"}."""
        now = core.now_us()
        with read.connect() as conn:
            user = signed_in(conn, request)
            sites = visible_sites(conn, user)
            data = {"tiles": tiles.wall(conn, sites, now, settings.ops.unattended_minutes),
                    "alerts": alerts.recent(conn, [s.id for s in sites], now),
                    "sites": [s.id for s in sites]}
        return user, data

    @router.get("/ops")
    def ops_page(request: Request) -> Response:
        user, data = state(request)
        return pages.TemplateResponse(
            request, "ops.html",
            {"user": {"username": user.username, "role": user.role}, "csrf": user.csrf,
             "data": {"tiles": data["tiles"], "alerts": data["alerts"]}},
            headers=HEADERS,
        )

    @router.get("/ops/state.json")
    def ops_state(request: Request) -> Response:
        try:
            _, data = state(request)
        except NotSignedIn:
            return JSONResponse({"detail": "đăng nhập để xem (sign in first)"}, status_code=401, headers=HEADERS)
        return JSONResponse({"tiles": data["tiles"], "alerts": data["alerts"]}, headers=HEADERS)

    @router.get("/ops/stream")
    def ops_stream(request: Request) -> Response:
        with read.connect() as conn:
            try:
                user = signed_in(conn, request)
            except NotSignedIn:
                return JSONResponse({"detail": "đăng nhập để xem (sign in first)"}, status_code=401, headers=HEADERS)
            sites = None if user.role != "leader" else {s.id for s in visible_sites(conn, user)}
        hub.start()  # an app run without its startup event (a bare test client) still streams
        # X-Accel-Buffering: nginx (central's front door) passes each event on at once.
        return StreamingResponse(hub.stream(sites), media_type="text/event-stream",
                                 headers={**HEADERS, "X-Accel-Buffering": "no"})

    app.include_router(router)
