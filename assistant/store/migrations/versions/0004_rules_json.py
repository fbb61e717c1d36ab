"""The stored rules in a column named for what it holds, and the leader's zone in one place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

- `rule_sets.yaml_text` becomes `rule_sets.rules_json`: it has always held the validated rules'
  JSON, never YAML.
- The leader's time zone has one home, `leaders.timezone`. The zone in the latest stored rules is
  the one the reviews and the weekly schedule used, so it is carried into the leader's row; then
  every stored version drops `leader.timezone` and `leader.email` (the address was always the
  leader's own when read back). Downgrading puts the row's zone and address back into every
  version, as the old code read them.

Works on the JSON alone (no import of `rules`), so the revision means the same forever.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

IDENTITY = ("email", "timezone")

leaders = sa.table(
    "leaders",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("timezone", sa.String),
)


def _rule_sets(column: str) -> sa.TableClause:
    return sa.table(
        "rule_sets",
        sa.column("id", sa.Integer),
        sa.column("leader_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column(column, sa.Text),
    )


def upgrade() -> None:
    with op.batch_alter_table("rule_sets") as batch:
        batch.alter_column("yaml_text", new_column_name="rules_json", existing_type=sa.Text())
    connection = op.get_bind()
    rule_sets = _rule_sets("rules_json")
    rows = connection.execute(
        sa.select(rule_sets.c.id, rule_sets.c.leader_id, rule_sets.c.rules_json).order_by(
            rule_sets.c.leader_id, rule_sets.c.version
        )
    ).all()
    latest_zone: dict[int, str] = {}
    for row_id, leader_id, text in rows:
        data = _mapping(text)
        if data is None:
            continue  # not JSON: left as it was
        section = data.get("leader")
        zone = section.get("timezone") if isinstance(section, dict) else None
        if isinstance(zone, str) and zone:
            latest_zone[leader_id] = zone
        else:
            latest_zone.pop(leader_id, None)  # a version without a zone read the row's
        if isinstance(section, dict):
            for key in IDENTITY:
                section.pop(key, None)
        _write(connection, rule_sets, row_id, json.dumps(data, separators=(",", ":")))
    for leader_id, zone in latest_zone.items():
        connection.execute(
            sa.update(leaders).where(leaders.c.id == leader_id).values(timezone=zone)
        )


def downgrade() -> None:
    connection = op.get_bind()
    rule_sets = _rule_sets("rules_json")
    identity = {
        leader_id: {"email": email, "timezone": zone}
        for leader_id, email, zone in connection.execute(
            sa.select(leaders.c.id, leaders.c.email, leaders.c.timezone)
        )
    }
    rows = connection.execute(
        sa.select(rule_sets.c.id, rule_sets.c.leader_id, rule_sets.c.rules_json)
    ).all()
    for row_id, leader_id, text in rows:
        data = _mapping(text)
        if data is None:
            continue
        data["leader"] = {**(data.get("leader") or {}), **identity[leader_id]}
        _write(connection, rule_sets, row_id, json.dumps(data, sort_keys=True))  # as 0003 wrote
    with op.batch_alter_table("rule_sets") as batch:
        batch.alter_column("rules_json", new_column_name="yaml_text", existing_type=sa.Text())


def _mapping(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _write(connection: sa.Connection, rule_sets: sa.TableClause, row_id: int, text: str) -> None:
    connection.execute(sa.update(rule_sets).where(rule_sets.c.id == row_id).values(rules_json=text))
