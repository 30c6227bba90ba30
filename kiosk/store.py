"""The durable store: an append-only event log and its projections, in SQLite.

Every command runs in one transaction (``db.atomic()``): the events it causes
are appended to ``events`` with a gapless per-device ``seq``, and the projection
rows they touch (``tickets``, ``counters``, ``services``, ``ratings``, ``meta``)
are rewritten from the engine's state. Ticket numbers are therefore taken inside
the same transaction that records them: a number is never issued twice in a
business day, across restarts and crashes.

The file runs in WAL mode with ``synchronous=FULL``, which keeps the last ticket
through a power cut. The store belongs to the thread that opened it (sqlite3
enforces this); the application runs it on its single engine thread.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from kiosk import personal, schema
from kiosk.config import Config
from kiosk.commands import Command
from kiosk.engine import Engine
from kiosk.state import (
    NUMBERS_KEY,
    CounterState,
    Event,
    Rating,
    Result,
    ServiceState,
    State,
    Ticket,
    meta_value,
    parse_day_numbers,
)
from kiosk.errors import DomainError
from kiosk.ids import time_ordered_uuid

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
#: SQLite checkpoints the WAL into the main file by itself once it holds this
#: many pages (about 40 MB). The kiosk checkpoints when idle (Store.checkpoint),
#: so a burst of tickets does not pay for a checkpoint in the middle.
WAL_AUTOCHECKPOINT_PAGES = 10_000


class StoreBusy(Exception):
    """Another process is writing to the store (only one writer is allowed)."""


class Clock(Protocol):
    """What the store needs of a clock (see :mod:`kiosk.clock`)."""

    boot_id: str

    def now(self) -> datetime: ...

    def monotonic_ns(self) -> int: ...

    def synced(self) -> bool: ...


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store keeps it."""

    seq: int
    uuid: str
    type: str
    data: dict[str, Any]
    wall_time: str
    mono_ns: int
    boot_id: str
    clock_synced: bool

    def to_json(self) -> dict[str, Any]:
        """The event as one JSON object (``kiosk events`` prints these)."""
        return asdict(self)


_TABLE_KEYS = {"ticket": ("tickets", "id"), "counter": ("counters", "number"), "service": ("services", "id"),
               "rating": ("ratings", "ticket_id"), "result": ("results", "id")}


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate a store file with the durable settings."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        db.enable_wal()
    # Per connection, and what keeps a committed ticket through a power cut.
    db.execute("PRAGMA synchronous = FULL")
    # Deleted rows (citizens' names: kiosk.personal) are overwritten with zeros, not left in free pages.
    db.execute("PRAGMA secure_delete = ON")
    db.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    schema.migrate(db)
    return db


