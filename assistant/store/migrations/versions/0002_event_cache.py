"""The title-free event cache of a calendar connection (Google incremental sync).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

One row per occurrence a connection's last sync kept: times, status, response, busy, kind,
counts and flags, as in connectors.model.CalendarEvent. There is no column for a title,
description, location or attendee names.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "event_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "connection_id",
            sa.Integer(),
            sa.ForeignKey(
                "connections.id",
                name=op.f("fk_event_cache_connection_id_connections"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("provider_event_id", sa.String(1024), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("my_response", sa.String(16), nullable=False),
        sa.Column("busy", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        # A count of the other people invited, never who they are.
        sa.Column("others_invited", sa.Integer(), nullable=False),
        sa.Column("organized_by_me", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("ours", sa.Boolean(), nullable=False),
        sa.Column("may_override_protection", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_cache")),
        sa.UniqueConstraint(
            "connection_id",
            "provider_event_id",
            name=op.f("uq_event_cache_connection_id_provider_event_id"),
        ),
        sa.CheckConstraint("end_at >= start_at", name=op.f("ck_event_cache_end_not_before_start")),
    )
    op.create_index(
        op.f("ix_event_cache_connection_id_start_at"),
        "event_cache",
        ["connection_id", "start_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_event_cache_connection_id_start_at"), table_name="event_cache")
    op.drop_table("event_cache")
