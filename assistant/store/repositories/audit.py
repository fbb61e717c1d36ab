"""The audit log: who did what, when (no titles, no tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
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
) -> AuditEntry:
    """One audit line. `detail` is JSON of ids, versions and counts, never an event's title."""
    entry = AuditEntry(
        at=_aware(now, "now"),
        actor=actor,
        action=action,
        subject=subject,
        detail=dict(detail or {}),
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
