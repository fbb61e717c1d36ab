"""Use cases of the confirm page: accept or decline a proposal, accept all, withdraw an accept,
rate the week.

An accept is stored first (the proposal's status and an outbox entry, one transaction), then
written through the leader's writer right away when there is one; when the write fails the entry
stays in the outbox with its next attempt, and `flush_outbox` retries it. A leader without a
writer (iCalendar only) gets the block as an `.ics` to import. Withdrawing an accept works the
same way with a `delete` entry; a write that lands after its accept was withdrawn gets a `delete`
of its own, because the withdraw's delete ran before there was anything to delete.

Which calendar is written is decided per leader by their connection with status `ok`: Google
(with the leader's focus-time rules) or Microsoft 365. Only a leader with no Google or Microsoft
connection (other than `disabled`) gets the `.ics`; a connection in `error` or
`needs_reauthorisation` keeps the write waiting in the outbox until it works again. See
`provider_writers`.

Every attempt claims its entry first (`claim_outbox_entry`), so two flushes at the same moment (two
drains, or a drain and the confirm page's own write) never write or delete a block twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.accounts.registry import (
    SYNCED_PROVIDERS,
    AccountNotSetUpError,
    CalendarAccount,
    ProviderAccess,
    account_for,
)
from assistant.core.review import IsoWeek
from assistant.errors import Fault
from assistant.i18n.labels import kind_label, language_of
from assistant.mail.links import AllLink, ProposalLink, RatingLink
from assistant.store.database import session_scope
from assistant.store.models import Leader, OutboxEntry, ProposalRow
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.connections import enabled_connections_of
from assistant.store.repositories.feedback import record_self_rating
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.outbox import (
    claim_outbox_entry,
    due_outbox,
    outbox_deleted,
    outbox_failed,
    outbox_written,
)
from assistant.store.repositories.proposals import (
    PROPOSAL_WITHDRAWN,
    decide_proposal,
    proposal_by_key,
    proposal_withdrawn,
    proposals_of_week,
    withdraw_proposal,
    withdrawn_meanwhile,
)
from assistant.store.repositories.rules import leader_rules
from connectors.backoff import RetryPolicy
from connectors.model import Block
from rules import load_rules
from rules.model import FocusTime

if TYPE_CHECKING:
    from assistant.accounts.microsoft import GraphAccess

log = logging.getLogger("assistant.web")

RETRY_AFTER = timedelta(minutes=5)
# How long a claimed entry is left to its flush: longer than one write can take anywhere (the
# workers' task time limit is 10 minutes); after it a flush that died is taken over.
OUTBOX_LEASE = timedelta(minutes=15)
# The confirm page writes while the leader waits for it: two attempts and 10 s of waiting at
# most; a write still throttled after that is left to the outbox and the workers.
WEB_RETRY_POLICY = RetryPolicy(max_attempts_per_call=2, max_total_wait_seconds=10.0)
# Writes one block for the leader (by id); the provider's event id, or None when the leader has
# no calendar we can write to (iCalendar only).
WriteBack = Callable[[Engine, int, Block], str | None]
# Deletes a withdrawn block (leader id, key, generation): True deleted, False it was not there,
# None when the leader has no calendar we can write to (they imported the .ics themselves).
Withdraw = Callable[[Engine, int, str, int], bool | None]
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
]


class WriteBackUnavailableError(Fault):
    """The leader's calendar is connected but this process cannot reach its provider."""


class ConnectionNotWorkingError(WriteBackUnavailableError):
    """The leader's calendar connection is in `error` or `needs_reauthorisation`: the block
    waits in the outbox (it is not handed over as an .ics) until the connection works again."""

    def __init__(self, provider: str, status: str) -> None:
        self.provider = provider
        self.status = status
        super().__init__(f"the {provider} connection is in status {status}; the write waits")


@dataclass(frozen=True)
class ProposalView:
    key: str
    kind: str
    start: datetime
    end: datetime
    status: str
    language: str
    timezone: str
    withdrawn: bool = False  # accepted once, then taken back by the leader


