"""Once-per-week pipeline claims, a leader's pause, and the 1-5 scale of the self-rating.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

- `review_claims`: one row per (leader, ISO week) whose weekly pipeline a dispatcher started; the
  unique key makes a second claim fail in the database itself, on any number of machines.
- `leaders.paused_at` / `leaders.paused_until`: a leader who paused the weekly review (from the
  link in its footer); no `paused_until` means until they resume.
- `self_ratings.score`: the email asks "how much room did you have, 1-5"; the check said 1-10.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "review_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "leader_id",
            sa.Integer(),
            sa.ForeignKey(
                "leaders.id", name=op.f("fk_review_claims_leader_id_leaders"), ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_claims")),
        sa.UniqueConstraint(
            "leader_id", "iso_week", name=op.f("uq_review_claims_leader_id_iso_week")
        ),
    )
    with op.batch_alter_table("leaders") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("self_ratings") as batch:
        batch.drop_constraint(op.f("ck_self_ratings_score_range"), type_="check")
        batch.create_check_constraint(op.f("ck_self_ratings_score_range"), "score BETWEEN 1 AND 5")


def downgrade() -> None:
    with op.batch_alter_table("self_ratings") as batch:
        batch.drop_constraint(op.f("ck_self_ratings_score_range"), type_="check")
        batch.create_check_constraint(op.f("ck_self_ratings_score_range"), "score BETWEEN 1 AND 10")
    with op.batch_alter_table("leaders") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("paused_at")
    op.drop_table("review_claims")
