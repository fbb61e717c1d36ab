"""The circle a leader meets: keyed hashes of the people in each cached event, whether it was a
session with counterforce, and two weekly measures for the `less_challenge` signal.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

`event_cache.people_hashes` holds the other people of an event as HMAC hashes of their
addresses (space-separated), never an address; `event_cache.counterforce` says whether the event
was with the people or under the keywords the rules name as counterforce. `weekly_metrics` gets
`distinct_people` and `counterforce_sessions`. Cached events from before have neither, so every
connection's next sync is a full one (`connections.classified_with` is cleared): the classifier's
options now include the counterforce settings and the key of the hashes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_cache") as batch:
        batch.add_column(sa.Column("people_hashes", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("counterforce", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("weekly_metrics") as batch:
        batch.add_column(sa.Column("distinct_people", sa.Float(), nullable=True))
        batch.add_column(sa.Column("counterforce_sessions", sa.Float(), nullable=True))
    op.execute("UPDATE connections SET classified_with = NULL")


def downgrade() -> None:
    with op.batch_alter_table("weekly_metrics") as batch:
        batch.drop_column("counterforce_sessions")
        batch.drop_column("distinct_people")
    with op.batch_alter_table("event_cache") as batch:
        batch.drop_column("counterforce")
        batch.drop_column("people_hashes")
