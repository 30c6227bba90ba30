"""The store as the sync worker reads it, from its own thread and connection.

The engine thread alone writes the store; the sync worker reads ``events`` and
the projections through :func:`open_read_only` and hands what the server
acknowledged back to the engine thread, which runs :func:`mark_acked`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kiosk import estimate
from kiosk.config import Config
from kiosk.credentials import OFFICER_CODE, credentials_for


def mark_acked(db_path: str | Path, max_seq: int) -> int:
    """Set ``acked = 1`` for events up to ``max_seq``; return how many rows changed.

    The app runs this on the engine thread (the store's writer); tests call it directly.
    """
    conn = sqlite3.connect(str(db_path), timeout=5)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        with conn:
            return conn.execute("UPDATE events SET acked = 1 WHERE seq <= ? AND acked = 0", (max_seq,)).rowcount
    finally:
        conn.close()


def open_read_only(db_path: str | Path) -> sqlite3.Connection:
    """A read-only connection to the store, for a thread other than the engine's."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def read_batch(conn: sqlite3.Connection, after: int, limit: int) -> list[dict[str, Any]]:
    """Events with ``seq > after``, oldest first, as the API takes them.

    ``after`` is what the server last said it holds; the ``acked`` flag only
    tells where to start after a restart, so a server that lost events (restored
    from a backup) gets them again.
    """
    rows = conn.execute(
        "SELECT seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced FROM events "
        "WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [
        {
            "seq": r["seq"],
            "uuid": r["uuid"],
            "type": r["type"],
            "payload": json.loads(r["payload"]),
            "wall_time": r["wall_time"],
            "mono_ns": r["mono_ns"],
            "boot_id": r["boot_id"],
            "clock_synced": bool(r["clock_synced"]),
        }
        for r in rows
    ]


def heartbeat_from_store(
    conn: sqlite3.Connection, after: int, config: Config | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Queues, counters and live tickets as the store's projections hold them.

    Each waiting ticket's ``wait_minutes`` is :mod:`kiosk.estimate`'s, from the
    store's rows of the day at ``now`` (default: the clock): what the engine
    would print for it, the same rows being its state. Without ``config`` (or
    when no staffed counter serves the ticket) it is None, "unknown".
    """
    now = now or datetime.now(timezone.utc)
    day_row = conn.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()
    day = day_row[0] if day_row else None
    opened_row = conn.execute("SELECT value FROM meta WHERE key = 'day_opened_seq'").fetchone()
    # The engine's state holds the day's tickets from its current stay on it (see kiosk.store).
    opened = int(opened_row[0]) if opened_row else 0
    rows = conn.execute(
        "SELECT id, service, display, priority, state, counter, queue_seq, issued_at, called_at, finished_at "
        "FROM tickets WHERE day = ? AND queue_seq >= ? ORDER BY queue_seq",
        (day, opened),
    ).fetchall()
    tickets = [t for t in rows if t["state"] in ("waiting", "called", "serving")]
    counter_rows = conn.execute(
        "SELECT number, mode, officer, ticket_id, calls_since_priority FROM counters ORDER BY number"
    ).fetchall()
    minutes: dict[str, int | None] = {}
    if config is not None:
        facts = estimate.facts_from_records(map(dict, rows), map(dict, counter_rows), now)
        minutes = estimate.waits(estimate.Setup.from_config(config), facts)
    queues: dict[str, int] = {}
    live = []
    for t in tickets:
        entry: dict[str, Any] = {"ticket_id": t["id"], "display": t["display"], "service": t["service"], "state": t["state"]}
        if t["state"] == "waiting":
            queues[t["service"]] = queues.get(t["service"], 0) + 1
            entry["position"] = queues[t["service"]]
            entry["wait_minutes"] = minutes.get(t["id"])
        else:
            entry["counter"] = t["counter"]
        live.append(entry)
    displays = {t["id"]: t["display"] for t in tickets}
    counters = [
        {"number": c["number"], "mode": c["mode"], "officer": c["officer"], "ticket": displays.get(c["ticket_id"])}
        for c in counter_rows
    ]
    depth = conn.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (after,)).fetchone()[0]
    first = conn.execute("SELECT wall_time FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (after,)).fetchone()
    oldest = first[0] if first else None
    age = None
    if oldest:
        age = max(0.0, (now - datetime.fromisoformat(oldest)).total_seconds())
    return {"queues": queues, "counters": counters, "tickets": live, "outbox_depth": depth, "oldest_unsynced_age_s": age}


#: The most officers a heartbeat names (central refuses more).
MAX_OFFICERS = 500


def officers_for_heartbeat(config: Config | None) -> list[dict[str, str]]:
    """The office's officers as central shows them: [{code, name}] from the credentials file, never a PIN.

    Central keeps the names per site to show "Nguyễn Văn An (1234)" instead of
    "1234". Without a ``[web]`` section (no credentials file) the list is empty;
    an entry central would refuse (a hand-edited file) is left out, so the
    heartbeat still goes through.
    """
    if config is None or config.web is None:
        return []
    names = credentials_for(config.web.credentials_file).officer_names()
    officers = [
        {"code": code, "name": " ".join(name.split())}
        for code, name in sorted(names.items(), key=lambda item: (len(item[0]), item[0]))
        if OFFICER_CODE.fullmatch(code) and isinstance(name, str) and 1 <= len(" ".join(name.split())) <= 100
    ]
    return officers[:MAX_OFFICERS]
