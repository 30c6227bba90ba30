"""media streams and alerts: the operations room

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

``media_streams`` is what the media server (nginx-rtmp) last told central about
each device's streams through its publish hooks: who is publishing now, since
when. ``alerts`` are the operations room's alerts, raised and cleared by
central (an open alert has no ``cleared_us``; ``key`` says which cause it is, so
one cause raises one alert until it clears).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_streams",
        sa.Column("device_id", sa.String(length=36), sa.ForeignKey("devices.id"), primary_key=True),
        sa.Column("app", sa.String(length=10), primary_key=True),
        sa.Column("publishing", sa.Boolean(), nullable=False),
        sa.Column("since_us", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raised_us", sa.BigInteger(), nullable=False),
        sa.Column("cleared_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_alerts_site_raised", "alerts", ["site_id", "raised_us"])
    op.create_index("ix_alerts_key", "alerts", ["key"])


def downgrade() -> None:
    op.drop_index("ix_alerts_key", table_name="alerts")
    op.drop_index("ix_alerts_site_raised", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("media_streams")
