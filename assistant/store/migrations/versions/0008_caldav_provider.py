"""CalDAV connections: "caldav" joins the providers a connection may have.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

A CalDAV connection keeps the account's user name and app password encrypted in
`connections.token_ciphertext`, like the other providers' tokens, and the calendar's address
and sync cursor in `connections.sync_state`; only the provider check changes.
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_WITH = "provider IN ('google', 'microsoft', 'ics', 'caldav')"
_WITHOUT = "provider IN ('google', 'microsoft', 'ics')"


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_constraint(op.f("ck_connections_provider"), type_="check")
        batch.create_check_constraint(op.f("ck_connections_provider"), _WITH)


def downgrade() -> None:
    op.execute("DELETE FROM connections WHERE provider = 'caldav'")
    with op.batch_alter_table("connections") as batch:
        batch.drop_constraint(op.f("ck_connections_provider"), type_="check")
        batch.create_check_constraint(op.f("ck_connections_provider"), _WITHOUT)
