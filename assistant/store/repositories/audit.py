"""The audit log: who did what, when (no titles, no tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant.store.models import (
    AuditEntry,
)

if TYPE_CHECKING:
    pass
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
