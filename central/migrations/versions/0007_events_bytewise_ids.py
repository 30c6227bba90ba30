"""events: ids compared byte by byte on PostgreSQL (ingest speed)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

``events.uuid``, ``events.device_id`` and ``events.ticket_id`` get ``COLLATE "C"`` on
PostgreSQL (``central.models.bytewise``): they hold ASCII ids, and ingest writes them
into three indexes (unique ``uuid``, unique (``device_id``, ``seq``), (``device_id``,
``ticket_id``)) a thousand times a batch; the database's collation compared them by
language rules. Only the collation changes: PostgreSQL rebuilds those indexes but
does not rewrite the table (on a large database the upgrade takes as long as building
the three indexes). SQLite already compares text byte by byte: nothing to do there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (("uuid", 36, False), ("device_id", 36, False), ("ticket_id", 64, True))


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, length, nullable in COLUMNS:
        op.alter_column(
            "events", name, existing_type=sa.String(length), type_=sa.String(length, collation=collation),
            existing_nullable=nullable,
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)
