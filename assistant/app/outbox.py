"""The outbox: accepted blocks waiting for their calendar write, withdrawn ones for removal.

An accept is stored first (the proposal's status and an outbox entry, one transaction), then
written right away when the leader has a writer; when the write fails the entry stays in the
outbox with its next attempt, and `flush_outbox` retries it. A write that lands after its accept
was withdrawn gets a `delete` of its own, because the withdraw's delete ran before there was
anything to delete. Every attempt claims its entry first (`claim_outbox_entry`), so two flushes
at the same moment (two drains, or a drain and the confirm page's own write) never write or
delete a block twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from assistant.app.writers import ConnectionNotWorkingError, Withdraw, WriteBack
from assistant.i18n.labels import kind_label
from assistant.store.database import Engine, session_scope
from assistant.store.models import Leader, OutboxEntry
from assistant.store.repositories.outbox import (
    claim_outbox_entry,
    due_outbox,
    outbox_deleted,
    outbox_failed,
    outbox_written,
)
from assistant.store.repositories.proposals import (
    proposal_by_key,
    withdrawn_meanwhile,
)
from connectors.model import Block

if TYPE_CHECKING:
    pass

log = logging.getLogger("assistant.web")


RETRY_AFTER = timedelta(minutes=5)


# How long a claimed entry is left to its flush: longer than one write can take anywhere (the
# workers' task time limit is 10 minutes); after it a flush that died is taken over.
OUTBOX_LEASE = timedelta(minutes=15)


Outcome = Literal[
    "written",
    "queued",
    "queued_for_connection",
    "ics",
    "already",
    "declined",
    "declined_before",
    "gone",
    "rated",
    "none_open",
    "withdrawn",
    "withdraw_queued",
    "withdrawn_ics",
    "already_removed",
    "not_in_calendar",
    "past",
]


def flush_outbox(
    engine: Engine,
    write_back: WriteBack,
    now: datetime,
    key: str | None = None,
    *,
    withdraw: Withdraw,
) -> dict[str, Outcome]:
    """Do the due outbox entries (of one proposal, or all): write accepted blocks, delete
    withdrawn ones; what became of each entry this flush claimed (an entry another flush claimed
    first is left to it and not in the answer).

    `withdraw` has no default: a stand-in that deletes nothing would mark every due delete done
    while the block stays in the calendar.
    """
    with session_scope(engine) as session:
        work = []
        for entry in due_outbox(session, now=now, key=key):
            row = proposal_by_key(session, entry.proposal_key)
            if row is None:
                continue
            leader = session.get(Leader, row.leader_id)
            assert leader is not None
            block = Block(
                key=row.key,
                generation=row.generation,
                start=row.start,
                end=row.end,
                title=kind_label(row.kind, leader.language),
                zone=ZoneInfo(leader.timezone),
                description="agenda-regie",
            )
            work.append((entry.id, entry.action, leader.id, block))
    outcomes: dict[str, Outcome] = {}
    landed_after_withdraw: list[str] = []
    for entry_id, action, leader_id, block in work:
        with session_scope(engine) as session:
            # Committed before the provider call, so a flush at the same moment skips the entry.
            claimed = claim_outbox_entry(session, entry_id, now=now, until=now + OUTBOX_LEASE)
        if not claimed:
            continue
        try:
            if action == "delete":
                deleted = withdraw(engine, leader_id, block.key, block.generation)
            else:
                event_id = write_back(engine, leader_id, block)
        except Exception as error:  # any failure: keep it in the outbox and try again later
            log.warning("%s of block %s failed: %s", action, block.key, type(error).__name__)
            with session_scope(engine) as session:
                # The proposal is locked before the entry is changed, as a withdraw does.
                withdrawn = action == "create" and withdrawn_meanwhile(session, block.key)
                entry = _entry(session, entry_id)
                outbox_failed(session, entry, error=str(error), now=now, retry_at=now + RETRY_AFTER)
                if withdrawn and not isinstance(error, ConnectionNotWorkingError):
                    # Withdrawn while it was being written, and the write may have landed before
                    # it failed (a POST that timed out): deletes are idempotent, so it gets one.
                    session.add(
                        OutboxEntry(proposal_key=block.key, action="delete", next_attempt_at=now)
                    )
                    landed_after_withdraw.append(block.key)
                    outcomes[block.key] = "already_removed"
                    continue
            outcomes[block.key] = _failed_outcome(action, error)
            continue
        with session_scope(engine) as session:
            entry = _entry(session, entry_id)
            if action == "delete":
                outbox_deleted(session, entry, now=now)
                outcomes[block.key] = "withdrawn" if deleted is not None else "withdrawn_ics"
                continue
            if withdrawn_meanwhile(session, block.key):
                # Withdrawn while it was being written: the withdraw's delete may have run
                # before the block existed, so the block that landed gets a delete of its own.
                outbox_deleted(session, entry, now=now)
                if event_id is not None:
                    session.add(
                        OutboxEntry(proposal_key=block.key, action="delete", next_attempt_at=now)
                    )
                    landed_after_withdraw.append(block.key)
                outcomes[block.key] = "already_removed"
                continue
            status = "written" if event_id is not None else "accepted"
            outbox_written(session, entry, event_id=event_id, status=status, now=now)
        outcomes[block.key] = "written" if event_id is not None else "ics"
    for landed in landed_after_withdraw:
        done = flush_outbox(engine, write_back, now, key=landed, withdraw=withdraw)
        if done.get(landed) == "withdraw_queued":
            outcomes[landed] = "withdraw_queued"
    return outcomes


def _failed_outcome(action: str, error: Exception) -> Outcome:
    if action == "delete":
        return "withdraw_queued"
    return "queued_for_connection" if isinstance(error, ConnectionNotWorkingError) else "queued"


def _entry(session: Any, entry_id: int) -> Any:
    from assistant.store.models import OutboxEntry

    return session.get(OutboxEntry, entry_id)
