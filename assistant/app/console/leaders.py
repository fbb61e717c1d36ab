"""What the console shows of the leaders a user may see: the list with what needs attention
first, and a leader's page (weeks of history, this week's review, proposals). Reads the store
and the cached weeks only, never a provider, and writes nothing (a look).

A leader out of the viewer's sight is `None`, exactly like a leader that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assistant.accounts.cache import CachedCalendar
from assistant.app.console.signin import Viewer
from assistant.app.history import Store, review_with_history
from assistant.app.review import default_week
from assistant.core.buffers import buffer_statuses, indicator_results
from assistant.core.review import IsoWeek, WeeklyReview, WeekMetrics
from assistant.core.trends import trend_report
from assistant.store.database import Engine, Session, session_scope
from assistant.store.models import PROVIDERS, Leader
from assistant.store.repositories.connections import leader_calendar_connections
from assistant.store.repositories.console_reads import last_review, recent_proposals
from assistant.store.repositories.console_users import (
    find_console_user,
    visible_leader,
    visible_leaders,
)
from assistant.store.repositories.leaders import reviews_paused
from assistant.store.repositories.metrics import weekly_history
from assistant.store.repositories.rules import leader_rules
from rules import Rules

HEALTH_ORDER = ("none", "needs_reauthorisation", "error", "never_synced", "ok")


@dataclass(frozen=True)
class LeaderSummary:
    """One row of the leaders list."""

    leader_id: int
    email: str
    name: str | None
    timezone: str
    week: IsoWeek
    buffers: tuple[tuple[str, str], ...]  # (buffer, status) of the reviewed week
    signals: int  # signals of narrowing that fired
    enough_history: bool
    last_sync: datetime | None
    review_week: str | None
    review_status: str | None  # sent, failed, bounced
    paused: bool
    health: str  # none, needs_reauthorisation, error, never_synced, ok
    attention: str  # the first thing to look at: an id the page puts into words


@dataclass(frozen=True)
class LeaderDetail:
    summary: LeaderSummary
    review: WeeklyReview
    history: list[WeekMetrics]
    proposals: list[tuple[str, str, datetime, datetime, str]]  # week, kind, start, end, status
    rules: Rules


def the_leaders(engine: Engine, viewer: Viewer, now: datetime) -> list[LeaderSummary]:
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leaders = [] if user is None else visible_leaders(session, user)
        rows = [_facts(session, leader, now) for leader in leaders]
    summaries = [_summary(engine, facts, now) for facts in rows]
    return sorted(summaries, key=lambda s: (ATTENTION_ORDER.index(s.attention), s.email))


def the_leader(
    engine: Engine, viewer: Viewer, leader_id: int, now: datetime, *, weeks: int = 12
) -> LeaderDetail | None:
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return None
        facts = _facts(session, leader, now)
        history = weekly_history(session, leader, facts.week, max(12, min(weeks, 52)))
        proposals = [
            (p.iso_week, p.kind, p.start, p.end, p.status)
            for p in recent_proposals(session, leader.id, str(facts.week.shifted(-4)))
        ]
    summary, review = _summary_and_review(engine, facts, now)
    return LeaderDetail(summary, review, history, proposals, facts.rules)


@dataclass(frozen=True)
class _Facts:
    leader_id: int
    email: str
    name: str | None
    rules: Rules
    week: IsoWeek
    last_sync: datetime | None
    health: str
    review_week: str | None
    review_status: str | None
    paused: bool
    stored: list[WeekMetrics]  # the weekly runs' weeks up to the reviewed one


def _facts(session: Session, leader: Leader, now: datetime) -> _Facts:
    rules = leader_rules(session, leader)
    connections = leader_calendar_connections(session, [leader.id], PROVIDERS)[leader.id]
    syncs = [c.last_sync_at for c in connections if c.last_sync_at is not None]
    if not connections:
        health = "none"
    else:
        states = [
            "never_synced" if c.status == "ok" and c.last_sync_at is None else c.status
            for c in connections
        ]
        health = min(states, key=lambda s: HEALTH_ORDER.index(s) if s in HEALTH_ORDER else 0)
    review = last_review(session, leader.id)
    week = default_week(now, rules)
    reads = rules.trends.recent_weeks + rules.trends.baseline_weeks + 1
    return _Facts(
        leader.id,
        leader.email,
        leader.name,
        rules,
        week,
        max(syncs) if syncs else None,
        health,
        None if review is None else review.iso_week,
        None if review is None else review.delivery_status,
        reviews_paused(leader, now),
        weekly_history(session, leader, week, reads),
    )


ATTENTION_ORDER = (
    "connect",
    "reauthorise",
    "connection_error",
    "review_failed",
    "alert",
    "narrowing",
    "attention",
    "paused",
    "no_data",
    "none",
)


def _summary_and_review(
    engine: Engine, facts: _Facts, now: datetime
) -> tuple[LeaderSummary, WeeklyReview]:
    source = CachedCalendar.of_leader(engine, facts.leader_id)
    review = review_with_history(
        source, facts.rules, facts.week, now, Store(engine, facts.email), record=False
    )
    statuses = tuple((b.buffer.value, b.status.value) for b in review.buffers)
    fired = len(review.trends.fired)
    summary = _row(facts, statuses, fired, review.trends.enough_history)
    return summary, review


def _summary(engine: Engine, facts: _Facts, now: datetime) -> LeaderSummary:
    """The list's row. When the weekly run stored the reviewed week, its statuses and trend come
    from the stored weeks (no calendar is read: the same numbers, a fraction of the time);
    otherwise the week is measured from the cached calendar, as the leader's page does."""
    if not facts.stored or facts.stored[-1].week != facts.week:
        return _summary_and_review(engine, facts, now)[0]
    current = facts.stored[-1]
    rules = facts.rules
    results = indicator_results(current.values, rules)
    buffers = buffer_statuses(results, rules, rules.measurement.context_weeks + 1)
    trends = trend_report(current, facts.stored[:-1], rules)
    statuses = tuple((b.buffer.value, b.status.value) for b in buffers)
    return _row(facts, statuses, len(trends.fired), trends.enough_history)


