"""Weekly reviews sent: one delivery per leader and week."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.core.review import IsoWeek
from assistant.store.models import (
    Leader,
    ReviewDelivery,
)

if TYPE_CHECKING:
    pass
from assistant.store.repositories.base import _EXCLUDED, _aware, _leader_id, _upsert


def record_review_sent(
    session: Session,
    leader: Leader | int,
    week: IsoWeek,
    *,
    sent_at: datetime,
    message_id: str | None = None,
    delivery_status: Literal["sent", "failed", "bounced"] = "sent",
) -> bool:
    """Record the week's review for the leader; False when a sent one was already recorded.

    One review per (leader, ISO week): a review recorded as sent is never replaced, so a task
    that runs twice records it once. A failed attempt may be replaced by a later one.
    """
    values = {
        "leader_id": _leader_id(leader),
        "iso_week": str(week),
        "sent_at": _aware(sent_at, "sent_at"),
        "message_id": message_id,
        "delivery_status": delivery_status,
    }
    replaced = {key: _EXCLUDED for key in ("sent_at", "message_id", "delivery_status")}
    statement = _upsert(
        session,
        ReviewDelivery,
        values,
        ["leader_id", "iso_week"],
        replaced,
        only_where=ReviewDelivery.delivery_status != "sent",
        returning=ReviewDelivery.id,
    )
    return session.execute(statement).scalar_one_or_none() is not None


def review_delivery(session: Session, leader: Leader | int, week: IsoWeek) -> ReviewDelivery | None:
    statement = select(ReviewDelivery).where(
        ReviewDelivery.leader_id == _leader_id(leader), ReviewDelivery.iso_week == str(week)
    )
    return session.scalars(statement).one_or_none()
