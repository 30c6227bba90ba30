"""times that cannot be right are quarantined; an enrolment can be retried

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

- ``events.quarantine``: why the server did not believe an event's time.
- ``boots``: the two observations of a boot's start (``ntp_us``, ``server_us``)
  and ``ntp_disputed``; ``anchor_us`` may be NULL (nothing believable known).
- ``enrolment_codes.serial``/``device_id``: which kiosk used the code, so that
  kiosk alone can retry after a lost answer.

Existing rows are cleaned with the rules of ``central.times``: a synchronised
event dated before 2025-01-01 or more than 10 minutes after the server received
it is quarantined, a corrected time outside those bounds is forgotten (NULL),
and so is a boot's anchor that puts its start before 2025 or in the future, so
no stored time from before this revision can break a page or move a later event.
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The same bounds as central.times (copied: a migration must not change when the code does).
PRODUCT_EPOCH_US = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
MAX_AHEAD_US = 10 * 60 * 1_000_000


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("quarantine", sa.String(length=300), nullable=True))
    with op.batch_alter_table("boots") as batch:
        batch.alter_column("anchor_us", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("ntp_us", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("server_us", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("ntp_disputed", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("enrolment_codes") as batch:
        batch.add_column(sa.Column("serial", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))

    op.execute("UPDATE boots SET ntp_us = anchor_us WHERE source = 'ntp'")
    op.execute("UPDATE boots SET server_us = anchor_us WHERE source = 'server'")
    # A boot cannot have started before 2025 or after now: such an anchor came from an impossible clock.
    latest = time.time_ns() // 1000 + MAX_AHEAD_US
    for column in ("ntp_us", "server_us"):
        op.execute(f"UPDATE boots SET {column} = NULL WHERE {column} < {PRODUCT_EPOCH_US} OR {column} > {latest}")
    op.execute("UPDATE boots SET anchor_us = COALESCE(ntp_us, server_us), "
               "source = CASE WHEN ntp_us IS NOT NULL THEN 'ntp' WHEN server_us IS NOT NULL THEN 'server' ELSE 'none' END")
    events = sa.table(
        "events",
        sa.column("clock_synced", sa.Boolean()),
        sa.column("wall_us", sa.BigInteger()),
        sa.column("received_us", sa.BigInteger()),
        sa.column("corrected_us", sa.BigInteger()),
        sa.column("quarantine", sa.String()),
    )
    op.execute(
        events.update()
        .where(
            events.c.clock_synced.is_(True),
            sa.or_(events.c.wall_us < PRODUCT_EPOCH_US, events.c.wall_us > events.c.received_us + MAX_AHEAD_US),
        )
        .values(
            quarantine="wall_time is before 2025-01-01 or more than 10 min ahead of the server's clock "
            "(found when the database was upgraded)",
            corrected_us=None,
        )
    )
    op.execute(
        events.update()
        .where(
            sa.or_(
                events.c.corrected_us < PRODUCT_EPOCH_US,
                events.c.corrected_us > events.c.received_us + MAX_AHEAD_US,
            )
        )
        .values(corrected_us=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("enrolment_codes") as batch:
        batch.drop_column("device_id")
        batch.drop_column("serial")
    op.execute("DELETE FROM boots WHERE anchor_us IS NULL")
    with op.batch_alter_table("boots") as batch:
        batch.drop_column("ntp_disputed")
        batch.drop_column("server_us")
        batch.drop_column("ntp_us")
        batch.alter_column("anchor_us", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("events") as batch:
        batch.drop_column("quarantine")
