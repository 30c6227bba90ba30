"""Citizens' personal data on the Pi: the name (and birth date) read from a CCCD, kept apart from the events.

Vietnam's personal-data rules (Nghị định 13/2023/NĐ-CP) ask for the minimum,
for a purpose, and for deletion when the purpose ends. So:

- only the name and the birth date are kept (the ID number and the address of
  the card are dropped when it is read: :mod:`kiosk.cccd`); the birth date lets
  the officer check the citizen's card when a result is handed over;
- they live in the store's ``personal`` table, one row per named ticket, never
  in an event (events are synced: central learns only ``"named": true``);
- a row goes when its purpose ends: when a result is handed over, and at every
  change of business day unless the ticket's result is still awaited
  (``results_later`` services, at most ``[names] results_keep_days``);
- deleted rows leave nothing behind: the store runs with ``secure_delete`` (freed
  space is zeroed) and truncates the WAL after a purge (:meth:`kiosk.store.Store.execute`).

Nothing here logs a name; :class:`Person` has no ``repr`` of its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from kiosk.state import Event


@dataclass(frozen=True)
class Person:
    """What the office keeps of a citizen: the normalised name and the birth date (ISO) if read."""

    name: str = field(repr=False)
    birth_date: str | None = field(default=None, repr=False)


def remember(db: sqlite_utils.Database, ticket_id: str, person: Person) -> None:
    """Keep ``person`` for ``ticket_id`` (inside the caller's transaction)."""
    db.execute(
        "INSERT OR REPLACE INTO personal (ticket_id, name, birth_date) VALUES (?, ?, ?)",
        [ticket_id, person.name, person.birth_date],
    )


def load(db: sqlite_utils.Database) -> dict[str, Person]:
    """Every name kept, by ticket id."""
    return {
        row["ticket_id"]: Person(row["name"], row["birth_date"])
        for row in db.query("SELECT ticket_id, name, birth_date FROM personal")
    }


def follow(db: sqlite_utils.Database, event: Event) -> bool:
    """Delete the names whose purpose ``event`` ends (inside the caller's transaction); True if any went."""
    if event.type in ("results_handed_over", "results_expired"):
        cursor = db.execute("DELETE FROM personal WHERE ticket_id = ?", [event.data["ticket_id"]])
        return cursor.rowcount > 0
    if event.type in ("day_started", "day_returned"):
        # The results projection was updated before this runs: only awaited results keep their names.
        cursor = db.execute(
            "DELETE FROM personal WHERE ticket_id NOT IN (SELECT id FROM results WHERE state = 'awaiting')"
        )
        return cursor.rowcount > 0
    return False
