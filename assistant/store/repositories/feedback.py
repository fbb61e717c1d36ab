"""What a leader tells back: self-ratings and the reflection questions asked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.core.review import IsoWeek
from assistant.store.models import (
    AuditEntry,
    Leader,
    SelfRating,
)
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import _EXCLUDED, _address, _aware, _leader_id, _upsert


def record_self_rating(
    session: Session, leader: Leader | int, week: IsoWeek, score: int, *, now: datetime
) -> None:
    """The leader's own rating of the week's room (1-5 in the email); a later one replaces it."""
    if not 1 <= score <= 5:
        raise ValueError("a self-rating is 1 to 5")
    values = {
        "leader_id": _leader_id(leader),
        "iso_week": str(week),
        "score": score,
        "recorded_at": _aware(now, "now"),
    }
    changes = {"score": _EXCLUDED, "recorded_at": _EXCLUDED}
    session.execute(_upsert(session, SelfRating, values, ["leader_id", "iso_week"], changes))


def self_ratings(
    session: Session, leader: Leader | int, weeks: Sequence[IsoWeek]
) -> dict[IsoWeek, int]:
    statement = select(SelfRating).where(
        SelfRating.leader_id == _leader_id(leader),
        SelfRating.iso_week.in_([str(week) for week in weeks]),
    )
    return {IsoWeek.parse(row.iso_week): row.score for row in session.scalars(statement)}


QUESTION_ASKED = "review.question"


def record_question(
    session: Session, leader_email: str, week: IsoWeek, index: int, *, now: datetime
) -> None:
    """Remember which reflection question a week's email asked (an audit line, no new table)."""
    add_audit(
        session,
        actor="agenda-regie",
        action=QUESTION_ASKED,
        subject=_address(leader_email),
        detail={"week": str(week), "question": index},
        now=now,
    )


def questions_asked(session: Session, leader_email: str) -> dict[IsoWeek, int]:
    """Which question each week's email asked this leader (the last recorded one per week)."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.action == QUESTION_ASKED, AuditEntry.subject == _address(leader_email))
        .order_by(AuditEntry.id)
    )
    return {
        IsoWeek.parse(str(entry.detail["week"])): int(entry.detail["question"])
        for entry in session.scalars(statement)
    }
