"""The FastAPI application: the kiosk API (``/api/v1``) and the dashboards.

``create_app(db_url)`` builds an app on a database; everything it knows lives in
that database, so any number of server processes can serve one PostgreSQL.
The request models are strict (JSON's own types, as the served OpenAPI document
says, to the exact bounds); ``central.guard`` refuses oversized and unreadable
bodies before they reach them. (No ``from __future__ import annotations`` here: FastAPI resolves the
dependencies declared inside ``create_app`` from their annotations.)
"""

import gc
import logging
import re
import unicodedata
import uuid as uuidlib
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from central import __version__, core, guard
from central.canonical import canonical_json
from drivers.base import nfc, nfc_all
from central.db import is_migrated, make_engine, migrate, reader
from central.ops import ratings
from central.settings import Settings, load_settings

log = logging.getLogger(__name__)
API = "/api/v1"
MAX_PAYLOAD_CHARS = 64 * 1024
ENROL_FAILURES_PER_MINUTE = 10
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
#: An officer's name: at least one character that is not a space, and no control characters.
OFFICER_NAME = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"


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


# The OpenAPI document says what _clean refuses, so that a client (or schemathesis) knows it.
SafeStr = Annotated[str, AfterValidator(_clean), Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})]
#: Request models take JSON's types as they are: "1" is not a number and "yes" not a boolean.
STRICT = ConfigDict(extra="forbid", strict=True)


def _whole(value: Any) -> Any:
    # JSON Schema's "integer" includes 379.0 (a number with no fraction); strict mode
    # alone would refuse it. Strings ("1") and booleans stay refused.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_WHOLE = BeforeValidator(_whole)
# Integers as the OpenAPI document means them (a JSON number without a fraction), with
# their bounds. The bounds come before the validator so pydantic writes them into the
# document as minimum/maximum.
Seq = Annotated[int, Field(ge=1, le=2**53), _WHOLE]
MonoNs = Annotated[int, Field(ge=0, le=2**62), _WHOLE]  # 146 years of uptime; fits a BIGINT
Count = Annotated[int, Field(ge=0), _WHOLE]
CounterNo = Annotated[int, Field(ge=0, le=10_000), _WHOLE]
Small = Annotated[int, Field(ge=0, le=100_000), _WHOLE]
Waiting = Annotated[int, Field(ge=0, le=10**6), _WHOLE]
#: A service id as a key of ``queues``: the document says what _clean refuses there too.
QueueKey = Annotated[SafeStr, Field(max_length=64)]


def _queues_schema(schema: dict[str, Any]) -> None:
    # Pydantic puts the key's pattern in patternProperties, which leaves other keys unchecked
    # in the document; say what the model checks: every key, every value.
    values = schema.pop("patternProperties", {}) or {}
    schema["propertyNames"] = {"maxLength": 64, "pattern": "^[^\\u0000]*$"}
    schema["additionalProperties"] = next(iter(values.values()), {"type": "integer"})


# -- request and answer models --------------------------------------------------


class EnrollIn(BaseModel):
    """A one-time enrolment code and the kiosk's hardware serial."""

    model_config = STRICT
    code: SafeStr = Field(min_length=4, max_length=40, description="The code `kiosk-central enrolment-code` printed.")
    serial: str = Field(pattern=_ID, description="The device's hardware serial (e.g. the Pi's CPU serial).")


class EnrollOut(BaseModel):
    """The device's identity. The token is shown only here: keep it."""

    device_id: str
    token: str
    site: str
    site_name: str


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)


