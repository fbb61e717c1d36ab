"""Weekly reviews sent: one delivery per leader and week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import exists, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.core.review import IsoWeek
from assistant.store.models import (
    Leader,
    ReviewClaim,
    ReviewDelivery,
)
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


def review_was_sent(session: Session, leader_email: str, iso_week: str) -> bool:
    """Whether the leader (by address) has a sent review of `iso_week`."""
    statement = (
        select(ReviewDelivery.id)
        .join(Leader, Leader.id == ReviewDelivery.leader_id)
        .where(
            Leader.email == leader_email,
            ReviewDelivery.iso_week == iso_week,
            ReviewDelivery.delivery_status == "sent",
        )
    )
    return session.scalars(statement).first() is not None


def _sent(leader_id: Any, iso_week: Any) -> Any:
    return exists().where(
        ReviewDelivery.leader_id == leader_id,
        ReviewDelivery.iso_week == iso_week,
        ReviewDelivery.delivery_status == "sent",
    )


def sent_weeks(session: Session, weeks: Sequence[str]) -> set[tuple[int, str]]:
    """(leader id, ISO week) of the reviews sent for these weeks."""
    if not weeks:
        return set()
    rows = session.execute(
        select(ReviewDelivery.leader_id, ReviewDelivery.iso_week).where(
            ReviewDelivery.delivery_status == "sent", ReviewDelivery.iso_week.in_(weeks)
        )
    )
    return {(leader_id, iso_week) for leader_id, iso_week in rows}


def claimed_since(session: Session, weeks: Sequence[str], since: datetime) -> set[tuple[int, str]]:
    """(leader id, ISO week) of these weeks' pipelines claimed after `since`."""
    if not weeks:
        return set()
    rows = session.execute(
        select(ReviewClaim.leader_id, ReviewClaim.iso_week).where(
            ReviewClaim.iso_week.in_(weeks), ReviewClaim.claimed_at > since
        )
    )
    return {(leader_id, iso_week) for leader_id, iso_week in rows}


def claim_week(
    session: Session, leader_id: int, iso_week: str, *, now: datetime, retry_after: timedelta
) -> bool:
    """Claim the (leader, week) pipeline; False when it is sent, or claimed less than
    `retry_after` ago.

    The claim is a row of `review_claims`: an insert that the unique key (leader, week) refuses
    for everyone but the first, and for a week claimed before, one conditional UPDATE (claimed
    long enough ago and not sent) that changes the row for one dispatcher only. Both are single
    statements the database decides, so dispatchers on several machines cannot both claim a
    week. The audit log is not read."""
    sent = _sent(leader_id, iso_week)
    if session.scalar(select(sent)):
        return False
    # RETURNING says whether this statement wrote the row: psycopg reports no row count for an
    # INSERT ... ON CONFLICT DO NOTHING, both databases return the row that was written.
    values = {"leader_id": leader_id, "iso_week": iso_week, "claimed_at": now, "attempts": 1}
    insert = _upsert(
        session, ReviewClaim, values, ["leader_id", "iso_week"], {}, returning=ReviewClaim.id
    )
    if session.scalar(insert) is not None:
        return True
    reclaimed = session.scalar(
        update(ReviewClaim)
        .where(
            ReviewClaim.leader_id == leader_id,
            ReviewClaim.iso_week == iso_week,
            ReviewClaim.claimed_at <= now - retry_after,
            ~sent,
        )
        .values(claimed_at=now, attempts=ReviewClaim.attempts + 1)
        .returning(ReviewClaim.id)
    )
    return reclaimed is not None


CLAIM_CHUNK = 500  # (leader, week) pairs a statement claims at most


def claim_weeks(
    session: Session,
    pairs: Sequence[tuple[int, str]],
    *,
    now: datetime,
    retry_after: timedelta,
) -> set[tuple[int, str]]:
    """`claim_week` for many (leader, week) pairs at once: the pairs this call claimed.

    Per chunk three statements instead of three per leader: one read of the sent reviews, one
    multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING (the unique key refuses every pair
    someone claimed before), and one conditional UPDATE ... RETURNING of the refused pairs
    claimed long enough ago and not sent. Each row is still decided by the database, so two
    dispatchers given the same pairs claim disjoint sets."""
    at = _aware(now, "now")
    claimed: set[tuple[int, str]] = set()
    dialect = session.get_bind().dialect.name
    insert_of: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One order for every dispatcher, so two never wait on each other's rows crosswise.
    ordered = sorted(set(pairs))
    for start in range(0, len(ordered), CLAIM_CHUNK):
        chunk = ordered[start : start + CLAIM_CHUNK]
        sent = {
            (leader_id, iso_week)
            for leader_id, iso_week in session.execute(
                select(ReviewDelivery.leader_id, ReviewDelivery.iso_week).where(
                    ReviewDelivery.delivery_status == "sent",
                    tuple_(ReviewDelivery.leader_id, ReviewDelivery.iso_week).in_(chunk),
                )
            )
        }
        wanted = [pair for pair in chunk if pair not in sent]
        if not wanted:
            continue
        rows = [
            {"leader_id": leader_id, "iso_week": iso_week, "claimed_at": at, "attempts": 1}
            for leader_id, iso_week in wanted
        ]
        inserted = session.execute(
            insert_of(ReviewClaim)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["leader_id", "iso_week"])
            .returning(ReviewClaim.leader_id, ReviewClaim.iso_week)
        )
        fresh = {(leader_id, iso_week) for leader_id, iso_week in inserted}
        refused = [pair for pair in wanted if pair not in fresh]
        if refused:
            reclaimed = session.execute(
                update(ReviewClaim)
                .where(
                    tuple_(ReviewClaim.leader_id, ReviewClaim.iso_week).in_(refused),
                    ReviewClaim.claimed_at <= at - retry_after,
                    ~_sent(ReviewClaim.leader_id, ReviewClaim.iso_week),
                )
                .values(claimed_at=at, attempts=ReviewClaim.attempts + 1)
                .returning(ReviewClaim.leader_id, ReviewClaim.iso_week)
            )
            fresh |= {(leader_id, iso_week) for leader_id, iso_week in reclaimed}
        claimed |= fresh
    return claimed


def failed_reviews(session: Session, limit: int) -> list[tuple[str, str, datetime]]:
    """Reviews whose last attempt failed: (leader, ISO week, attempt), newest first."""
    rows = session.execute(
        select(Leader.email, ReviewDelivery.iso_week, ReviewDelivery.sent_at)
        .join(Leader, Leader.id == ReviewDelivery.leader_id)
        .where(ReviewDelivery.delivery_status == "failed")
        .order_by(ReviewDelivery.sent_at.desc(), ReviewDelivery.id.desc())
        .limit(limit)
    )
    return [(email, iso_week, attempted_at) for email, iso_week, attempted_at in rows]
