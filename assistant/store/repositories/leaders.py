"""Leaders and assistants: who they are, whom an assistant looks after, and a leader's pause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from assistant.store.models import (
    LANGUAGES,
    Assistant,
    Leader,
    assistant_leaders,
)
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIMEZONE,
    _address,
    _aware,
    _check_timezone,
    _leader_id,
    _upsert,
)


def upsert_leader(
    session: Session,
    email: str,
    *,
    name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> Leader:
    """The leader with this address, created when new; the fields given replace stored ones.

    Addresses are compared case-insensitively (kept in lower case). A field left None keeps its
    stored value (or the default, Europe/Amsterdam and English, for a new leader).
    """
    address = _address(email)
    if timezone is not None:
        _check_timezone(timezone)
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    changes: dict[str, Any] = {
        key: value
        for key, value in (("name", name), ("timezone", timezone), ("language", language))
        if value is not None
    }
    values = {
        "email": address,
        "name": name,
        "timezone": timezone or DEFAULT_TIMEZONE,
        "language": language or DEFAULT_LANGUAGE,
        "created_at": _aware(now, "now"),
    }
    session.execute(_upsert(session, Leader, values, ["email"], changes))
    return session.scalars(
        select(Leader).where(Leader.email == address).execution_options(populate_existing=True)
    ).one()


def leader_for(session: Session, email: str, *, now: datetime | None = None) -> Leader:
    """The leader with this address, created (with the defaults) only when there is none: one
    read when they exist, as the weekly run's leaders do."""
    return find_leader(session, email) or upsert_leader(session, email, now=now)


def find_leader(session: Session, email: str) -> Leader | None:
    return session.scalars(select(Leader).where(Leader.email == _address(email))).one_or_none()


def upsert_assistant(
    session: Session, email: str, *, name: str | None = None, now: datetime | None = None
) -> Assistant:
    address = _address(email)
    values = {"email": address, "name": name, "created_at": _aware(now, "now")}
    changes = {"name": name} if name is not None else {}
    session.execute(_upsert(session, Assistant, values, ["email"], changes))
    return session.scalars(
        select(Assistant)
        .where(Assistant.email == address)
        .execution_options(populate_existing=True)
    ).one()


def let_assistant_manage(session: Session, assistant: Assistant, leader: Leader | int) -> None:
    """Give the assistant access to the leader (idempotent)."""
    values = {"assistant_id": assistant.id, "leader_id": _leader_id(leader)}
    session.execute(_upsert(session, assistant_leaders, values, ["assistant_id", "leader_id"], {}))
    session.expire(assistant, ["leaders"])


def leaders_managed_by(session: Session, assistant: Assistant) -> list[Leader]:
    """The leaders this assistant may see and configure, by address."""
    statement = (
        select(Leader)
        .join(assistant_leaders, assistant_leaders.c.leader_id == Leader.id)
        .where(assistant_leaders.c.assistant_id == assistant.id)
        .order_by(Leader.email)
    )
    return list(session.scalars(statement))


REVIEWS_PAUSED = "review.paused"


REVIEWS_RESUMED = "review.resumed"


def pause_reviews(
    session: Session, leader: Leader, until: datetime | None, *, now: datetime, actor: str
) -> None:
    """Pause the leader's weekly review until `until` (None: until they resume); audited."""
    was_paused = reviews_paused(leader, now)
    ends = None if until is None else _aware(until, "until")
    leader.paused_at = _aware(now, "now")
    leader.paused_until = ends
    detail = {"until": None if ends is None else ends.isoformat()}
    add_audit(
        session,
        actor=actor,
        action=REVIEWS_PAUSED,
        subject=leader.email,
        detail=detail,
        now=now,
        leader_id=leader.id,
        before={"paused": was_paused},
        after={"paused": True, **detail},
    )


def resume_reviews(session: Session, leader: Leader, *, now: datetime, actor: str) -> bool:
    """End the leader's pause; False when they were not paused. Audited."""
    was_paused = reviews_paused(leader, now)
    leader.paused_at = None
    leader.paused_until = None
    if was_paused:
        add_audit(
            session,
            actor=actor,
            action=REVIEWS_RESUMED,
            subject=leader.email,
            now=now,
            leader_id=leader.id,
            before={"paused": True},
            after={"paused": False},
        )
    return was_paused


def reviews_paused(leader: Leader, now: datetime) -> bool:
    """Whether the leader's weekly review is paused at `now` (a pause with an end ends itself)."""
    if leader.paused_at is None:
        return False
    return leader.paused_until is None or leader.paused_until > _aware(now, "now")


def not_paused(now: datetime) -> ColumnElement[bool]:
    """Leaders whose weekly review is not paused at `now` (no pause, or a pause that ended)."""
    return or_(
        Leader.paused_at.is_(None),
        and_(Leader.paused_until.is_not(None), Leader.paused_until <= now),
    )


def paused_leaders(session: Session, now: datetime) -> list[tuple[str, datetime | None]]:
    """The leaders whose review is paused at `now`, by address, with the pause's end (or None)."""
    rows = session.execute(
        select(Leader.email, Leader.paused_until).where(~not_paused(now)).order_by(Leader.email)
    )
    return [(email, until) for email, until in rows]
