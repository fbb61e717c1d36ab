"""Use cases around a leader's stored rules: read them, apply a file, list and roll back
versions (a shell around `assistant.store.repositories.rules`).

Rules are stored only here, by an explicit act of an assistant; a review, a preview or a dry
run reads them and writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from assistant.store.database import Engine, session_scope
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.rules import (
    Applied,
    RulesVersion,
    apply_rules,
    latest_rules,
    leader_rules,
    rollback_rules,
    rules_versions,
)
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


def apply(engine: Engine, email: str, rules: Rules, actor: str, now: datetime) -> Applied:
    with session_scope(engine) as session:
        return apply_rules(session, email, rules, actor, now=now)


def rollback(engine: Engine, email: str, to: int, actor: str, now: datetime) -> Applied:
    with session_scope(engine) as session:
        return rollback_rules(session, email, to, actor, now=now)


def versions(engine: Engine, email: str) -> list[RulesVersion]:
    with session_scope(engine) as session:
        return rules_versions(session, email)
