"""The outbox: accepted blocks waiting to be written or removed, claimed before each call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.store.models import (
    OutboxEntry,
)
from assistant.store.repositories.base import _aware, _rowcount
from assistant.store.repositories.proposals import proposal_by_key


def due_outbox(session: Session, *, now: datetime, key: str | None = None) -> list[OutboxEntry]:
    """Outbox entries not done whose next attempt is due (optionally of one proposal)."""
    statement = select(OutboxEntry).where(
        OutboxEntry.done_at.is_(None), OutboxEntry.next_attempt_at <= _aware(now, "now")
    )
    if key is not None:
        statement = statement.where(OutboxEntry.proposal_key == key)
    return list(session.scalars(statement.order_by(OutboxEntry.id)))


def claim_outbox_entry(session: Session, entry_id: int, *, now: datetime, until: datetime) -> bool:
    """Take a due entry for one attempt; False when it is done, not due, or claimed by another.

    One conditional UPDATE that moves the next attempt to `until` (a lease), so of two flushes
    at the same moment (two drains, or a drain and the confirm page's own write) exactly one
    gets True and calls the calendar; the other skips the entry. Commit before the provider
    call so the claim is seen. A process that dies with the entry claimed leaves it due again
    at `until`; `outbox_written`, `outbox_deleted` or `outbox_failed` end the lease.
    """
    statement = (
        update(OutboxEntry)
        .where(
            OutboxEntry.id == entry_id,
            OutboxEntry.done_at.is_(None),
            OutboxEntry.next_attempt_at <= _aware(now, "now"),
        )
        .values(next_attempt_at=_aware(until, "until"))
    )
    return _rowcount(session.execute(statement)) == 1


def outbox_written(
    session: Session, entry: OutboxEntry, *, event_id: str | None, status: str, now: datetime
) -> None:
    """The entry's write is done: the proposal becomes `status` ("written", or "accepted"
    when the leader imports an .ics themselves)."""
    entry.done_at = _aware(now, "now")
    entry.attempts += 1
    entry.last_error = None
    proposal = proposal_by_key(session, entry.proposal_key)
    if proposal is not None:
        proposal.status = status
        proposal.provider_event_id = event_id
        proposal.updated_at = _aware(now, "now")


def outbox_failed(
    session: Session, entry: OutboxEntry, *, error: str, now: datetime, retry_at: datetime
) -> None:
    entry.attempts += 1
    entry.last_error = error[:2000]
    entry.next_attempt_at = _aware(retry_at, "retry_at")


def outbox_deleted(session: Session, entry: OutboxEntry, *, now: datetime) -> None:
    """The entry's delete is done (or there was nothing to delete): the block is gone."""
    entry.done_at = _aware(now, "now")
    entry.attempts += 1
    entry.last_error = None
    proposal = proposal_by_key(session, entry.proposal_key)
    if proposal is not None:
        proposal.provider_event_id = None
        proposal.updated_at = _aware(now, "now")
