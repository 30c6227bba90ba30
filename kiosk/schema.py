"""The store's schema and its migrations.

The schema version is SQLite's ``PRAGMA user_version``. Each migration moves
the file one version up inside its own transaction; a file written by a newer
kiosk is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


class SchemaError(Exception):
    """The store file cannot be used by this version of the kiosk."""


def _v1(db: sqlite_utils.Database) -> None:
    """Events and the projections: tickets, counters, services, ratings, meta."""
    db["events"].create(
        {
            "seq": int,
            "uuid": str,
            "type": str,
            "payload": str,
            "wall_time": str,
            "mono_ns": int,
            "boot_id": str,
            "clock_synced": int,
        },
        pk="seq",
        not_null={"uuid", "type", "payload", "wall_time", "mono_ns", "boot_id", "clock_synced"},
    )
    db["events"].create_index(["uuid"], unique=True)
    db["tickets"].create(
        {
            "id": str,
            "day": str,
            "service": str,
            "number": int,
            "display": str,
            "priority": int,
            "state": str,
            "counter": int,
            "officer": str,
            "issued_at": str,
            "called_at": str,
            "started_at": str,
            "finished_at": str,
            "queue_seq": int,
            "recalls": int,
            "transfers": int,
            "ahead": int,
            "wait_minutes": int,
            "rating": int,
        },
        pk="id",
    )
    db["tickets"].create_index(["day", "display"], unique=True)
    db["tickets"].create_index(["day", "state"])
    db["counters"].create(
        {
            "number": int,
            "mode": str,
            "officer": str,
            "ticket_id": str,
            "calls_since_priority": int,
            "rating_ticket": str,
            "rating_until": str,
            "ignored_rating_presses": int,
        },
        pk="number",
    )
    db["services"].create({"id": str, "last_number": int, "issued_today": int}, pk="id")
    db["ratings"].create(
        {"ticket_id": str, "day": str, "service": str, "counter": int, "officer": str, "level": int, "at": str},
        pk="ticket_id",
    )
    db["meta"].create({"key": str, "value": str}, pk="key")


def _v2(db: sqlite_utils.Database) -> None:
    """Sync bookkeeping: which events the central server has acknowledged."""
    db["events"].add_column("acked", int, not_null_default=0)
    db["events"].create_index(["acked", "seq"])


def _v3(db: sqlite_utils.Database) -> None:
    """Whether each ticket was printed (NULL: not yet; 0: the print failed, an officer may reprint)."""
    db["tickets"].add_column("printed", int)


def _v4(db: sqlite_utils.Database) -> None:
    """Named tickets and priority groups; results handed over later; citizens' names kept apart."""
    db["tickets"].add_column("named", int, not_null_default=0)
    db["tickets"].add_column("grp", str)
    db["counters"].add_column("results_ticket", str)
    db["results"].create(
        {
            "id": str,
            "day": str,
            "service": str,
            "number": int,
            "display": str,
            "named": int,
            "officer": str,
            "completed_at": str,
            "keep_until": str,
            "state": str,
            "counter": int,
            "recalls": int,
            "handed_at": str,
            "called_at": str,
        },
        pk="id",
    )
    db["results"].create_index(["state"])
    # Personal data (kiosk.personal): never in an event, never synced, deleted when its purpose ends.
    db["personal"].create({"ticket_id": str, "name": str, "birth_date": str}, pk="ticket_id", not_null={"name"})


def _v5(db: sqlite_utils.Database) -> None:
    """Ratings as the rules count them, with the reason a dissatisfied citizen gave; dossier codes."""
    db["ratings"].add_column("counted", str)
    db["ratings"].add_column("reason", str)
    db["tickets"].add_column("dossier", str)
    db["results"].add_column("dossier", str)
    db["counters"].add_column("reason_ticket", str)
    db["counters"].add_column("reason_until", str)
    db["counters"].add_column("finished_ticket", str)
    db["counters"].add_column("finished_at", str)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5]
VERSION = len(MIGRATIONS)


def version(db: sqlite_utils.Database) -> int:
    """The schema version of an open store."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database, target: int = VERSION) -> int:
    """Bring ``db`` up to ``target``; return the version it was at."""
    found = version(db)
    if found > VERSION:
        raise SchemaError(
            f"the store was written by a newer kiosk (schema {found}, this kiosk knows {VERSION}); "
            "update the kiosk software"
        )
    for number in range(found + 1, target + 1):
        with db.atomic():
            MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version = {number}")
    return found
