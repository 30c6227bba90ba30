"""What the API and the command line do, on a SQLAlchemy connection: no HTTP here.

Every function takes an open transaction (``engine.begin()``) and keeps no
state in the process, so that several server processes can share one
PostgreSQL database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from central import bulk, privacy, summary, times
from central.canonical import canonical_json
from central.models import Device, EnrolmentCode, Event, LiveTicket, Officer, RateLimit, Site, User

#: The most events one POST may carry.
MAX_BATCH = 1000
#: Enrolment codes expire after this long unless told otherwise.
CODE_TTL_S = 24 * 3600
ROLES = ("admin", "director", "leader")
log = logging.getLogger(__name__)


def now_us() -> int:
    """The server's clock, UTC epoch microseconds."""
    return time.time_ns() // 1000


def sha256(text: str) -> str:
    """Hex SHA-256: enough for random tokens and codes (they are not guessable passwords)."""
    return hashlib.sha256(text.encode()).hexdigest()


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))", re.ASCII
)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, any year (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@lru_cache(maxsize=8192)  # the API validates a batch's times, then its route stores them: parsed once
def iso_to_us(text: str) -> int:
    """An RFC 3339 date-time (ISO 8601 with ``T`` and an offset) -> epoch microseconds; ValueError otherwise.

    Exactly what the OpenAPI document's ``format: date-time`` allows: year 0000
    and a leap second (``:60``, counted as the next second) included, which
    Python's ``datetime`` cannot hold.
    """
    found = _RFC3339.fullmatch(text)
    if found is None:
        raise ValueError("expected YYYY-MM-DDTHH:MM:SS[.fraction] and an offset (Z or +HH:MM)")
    y, mo, d, h, mi, sec = map(int, found.groups()[:6])
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    month_days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not (1 <= mo <= 12 and 1 <= d <= month_days[mo - 1] and h <= 23 and mi <= 59 and sec <= 60):
        raise ValueError("no such date or time of day")
    offset = 0
    if found.group(9):
        oh, om = int(found.group(10)), int(found.group(11))
        if oh > 23 or om > 59:
            raise ValueError("no such UTC offset")
        offset = (1 if found.group(9) == "+" else -1) * (oh * 60 + om) * 60
    micro = int((found.group(7) or "0")[:6].ljust(6, "0"))
    seconds = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
    return seconds * 1_000_000 + micro


class Refused(Exception):
    """A request the server refuses, with the HTTP status and a sentence saying why."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


# -- passwords -----------------------------------------------------------------


def hash_password(password: str) -> str:
    """scrypt (standard library), with a random salt, in one self-describing string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` string (constant time)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


# -- rate limits ------------------------------------------------------------------


def _insert(conn: Connection, table: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_*`` on both SQLite and PostgreSQL."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def hit(conn: Connection, key: str, limit: int, window_s: int = 60) -> None:
    """Count one hit on ``key``; refuse with 429 past ``limit`` hits in the window.

    The counters live in the database, so every server process behind a load
    balancer sees the same ones.
    """
    window = now_us() // 1_000_000 // window_s
    stmt = _insert(conn, RateLimit).values(key=key, window=window, hits=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key", "window"], set_={"hits": RateLimit.hits + 1}
    ).returning(RateLimit.hits)
    hits = conn.execute(stmt).scalar_one()
    # Forget this key's old windows (a day back): the table stays small without a cron job.
    conn.execute(
        RateLimit.__table__.delete().where(RateLimit.key == key, RateLimit.window < window - 86_400 // window_s)
    )
    if hits > limit:
        retry = window_s - (now_us() // 1_000_000) % window_s
        raise Refused(429, f"too many attempts; try again in {retry} s", retry_after=retry)


def check_limit(conn: Connection, key: str, limit: int, window_s: int = 60) -> None:
    """Refuse with 429 if ``key`` already has ``limit`` hits in the window (counting nothing)."""
    now_s = now_us() // 1_000_000
    hits = conn.execute(
        select(RateLimit.hits).where(RateLimit.key == key, RateLimit.window == now_s // window_s)
    ).scalar()
    if hits is not None and hits >= limit:
        retry = window_s - now_s % window_s
        raise Refused(429, f"too many failed attempts; try again in {retry} s", retry_after=retry)


# -- sites, users, codes, devices --------------------------------------------------


def add_site(conn: Connection, code: str, name: str, province: str = "", department: str = "") -> int:
    """Create a site; return its id."""
    if conn.execute(select(Site.id).where(Site.code == code)).first():
        raise Refused(409, f"a site with code {code!r} already exists")
    return conn.execute(
        Site.__table__.insert().values(code=code, name=name, province=province, department=department, config_version=0)
    ).inserted_primary_key[0]


def site_by_code(conn: Connection, code: str) -> Any:
    """The site row with this code (Refused 404 otherwise)."""
    row = conn.execute(select(Site.__table__).where(Site.code == code)).first()
    if row is None:
        raise Refused(404, f"no site has code {code!r}")
    return row


def set_site_config(conn: Connection, code: str, config: dict[str, Any]) -> int:
    """Store a new configuration for a site (already validated); return its version."""
    site = site_by_code(conn, code)
    version = site.config_version + 1
    conn.execute(
        update(Site)
        .where(Site.id == site.id)
        .values(config_json=json.dumps(config, ensure_ascii=False, sort_keys=True), config_version=version)
    )
    return version


def add_user(conn: Connection, username: str, password: str, role: str, site_code: str | None = None) -> int:
    """Create a dashboard user. A leader belongs to exactly one site."""
    if role not in ROLES:
        raise Refused(400, f"role must be one of {', '.join(ROLES)}")
    if role == "leader" and not site_code:
        raise Refused(400, "a unit leader needs a site (--site CODE)")
    if len(password) < 8:
        raise Refused(400, "the password must have at least 8 characters")
    site_id = site_by_code(conn, site_code).id if site_code else None
    if conn.execute(select(User.id).where(User.username == username)).first():
        raise Refused(409, f"user {username!r} already exists")
    return conn.execute(
        User.__table__.insert().values(
            username=username, password_hash=hash_password(password), role=role, site_id=site_id
        )
    ).inserted_primary_key[0]


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


def normalise_code(code: str) -> str:
    """Codes compare without dashes, spaces or case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_enrolment_code(conn: Connection, site_code: str, ttl_s: int = CODE_TTL_S) -> str:
    """A one-time code (12 characters, 60 bits) for one kiosk of the site; stored hashed."""
    site = site_by_code(conn, site_code)
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    conn.execute(
        EnrolmentCode.__table__.insert().values(
            code_hash=sha256(raw), site_id=site.id, expires_us=now_us() + ttl_s * 1_000_000
        )
    )
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def enroll(conn: Connection, code: str, serial: str) -> dict[str, Any]:
    """Use a code: a device id and a token (returned once, stored hashed).

    The same serial enrolled again at the same site keeps its device id (its
    events continue) and gets a new token; the old token stops working.

    A lost answer can be retried: the kiosk that used the code (same serial) may
    use it again until the code expires or the server has heard from the kiosk
    with its token (an upload or a heartbeat after the enrolment). The retry gets
    a *new* token, which replaces the one in the lost answer (the server keeps one
    token per device). Anyone else is refused as before.
    """
    now = now_us()
    code_hash = sha256(normalise_code(code))
    used = conn.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.code_hash == code_hash, EnrolmentCode.used_us.is_(None), EnrolmentCode.expires_us > now)
        .values(used_us=now)
        .returning(EnrolmentCode.site_id)
    ).first()
    if used is None:
        return _enroll_again(conn, code_hash, serial, now)
    site_id = used.site_id
    token = secrets.token_urlsafe(32)
    existing = conn.execute(select(Device.id).where(Device.site_id == site_id, Device.serial == serial)).first()
    if existing:
        device_id = existing.id
        conn.execute(
            update(Device).where(Device.id == device_id).values(token_hash=sha256(token), revoked_us=None)
        )
    else:
        device_id = str(uuidlib.uuid4())
        conn.execute(
            Device.__table__.insert().values(
                id=device_id, site_id=site_id, serial=serial, token_hash=sha256(token), created_us=now,
                acked_seq=0, max_seq=0,
            )
        )
    conn.execute(
        update(EnrolmentCode).where(EnrolmentCode.code_hash == code_hash).values(serial=serial, device_id=device_id)
    )
    return _enrolled(conn, site_id, device_id, token)


def _enroll_again(conn: Connection, code_hash: str, serial: str, now: int) -> dict[str, Any]:
    """A used code presented again: a retry by the kiosk that used it gets a new token; anything else is refused."""
    refused = Refused(403, "the enrolment code is unknown, already used or expired; ask for a new one")
    stmt = select(EnrolmentCode.__table__).where(EnrolmentCode.code_hash == code_hash)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two retries at once: one after the other
    row = conn.execute(stmt).first()
    if row is None or row.used_us is None or row.expires_us <= now or row.serial != serial or row.device_id is None:
        raise refused
    device = conn.execute(select(Device.__table__).where(Device.id == row.device_id)).first()
    if (
        device is None
        or (device.revoked_us is not None and device.revoked_us >= row.used_us)  # revoked since: an admin's decision
        or (device.last_seen_us is not None and device.last_seen_us >= row.used_us)  # it has synced: the answer arrived
    ):
        raise refused
    token = secrets.token_urlsafe(32)
    conn.execute(update(Device).where(Device.id == device.id).values(token_hash=sha256(token)))
    return _enrolled(conn, row.site_id, device.id, token)


def _enrolled(conn: Connection, site_id: int, device_id: str, token: str) -> dict[str, Any]:
    site = conn.execute(select(Site.code, Site.name).where(Site.id == site_id)).one()
    return {"device_id": device_id, "token": token, "site": site.code, "site_name": site.name}


def revoke(conn: Connection, device_id: str) -> None:
    """Stop a device's token from working (its stored events stay)."""
    done = conn.execute(update(Device).where(Device.id == device_id).values(revoked_us=now_us())).rowcount
    if not done:
        raise Refused(404, f"no device has id {device_id!r}")


def device_for_token(conn: Connection, token: str | None) -> Any:
    """The device a bearer token belongs to (401 if none, or revoked)."""
    if not token:
        raise Refused(401, "missing bearer token; enrol the kiosk first")
    row = conn.execute(select(Device.__table__).where(Device.token_hash == sha256(token))).first()
    if row is None:
        raise Refused(401, "unknown token; enrol the kiosk again")
    if row.revoked_us is not None:
        raise Refused(401, "this kiosk's token was revoked; enrol it again")
    return row


# -- ingest -------------------------------------------------------------------------


@dataclass
class IngestResult:
    """What one batch did. ``acked_seq``: every event 1..acked_seq is stored here."""

    acked_seq: int
    stored: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[list[int]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    #: Payload keys holding personal data that were dropped before storage (central.privacy).
    personal_keys_dropped: int = 0


def _lock_device(conn: Connection, device_id: str) -> Any:
    stmt = select(Device.__table__).where(Device.id == device_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # one batch of a device at a time, across processes
    return conn.execute(stmt).one()


def _seqs(seqs: list[int]) -> Any:
    """A condition that holds for these seqs (and maybe others: callers match what comes back).

    A batch is usually a run of consecutive seqs: a range scan of the unique
    (device, seq) index then beats a list of a thousand values.
    """
    low, high = min(seqs), max(seqs)
    if high - low < 2 * len(seqs):
        return Event.seq.between(low, high)
    return Event.seq.in_(seqs)


def _walk(conn: Connection, device_id: str, acked: int) -> tuple[int, list[list[int]], int]:
    """Advance the contiguous watermark; return it, the gaps above it and the highest seq."""
    seqs = conn.execute(
        select(Event.seq).where(Event.device_id == device_id, Event.seq > acked).order_by(Event.seq)
    ).scalars().all()
    for seq in seqs:
        if seq != acked + 1:
            break
        acked = seq
    gaps: list[list[int]] = []
    expected = acked + 1
    for seq in seqs:
        if seq <= acked:
            continue
        if seq > expected and len(gaps) < 50:
            gaps.append([expected, seq - 1])
        expected = seq + 1
    return acked, gaps, (seqs[-1] if seqs else acked)


def ingest(
    conn: Connection,
    device: Any,
    events: list[dict[str, Any]],
    boot_id: str | None = None,
    sent_mono_ns: int | None = None,
    on_stored: Callable[[Connection, int, list[dict[str, Any]], int], Any] | None = None,
) -> IngestResult:
    """Store a batch of already-validated events of ``device`` exactly once.

    Each event is a dict with the kiosk's columns; ``payload`` is canonical JSON
    text. Duplicates (same device, seq and uuid) are counted and ignored; an
    event whose seq or uuid is already taken by a *different* event is rejected
    with its reason. Batches may arrive in any order: the answer's
    ``acked_seq`` only moves over a gapless run, and the gaps above it are listed.
    The events stored are folded into the figures' summary tables in the same
    transaction (``central.summary.absorb``), then handed to ``on_stored(conn,
    site_id, events, received_us)`` if given (the operations room's rating alerts,
    ``central.ops.ratings``), each exactly once.
    """
    dev = _lock_device(conn, device.id)
    if conn.dialect.name == "postgresql":
        # A batch almost never holds a uuid stored before (only a copied store does): insert without
        # looking the uuids up first, which costs PostgreSQL as much again as the insert's own check
        # of its unique index. If one is taken, all this attempt wrote is undone and the batch is
        # stored again, looking first. The attempt works on copies: storing changes the events.
        try:
            with conn.begin_nested():
                return _store(conn, dev, [dict(ev) for ev in events], boot_id, sent_mono_ns, on_stored,
                              look_up_uuids=False)
        except _UuidTaken:
            pass
    return _store(conn, dev, events, boot_id, sent_mono_ns, on_stored, look_up_uuids=True)


class _UuidTaken(Exception):
    """An event's uuid was already stored (under another seq or device): look the batch's uuids up."""


def _store(
    conn: Connection,
    dev: Any,
    events: list[dict[str, Any]],
    boot_id: str | None,
    sent_mono_ns: int | None,
    on_stored: Callable[[Connection, int, list[dict[str, Any]], int], Any] | None,
    look_up_uuids: bool,
) -> IngestResult:
    """``ingest`` under the device's lock; without ``look_up_uuids``, a uuid stored before raises _UuidTaken."""
    received = now_us()
    result = IngestResult(acked_seq=dev.acked_seq)

    # Within the batch: the same seq twice is a duplicate if it is the same event.
    unique: dict[int, dict[str, Any]] = {}
    uuids_in_batch: dict[str, int] = {}
    for ev in events:
        prior = unique.get(ev["seq"])
        if prior is not None:
            if prior["uuid"] == ev["uuid"]:
                result.duplicates += 1
            else:
                result.rejected.append({"seq": ev["seq"], "uuid": ev["uuid"], "reason": "seq appears twice in the batch with different uuids"})
            continue
        if ev["uuid"] in uuids_in_batch:
            result.rejected.append({"seq": ev["seq"], "uuid": ev["uuid"], "reason": "uuid appears twice in the batch with different seqs"})
            continue
        unique[ev["seq"]] = ev
        uuids_in_batch[ev["uuid"]] = ev["seq"]

    by_seq: dict[int, str] = {}
    by_uuid: dict[str, tuple[str, int]] = {}
    if unique:
        seqs = list(unique)
        by_seq = dict(
            conn.execute(
                select(Event.seq, Event.uuid).where(Event.device_id == dev.id, _seqs(seqs))
            ).all()
        )
        if look_up_uuids:
            for u, d, s in conn.execute(
                select(Event.uuid, Event.device_id, Event.seq).where(summary.among(conn, Event.uuid, list(uuids_in_batch)))
            ):
                by_uuid[u] = (d, s)

    new: list[dict[str, Any]] = []
    for seq, ev in unique.items():
        if seq in by_seq:
            if by_seq[seq] == ev["uuid"]:
                result.duplicates += 1
            else:
                result.rejected.append({"seq": seq, "uuid": ev["uuid"], "reason": f"seq {seq} already holds another event (uuid {by_seq[seq]})"})
            continue
        if ev["uuid"] in by_uuid:
            result.rejected.append({"seq": seq, "uuid": ev["uuid"], "reason": "this uuid is already stored under another seq or device"})
            continue
        new.append(ev)

    # Time (central.times): where did each boot's monotonic clock start, and which
    # times can be right? The request itself is the server's own observation.
    boots = times.Boots(conn, dev.id, {ev["boot_id"] for ev in new} | ({boot_id} if boot_id else set()))
    if boot_id and sent_mono_ns is not None:
        boots.observe_server(boot_id, received, sent_mono_ns)
    new.sort(key=lambda ev: ev["seq"])
    for ev in new:
        times.time_event(boots, ev, received, result.quarantined)
    # Re-corrects the boots' stored events where their anchor moved; the summaries' shared rows are
    # written once, last (below).
    pending = summary.Deltas.empty()
    boots.save(pending)

    if new:
        parsed = _drop_personal_data(dev.id, new, result)
        rows = []
        last_unsynced: dict[str, tuple[int, int]] = {}
        for ev, data in zip(new, parsed):
            corrected = times.correct_event(boots, ev, received, result.quarantined)
            if corrected is not None and not ev["clock_synced"]:
                last_unsynced[ev["boot_id"]] = (corrected, ev["wall_us"])
            if ev["quarantine"]:
                ev["quarantine"] = ev["quarantine"][:300]
            ticket_id = summary.ticket_id_of(data) if ev["type"] in summary.TICKET_TYPES else None
            rows.append({**{c: ev[c] for c in _EVENT_FIELDS}, "device_id": dev.id, "site_id": dev.site_id,
                         "received_us": received, "corrected_us": corrected, "ticket_id": ticket_id})
        inserted = _insert_events(conn, dev.id, rows, look_up_uuids)
        result.stored = len(inserted)
        for row, data in zip(rows, parsed):
            row["data"] = data  # the payload parsed once, for the summaries
        for b, (corrected, wall) in last_unsynced.items():
            boots.set_offset(b, corrected - wall)

    acked, gaps, top = _walk(conn, dev.id, dev.acked_seq)
    result.acked_seq, result.gaps = acked, gaps
    conn.execute(
        update(Device).where(Device.id == dev.id).values(acked_seq=acked, max_seq=max(top, dev.max_seq), last_seen_us=received)
    )
    # Last: the site's shared summary rows stay locked only until the commit that follows.
    stored = [r for r in rows if r["seq"] in inserted] if new else []
    summary.absorb(conn, dev.site_id, dev.id, stored, pending)
    if on_stored is not None and stored:
        on_stored(conn, dev.site_id, stored, received)
    return result


#: The columns of ``events`` an ingested event gives (the server adds the others).
_EVENT_FIELDS = ("seq", "uuid", "type", "payload", "wall_time", "wall_us", "mono_ns", "boot_id", "clock_synced",
                 "quarantine")
_EVENT_COLUMNS = _EVENT_FIELDS + ("device_id", "site_id", "received_us", "corrected_us", "ticket_id")


def _insert_events(conn: Connection, device_id: str, rows: list[dict[str, Any]], uuids_looked_up: bool) -> set[int]:
    """Insert the events (skipping any whose seq or uuid got taken meanwhile); the seqs that went in.

    Only those are folded into the summaries. On PostgreSQL one statement of one
    array per column (``central.bulk``). Under the device's lock none of these seqs
    is stored, so a plain ``INSERT`` goes in whole unless a uuid is taken: for
    PostgreSQL it is a third cheaper than ``ON CONFLICT``, which probes every unique
    index before it inserts into it. Unless the uuids were looked up, a taken one
    raises _UuidTaken (``ingest`` looks them up then). If they were, only another
    device's batch that stored one of them meanwhile (a copied store) makes the
    insert fail; it is then undone to its savepoint and the rows go in skipping the
    taken ones, as their ``RETURNING`` says.
    """
    if conn.dialect.name == "postgresql":
        if not uuids_looked_up:
            try:
                bulk.pg_insert(conn, Event.__table__, _EVENT_COLUMNS, rows)
            except IntegrityError as exc:  # under the device's lock only a uuid can be taken
                raise _UuidTaken from exc
            return {r["seq"] for r in rows}
        try:
            with conn.begin_nested():
                bulk.pg_insert(conn, Event.__table__, _EVENT_COLUMNS, rows)
            return {r["seq"] for r in rows}
        except IntegrityError:
            returned = bulk.pg_insert(conn, Event.__table__, _EVENT_COLUMNS, rows,
                                      "ON CONFLICT DO NOTHING RETURNING seq")
            return set(returned.scalars())
    conn.execute(_insert(conn, Event).on_conflict_do_nothing(), rows)
    # Under the device's lock none of these seqs was stored, so a seq now stored with the event's
    # uuid is this batch's (another device's event could only have taken a uuid first).
    stored = {
        (seq, uid) for seq, uid in
        conn.execute(select(Event.seq, Event.uuid).where(Event.device_id == device_id, _seqs([r["seq"] for r in rows])))
    }
    return {r["seq"] for r in rows if (r["seq"], r["uuid"]) in stored}


def _drop_personal_data(device_id: str, events: list[dict[str, Any]], result: IngestResult) -> list[dict[str, Any]]:
    """Drop every personal-data key from the events' payloads before they are stored; log which, never the values.

    Returns each event's payload parsed (``{}`` when it is not a JSON object), parsed once for the whole ingest
    (an event's ``data``, when given, is its payload already parsed: the API's validation made it).
    """
    keys: set[str] = set()
    parsed: list[dict[str, Any]] = []
    for ev in events:
        if "data" in ev:
            data, dropped = privacy.scrub(ev.pop("data"))
            if dropped:
                ev["payload"] = canonical_json(data)
        else:
            ev["payload"], data, dropped = privacy.scrub_json(ev["payload"])
        parsed.append(data if isinstance(data, dict) else {})
        if dropped:
            result.personal_keys_dropped += len(dropped)
            keys.update(f"{ev['type']}.{key}" for key in dropped)
    if keys:
        shown = sorted(keys)
        log.warning(
            "dropped %d personal-data key(s) from the events of device %s before storing them "
            "(central keeps no citizen's name, birth date, ID number or address): %s%s",
            result.personal_keys_dropped, device_id, ", ".join(shown[:10]), " ..." if len(shown) > 10 else "",
        )
    return parsed


# -- heartbeats and config ---------------------------------------------------------


def heartbeat(conn: Connection, device: Any, body: dict[str, Any]) -> None:
    """Keep the device's latest heartbeat, its live tickets (for the public ticket page) and its officers' names.

    The officers ({code, name}) are upserted into the device's own site: a kiosk
    names the officers of its office only. They are not kept in the heartbeat
    itself, and never logged.
    """
    received = now_us()
    if body.get("boot_id") and body.get("sent_mono_ns") is not None:
        boots = times.Boots(conn, device.id, {body["boot_id"]})
        boots.observe_server(body["boot_id"], received, body["sent_mono_ns"])
        boots.save()
    tickets = body.pop("tickets", []) or []
    officers = {o["code"]: o["name"] for o in body.pop("officers", []) or []}
    if officers:
        # Write only what changed: the same list arrives with every heartbeat.
        known = dict(conn.execute(select(Officer.code, Officer.name).where(Officer.site_id == device.site_id)).all())
        changed = [{"site_id": device.site_id, "code": code, "name": name, "updated_us": received}
                   for code, name in officers.items() if known.get(code) != name]
        if changed:
            stmt = _insert(conn, Officer)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["site_id", "code"],
                set_={"name": stmt.excluded.name, "updated_us": stmt.excluded.updated_us},
            ), changed)
    conn.execute(
        update(Device)
        .where(Device.id == device.id)
        .values(heartbeat_json=json.dumps(body, ensure_ascii=False), heartbeat_us=received, last_seen_us=received)
    )
    conn.execute(LiveTicket.__table__.delete().where(LiveTicket.device_id == device.id))
    if tickets:
        seen: set[str] = set()
        rows = []
        for t in tickets:
            if t["ticket_id"] in seen:
                continue
            seen.add(t["ticket_id"])
            rows.append({**t, "device_id": device.id, "site_id": device.site_id, "updated_us": received})
        conn.execute(_insert(conn, LiveTicket).on_conflict_do_nothing(), rows)


def site_config(conn: Connection, device: Any) -> tuple[int, dict[str, Any]] | None:
    """The device's site's configuration and its version, or None if none is set."""
    site = conn.execute(select(Site.config_json, Site.config_version).where(Site.id == device.site_id)).one()
    if site.config_json is None:
        return None
    return site.config_version, json.loads(site.config_json)
