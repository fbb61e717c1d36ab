"""The console: its users, assignments, sign-in sessions, failed sign-ins, and an audit trail
that names the leader a change concerns with the state before and after it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

- `console_users`: admins, assistants and leaders who sign in; an argon2id hash of the password
  (none for organisation sign-in only), an encrypted TOTP secret and its last step used.
- `console_assignments`: which leaders an assistant looks after.
- `console_sessions`: signed-in browsers, kept as the SHA-256 of the cookie's value.
- `console_sign_in_failures`: failed sign-ins, which the rate limits count.
- `console_pending_sign_ins`: organisation sign-ins on their way (state, nonce, PKCE verifier).
- `audit_log.leader_id`, `.before`, `.after`: the leader concerned and the change itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("totp_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("email", name=op.f("uq_console_users_email")),
        sa.CheckConstraint(
            "role IN ('admin', 'assistant', 'leader')", name=op.f("ck_console_users_role")
        ),
        sa.CheckConstraint(
            "language IS NULL OR language IN ('nl', 'en')", name=op.f("ck_console_users_language")
        ),
    )
    op.create_table(
        "console_assignments",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            name=op.f("fk_console_assignments_user_id_console_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["leaders.id"],
            name=op.f("fk_console_assignments_leader_id_leaders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "leader_id", name=op.f("pk_console_assignments")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            name=op.f("fk_console_sessions_user_id_console_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_sessions_token_hash")),
    )
    op.create_index(op.f("ix_console_sessions_user_id"), "console_sessions", ["user_id"])
    op.create_table(
        "console_sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sign_in_failures")),
    )
    op.create_index(
        op.f("ix_console_sign_in_failures_key_at"), "console_sign_in_failures", ["key", "at"]
    )
    op.create_table(
        "console_pending_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_pending_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_pending_sign_ins_token_hash")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("leader_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("before", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("after", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_audit_log_leader_id_leaders"),
            "leaders",
            ["leader_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(op.f("fk_audit_log_leader_id_leaders"), type_="foreignkey")
        batch.drop_column("after")
        batch.drop_column("before")
        batch.drop_column("leader_id")
    op.drop_table("console_pending_sign_ins")
    op.drop_index(op.f("ix_console_sign_in_failures_key_at"), "console_sign_in_failures")
    op.drop_table("console_sign_in_failures")
    op.drop_index(op.f("ix_console_sessions_user_id"), "console_sessions")
    op.drop_table("console_sessions")
    op.drop_table("console_assignments")
    op.drop_table("console_users")
