"""What `agenda-regie status` shows: connections, failures, unsent reviews, next reviews, pauses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assistant.accounts.registry import DESCRIBE
from assistant.app.coverage import leaders_without_calendar
from assistant.app.schedule import next_delivery
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.audit import recent_audit
from assistant.store.repositories.connections import connections_with_leaders
from assistant.store.repositories.leaders import paused_leaders
from assistant.store.repositories.reviews import failed_reviews
from assistant.store.repositories.rules import leaders_with_rules

FAILED = "pipeline.failed"


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
        unsent = [
            (email, iso_week, attempted_at)
            for email, iso_week, attempted_at in failed_reviews(session, failures)
        ]
    upcoming.sort(key=lambda item: item[1])
    return PipelineStatus(connections, failed, upcoming, paused, unsent, without_calendar)
