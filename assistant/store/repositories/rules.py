"""A leader's rule versions, and the leader's effective rules: the one loader every reader uses.

A version is stored as the validated rules' JSON (`rules.rules_json`) without the leader's
identity (address, name, language, time zone): those live in the `leaders` row, their one home,
and are filled in when the effective rules are built (`effective_rules`), so the review, the
schedule, the email, the confirm and pause pages and the calendar sync all see the same ones.
Rules change only by an explicit act (`apply_rules`, `rollback_rules`), which writes the new
version and the leader's identity in one transaction, with who, when and what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from assistant.store import StoreError
from assistant.store.models import AuditEntry, Leader, RuleSet
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import UnknownLeaderError, _aware, _leader_id
from assistant.store.repositories.leaders import not_paused, upsert_leader
from rules import Rules, load_rules, rules_from_json, rules_json
from rules.diff import Change, rules_changes

RULES_STORED = "rules.store"


class UnknownRulesVersionError(StoreError):
    def __init__(self, leader: str, version: int, latest: int | None) -> None:
        self.leader, self.version = leader, version
        known = f"versions 1 to {latest}" if latest else "no stored versions"
        super().__init__(f"{leader} has no rules version {version} ({known})")


def store_rules(
    session: Session,
    leader: Leader | int,
    rules: Rules,
    actor: str,
    *,
    now: datetime | None = None,
    changes: list[Change] | None = None,
) -> int:
    """Save a new version of the leader's rules and audit who did it; returns the version (1, 2..).

    The rules' identity (name, language, zone) becomes the leader's (the `leaders` row is its
    home); the address is the leader's own. The leader's row is locked (PostgreSQL; SQLite
    writes one at a time anyway) so two assistants saving at once get versions n and n+1."""
    at = _aware(now, "now")
    owner = session.get(Leader, _leader_id(leader), with_for_update=True)
    if owner is None:
        raise UnknownLeaderError(_leader_id(leader))
    owner.timezone = rules.leader.timezone
    owner.language = rules.leader.language
    owner.name = rules.leader.name
    latest = session.scalar(select(func.max(RuleSet.version)).where(RuleSet.leader_id == owner.id))
    version = (latest or 0) + 1
    session.add(
        RuleSet(
            leader_id=owner.id,
            version=version,
            rules_json=rules_json(rules),
            created_at=at,
            created_by=actor,
        )
    )
    detail: dict[str, Any] = {"version": version, "identity": _identity(rules)}
    if changes is not None:
        detail["changes"] = [[c.setting, c.before, c.after] for c in changes]
    add_audit(session, actor=actor, action=RULES_STORED, subject=owner.email, detail=detail, now=at)
    session.flush()
    return version


@dataclass(frozen=True)
class Applied:
    """The outcome of applying rules: the leader's version now, whether it is new, what changed."""

    leader: str
    version: int
    stored: bool
    changes: list[Change]
    at: datetime
    by: str


def apply_rules(
    session: Session, email: str, rules: Rules, actor: str, *, now: datetime
) -> Applied:
    """Make `rules` the leader's own (the leader is added when new): a new version with who,
    when and the changes against their effective rules; the same rules again store nothing."""
    leader = upsert_leader(session, email, now=now)
    session.refresh(leader, with_for_update=True)
    wanted = rules.model_copy(
        update={"leader": rules.leader.model_copy(update={"email": leader.email})}
    )
    latest = latest_rules(session, leader)
    current = leader_rules(session, leader)
    if latest is not None and current == wanted:
        when = _aware(latest.created_at, "at")
        return Applied(leader.email, latest.version, False, [], when, latest.created_by)
    changes = rules_changes(current, wanted)
    version = store_rules(session, leader, wanted, actor, now=now, changes=changes)
    return Applied(leader.email, version, True, changes, _aware(now, "now"), actor)


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
    return apply_rules(session, leader.email, rules, actor, now=now)


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


def latest_rules(session: Session, leader: Leader | int) -> RuleSet | None:
    statement = (
        select(RuleSet)
        .where(RuleSet.leader_id == _leader_id(leader))
        .order_by(RuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def version_holding(session: Session, leader: Leader, rules: Rules) -> int | None:
    """The leader's latest version when their effective rules are exactly `rules` (the address
    aside): the version a measurement made with `rules` is recorded under."""
    latest = latest_rules(session, leader)
    if latest is None:
        return None
    same = leader_rules(session, leader) == rules.model_copy(
        update={"leader": rules.leader.model_copy(update={"email": leader.email})}
    )
    return latest.version if same else None


def leader_rules(session: Session, leader: Leader) -> Rules:
    """The leader's effective rules: the latest stored version (else the defaults), with the
    leader's identity."""
    stored = latest_rules(session, leader)
    return effective_rules(
        stored.rules_json if stored else None,
        leader.email,
        leader.timezone,
        leader.language,
        leader.name,
    )


def effective_rules(
    stored: str | None,
    email: str,
    timezone: str,
    language: str = "en",
    name: str | None = None,
) -> Rules:
    """The rules stored as `stored` (None: the defaults) for the leader `email` with this zone,
    language and name. The one place a leader's effective rules are built."""
    return _effective(stored, email, timezone, language, name)


@lru_cache(maxsize=1024)
def _effective(
    stored: str | None, email: str, timezone: str, language: str, name: str | None
) -> Rules:
    """Loading the defaults takes tens of milliseconds and a stored version never changes (a
    change is a new version), so each distinct version and identity is loaded once per process."""
    return rules_from_json(
        stored or _defaults(), email=email, timezone=timezone, language=language, name=name
    )


@lru_cache(maxsize=1)
def _defaults() -> str:
    return rules_json(load_rules(None))


class LeaderWithRules(NamedTuple):
    leader_id: int
    email: str
    created_at: datetime
    rules: Rules


def leaders_with_rules(session: Session, *, paused: bool, now: datetime) -> list[LeaderWithRules]:
    """The leaders whose review is paused at `now` (or, `paused=False`, is not), by id, each
    with their effective rules; one query."""
    latest = (
        select(RuleSet.leader_id, func.max(RuleSet.version).label("version"))
        .group_by(RuleSet.leader_id)
        .subquery()
    )
    condition = ~not_paused(now) if paused else not_paused(now)
    statement = (
        select(
            Leader.id,
            Leader.email,
            Leader.timezone,
            Leader.language,
            Leader.name,
            Leader.created_at,
            RuleSet.rules_json,
        )
        .outerjoin(latest, latest.c.leader_id == Leader.id)
        .outerjoin(
            RuleSet, and_(RuleSet.leader_id == Leader.id, RuleSet.version == latest.c.version)
        )
        .where(condition)
        .order_by(Leader.id)
    )
    return [
        LeaderWithRules(
            leader_id, email, created_at, effective_rules(stored, email, zone, language, name)
        )
        for leader_id, email, zone, language, name, created_at, stored in session.execute(statement)
    ]


def _known(session: Session, email: str) -> Leader:
    from assistant.store.repositories.leaders import find_leader

    leader = find_leader(session, email)
    if leader is None:
        raise UnknownLeaderError(email)
    return leader


def _identity(rules: Rules) -> dict[str, Any]:
    section = rules.leader
    return {"name": section.name, "language": section.language, "timezone": section.timezone}


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