class Store:
    """The engine over its SQLite file. Use it from one thread only."""

    def __init__(self, path: str | Path, config: Config, clock: Clock) -> None:
        self.path = str(path)
        self.clock = clock
        self._lock_fd = _lock(self.path)
        self.db = open_db(path)
        self.device_id = self._device_id()
        self.engine = Engine(config, self._load_state())
        self._last_seq = self._max_seq()
        self._purged = False

    # -- writing ---------------------------------------------------------

    def execute(
        self, command: Command, now: datetime | None = None, person: personal.Person | None = None
    ) -> list[StoredEvent]:
        """Run ``command`` and store what it caused; return the stored events.

        The business day is rolled over first; if the command is then refused
        (:class:`DomainError`), the rollover is still committed and the error is
        raised. Any other failure rolls everything back. ``person``: the citizen
        of a named ``Issue``, kept in the same transaction (:mod:`kiosk.personal`).
        """
        now = now if now is not None else self.clock.now()
        # Read once: the day may move back only on a synchronised clock, and the
        # events say the same about the clock as the rule that wrote them.
        synced = self.clock.synced()
        stored: list[StoredEvent] = []
        refusal: DomainError | None = None
        try:
            with self.db.atomic():
                for event in self.engine.roll(now, synced):
                    stored.append(self._write(event, now, synced, self._last_seq + len(stored) + 1))
                try:
                    decided = self.engine.decide(command, now)
                except DomainError as exc:
                    refusal, decided = exc, []
                for event in decided:
                    stored.append(self._write(event, now, synced, self._last_seq + len(stored) + 1))
                if person is not None:
                    for event in decided:
                        if event.type == "ticket_issued" and event.data["named"]:
                            personal.remember(self.db, event.data["ticket_id"], person)
        except BaseException:
            self._reload()  # the transaction rolled back; so must memory
            raise
        if stored:
            self._last_seq = stored[-1].seq
        if self._purged:
            # The deleted names' old pages must not linger in the WAL either.
            self._purged = False
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if refusal is not None:
            raise refusal
        return stored

    def _write(self, event: Event, now: datetime, synced: bool, seq: int) -> StoredEvent:
        row = StoredEvent(
            seq=seq,
            uuid=time_ordered_uuid(),
            type=event.type,
            data=event.data,
            wall_time=now.isoformat(),
            mono_ns=self.clock.monotonic_ns(),
            boot_id=self.clock.boot_id,
            clock_synced=synced,
        )
        self.db.execute(
            "INSERT INTO events (seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.seq, row.uuid, row.type, _dumps(row.data), row.wall_time, row.mono_ns, row.boot_id,
             int(row.clock_synced)),
        )
        project(self.db, self.engine, event)
        self._purged |= personal.follow(self.db, event)
        return row

    # -- reading ---------------------------------------------------------

    def events(self, since: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        """Stored events with ``seq`` greater than ``since``, oldest first."""
        sql = "SELECT * FROM events WHERE seq > ? ORDER BY seq"
        params: list[Any] = [since]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.db.query(sql, params):
            yield StoredEvent(
                seq=row["seq"],
                uuid=row["uuid"],
                type=row["type"],
                data=json.loads(row["payload"]),
                wall_time=row["wall_time"],
                mono_ns=row["mono_ns"],
                boot_id=row["boot_id"],
                clock_synced=bool(row["clock_synced"]),
            )

    def mark_acked(self, max_seq: int) -> int:
        """The central server holds every event up to ``max_seq``: mark them; return how many changed."""
        with self.db.atomic():
            cursor = self.db.execute("UPDATE events SET acked = 1 WHERE seq <= ? AND acked = 0", [max_seq])
        return cursor.rowcount

    def people(self) -> dict[str, personal.Person]:
        """The citizens' names kept now, by ticket id (:mod:`kiosk.personal`)."""
        return personal.load(self.db)

    def checkpoint(self) -> None:
        """Copy the WAL into the main file now; the engine thread calls this when idle."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """Close the file and let another process write to it."""
        self.db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- loading ---------------------------------------------------------

    def _device_id(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
        if row:
            return row[0]
        device_id = str(uuid.uuid4())
        with self.db.atomic():
            self.db["meta"].insert({"key": "device_id", "value": device_id})
        return device_id

    def _max_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    def _load_state(self) -> State:
        return load_state(self.db)

    def _reload(self) -> None:
        self.engine = Engine(self.engine.config, self._load_state())
        self._last_seq = self._max_seq()
        self._purged = False


def _lock(path: str) -> int | None:
    """Take the store's writer lock: the engine state in memory must be the only writer's."""
    if path == ":memory:":
        return None
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreBusy(f"{path} is in use by another kiosk process (is the kiosk service running?)") from None
    return fd


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def load_state(db: sqlite_utils.Database) -> State:
    """The engine's state as the projections hold it (the current stay's tickets)."""
    state = State(
        day=_meta(db, "day"),
        next_queue_seq=int(_meta(db, "next_queue_seq") or 1),
        day_opened_seq=int(_meta(db, "day_opened_seq") or 0),  # 0: a store older than day_returned
    )
    # A day entered again (the clock ran ahead, then was corrected) keeps the
    # tickets of its earlier stay in the table; they are all final and not the
    # engine's any more: their queue_seq is below the current stay's.
    for row in db.query("SELECT * FROM tickets WHERE day = ? AND queue_seq >= ?", [state.day, state.day_opened_seq]):
        row["priority"] = bool(row["priority"])
        row["printed"] = None if row["printed"] is None else bool(row["printed"])
        row["named"] = bool(row["named"])
        state.tickets[row["id"]] = Ticket(**row)
    for row in db.query("SELECT * FROM counters"):
        state.counters[row["number"]] = CounterState(**row)
    for row in db.query("SELECT * FROM services"):
        state.services[row["id"]] = ServiceState(**row)
    # The day's ratings: of its tickets, and of results of earlier days handed over today (rated
    # today); not those of tickets of an earlier stay on this day.
    earlier_stay = {row["id"] for row in db.query("SELECT id FROM tickets WHERE day = ? AND queue_seq < ?",
                                                  [state.day, state.day_opened_seq])}
    for row in db.query("SELECT * FROM ratings WHERE day = ?", [state.day]):
        if row["ticket_id"] not in earlier_stay:
            state.ratings[row["ticket_id"]] = Rating(**row)
    # Results awaited (of any day), and those handed over whose rating is still open.
    rating = {c.rating_ticket for c in state.counters.values() if c.rating_ticket}
    for row in db.query("SELECT * FROM results WHERE state = 'awaiting' OR id IN (SELECT value FROM json_each(?))",
                        [json.dumps(sorted(rating))]):
        row["named"] = bool(row["named"])
        state.results[row["id"]] = Result(**row)
    for row in db.query("SELECT key, value FROM meta WHERE key LIKE ?", [NUMBERS_KEY + "%"]):
        state.day_numbers[row["key"][len(NUMBERS_KEY):]] = parse_day_numbers(row["value"])
    return state


def project(db: sqlite_utils.Database, engine: Engine, event: Event) -> None:
    """Apply ``event`` to the engine and rewrite the projection rows it touched."""
    for kind, key in sorted(engine.apply(event), key=str):
        if kind == "meta":
            value = meta_value(engine.state, key)
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", [key])
            else:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])
            continue
        table, pk = _TABLE_KEYS[kind]
        source = {
            "ticket": engine.state.tickets,
            "counter": engine.state.counters,
            "service": engine.state.services,
            "rating": engine.state.ratings,
            "result": engine.state.results,
        }[kind]
        row = dict(vars(source[key]))  # flat dataclasses: a shallow copy is the row
        if kind == "ticket":
            row["priority"] = int(row["priority"])
            row["printed"] = None if row["printed"] is None else int(row["printed"])
            row["named"] = int(row["named"])
        elif kind == "result":
            row["named"] = int(row["named"])
        db.execute(_upsert_sql(table, pk, tuple(row)), list(row.values()))


@functools.cache
def _upsert_sql(table: str, pk: str, columns: tuple[str, ...]) -> str:
    # A real upsert, not INSERT OR REPLACE: OR REPLACE would silently delete
    # another row that collides on a unique index (a duplicate ticket number).
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != pk)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT({pk}) DO UPDATE SET {updates}"
    )


def replay(config: Config, events: Iterator[StoredEvent] | list[StoredEvent]) -> sqlite_utils.Database:
    """Rebuild the projections from events alone, in a fresh in-memory database."""
    db = open_db(":memory:")
    engine = Engine(config)
    with db.atomic():
        for stored in events:
            project(db, engine, Event(stored.type, stored.data))
    return db
