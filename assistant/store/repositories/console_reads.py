"""What the console reads about a leader beyond their rules and weeks: the last review sent or
failed, and proposals with where they stand. Reads only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.models import ProposalRow, ReviewDelivery


def last_review(session: Session, leader_id: int) -> ReviewDelivery | None:
    return session.scalars(
        select(ReviewDelivery)
        .where(ReviewDelivery.leader_id == leader_id)
        .order_by(ReviewDelivery.iso_week.desc())
        .limit(1)
    ).one_or_none()


def recent_proposals(session: Session, leader_id: int, since_week: str) -> list[ProposalRow]:
    """The leader's proposals from `since_week` on, newest week first."""
    return list(
        session.scalars(
            select(ProposalRow)
            .where(ProposalRow.leader_id == leader_id, ProposalRow.iso_week >= since_week)
            .order_by(ProposalRow.iso_week.desc(), ProposalRow.start)
        )
    )


def overview_counts(session: Session) -> dict[str, int]:
    """How many leaders, console users by role, and calendar connections by state."""
    from sqlalchemy import func

    from assistant.store.console_models import ConsoleUser
    from assistant.store.models import Connection, Leader

    counts = {"leaders": session.scalar(select(func.count()).select_from(Leader)) or 0}
    for role, number in session.execute(
        select(ConsoleUser.role, func.count()).group_by(ConsoleUser.role)
    ):
        counts[f"users.{role}"] = number
    for status, number in session.execute(
        select(Connection.status, func.count()).group_by(Connection.status)
    ):
        counts[f"connections.{status}"] = number
    return counts
