"""summary tables for the figures, kept at ingest; events found by ticket; BRIN on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

- ``ticket_facts``: one row per (device, ticket), its events folded.
- ``day_figures`` (per site, business day, service, counter, officer, group),
  ``day_reasons``, ``day_hours`` and ``site_days``: additive counts the pages sum.
- ``events.ticket_id`` (indexed with the device): a ticket's events by an index
  lookup, when a late event makes the ticket be folded again.
- ``ix_events_site_wall`` is dropped: the figures no longer read events by site
  and time. An index on ``received_us`` (the order rows are written in) keeps
  time-range scans of the events cheap as the table grows: BRIN on PostgreSQL
  (a few pages for millions of rows), a B-tree on SQLite.

The summaries of the events already stored are computed by
``central.summary.rebuild`` (the same code as ``kiosk-central rebuild-summaries``),
which also fills ``events.ticket_id``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FIGURES = (
    "tickets",
    "completed",
    "no_shows",
    "named",
    "wait_n",
    "wait_us",
    "service_n",
    "service_us",
    "ratings",
    "very_satisfied",
    "satisfied",
    "dissatisfied",
    "raw_1",
    "raw_2",
    "raw_3",
    "raw_4",
    "raw_5",
    "dossiers",
    "results_later",
)
RESULTS = ("called", "called_named", "recalls", "handed_over", "no_show", "expired")


def _counts(names: tuple[str, ...]) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False, server_default="0") for name in names]


def _dimensions() -> list[sa.Column]:
    return [
        sa.Column("site_id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("service", sa.String(64), primary_key=True),
        sa.Column("counter", sa.Integer(), primary_key=True),
        sa.Column("officer", sa.String(64), primary_key=True),
        sa.Column("grp", sa.String(32), primary_key=True),
    ]


def upgrade() -> None:
    op.add_column("events", sa.Column("ticket_id", sa.String(64), nullable=True))
    op.create_index("ix_events_device_ticket", "events", ["device_id", "ticket_id"])
    op.drop_index("ix_events_site_wall", table_name="events")
    op.create_index("ix_events_received", "events", ["received_us"], postgresql_using="brin")  # SQLite: a B-tree
    op.create_table(
        "ticket_facts",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("ticket_id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Boolean(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=True),
        sa.Column("officer", sa.String(64), nullable=True),
        sa.Column("grp", sa.String(32), nullable=True),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=True) for name in ("issued_us", "called_us", "started_us", "finished_us")],
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("results_later", sa.Boolean(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("scale", sa.Integer(), nullable=True),
        sa.Column("counted", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("dossier", sa.String(40), nullable=True),
        sa.Column("wait_us", sa.BigInteger(), nullable=True),
        sa.Column("service_us", sa.BigInteger(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_ticket_facts_site_day", "ticket_facts", ["site_id", "day"])
    op.create_table("day_figures", *_dimensions(), *_counts(FIGURES))
    op.create_table("day_reasons", *_dimensions(), sa.Column("reason", sa.String(32), primary_key=True),
                    *_counts(("n",)))
    op.create_table(
        "day_hours",
        sa.Column("site_id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("service", sa.String(64), primary_key=True),
        sa.Column("hour", sa.Integer(), primary_key=True),
        *_counts(("tickets",)),
    )
    op.create_table(
        "site_days",
        sa.Column("site_id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *_counts(FIGURES + RESULTS),
    )
    op.create_index("ix_site_days_day", "site_days", ["day"])

    from central import summary  # the same fold as ingest and the rebuild command

    summary.rebuild(op.get_bind())


def downgrade() -> None:
    for table in ("site_days", "day_hours", "day_reasons", "day_figures", "ticket_facts"):
        op.drop_table(table)
    op.drop_index("ix_events_received", table_name="events")
    op.create_index("ix_events_site_wall", "events", ["site_id", "wall_us"])
    op.drop_index("ix_events_device_ticket", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("ticket_id")
