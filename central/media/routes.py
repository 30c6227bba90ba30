"""The media routes on central.

- ``POST /api/v1/media/publish`` (a kiosk's bearer token): the RTMP URLs, with fresh publish
  keys, of the device's main and thumbnail streams; 503 when ``[media] enabled`` is off.
- ``POST /media/hook/<hook secret>/{publish,update,done,record}``: nginx-rtmp's
  ``on_publish``/``on_update``/``on_publish_done``, ``record`` being the ``rec`` app's
  ``on_publish`` (refused for a unit in ``not_recorded``) (form fields ``call``, ``app``, ``name`` and the
  publisher's URL arguments, here ``key``). 2xx lets the stream on, anything else makes nginx
  drop it. Only from loopback, not through the front door, with the secret: else 403.
- ``GET /media/auth``: nginx's ``auth_request`` for every ``/media/`` URL (``X-Original-URI``):
  200 for a director or admin, for a unit leader only streams of their own unit's devices (403
  otherwise), 401 without a session, 403 for anything that is not a stream URL.
- ``GET /ops/recordings/<site>``: the playback page (a day's recorded spans, a time range to
  play); ``GET /ops/recordings/<site>/<device>.m3u8?day=&start=&end=``: the VOD playlist.

(No ``from __future__ import annotations``: FastAPI resolves the dependencies declared inside
``mount`` from their annotations.)
"""

import hmac
import logging
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from central import core, formats
from central.access import HEADERS, NotSignedIn, signed_in, site_for, storable
from central.db import reader
from central.media import keys, recordings
from central.media.keys import PUBLISH_APPS
from central.media.nginx import HOOK_PREFIX
from central.models import Device, MediaStream, Site
from central.settings import Settings
from central.summary import site_tz

log = logging.getLogger(__name__)
#: A device id as it may appear in a stream name or URL.
DEVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
#: A media URL nginx serves: /media/<app>/<device_id>/<file>.
MEDIA_URI = re.compile(r"^/media/(live|thumb|rec)/([A-Za-z0-9][A-Za-z0-9._:-]{0,63})/([A-Za-z0-9_-]{1,64}\.(?:m3u8|ts))$")
_LOOPBACK = {"127.0.0.1", "::1"}

_bearer = HTTPBearer(auto_error=False, description="The token received at enrolment.")


