"""officers: the names the kiosks send with their heartbeats

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Central shows officers by name ("Nguyễn Văn An (1234)"). A kiosk sends its
officers (code and full name, never a PIN) in every heartbeat; central keeps
the latest name per site and code here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("code", sa.String(length=8), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("officers")
