"""Changes the console makes to a leader outside their rules (pause and resume), and the audit
trail a signed-in user may read: an admin all of it, an assistant what concerns their leaders
and themselves, a leader what concerns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.app.console.signin import Viewer
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.audit import audit_trail
from assistant.store.repositories.console_users import (
    find_console_user,
    visible_leader,
    visible_leaders,
)
from assistant.store.repositories.leaders import pause_reviews, resume_reviews


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any]


def pause(engine: Engine, viewer: Viewer, leader_id: int, now: datetime) -> bool:
    """Pause the leader's weekly review until resumed; False when out of the viewer's sight."""
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return False
        pause_reviews(session, leader, None, now=now, actor=viewer.email)
        return True


def resume(engine: Engine, viewer: Viewer, leader_id: int, now: datetime) -> bool:
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return False
        resume_reviews(session, leader, now=now, actor=viewer.email)
        return True


def trail(
    engine: Engine, viewer: Viewer, *, leader_id: int | None = None, limit: int = 200
) -> list[AuditLine] | None:
    """The audit lines the viewer may read, newest first; with `leader_id`, that leader's
    only (None when out of sight)."""
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        if user is None:
            return None
        if leader_id is not None:
            leader = visible_leader(session, user, leader_id)
            if leader is None:
                return None
            entries = audit_trail(
                session, leader_ids=[leader.id], subjects=[leader.email], limit=limit
            )
        elif user.role == "admin":
            entries = audit_trail(session, leader_ids=None, limit=limit)
        else:
            leaders = visible_leaders(session, user)
            entries = audit_trail(
                session,
                leader_ids=[x.id for x in leaders],
                subjects=[x.email for x in leaders] + [user.email],
                limit=limit,
            )
        return [
            AuditLine(e.at, e.actor, e.action, e.subject, e.before, e.after, dict(e.detail))
            for e in entries
        ]
