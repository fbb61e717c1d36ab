"""A leader's rule versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.store.models import (
    Leader,
    RuleSet,
)
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import UnknownLeaderError, _aware, _leader_id


def store_rules(
    session: Session,
    leader: Leader | int,
    yaml_text: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> int:
    """Save a new version of the leader's rules and audit who did it; returns the version (1, 2..).

    The leader's row is locked (PostgreSQL; SQLite writes one at a time anyway) so two assistants
    saving at once get versions n and n+1, never the same one.
    """
    at = _aware(now, "now")
    owner = session.get(Leader, _leader_id(leader), with_for_update=True)
    if owner is None:
        raise UnknownLeaderError(_leader_id(leader))
    latest = session.scalar(select(func.max(RuleSet.version)).where(RuleSet.leader_id == owner.id))
    version = (latest or 0) + 1
    session.add(
        RuleSet(
            leader_id=owner.id,
            version=version,
            yaml_text=yaml_text,
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