class PublishIn(BaseModel):
    """Nothing: the token says which device."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PublishOut(BaseModel):
    """Where to push the two streams; each URL holds its key, valid ``expires_s`` seconds."""

    main: str
    thumb: str
    expires_s: int


def _refuse(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"detail": reason}, status_code=status)


def _set_stream(conn: Connection, device_id: str, app: str, publishing: bool) -> None:
    """Record in ``media_streams`` what a hook just said about a stream."""
    values = {"device_id": device_id, "app": app, "publishing": publishing, "since_us": core.now_us()}
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(MediaStream.__table__).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["device_id", "app"],
                                            set_={"publishing": publishing, "since_us": values["since_us"]}))


def _redact_hook_secret(record: logging.LogRecord) -> bool:
    """A log filter: the hooks' secret never reaches uvicorn's access log."""
    if isinstance(record.args, tuple) and any(isinstance(a, str) and HOOK_PREFIX in a for a in record.args):
        record.args = tuple(re.sub(rf"{HOOK_PREFIX}/[^/ ]+", f"{HOOK_PREFIX}/***", a) if isinstance(a, str) else a
                            for a in record.args)
    return True


def mount(app: FastAPI, engine: Engine, settings: Settings) -> None:
    """Add the media routes to ``app`` (the page's sign-in redirect and 403 come from ``central.web.mount``)."""
    from central.app import Invalid, Problem  # loaded by now: create_app calls central.web.mount, which calls this
    from central.web import templates

    media = settings.media
    read = reader(engine)
    router = APIRouter(include_in_schema=False)
    pages = templates()
    logging.getLogger("uvicorn.access").addFilter(_redact_hook_secret)
    loaded: list[keys.Secrets] = []

    def secrets() -> keys.Secrets:
        if not loaded:  # read (or made) on first use, not at import: no secret file unless media is used
            loaded.append(keys.load_secrets(media.secret_file))
        return loaded[0]

    def device(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Any:
        with read.connect() as conn:
            return core.device_for_token(conn, creds.credentials if creds else None)

    @app.post("/api/v1/media/publish", response_model=PublishOut,
              responses={401: {"model": Problem, "description": "Unknown or revoked token"},
                         413: {"model": Problem, "description": "Request body too large"},
                         422: {"model": Invalid},
                         503: {"model": Problem, "description": "Media is not enabled on central"}})
    def publish(body: PublishIn, request: Request, dev: Annotated[Any, Depends(device)]) -> Any:
        """The URLs (with keys) to push this device's main and thumbnail streams to."""
        if not media.enabled:
            return _refuse(503, "media is not enabled on central ([media] enabled = false)")
        try:
            secret = secrets().publish
        except keys.SecretError as exc:
            log.error("%s", exc)
            return _refuse(503, "central's media secret is unusable; see its log")
        host = media.public_host or request.url.hostname or "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        base = f"rtmp://{host}:{media.rtmp_port}"
        ttl = media.publish_key_seconds
        return {
            app_name: f"{base}/{path}/{dev.id}?key={keys.make_key(secret, dev.id, path, ttl)}"
            for app_name, path in (("main", "live"), ("thumb", "thumb"))
        } | {"expires_s": ttl}

    # -- nginx-rtmp's hooks --

    @router.post(HOOK_PREFIX + "/{secret}/{event}")
    async def hook(secret: str, event: str, request: Request) -> Response:
        client = request.client.host if request.client else ""
        # nginx's front door adds X-Forwarded-For: a hook call never comes that way.
        from_nginx_rtmp = client in _LOOPBACK and "x-forwarded-for" not in request.headers
        try:
            expected = secrets().hook
        except keys.SecretError:
            return _refuse(503, "central's media secret is unusable")
        if not from_nginx_rtmp or not hmac.compare_digest(secret.encode("utf-8", "replace"), expected.encode()):
            return _refuse(403, "not nginx's hook")
        try:
            form = await request.form()
        except Exception:  # a body the form parser refuses
            return _refuse(400, "the hook's body is not a form")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        app_name, name = fields.get("app", ""), fields.get("name", "")
        if event not in ("publish", "update", "done", "record"):
            return _refuse(404, f"no hook {event!r}")
        if not DEVICE_ID.match(name):
            return _refuse(400, "name missing or malformed")
        # nginx's push relay (live -> rec) calls on_update too, with the app it pushes to or none.
        if app_name not in ("live", "thumb", "rec") and event != "update":
            return _refuse(400, "app missing or malformed")
        return await run_in_threadpool(_hook_sync, event, app_name, name, fields)

    def _hook_sync(event: str, app_name: str, name: str, fields: dict[str, str]) -> Response:
        with engine.begin() as conn:
            row = conn.execute(select(Device.id, Device.revoked_us, Site.code)
                               .join(Site, Site.id == Device.site_id).where(Device.id == name)).first()
            if event == "done":
                if row is not None:
                    _set_stream(conn, name, app_name, False)
                return Response(status_code=204)
            if row is None:
                return _refuse(403, "no such device")
            if row.revoked_us is not None:
                if event == "update" and app_name in ("live", "thumb"):
                    _set_stream(conn, name, app_name, False)
                return _refuse(403, "the device is revoked")
            if event == "update":
                return Response(status_code=204)
            if event == "record":
                if app_name != "rec":
                    return _refuse(403, "record is the rec app's hook")
                if row.code in media.not_recorded:
                    return _refuse(403, "recording is off for this unit")
                _set_stream(conn, name, "rec", True)
                return Response(status_code=204)
            # publish: the device's own stream, with a key central made for it and this app
            if app_name not in PUBLISH_APPS:
                return _refuse(403, "kiosks publish to live or thumb only")
            key = fields.get("key", "")
            why = keys.check_key(secrets().publish, name, app_name, key) if key.isascii() else "malformed key"
            if why:
                return _refuse(403, why)
            _set_stream(conn, name, app_name, True)
            return Response(status_code=204)

    # -- viewing --

    @router.get("/media/auth")
    def auth(request: Request) -> Response:
        uri = request.headers.get("x-original-uri", "").split("?", 1)[0]
        m = MEDIA_URI.match(uri)
        if m is None:
            return Response(status_code=403)
        with read.connect() as conn:
            try:
                user = signed_in(conn, request)
            except NotSignedIn:
                return Response(status_code=401)
            site_id = conn.execute(select(Device.site_id).where(Device.id == m.group(2))).scalar()
        if site_id is None or (user.role == "leader" and site_id != user.site_id):
            return Response(status_code=403)
        return Response(status_code=200)

    # -- playback --

    def site_devices(conn: Connection, site: Any) -> list[Any]:
        return conn.execute(select(Device.id, Device.serial, Device.revoked_us)
                            .where(Device.site_id == site.id).order_by(Device.created_us)).all()

    def day_bounds(site: Any, day: str | None, start: str | None, end: str | None) -> tuple[date, int, int]:
        tz = site_tz(site)
        chosen = formats.parse_day(day) if day else datetime.now(tz).date()
        first = datetime.combine(chosen, time.fromisoformat(start) if start else time(0), tz)
        last = (datetime.combine(chosen, time.fromisoformat(end), tz) if end
                else datetime.combine(chosen + timedelta(days=1), time(0), tz))
        if last <= first:
            raise ValueError("the end time must be after the start time")
        return chosen, int(first.timestamp() * 1000), int(last.timestamp() * 1000)

    Text = Annotated[str | None, Query(max_length=20)]

    @router.get("/ops/recordings/{code}")
    def recordings_page(request: Request, code: str, day: Text = None) -> Response:
        with read.connect() as conn:
            user = signed_in(conn, request)
            site = site_for(conn, user, code)
            devices = site_devices(conn, site)
        try:
            chosen, first_ms, last_ms = day_bounds(site, day, None, None)
        except ValueError as exc:
            return JSONResponse({"detail": f"day: {exc}"}, status_code=422, headers=HEADERS)
        tz = site_tz(site)
        shown = []
        for d in devices:
            found = recordings.spans(Path(media.record_dir) / d.id, first_ms, last_ms)
            shown.append({
                "id": d.id, "serial": d.serial,
                # Whole seconds: the start rounded down and the end up, so that playing a span plays all of it.
                "spans": [(datetime.fromtimestamp(a // 1000, tz).strftime("%H:%M:%S"),
                           datetime.fromtimestamp(-(-b // 1000), tz).strftime("%H:%M:%S")) for a, b in found],
            })
        return pages.TemplateResponse(request, "recordings.html", {
            "user": {"username": user.username, "role": user.role}, "csrf": user.csrf,
            "site": site, "day": chosen.isoformat(), "devices": shown,
            "recorded": site.code not in media.not_recorded, "record_days": media.record_days,
        }, headers=HEADERS)

    @router.get("/ops/recordings/{code}/{device_id}.m3u8")
    def recording_playlist(request: Request, code: str, device_id: str, day: Text = None,
                           start: Text = None, end: Text = None) -> Response:
        with read.connect() as conn:
            user = signed_in(conn, request)
            site = site_for(conn, user, code)
            owned = storable(device_id) and conn.execute(
                select(Device.id).where(Device.id == device_id, Device.site_id == site.id)).first() is not None
        if not owned or not DEVICE_ID.match(device_id):
            return JSONResponse({"detail": "no such device in this unit"}, status_code=404, headers=HEADERS)
        try:
            _, first_ms, last_ms = day_bounds(site, day, start, end)
        except ValueError as exc:
            return JSONResponse({"detail": f"day/start/end: {exc}"}, status_code=422, headers=HEADERS)
        text = recordings.playlist(Path(media.record_dir) / device_id, f"/media/rec/{device_id}/", first_ms, last_ms)
        if text is None:
            return JSONResponse({"detail": "nothing was recorded in this time range"}, status_code=404, headers=HEADERS)
        return Response(text, media_type="application/vnd.apple.mpegurl", headers=HEADERS)

    app.include_router(router)
