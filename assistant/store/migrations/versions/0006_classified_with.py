"""Each connection remembers the classification options its event cache was made with.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

`connections.classified_with` is a fingerprint of the leader's classification options (keywords,
exception organisers) at the connection's last sync. When the leader's rules change them, the
next sync lists the whole window again so every cached event is classified anew (titles are read
once and dropped, so the cache cannot be reclassified any other way). Connections synced before
this revision have none, so their next sync is a full one: until now the workers' syncs
classified with empty options.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("classified_with", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("classified_with")