@dataclass(frozen=True)
class CalendarWriters:
    """How accepted blocks reach the leader's calendar, and how withdrawn ones leave it."""

    write: WriteBack
    withdraw: Withdraw


def no_write_back(_engine: Engine, _leader_id: int, _block: Block) -> str | None:
    return None


def no_withdraw(_engine: Engine, _leader_id: int, _key: str, _generation: int) -> bool | None:
    return None


def provider_writers(
    cipher: Any,
    *,
    google_service_factory: Callable[[Any], Any] | None = None,
    microsoft_access: GraphAccess | None = None,
    retry_policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CalendarWriters:
    """Writes and withdraws through the leader's connection with status `ok`, whatever its
    provider (the accounts registry: Google with the leader's focus-time rules, Microsoft 365
    when `microsoft_access` is given), or none (.ics) when the leader has no calendar we write
    to. A write for a connection in `error` or `needs_reauthorisation` raises
    `ConnectionNotWorkingError`, so it waits in the outbox.

    A withdraw also finds a connection that needs re-authorising, so its delete waits in the
    outbox (and fails loudly) instead of being forgotten.

    `retry_policy`: the retries of each call (None: each connector's own, Google 300 s and Graph
    600 s of waiting, for the workers; `WEB_RETRY_POLICY` for the confirm page). `sleep` takes
    the pauses between attempts (tests hand in a fake).
    """
    access = ProviderAccess(
        google_retry=retry_policy,
        google_service_factory=google_service_factory,
        microsoft=microsoft_access,
        microsoft_retry=retry_policy,
        sleep=sleep,
    )

    def account(provider: str) -> CalendarAccount:
        try:
            return account_for(provider, access)
        except AccountNotSetUpError as error:
            raise WriteBackUnavailableError(str(error)) from None

    def write(engine: Engine, leader_id: int, block: Block) -> str | None:
        with session_scope(engine) as session:
            found = _writable_connection(session, leader_id, withdrawing=False)
            focus = _leaders_focus_time(session, leader_id)
        if found is None:
            return None
        connection_id, provider = found
        return account(provider).write(
            engine, connection_id, block, cipher=cipher, focus_time=focus
        )

    def withdraw(engine: Engine, leader_id: int, key: str, generation: int) -> bool | None:
        with session_scope(engine) as session:
            found = _writable_connection(session, leader_id, withdrawing=True)
        if found is None:
            return None
        connection_id, provider = found
        return account(provider).withdraw(engine, connection_id, key, generation, cipher=cipher)

    return CalendarWriters(write, withdraw)


def google_write_back(cipher: Any, **options: Any) -> WriteBack:
    """Writes through the leader's connection (kept for callers of the Google-only days;
    `provider_writers` decides by the leader's connection)."""
    factory = options.get("service_factory")
    return provider_writers(cipher, google_service_factory=factory).write


def _writable_connection(
    session: Session, leader_id: int, *, withdrawing: bool
) -> tuple[int, str] | None:
    """The leader's connection with status ok (the first connected); for a withdraw, else one
    that is not working (its delete waits in the outbox); None when the leader has no calendar
    connection we write to, other than `disabled` (iCalendar only).

    A write for a leader whose every connection is in `error` or `needs_reauthorisation` raises
    `ConnectionNotWorkingError`: an outage is no reason to hand a connected leader an .ics and
    forget the block.
    """
    rows = enabled_connections_of(session, leader_id, SYNCED_PROVIDERS)
    usable = [row for row in rows if row[2] == "ok"] or (rows if withdrawing else [])
    if usable:
        return usable[0][0], usable[0][1]
    if rows:
        raise ConnectionNotWorkingError(rows[0][1], rows[0][2])
    return None


def _leaders_focus_time(session: Session, leader_id: int) -> FocusTime:
    """The leader's google.focus_time rules as last stored (else the defaults)."""
    leader = session.get(Leader, leader_id)
    if leader is None:
        return load_rules(None).google.focus_time
    return leader_rules(session, leader).google.focus_time


def leader_language(engine: Engine, address: str) -> str | None:
    with session_scope(engine) as session:
        leader = find_leader(session, address)
        return language_of(leader.language) if leader is not None else None


def view(engine: Engine, link: ProposalLink) -> ProposalView | None:
    with session_scope(engine) as session:
        row, leader = _proposal(session, link)
        if row is None or leader is None:
            return None
        return ProposalView(
            row.key,
            row.kind,
            row.start,
            row.end,
            row.status,
            leader.language,
            leader.timezone,
            withdrawn=row.status == "declined" and proposal_withdrawn(session, row.key),
        )


def decide(
    engine: Engine,
    link: ProposalLink,
    action: Literal["accept", "decline"],
    writers: CalendarWriters,
    now: datetime,
) -> Outcome:
    with session_scope(engine) as session:
        row, leader = _proposal(session, link)
        if row is None or leader is None:
            return "gone"
        decision: Literal["accepted", "declined"] = "accepted" if action == "accept" else "declined"
        changed = decide_proposal(session, row.key, row.generation, decision, now=now)
        if changed:
            add_audit(
                session,
                actor=leader.email,
                action=f"proposal.{decision}",
                subject=row.key,
                detail={"generation": row.generation, "via": "confirm page"},
                now=now,
            )
        session.refresh(row)
        status = row.status
    if not changed:
        if status in ("accepted", "written"):
            return "already"
        if status == "declined":
            return "declined_before"
        return "gone"
    if action == "decline":
        return "declined"
    done = flush_outbox(engine, writers.write, now, key=link.key, withdraw=writers.withdraw)
    return done.get(link.key, "queued")


def withdraw(
    engine: Engine, link: ProposalLink, writers: CalendarWriters, now: datetime
) -> Outcome:
    """Take an accept back: recorded first (a `delete` in the outbox), then deleted."""
    with session_scope(engine) as session:
        row, leader = _proposal(session, link)
        if row is None or leader is None:
            return "gone"
        changed = withdraw_proposal(session, row.key, row.generation, now=now)
        if changed:
            add_audit(
                session,
                actor=leader.email,
                action=PROPOSAL_WITHDRAWN,
                subject=row.key,
                detail={"generation": row.generation, "via": "confirm page"},
                now=now,
            )
            outcome: Outcome = "withdraw_queued"
        elif proposal_withdrawn(session, row.key):
            outcome = "already_removed"
        elif row.status == "declined":
            outcome = "declined_before"
        else:
            outcome = "not_in_calendar"
    if not changed:
        return outcome
    done = flush_outbox(engine, writers.write, now, key=link.key, withdraw=writers.withdraw)
    return done.get(link.key, outcome)


def accept_all(engine: Engine, link: AllLink, writers: CalendarWriters, now: datetime) -> list[str]:
    """Accept every open proposal of the week; the keys accepted now (only those are written
    here: other entries due in the outbox are the worker's)."""
    accepted = []
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return []
        for row in proposals_of_week(session, leader, IsoWeek.parse(link.week)):
            if decide_proposal(session, row.key, row.generation, "accepted", now=now):
                accepted.append(row.key)
    for key in accepted:
        flush_outbox(engine, writers.write, now, key=key, withdraw=writers.withdraw)
    return accepted


def open_proposals(engine: Engine, link: AllLink) -> list[ProposalView]:
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return []
        return [
            ProposalView(r.key, r.kind, r.start, r.end, r.status, leader.language, leader.timezone)
            for r in proposals_of_week(session, leader, IsoWeek.parse(link.week))
            if r.status == "proposed"
        ]


def rate(engine: Engine, link: RatingLink, now: datetime) -> bool:
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return False
        record_self_rating(session, leader, IsoWeek.parse(link.week), link.score, now=now)
    return True


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


def _proposal(session: Any, link: ProposalLink) -> tuple[ProposalRow | None, Leader | None]:
    row = proposal_by_key(session, link.key)
    if row is None or row.generation != link.generation:
        return None, None
    leader = session.get(Leader, row.leader_id)
    if leader is None or leader.email != link.leader.strip().lower():
        return None, None
    return row, leader
