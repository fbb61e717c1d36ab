"""Use cases of the confirm page: accept or decline a proposal, accept all, withdraw an accept,
rate the week.

An accept is stored with its outbox entry and written through the leader's calendar writer
(`writers`) right away, or left to the outbox (`outbox`); a leader without a writer (iCalendar
only) gets the block as an `.ics` to import. Withdrawing an accept works the same way with a
`delete` entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from assistant.app.outbox import Outcome, flush_outbox
from assistant.app.writers import CalendarWriters
from assistant.core.review import IsoWeek
from assistant.i18n.labels import language_of
from assistant.mail.links import AllLink, ProposalLink, RatingLink
from assistant.store.database import Engine, session_scope
from assistant.store.models import Leader, ProposalRow
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.feedback import record_self_rating
from assistant.store.repositories.leaders import find_leader
from assistant.store.repositories.proposals import (
    PROPOSAL_WITHDRAWN,
    decide_proposal,
    proposal_by_key,
    proposal_withdrawn,
    proposals_of_week,
    withdraw_proposal,
)

if TYPE_CHECKING:
    pass


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
        if action == "accept" and row.status == "proposed" and row.start <= now:
            return "past"  # its time has passed: nothing is written to the calendar
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
    """Accept every open proposal of the week whose start has not passed; the keys accepted now
    (only those are written here: other entries due in the outbox are the worker's)."""
    accepted = []
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return []
        for row in proposals_of_week(session, leader, IsoWeek.parse(link.week)):
            if row.start <= now:
                continue
            if decide_proposal(session, row.key, row.generation, "accepted", now=now):
                accepted.append(row.key)
    for key in accepted:
        flush_outbox(engine, writers.write, now, key=key, withdraw=writers.withdraw)
    return accepted


def open_proposals(engine: Engine, link: AllLink, now: datetime) -> list[ProposalView]:
    """The week's proposals still open and still ahead of `now`."""
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return []
        return [
            ProposalView(r.key, r.kind, r.start, r.end, r.status, leader.language, leader.timezone)
            for r in proposals_of_week(session, leader, IsoWeek.parse(link.week))
            if r.status == "proposed" and r.start > now
        ]


def rate(engine: Engine, link: RatingLink, now: datetime) -> bool:
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return False
        record_self_rating(session, leader, IsoWeek.parse(link.week), link.score, now=now)
    return True


def _proposal(session: Any, link: ProposalLink) -> tuple[ProposalRow | None, Leader | None]:
    row = proposal_by_key(session, link.key)
    if row is None or row.generation != link.generation:
        return None, None
    leader = session.get(Leader, row.leader_id)
    if leader is None or leader.email != link.leader.strip().lower():
        return None, None
    return row, leader