def _row(
    facts: _Facts, statuses: tuple[tuple[str, str], ...], signals: int, enough: bool
) -> LeaderSummary:
    return LeaderSummary(
        facts.leader_id,
        facts.email,
        facts.name,
        facts.rules.leader.timezone,
        facts.week,
        statuses,
        signals,
        enough,
        facts.last_sync,
        facts.review_week,
        facts.review_status,
        facts.paused,
        facts.health,
        _attention(facts, [s for _, s in statuses], signals),
    )


def _attention(facts: _Facts, statuses: list[str], signals: int) -> str:
    if facts.health == "none":
        return "connect"
    if facts.health == "needs_reauthorisation":
        return "reauthorise"
    if facts.health == "error":
        return "connection_error"
    if facts.review_status in ("failed", "bounced"):
        return "review_failed"
    if "alert" in statuses:
        return "alert"
    if signals:
        return "narrowing"
    if "attention" in statuses:
        return "attention"
    if facts.paused:
        return "paused"
    if statuses and all(s == "no_data" for s in statuses):
        return "no_data"
    return "none"


def search_leaders(engine: Engine, viewer: Viewer, text: str) -> list[tuple[int, str, str | None]]:
    """The viewer's leaders whose address or name holds `text` (case-insensitive)."""
    needle = text.strip().lower()[:200]
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leaders = [] if user is None else visible_leaders(session, user)
        return [
            (leader.id, leader.email, leader.name)
            for leader in leaders
            if needle in leader.email or needle in (leader.name or "").lower()
        ]


def export_weeks(
    engine: Engine, viewer: Viewer, leader_id: int, now: datetime, weeks: int = 52
) -> tuple[str, list[WeekMetrics]] | None:
    """The leader's stored weeks (up to a year) for a CSV export; None when out of sight."""
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return None
        week = default_week(now, leader_rules(session, leader))
        return leader.email, weekly_history(session, leader, week, weeks)
