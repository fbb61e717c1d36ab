"""Proposals of a week: stored once by key, decided, withdrawn."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.core.review import IsoWeek, Proposal
from assistant.store.models import (
    AuditEntry,
    Leader,
    OutboxEntry,
    ProposalRow,
)
from assistant.store.repositories.base import _aware, _leader_id, _rowcount, _upsert


def ensure_proposals(
    session: Session,
    leader: Leader | int,
    week: IsoWeek,
    proposals: Sequence[Proposal],
    *,
    now: datetime,
) -> dict[str, ProposalRow]:
    """Store the week's proposals that are not stored yet (by key); every one's row, by key.

    A proposal already stored keeps its status and generation: mailing a review twice never
    reopens a block that was accepted or declined.
    """
    for proposal in proposals:
        values = {
            "key": proposal.key,
            "leader_id": _leader_id(leader),
            "iso_week": str(week),
            "kind": proposal.kind,
            "start_at": _aware(proposal.start, "start"),
            "end_at": _aware(proposal.end, "end"),
            "status": "proposed",
            "generation": 0,
            "updated_at": _aware(now, "now"),
        }
        session.execute(_upsert(session, ProposalRow.__table__, values, ["key"], {}))
    keys = [proposal.key for proposal in proposals]
    if not keys:
        return {}
    rows = session.scalars(select(ProposalRow).where(ProposalRow.key.in_(keys)))
    return {row.key: row for row in rows}


def proposal_by_key(session: Session, key: str) -> ProposalRow | None:
    return session.scalars(select(ProposalRow).where(ProposalRow.key == key)).one_or_none()


def proposals_of_week(session: Session, leader: Leader | int, week: IsoWeek) -> list[ProposalRow]:
    statement = (
        select(ProposalRow)
        .where(ProposalRow.leader_id == _leader_id(leader), ProposalRow.iso_week == str(week))
        .order_by(ProposalRow.start, ProposalRow.key)
    )
    return list(session.scalars(statement))


def decide_proposal(
    session: Session,
    key: str,
    generation: int,
    decision: Literal["accepted", "declined"],
    *,
    now: datetime,
) -> bool:
    """Accept or decline a proposal that is still open; False when it was decided already.

    One conditional UPDATE, so two clicks at the same moment decide once. An accept is put in
    the outbox in the same transaction (stored first, written after).
    """
    statement = (
        update(ProposalRow)
        .where(
            ProposalRow.key == key,
            ProposalRow.generation == generation,
            ProposalRow.status == "proposed",
        )
        .values(status=decision, updated_at=_aware(now, "now"))
    )
    changed = _rowcount(session.execute(statement)) == 1
    if changed and decision == "accepted":
        session.add(
            OutboxEntry(proposal_key=key, action="create", next_attempt_at=_aware(now, "now"))
        )
    return changed


PROPOSAL_WITHDRAWN = "proposal.withdrawn"


def withdraw_proposal(session: Session, key: str, generation: int, *, now: datetime) -> bool:
    """Take back an accept: the proposal is no longer accepted (it becomes `declined`, the audit
    line `proposal.withdrawn` says why) and a `delete` is put in the outbox; False when it was not
    accepted (any more). A create still waiting in the outbox is cancelled, so it is never written.

    One conditional UPDATE, so two clicks at the same moment withdraw once.
    """
    statement = (
        update(ProposalRow)
        .where(
            ProposalRow.key == key,
            ProposalRow.generation == generation,
            ProposalRow.status.in_(("accepted", "written")),
        )
        .values(status="declined", updated_at=_aware(now, "now"))
    )
    if _rowcount(session.execute(statement)) != 1:
        return False
    waiting = select(OutboxEntry).where(
        OutboxEntry.proposal_key == key,
        OutboxEntry.action == "create",
        OutboxEntry.done_at.is_(None),
    )
    for entry in session.scalars(waiting):
        entry.done_at = _aware(now, "now")
        entry.last_error = "withdrawn before it was written"
    session.add(OutboxEntry(proposal_key=key, action="delete", next_attempt_at=_aware(now, "now")))
    return True


def proposal_withdrawn(session: Session, key: str) -> bool:
    """Whether the leader took this proposal's accept back."""
    statement = select(AuditEntry.id).where(
        AuditEntry.action == PROPOSAL_WITHDRAWN, AuditEntry.subject == key
    )
    return session.scalars(statement.limit(1)).first() is not None


def withdrawn_meanwhile(session: Session, key: str) -> bool:
    """Whether the accept of this written (or failed) block was taken back meanwhile. The row is
    locked, so a withdraw at this moment waits and then deletes what was written."""
    row = session.scalars(
        select(ProposalRow).where(ProposalRow.key == key).with_for_update()
    ).one_or_none()
    return row is not None and row.status == "declined"
