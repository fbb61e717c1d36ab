"""Organisation and team rules stored as rule sets of their own, which leaders' rules extend.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

- `shared_rule_sets`: versions of an organisation's or a team's rules, by name; each holds only
  the settings its file sets and the shared set it extends.
- `rule_sets.extends` and `rule_sets.layer_json`: a leader's version that extends a shared set
  names it and keeps the leader's own settings, so a later version of the organisation's rules
  reaches the leader without a new version of theirs. Versions stored before have neither: they
  hold the leader's whole rules, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "shared_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("layer_json", sa.Text(), nullable=False),
        sa.Column("extends", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_rule_sets")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_shared_rule_sets_name_version")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_shared_rule_sets_version_positive")),
    )
    with op.batch_alter_table("rule_sets") as batch:
        batch.add_column(sa.Column("extends", sa.String(100), nullable=True))
        batch.add_column(sa.Column("layer_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rule_sets") as batch:
        batch.drop_column("layer_json")
        batch.drop_column("extends")
    op.drop_table("shared_rule_sets")