class StoredPayload(dict[str, Any]):
    """A validated payload and ``text``, its canonical JSON as stored (so the route does not write it again)."""

    __slots__ = ("text",)

    def __init__(self, value: dict[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text


class EventIn(BaseModel):
    """One event exactly as the kiosk's ``events`` table holds it."""

    model_config = STRICT
    seq: Seq = Field(description="Per-device sequence number, gapless from 1.")
    uuid: str = Field(description="The event's UUID.", json_schema_extra={"format": "uuid"})
    type: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="Event type, e.g. `ticket_issued`.")
    payload: dict[str, Any] = Field(description="The event's data (a JSON object).")
    wall_time: str = Field(
        max_length=64, description="The device's wall clock, RFC 3339 (ISO 8601 with T and a UTC offset).",
        json_schema_extra={"format": "date-time"},
    )
    mono_ns: MonoNs = Field(description="The device's monotonic clock, nanoseconds since boot.")
    boot_id: str = Field(pattern=_ID, description="The kernel's boot id when the event was written.")
    clock_synced: bool = Field(description="Whether the wall clock was NTP-synchronised then.")
    device_id: SafeStr | None = Field(default=None, max_length=64, description="If given, must be the token's device.")

    @field_validator("uuid")
    @classmethod
    def _uuid(cls, value: str) -> str:
        if _CANONICAL_UUID.fullmatch(value):
            return value  # already as str(UUID) writes it (every kiosk's): no need to parse it
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
            raise ValueError(f"not an RFC 3339 (ISO 8601) time with UTC offset: {exc}") from None
        return value

    @field_validator("payload")
    @classmethod
    def _payload(cls, value: dict[str, Any]) -> dict[str, Any]:
        # The payload comes out NFC-normalised, with the canonical text that is stored (both made once
        # per event). A kiosk's payloads are NFC already: one check of the whole text says so, since
        # JSON's quotes keep one string's characters from composing with another's.
        # The body around a payload takes three levels (central.guard validates a batch without reading it first).
        if guard.depth(value) > guard.MAX_DEPTH - 3:
            raise ValueError(f"payload nests deeper than {guard.MAX_DEPTH - 3} levels")
        try:
            text = canonical_json(value)
            if not unicodedata.is_normalized("NFC", text):
                value = nfc_all(value)
                text = canonical_json(value)
            text.encode("utf-8")
        except (UnicodeEncodeError, ValueError, RecursionError) as exc:
            raise ValueError(f"payload cannot be stored as UTF-8 JSON ({type(exc).__name__})") from None
        if len(text) > MAX_PAYLOAD_CHARS:
            raise ValueError(f"payload larger than {MAX_PAYLOAD_CHARS} characters")
        return StoredPayload(value, text)


class BatchIn(guard.OnePassBody):
    """Up to 1,000 events of the device that owns the token."""

    model_config = STRICT
    device_id: SafeStr = Field(max_length=64, description="The device id received at enrolment.")
    boot_id: str | None = Field(default=None, pattern=_ID, description="The device's current boot id.")
    sent_mono_ns: MonoNs | None = Field(
        default=None, description="The device's monotonic clock when it sent this request."
    )
    events: list[EventIn] = Field(max_length=core.MAX_BATCH)


class Rejected(BaseModel):
    """One event and why: refused (not stored), or stored with its time quarantined."""

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
    quarantined: list[Rejected] = Field(
        default_factory=list,
        description="Events stored and acknowledged whose time the server does not believe, each with the reason "
        "(the kiosk logs them): see docs/sync-protocol.md#time.",
    )
    personal_keys_dropped: int = Field(
        default=0,
        description="Payload keys holding a citizen's personal data (name, full_name, ho_ten, birth_date, dob, "
        "id_number, cccd, address, at any depth) that the server dropped before storing the events: central "
        "never keeps them. See docs/sync-protocol.md#personal-data.",
    )


class CounterIn(BaseModel):
    model_config = STRICT
    number: CounterNo
    mode: SafeStr = Field(max_length=20)
    officer: SafeStr | None = Field(default=None, max_length=40)
    ticket: SafeStr | None = Field(default=None, max_length=40, description="Display number being served.")


class TicketIn(BaseModel):
    """A ticket still waiting or being served (feeds the public ticket page)."""

    model_config = STRICT
    ticket_id: str = Field(pattern=_ID)
    display: SafeStr = Field(max_length=40)
    service: SafeStr = Field(max_length=64)
    state: str = Field(pattern=r"^(waiting|called|serving)$")
    counter: CounterNo | None = None
    position: Small | None = None
    wait_minutes: Small | None = None


class OfficerIn(BaseModel):
    """An officer of the kiosk's office: code and full name (never a PIN)."""

    model_config = STRICT
    code: str = Field(pattern=r"^[0-9]{1,8}$", description="The officer code typed on the keypad: 1 to 8 digits.")
    # Not SafeStr: its "no NUL" pattern would replace this one in the OpenAPI document.
    name: Annotated[str, AfterValidator(_clean)] = Field(
        min_length=1, max_length=100, pattern=OFFICER_NAME,
        description="The officer's full name, e.g. Nguyễn Văn An: something besides spaces, no control characters.",
    )

    @field_validator("name")
    @classmethod
    def _spaces(cls, value: str) -> str:
        return " ".join(value.split())  # as the kiosk stores names: single spaces, none at the ends


#: A device's state in the heartbeat: working, printer out of paper, lost (unplugged, stream gone), switched off
#: in the configuration, or failing.
DeviceState = Literal["ok", "paper_out", "lost", "off", "error"]


class DevicesIn(BaseModel):
    """The office's devices as the kiosk sees them (each optional; the operations room alerts on them)."""

    model_config = STRICT
    printer: DeviceState | None = None
    camera: DeviceState | None = None
    microphone: DeviceState | None = None


class HeartbeatIn(BaseModel):
    """The kiosk's health, sent every minute or so."""

    model_config = STRICT
    queues: dict[QueueKey, Waiting] = Field(
        default_factory=dict,
        description="Waiting tickets per service id.",
        json_schema_extra=_queues_schema,
    )
    counters: list[CounterIn] = Field(default_factory=list, max_length=500)
    tickets: list[TicketIn] = Field(default_factory=list, max_length=5000)
    outbox_depth: Count = Field(default=0, description="Events not yet acknowledged.")
    oldest_unsynced_age_s: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="Age of the oldest of them, in seconds."
    )
    clock_synced: bool = False
    software_version: SafeStr = Field(default="", max_length=40)
    config_version: Count | None = None
    free_disk_bytes: Count | None = None
    boot_id: str | None = Field(default=None, pattern=_ID)
    sent_mono_ns: MonoNs | None = Field(default=None, description="The monotonic clock when it sent this.")
    officers: list[OfficerIn] = Field(
        default_factory=list, max_length=500,
        description="The office's officers (from the kiosk's credentials file): central shows them by name. "
        "Names are kept per site; an officer no longer listed keeps the last name sent; of a code listed "
        "twice, the last entry counts.",
    )
    devices: DevicesIn | None = Field(
        default=None, description="The printer's, camera's and microphone's state (ok, paper_out, lost, off, error).",
    )


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


