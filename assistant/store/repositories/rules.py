"""A leader's rule versions, and the leader's effective rules: the one loader every reader uses.

A version is stored as the validated rules' JSON (`rules.rules_json`) without the leader's address
and time zone: those live in the `leaders` row, their one home, and are filled in when the
effective rules are built (`effective_rules`), so the review, the schedule, the confirm page and
the calendar sync all see the same zone.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from assistant.store.models import (
    Leader,
    RuleSet,
)
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import (
    UnknownLeaderError,
    _aware,
    _leader_id,
)
from assistant.store.repositories.leaders import not_paused
from rules import Rules, load_rules, rules_from_json, rules_json


def store_rules(
    session: Session,
    leader: Leader | int,
    rules: Rules,
    actor: str,
    *,
    now: datetime | None = None,
) -> int:
    """Save a new version of the leader's rules and audit who did it; returns the version (1, 2..).

    The rules' time zone becomes the leader's (the `leaders` row is its home); the address is the
    leader's own. The leader's row is locked (PostgreSQL; SQLite writes one at a time anyway) so
    two assistants saving at once get versions n and n+1, never the same one.
    """
    at = _aware(now, "now")
    owner = session.get(Leader, _leader_id(leader), with_for_update=True)
    if owner is None:
        raise UnknownLeaderError(_leader_id(leader))
    owner.timezone = rules.leader.timezone
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
    add_audit(
        session,
        actor=actor,
        action="rules.store",
        subject=owner.email,
        detail={"version": version},
        now=at,
    )
    session.flush()
    return version


def latest_rules(session: Session, leader: Leader | int) -> RuleSet | None:
    statement = (
        select(RuleSet)
        .where(RuleSet.leader_id == _leader_id(leader))
        .order_by(RuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def version_holding(session: Session, leader: Leader | int, rules: Rules) -> int | None:
    """The leader's latest version when it holds exactly `rules` (address and zone aside)."""
    latest = latest_rules(session, leader)
    if latest is None:
        return None
    same = json.loads(latest.rules_json) == json.loads(rules_json(rules))
    return latest.version if same else None


def leader_rules(session: Session, leader: Leader) -> Rules:
    """The leader's effective rules: the latest stored version (else the defaults), with the
    leader's address and time zone."""
    stored = latest_rules(session, leader)
    return effective_rules(stored.rules_json if stored else None, leader.email, leader.timezone)


def effective_rules(stored: str | None, email: str, timezone: str) -> Rules:
    """The rules stored as `stored` (None: the defaults) for the leader `email` in `timezone`.

    The one place a leader's effective rules are built."""
    rules = _in_zone(stored, timezone)
    return rules.model_copy(update={"leader": rules.leader.model_copy(update={"email": email})})


@lru_cache(maxsize=1024)
def _in_zone(stored: str | None, timezone: str) -> Rules:
    """Loading the defaults takes tens of milliseconds and a stored version never changes (a
    change is a new version), so each distinct (stored, zone) is loaded once per process and
    shared by the leaders with the same rules."""
    return rules_from_json(stored or _defaults(), email=None, timezone=timezone)


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
        select(Leader.id, Leader.email, Leader.timezone, Leader.created_at, RuleSet.rules_json)
        .outerjoin(latest, latest.c.leader_id == Leader.id)
        .outerjoin(
            RuleSet, and_(RuleSet.leader_id == Leader.id, RuleSet.version == latest.c.version)
        )
        .where(condition)
        .order_by(Leader.id)
    )
    return [
        LeaderWithRules(leader_id, email, created_at, effective_rules(stored, email, zone))
        for leader_id, email, zone, created_at, stored in session.execute(statement)
    ]
