"""What `agenda-regie status` shows: connections, failures, unsent reviews, next reviews, pauses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assistant.accounts.registry import DESCRIBE
from assistant.app.coverage import leaders_without_calendar
from assistant.app.schedule import next_delivery
from assistant.core.reasons import Reason
from assistant.store.database import Engine, Session, session_scope
from assistant.store.repositories.audit import recent_audit
from assistant.store.repositories.connections import connections_with_leaders
from assistant.store.repositories.leaders import paused_leaders
from assistant.store.repositories.reviews import failed_reviews, review_was_sent
from assistant.store.repositories.rules import leaders_with_rules

FAILED = "pipeline.failed"
NO_DATA = "pipeline.no_data"


@dataclass(frozen=True)
class ConnectionStatus:
    connection_id: int
    leader: str
    provider: str
    status: str
    last_sync_at: datetime | None
    last_error: str | None
    detail: str | None = None  # what the provider's syncs cost (an iCalendar feed's checks)


@dataclass(frozen=True)
class Failure:
    at: datetime
    leader: str
    stage: str
    error: str


@dataclass(frozen=True)
class PipelineStatus:
    connections: list[ConnectionStatus]
    failures: list[Failure]
    next_reviews: list[tuple[str, datetime]]  # leader, next delivery moment (paused: none)
    paused: list[tuple[str, datetime | None]] = field(default_factory=list)  # leader, until
    # Reviews whose last attempt failed and that are not sent (yet): leader, ISO week, attempt.
    failed_reviews: list[tuple[str, str, datetime]] = field(default_factory=list)
    # Leaders (not paused) whose next review would not be sent, and why (`coverage`).
    without_calendar: list[tuple[str, str]] = field(default_factory=list)
    # Weeks whose review was not sent because the week had no data: leader, ISO week, why.
    no_data: list[tuple[str, str, Reason]] = field(default_factory=list)


def pipeline_status(engine: Engine, now: datetime, *, failures: int = 20) -> PipelineStatus:
    with session_scope(engine) as session:
        connections = [
            ConnectionStatus(
                c.id,
                email,
                c.provider,
                c.status,
                c.last_sync_at,
                c.last_error,
                DESCRIBE[c.provider](c.sync_state) if c.provider in DESCRIBE else None,
            )
            for c, email in connections_with_leaders(session)
        ]
        failed = [
            Failure(a.at, a.subject, str(a.detail.get("stage", "")), str(a.detail.get("error")))
            for a in recent_audit(session, FAILED, failures)
        ]
        active = leaders_with_rules(session, paused=False, now=now)
        upcoming = [(leader.email, next_delivery(leader.rules, now)) for leader in active]
        without_calendar = leaders_without_calendar(
            session, [(leader.leader_id, leader.email) for leader in active]
        )
        paused = [(email, until) for email, until in paused_leaders(session, now)]
        no_data = _weeks_without_data(session, failures)
        unsent = [
            (email, iso_week, attempted_at)
            for email, iso_week, attempted_at in failed_reviews(session, failures)
        ]
    upcoming.sort(key=lambda item: item[1])
    return PipelineStatus(connections, failed, upcoming, paused, unsent, without_calendar, no_data)


def _weeks_without_data(session: Session, limit: int) -> list[tuple[str, str, Reason]]:
    """The latest weeks skipped for want of data, once per leader and week, newest first; a week
    whose review went out after all is left out."""
    seen: set[tuple[str, str]] = set()
    found = []
    for entry in recent_audit(session, NO_DATA, limit):
        week = str(entry.detail.get("week", ""))
        if (entry.subject, week) in seen or review_was_sent(session, entry.subject, week):
            continue
        seen.add((entry.subject, week))
        values = entry.detail.get("values") or {}
        found.append((entry.subject, week, Reason(str(entry.detail.get("reason")), values)))
    return found