def create_app(
    db_url: str = "sqlite:///central.db", *, auto_migrate: bool = True, max_body_bytes: int = guard.MAX_BODY_BYTES,
    settings: Settings | None = None,
) -> FastAPI:
    """The server on ``db_url`` (SQLite file or ``postgresql://...``); bodies over ``max_body_bytes`` get 413.

    ``settings``: central's own settings (classification, ranking, reports; ``central.settings``),
    the defaults when None. They are ``app.state.settings``.
    """
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
    app.state.settings = settings = settings or Settings()
    # Refuse an oversized body before reading it (413), and a body FastAPI cannot
    # parse with the 422 the OpenAPI document lists (central/guard.py).
    app.add_middleware(guard.BodyLimit, limit=max_body_bytes)
    app.router.route_class = guard.JsonRoute
    read = reader(engine)
    rating_alerts = ratings.raiser(settings.ops)  # "Không hài lòng" alerts, raised as ingest stores a rating

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

    too_large: dict[int | str, dict[str, Any]] = {413: {"model": Problem, "description": "Request body too large"}}
    refusals: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Invalid}}

    @app.post(
        f"{API}/enroll",
        response_model=EnrollOut,
        responses={403: {"model": Problem}, 422: {"model": Invalid}, 429: {"model": Problem}, **too_large},
    )
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

    @app.post(f"{API}/events", response_model=BatchOut, responses={**refusals, **too_large})
    def post_events(body: BatchIn, dev: Annotated[Any, Depends(device)]) -> dict[str, Any]:
        """Store a batch of events idempotently; answer what is acknowledged, rejected and missing."""
        if body.device_id != dev.id or any(e.device_id not in (None, dev.id) for e in body.events):
            raise core.Refused(403, "these events belong to another device than this token's")
        rows = [
            {
                "seq": e.seq,
                "uuid": e.uuid,
                "type": e.type,
                "payload": e.payload.text,
                "data": e.payload,  # parsed already: core.ingest does not read the text again
                "wall_time": e.wall_time,
                "wall_us": core.iso_to_us(e.wall_time),
                "mono_ns": e.mono_ns,
                "boot_id": e.boot_id,
                "clock_synced": e.clock_synced,
            }
            for e in body.events
        ]
        with engine.begin() as conn:
            result = core.ingest(conn, dev, rows, body.boot_id, body.sent_mono_ns, on_stored=rating_alerts)
        return result.__dict__

    @app.post(f"{API}/heartbeat", status_code=204, responses={**refusals, **too_large})
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

    web.mount(app, engine, settings)
    generated = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI's OpenAPI model holds bounds as floats (4.611686018427388e+18 for 2**62): put
        # back exact integers, so the document says what the models check, to the last digit.
        if app.openapi_schema is None:
            app.openapi_schema = _exact_numbers(generated())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _exact_numbers(value: Any) -> Any:
    """``value`` with every integral float bound (``maximum: 10000.0``) as an int."""
    if isinstance(value, dict):
        return {
            k: int(v) if k in _BOUNDS and isinstance(v, float) and v.is_integer() else _exact_numbers(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_exact_numbers(v) for v in value]
    return value


_BOUNDS = {"maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf"}


def app_from_env() -> FastAPI:
    """The app on ``$KIOSK_CENTRAL_DB`` with the settings of ``$KIOSK_CENTRAL_CONFIG`` (what ``kiosk-central serve`` gives uvicorn's workers)."""
    import os

    from central.db import DEFAULT_DB

    app = create_app(os.environ.get("KIOSK_CENTRAL_DB", DEFAULT_DB), auto_migrate=False, settings=load_settings())
    # What is built by now (modules, the app, SQLAlchemy's metadata: some 200,000 objects) lives as long as
    # the worker: frozen, the cyclic collector's full passes no longer walk it. Ingest allocates tens of
    # objects per event, so full passes come often: measured, they took 15-18 % of a worker's CPU.
    gc.collect()
    gc.freeze()
    return app
