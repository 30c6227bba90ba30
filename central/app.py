"""The FastAPI application: the kiosk API (``/api/v1``) and the dashboards.

``create_app(db_url)`` builds an app on a database; everything it knows lives in
that database, so any number of server processes can serve one PostgreSQL.
(No ``from __future__ import annotations`` here: FastAPI resolves the
dependencies declared inside ``create_app`` from their annotations.)
"""

import json
import logging
import uuid as uuidlib
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from central import __version__, core
from drivers.base import nfc, nfc_all
from central.db import is_migrated, make_engine, migrate, reader

log = logging.getLogger(__name__)
API = "/api/v1"
MAX_PAYLOAD_CHARS = 64 * 1024
ENROL_FAILURES_PER_MINUTE = 10
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"


def _clean(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and a lone surrogate is not UTF-8: refuse
    # both with a 422 rather than fail in the database.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (lone surrogate)") from None
    return nfc(value)


SafeStr = Annotated[str, AfterValidator(_clean)]


# -- request and answer models --------------------------------------------------


class EnrollIn(BaseModel):
    """A one-time enrolment code and the kiosk's hardware serial."""

    model_config = ConfigDict(extra="forbid")
    code: SafeStr = Field(min_length=4, max_length=40, description="The code `kiosk-central enrolment-code` printed.")
    serial: str = Field(pattern=_ID, description="The device's hardware serial (e.g. the Pi's CPU serial).")


class EnrollOut(BaseModel):
    """The device's identity. The token is shown only here: keep it."""

    device_id: str
    token: str
    site: str
    site_name: str


class EventIn(BaseModel):
    """One event exactly as the kiosk's ``events`` table holds it."""

    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=1, le=2**53, description="Per-device sequence number, gapless from 1.")
    uuid: str = Field(description="The event's UUID.", json_schema_extra={"format": "uuid"})
    type: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="Event type, e.g. `ticket_issued`.")
    payload: dict[str, Any] = Field(description="The event's data (a JSON object).")
    wall_time: str = Field(
        max_length=64, description="The device's wall clock, ISO 8601 with UTC offset.", json_schema_extra={"format": "date-time"}
    )
    mono_ns: int = Field(ge=0, le=2**62, description="The device's monotonic clock, nanoseconds since boot.")
    boot_id: str = Field(pattern=_ID, description="The kernel's boot id when the event was written.")
    clock_synced: bool = Field(description="Whether the wall clock was NTP-synchronised then.")
    device_id: SafeStr | None = Field(default=None, max_length=64, description="If given, must be the token's device.")

    @field_validator("uuid")
    @classmethod
    def _uuid(cls, value: str) -> str:
        try:
            return str(uuidlib.UUID(value))
        except ValueError:
            raise ValueError("not a UUID") from None

    @field_validator("wall_time")
    @classmethod
    def _wall(cls, value: str) -> str:
        try:
            core.iso_to_us(value)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"not an ISO 8601 time with UTC offset ({exc})") from None
        return value

    @field_validator("payload")
    @classmethod
    def _payload(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            text = json.dumps(nfc_all(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            text.encode("utf-8")
        except (UnicodeEncodeError, ValueError, RecursionError) as exc:
            raise ValueError(f"payload cannot be stored as UTF-8 JSON ({type(exc).__name__})") from None
        if len(text) > MAX_PAYLOAD_CHARS:
            raise ValueError(f"payload larger than {MAX_PAYLOAD_CHARS} characters")
        return value


class BatchIn(BaseModel):
    """Up to 1,000 events of the device that owns the token."""

    model_config = ConfigDict(extra="forbid")
    device_id: SafeStr = Field(max_length=64, description="The device id received at enrolment.")
    boot_id: str | None = Field(default=None, pattern=_ID, description="The device's current boot id.")
    sent_mono_ns: int | None = Field(
        default=None, ge=0, le=2**62, description="The device's monotonic clock when it sent this request."
    )
    events: list[EventIn] = Field(max_length=core.MAX_BATCH)


class Rejected(BaseModel):
    seq: int
    uuid: str
    reason: str


class BatchOut(BaseModel):
    """``acked_seq``: every event 1..acked_seq of the device is stored; mark them sent."""

    acked_seq: int
    stored: int
    duplicates: int
    rejected: list[Rejected]
    gaps: list[list[int]] = Field(description="Ranges [first, last] of seqs missing above acked_seq.")


class CounterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int = Field(ge=0, le=10_000)
    mode: SafeStr = Field(max_length=20)
    officer: SafeStr | None = Field(default=None, max_length=40)
    ticket: SafeStr | None = Field(default=None, max_length=40, description="Display number being served.")


class TicketIn(BaseModel):
    """A ticket still waiting or being served (feeds the public ticket page)."""

    model_config = ConfigDict(extra="forbid")
    ticket_id: str = Field(pattern=_ID)
    display: SafeStr = Field(max_length=40)
    service: SafeStr = Field(max_length=64)
    state: str = Field(pattern=r"^(waiting|called|serving)$")
    counter: int | None = Field(default=None, ge=0, le=10_000)
    position: int | None = Field(default=None, ge=0, le=100_000)
    wait_minutes: int | None = Field(default=None, ge=0, le=100_000)


class HeartbeatIn(BaseModel):
    """The kiosk's health, sent every minute or so."""

    model_config = ConfigDict(extra="forbid")
    queues: dict[Annotated[SafeStr, Field(max_length=64)], Annotated[int, Field(ge=0, le=10**6)]] = Field(default_factory=dict, description="Waiting tickets per service id.")
    counters: list[CounterIn] = Field(default_factory=list, max_length=500)
    tickets: list[TicketIn] = Field(default_factory=list, max_length=5000)
    outbox_depth: int = Field(default=0, ge=0, description="Events not yet acknowledged.")
    oldest_unsynced_age_s: float | None = Field(default=None, ge=0, description="Age of the oldest of them.")
    clock_synced: bool = False
    software_version: SafeStr = Field(default="", max_length=40)
    config_version: int | None = Field(default=None, ge=0)
    free_disk_bytes: int | None = Field(default=None, ge=0)
    boot_id: str | None = Field(default=None, pattern=_ID)
    sent_mono_ns: int | None = Field(default=None, ge=0, le=2**62)


class ConfigOut(BaseModel):
    """The site's configuration in the kiosk's own model (see docs/configuration.md)."""

    version: int
    config: dict[str, Any]


class Problem(BaseModel):
    """Why the request was refused."""

    detail: str


class Invalid(BaseModel):
    """What is wrong with the request, one line per problem, e.g. ``body.events.3.wall_time: ...``."""

    detail: list[str]


# -- the app -------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="The token received at enrolment.")


def create_app(db_url: str = "sqlite:///central.db", *, auto_migrate: bool = True) -> FastAPI:
    """The server on ``db_url`` (SQLite file or ``postgresql://...``)."""
    engine: Engine = make_engine(db_url)
    if auto_migrate:
        migrate(engine)
    elif not is_migrated(engine):
        raise SystemExit("the database has no schema yet: run `kiosk-central migrate --db ...` first")

    app = FastAPI(
        title="kiosk-central",
        version=__version__,
        description="Central server of the one-stop queue kiosks. Protocol: docs/sync-protocol.md.",
    )
    app.state.engine = engine
    read = reader(engine)

    @app.exception_handler(core.Refused)
    async def _refused(_request: Request, exc: core.Refused) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Say where and what, one line per problem ("body.events.3.wall_time: ...").
        problems = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        # The database is unreachable or busy: tell clients to come back later (the kiosk backs off).
        log.error("database error: %s", exc)
        return JSONResponse({"detail": "the database is unavailable; try again later"}, status_code=503,
                            headers={"Retry-After": "10"})

    def device(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Any:
        with read.connect() as conn:
            return core.device_for_token(conn, creds.credentials if creds else None)

    refusals: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Invalid}}

    @app.post(f"{API}/enroll", response_model=EnrollOut, responses={403: {"model": Problem}, 422: {"model": Invalid}, 429: {"model": Problem}})
    def enroll(body: EnrollIn, request: Request) -> dict[str, Any]:
        """Trade a one-time enrolment code for a device id and token.

        Rate-limited: after 10 failed attempts from one address in a minute, 429 until the minute ends.
        """
        key = f"enroll:{request.client.host if request.client else 'unknown'}"
        with engine.begin() as conn:
            core.check_limit(conn, key, ENROL_FAILURES_PER_MINUTE)
        try:
            with engine.begin() as conn:
                return core.enroll(conn, body.code, body.serial)
        except core.Refused:
            with engine.begin() as conn:
                core.hit(conn, key, limit=2**31)  # count the failure only
            raise

    @app.post(f"{API}/events", response_model=BatchOut, responses=refusals)
    def post_events(body: BatchIn, dev: Annotated[Any, Depends(device)]) -> dict[str, Any]:
        """Store a batch of events idempotently; answer what is acknowledged, rejected and missing."""
        if body.device_id != dev.id or any(e.device_id not in (None, dev.id) for e in body.events):
            raise core.Refused(403, "these events belong to another device than this token's")
        rows = [
            {
                "seq": e.seq,
                "uuid": e.uuid,
                "type": e.type,
                "payload": json.dumps(nfc_all(e.payload), ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                "wall_time": e.wall_time,
                "wall_us": core.iso_to_us(e.wall_time),
                "mono_ns": e.mono_ns,
                "boot_id": e.boot_id,
                "clock_synced": e.clock_synced,
            }
            for e in body.events
        ]
        with engine.begin() as conn:
            result = core.ingest(conn, dev, rows, body.boot_id, body.sent_mono_ns)
        return result.__dict__

    @app.post(f"{API}/heartbeat", status_code=204, responses=refusals)
    def post_heartbeat(body: HeartbeatIn, dev: Annotated[Any, Depends(device)]) -> Response:
        """Record the kiosk's health and its live tickets."""
        with engine.begin() as conn:
            core.heartbeat(conn, dev, body.model_dump())
        return Response(status_code=204)

    @app.get(
        f"{API}/config",
        response_model=ConfigOut,
        responses={**refusals, 304: {"description": "Not modified"}, 404: {"model": Problem}},
    )
    def get_config(
        dev: Annotated[Any, Depends(device)],
        if_none_match: Annotated[str | None, Header()] = None,
    ) -> Any:
        """The site's configuration; ``ETag`` is its version, ``If-None-Match`` gives 304."""
        with read.connect() as conn:
            found = core.site_config(conn, dev)
        if found is None:
            raise core.Refused(404, "no configuration has been set for this site yet")
        version, config = found
        etag = f'"v{version}"'
        if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        return JSONResponse({"version": version, "config": config}, headers={"ETag": etag})

    @app.get(f"{API}/health")
    def health() -> dict[str, str]:
        """For load balancers: the process is up and the database answers."""
        with read.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    from central import web

    web.mount(app, engine)
    return app


def app_from_env() -> FastAPI:
    """The app on ``$KIOSK_CENTRAL_DB`` (what ``kiosk-central serve`` gives uvicorn's workers)."""
    import os

    from central.db import DEFAULT_DB

    return create_app(os.environ.get("KIOSK_CENTRAL_DB", DEFAULT_DB), auto_migrate=False)
