"""The audit log: who did what, when (no titles, no tokens)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assistant.store.models import (
    AuditEntry,
)
from assistant.store.repositories.base import _aware


def add_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    leader_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """One audit line. `detail` is JSON of ids, versions and counts, never an event's title;
    `leader_id` names the leader the change concerns, `before` and `after` the state around it
    (settings, flags, roles: never an event's title)."""
    entry = AuditEntry(
        at=_aware(now, "now"),
        actor=actor,
        action=action,
        subject=subject,
        detail=dict(detail or {}),
        leader_id=leader_id,
        before=None if before is None else dict(before),
        after=None if after is None else dict(after),
    )
    session.add(entry)
    return entry


def recent_audit(session: Session, action: str, limit: int) -> list[AuditEntry]:
    """The latest `limit` audit entries of `action`, newest first."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def audit_trail(
    session: Session, *, leader_ids: Iterable[int] | None, subjects: Iterable[str] = (), limit: int
) -> list[AuditEntry]:
    """The latest `limit` entries, newest first; with `leader_ids`, only those that concern
    one of these leaders (by id, or by address in `subjects` for entries written before the
    leader was named by id). None: every entry (an admin)."""
    statement = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if leader_ids is not None:
        ids, names = list(leader_ids), list(subjects)
        statement = statement.where(
            or_(AuditEntry.leader_id.in_(ids), AuditEntry.subject.in_(names))
        )
    return list(session.scalars(statement.limit(limit)))
