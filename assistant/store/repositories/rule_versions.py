"""A leader's rule versions: what each changed, and restoring one (rollback).

Each version's audit line records the identity it was applied with (name, language, zone) and
the changes it made, so a rollback restores the effective rules exactly and `rules history`
shows what each version changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store import StoreError
from assistant.store.models import AuditEntry, Leader, RuleSet
from assistant.store.repositories.base import UnknownLeaderError, _aware
from assistant.store.repositories.rules import (
    RULES_STORED,
    Applied,
    _resolve,
    apply_rules,
    effective_rules,
    latest_rules,
)
from assistant.store.repositories.shared_rules import latest_shared
from rules import Rules
from rules.diff import Change, rules_changes


class UnknownRulesVersionError(StoreError):
    def __init__(self, leader: str, version: int, latest: int | None) -> None:
        self.leader, self.version = leader, version
        if latest:
            super().__init__(
                "%(leader)s has no rules version %(version)s (versions 1 to %(latest)s)",
                leader=leader,
                version=version,
                latest=latest,
            )
        else:
            super().__init__(
                "%(leader)s has no rules version %(version)s (no stored versions)",
                leader=leader,
                version=version,
            )


def rollback_rules(session: Session, email: str, to: int, actor: str, *, now: datetime) -> Applied:
    """Restore version `to` of the leader's rules (and the identity it was applied with) as a
    new version; nothing is stored when it is the leader's rules already."""
    leader = _known(session, email)
    row = session.scalars(
        select(RuleSet).where(RuleSet.leader_id == leader.id, RuleSet.version == to)
    ).one_or_none()
    if row is None:
        latest = latest_rules(session, leader)
        raise UnknownRulesVersionError(leader.email, to, latest.version if latest else None)
    identity = _recorded_identities(session, leader).get(to) or _identity_of_row(leader)
    rules = effective_rules(
        row.rules_json,
        leader.email,
        identity["timezone"],
        identity["language"],
        identity["name"],
    )
    layer = None if row.layer_json is None else json.loads(row.layer_json)
    if row.extends is not None and layer is not None:
        rules = _resolve(row, latest_shared(session), leader, identity) or rules
    return apply_rules(
        session, leader.email, rules, actor, now=now, extends=row.extends, layer=layer
    )


@dataclass(frozen=True)
class RulesVersion:
    version: int
    created_at: datetime
    created_by: str
    changes: list[Change]


def rules_versions(session: Session, email: str) -> list[RulesVersion]:
    """Every stored version of the leader's rules, oldest first, with what each changed."""
    leader = _known(session, email)
    recorded = _recorded(session, leader)
    rows = session.scalars(
        select(RuleSet).where(RuleSet.leader_id == leader.id).order_by(RuleSet.version)
    ).all()
    out: list[RulesVersion] = []
    before: Rules | None = None
    for row in rows:
        detail = recorded.get(row.version, {})
        identity = detail.get("identity") or _identity_of_row(leader)
        rules = effective_rules(
            row.rules_json,
            leader.email,
            identity["timezone"],
            identity["language"],
            identity["name"],
        )
        if "changes" in detail:
            changes = [Change(s, b, a) for s, b, a in detail["changes"]]
        else:  # stored before changes were recorded: against the version before
            changes = rules_changes(before, rules)
        out.append(RulesVersion(row.version, _aware(row.created_at, "at"), row.created_by, changes))
        before = rules
    return out


def _known(session: Session, email: str) -> Leader:
    from assistant.store.repositories.leaders import find_leader

    leader = find_leader(session, email)
    if leader is None:
        raise UnknownLeaderError(email)
    return leader


def _identity_of_row(leader: Leader) -> dict[str, Any]:
    return {"name": leader.name, "language": leader.language, "timezone": leader.timezone}


def _recorded(session: Session, leader: Leader) -> dict[int, dict[str, Any]]:
    """The audit detail of each stored version of the leader's rules, by version."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == RULES_STORED, AuditEntry.subject == leader.email)
        .order_by(AuditEntry.id)
    )
    return {int(e.detail["version"]): dict(e.detail) for e in entries if "version" in e.detail}


def _recorded_identities(session: Session, leader: Leader) -> dict[int, dict[str, Any]]:
    return {
        version: detail["identity"]
        for version, detail in _recorded(session, leader).items()
        if isinstance(detail.get("identity"), dict)
    }
