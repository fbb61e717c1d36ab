"""Use cases around a leader's stored rules: read them, apply a file, list and roll back
versions (a shell around `assistant.store.repositories.rules`).

Rules are stored only here, by an explicit act of an assistant; a review, a preview or a dry
run reads them and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.store.database import Engine, session_scope
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.rule_versions import (
    RulesVersion,
    rollback_rules,
    rules_versions,
)
from assistant.store.repositories.rules import (
    Applied,
    apply_rules,
    latest_rules,
    leader_rules,
    leader_rules_with_origins,
)
from assistant.store.repositories.shared_rules import store_shared_rules
from rules import Rules


def stored_rules(engine: Engine, email: str) -> Rules | None:
    """The leader's effective rules, or None when the store does not know the leader."""
    with session_scope(engine) as session:
        leader = find_leader(session, email)
        return None if leader is None else leader_rules(session, leader)


def stored_version(engine: Engine, email: str) -> int | None:
    """The leader's latest rules version (None: no leader, or only the defaults)."""
    with session_scope(engine) as session:
        leader = find_leader(session, email)
        latest = None if leader is None else latest_rules(session, leader)
        return None if latest is None else latest.version


def same_rules(a: Rules, b: Rules) -> bool:
    """Whether two sets of rules are the same, whoever's address they carry."""
    return a.model_copy(update={"leader": a.leader.model_copy(update={"email": None})}) == (
        b.model_copy(update={"leader": b.leader.model_copy(update={"email": None})})
    )


@dataclass(frozen=True)
class SharedFile:
    """An organisation's or a team's rule file as a shared set: its name, its own settings and
    the name of the set it extends."""

    name: str
    data: dict[str, Any]
    extends: str | None


def apply(
    engine: Engine,
    email: str,
    rules: Rules,
    actor: str,
    now: datetime,
    *,
    shared: Sequence[SharedFile] = (),
    layer: dict[str, Any] | None = None,
) -> tuple[Applied, list[tuple[str, int, bool]]]:
    """Store the shared sets the leader's file extends (lowest first), then the leader's
    rules, in one transaction; the leader's outcome and each shared set's (name, version,
    stored)."""
    with session_scope(engine) as session:
        outcomes = [
            (
                item.name,
                *store_shared_rules(session, item.name, item.data, item.extends, actor, now=now),
            )
            for item in shared
        ]
        extends = shared[-1].name if shared else None
        applied = apply_rules(
            session, email, rules, actor, now=now, extends=extends, layer=layer if shared else None
        )
        return applied, outcomes


def apply_shared(
    engine: Engine, shared: Sequence[SharedFile], actor: str, now: datetime
) -> list[tuple[str, int, bool]]:
    """Store organisation and team files as shared sets (lowest first): each leader who
    extends them gets the new settings from their next review."""
    with session_scope(engine) as session:
        return [
            (
                item.name,
                *store_shared_rules(session, item.name, item.data, item.extends, actor, now=now),
            )
            for item in shared
        ]


def rules_with_origins(
    engine: Engine, email: str
) -> tuple[Rules, dict[str, str], int | None] | None:
    """The leader's effective rules, where each value comes from, and their version."""
    with session_scope(engine) as session:
        leader = find_leader(session, email)
        return None if leader is None else leader_rules_with_origins(session, leader)


def rollback(engine: Engine, email: str, to: int, actor: str, now: datetime) -> Applied:
    with session_scope(engine) as session:
        return rollback_rules(session, email, to, actor, now=now)


def versions(engine: Engine, email: str) -> list[RulesVersion]:
    with session_scope(engine) as session:
        return rules_versions(session, email)
