"""Use cases of the confirm page: accept or decline a proposal, accept all, rate the week.

An accept is stored first (the proposal's status and an outbox entry, one transaction), then
written through the leader's writer right away when there is one; when the write fails the entry
stays in the outbox with its next attempt, and `flush_outbox` retries it. A leader without a
writer (iCalendar only) gets the block as an `.ics` to import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from assistant.mail.links import AllLink, ProposalLink, RatingLink
from assistant.render.labels import kind_label, language_of
from assistant.review import IsoWeek
from assistant.store.database import session_scope
from assistant.store.models import Connection, Leader, ProposalRow
from assistant.store.repository import (
    add_audit,
    decide_proposal,
    due_outbox,
    find_leader,
    outbox_failed,
    outbox_written,
    proposal_by_key,
    proposals_of_week,
    record_self_rating,
)
from connectors.google.writer import Block
from rules.model import FocusTime

log = logging.getLogger("assistant.web")

RETRY_AFTER = timedelta(minutes=5)
# Writes one block for the leader (by id); the provider's event id, or None when the leader has
# no calendar we can write to (iCalendar only).
WriteBack = Callable[[Engine, int, Block], str | None]
Outcome = Literal[
    "written",
    "queued",
    "ics",
    "already",
    "declined",
    "declined_before",
    "gone",
    "rated",
    "none_open",
]


@dataclass(frozen=True)
class ProposalView:
    key: str
    kind: str
    start: datetime
    end: datetime
    status: str
    language: str
    timezone: str


def no_write_back(_engine: Engine, _leader_id: int, _block: Block) -> str | None:
    return None


def google_write_back(cipher: Any, **options: Any) -> WriteBack:
    """Writes through the leader's Google connection (assistant.google_sync), when there is one."""
    from assistant.google_sync import write_google_block
    from connectors.google.writer import FocusTimeOptions

    def write(engine: Engine, leader_id: int, block: Block) -> str | None:
        with session_scope(engine) as session:
            connection_id = session.scalars(
                select(Connection.id).where(
                    Connection.leader_id == leader_id,
                    Connection.provider == "google",
                    Connection.status == "ok",
                )
            ).first()
            focus = _leaders_focus_time(session, leader_id)
        if connection_id is None:
            return None
        result = write_google_block(
            engine,
            connection_id,
            block,
            cipher=cipher,
            focus_time=FocusTimeOptions(
                auto_decline=focus.auto_decline, decline_message=focus.decline_message
            ),
            **options,
        )
        return result.event_id

    return write


def _leaders_focus_time(session: Any, leader_id: int) -> FocusTime:
    """The leader's google.focus_time rules as last stored with their history (else defaults)."""
    import yaml

    from assistant.store.repository import latest_rules
    from rules import load_rules

    stored = latest_rules(session, leader_id)
    data = yaml.safe_load(stored.yaml_text) if stored is not None else None
    rules = load_rules(None, data if isinstance(data, dict) else None)
    return rules.google.focus_time


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
            row.key, row.kind, row.start, row.end, row.status, leader.language, leader.timezone
        )


def decide(
    engine: Engine,
    link: ProposalLink,
    action: Literal["accept", "decline"],
    write_back: WriteBack,
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
    return flush_outbox(engine, write_back, now, key=link.key).get(link.key, "queued")


def accept_all(engine: Engine, link: AllLink, write_back: WriteBack, now: datetime) -> list[str]:
    """Accept every open proposal of the week; the keys accepted now."""
    accepted = []
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            return []
        for row in proposals_of_week(session, leader, IsoWeek.parse(link.week)):
            if decide_proposal(session, row.key, row.generation, "accepted", now=now):
                accepted.append(row.key)
    if accepted:
        flush_outbox(engine, write_back, now)
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
    engine: Engine, write_back: WriteBack, now: datetime, key: str | None = None
) -> dict[str, Outcome]:
    """Write the due outbox entries (of one proposal, or all); what became of each."""
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
            work.append((entry.id, leader.id, block))
    outcomes: dict[str, Outcome] = {}
    for entry_id, leader_id, block in work:
        try:
            event_id = write_back(engine, leader_id, block)
        except Exception as error:  # any failure: keep it in the outbox and try again later
            log.warning("writing block %s failed: %s", block.key, type(error).__name__)
            with session_scope(engine) as session:
                entry = _entry(session, entry_id)
                outbox_failed(session, entry, error=str(error), now=now, retry_at=now + RETRY_AFTER)
            outcomes[block.key] = "queued"
            continue
        with session_scope(engine) as session:
            entry = _entry(session, entry_id)
            status = "written" if event_id is not None else "accepted"
            outbox_written(session, entry, event_id=event_id, status=status, now=now)
        outcomes[block.key] = "written" if event_id is not None else "ics"
    return outcomes


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
