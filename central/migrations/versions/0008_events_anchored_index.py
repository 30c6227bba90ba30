"""events: a partial index for the events timed by their boot's anchor (ingest speed)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

When a boot's anchor moves (its first batch, a better server observation),
``central.times.recorrect`` re-times that boot's events that do not use their own
clock: unsynchronised or quarantined ones. It found them through the index on
(``device_id``, ``ticket_id``), reading every event the kiosk ever sent, once a boot:
work that grew with the kiosk's history (80 ms at 23,000 events, measured on
PostgreSQL; a year of an office is about 340,000). ``ix_events_anchored`` holds
only those events, by (``device_id``, ``boot_id``): empty while clocks are
synchronised, so nearly free to keep. Its condition is the one ``recorrect``
writes, as each database renders it (the planner uses a partial index only for a
query whose condition contains the index's).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_events_anchored", "events", ["device_id", "boot_id"],
        postgresql_where=sa.text("clock_synced IS false OR quarantine IS NOT NULL"),
        sqlite_where=sa.text("clock_synced IS 0 OR quarantine IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_anchored", table_name="events")
