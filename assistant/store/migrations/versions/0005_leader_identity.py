"""The leader's name and language join the zone in their one home, the `leaders` row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

The reviews and the email read the language (and name) of the latest stored rules, the confirm
and pause pages the `leaders` row's, and the two could disagree. The latest version's language
and name are carried into the leader's row (they are what the leader's emails used); then every
stored version drops `leader.language` and `leader.name`. Downgrading puts the row's language and
name back into every version, as the old code read them.

Works on the JSON alone (no import of `rules`), so the revision means the same forever.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

IDENTITY = ("language", "name")
LANGUAGES = ("en", "nl")

leaders = sa.table(
    "leaders",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("language", sa.String),
)
rule_sets = sa.table(
    "rule_sets",
    sa.column("id", sa.Integer),
    sa.column("leader_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("rules_json", sa.Text),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(rule_sets.c.id, rule_sets.c.leader_id, rule_sets.c.rules_json).order_by(
            rule_sets.c.leader_id, rule_sets.c.version
        )
    ).all()
    latest: dict[int, dict[str, Any]] = {}
    for row_id, leader_id, text in rows:
        data = _mapping(text)
        if data is None:
            continue  # not JSON: left as it was
        section = data.get("leader")
        if not isinstance(section, dict):
            continue
        latest[leader_id] = {key: section.get(key) for key in IDENTITY}
        for key in IDENTITY:
            section.pop(key, None)
        _write(connection, row_id, json.dumps(data, separators=(",", ":")))
    for leader_id, identity in latest.items():
        values: dict[str, Any] = {"name": identity["name"]}
        if identity["language"] in LANGUAGES:
            values["language"] = identity["language"]
        connection.execute(sa.update(leaders).where(leaders.c.id == leader_id).values(**values))


def downgrade() -> None:
    connection = op.get_bind()
    identity = {
        leader_id: {"language": language, "name": name}
        for leader_id, language, name in connection.execute(
            sa.select(leaders.c.id, leaders.c.language, leaders.c.name)
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
        _write(connection, row_id, json.dumps(data, separators=(",", ":")))


def _mapping(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _write(connection: sa.Connection, row_id: int, text: str) -> None:
    connection.execute(sa.update(rule_sets).where(rule_sets.c.id == row_id).values(rules_json=text))
