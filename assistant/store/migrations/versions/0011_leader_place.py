"""The leader's own place and their coach.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

- `console_users.role` may be `coach`: someone who sees only what leaders share with them.
- `leader_sharing`: whether a leader's assistants see their felt-room ratings and their notes to
  the coach (no row: they do not).
- `coach_grants`: the coaches a leader invited, until when, revoked or not; the invitation kept
  as the SHA-256 of its token.
- `coach_views`: every look a coach took, shown to the leader.
- `coach_notes`: the leader's notes to their coach, encrypted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

ROLES_BEFORE = "role IN ('admin', 'assistant', 'leader')"
ROLES_AFTER = "role IN ('admin', 'assistant', 'leader', 'coach')"


def _roles(check: str) -> None:
    with op.batch_alter_table("console_users") as batch:
        batch.drop_constraint(op.f("ck_console_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_console_users_role"), check)


def _leader_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["leader_id"],
        ["leaders.id"],
        name=op.f(f"fk_{table}_leader_id_leaders"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    _roles(ROLES_AFTER)
    op.create_table(
        "leader_sharing",
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column(
            "assistants_see_personal", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _leader_fk("leader_sharing"),
        sa.PrimaryKeyConstraint("leader_id", name=op.f("pk_leader_sharing")),
    )
    op.create_table(
        "coach_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("coach_email", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invite_hash", sa.String(64), nullable=True),
        _leader_fk("coach_grants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_grants")),
        sa.UniqueConstraint("invite_hash", name=op.f("uq_coach_grants_invite_hash")),
    )
    op.create_index(op.f("ix_coach_grants_leader_id"), "coach_grants", ["leader_id"])
    op.create_index(op.f("ix_coach_grants_coach_email"), "coach_grants", ["coach_email"])
    op.create_table(
        "coach_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("page", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["coach_grants.id"],
            name=op.f("fk_coach_views_grant_id_coach_grants"),
            ondelete="CASCADE",
        ),
        _leader_fk("coach_views"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_views")),
    )
    op.create_index(op.f("ix_coach_views_leader_id_at"), "coach_views", ["leader_id", "at"])
    op.create_table(
        "coach_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        _leader_fk("coach_notes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_notes")),
    )
    op.create_index(
        op.f("ix_coach_notes_leader_id_written_at"), "coach_notes", ["leader_id", "written_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_coach_notes_leader_id_written_at"), "coach_notes")
    op.drop_table("coach_notes")
    op.drop_index(op.f("ix_coach_views_leader_id_at"), "coach_views")
    op.drop_table("coach_views")
    op.drop_index(op.f("ix_coach_grants_coach_email"), "coach_grants")
    op.drop_index(op.f("ix_coach_grants_leader_id"), "coach_grants")
    op.drop_table("coach_grants")
    op.drop_table("leader_sharing")
    op.execute("DELETE FROM console_users WHERE role = 'coach'")
    _roles(ROLES_BEFORE)
