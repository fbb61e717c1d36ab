"""Use cases of the weekly pipeline as the background workers run it (a shell).

When each leader's review is due (their delivery weekday and local time, in their own zone; a
paused leader is not due), the claim that starts a leader's pipeline once per ISO week (a row in
`review_claims` whose unique key the database enforces, never a lock in memory), computing and
sending the week's review once, the sync of one Google or Microsoft 365 connection with a visible
failed status, and what `agenda-regie status` shows.

The Celery tasks in `worker/` are thin wrappers around these functions; `run_once` runs the whole
pipeline for one leader in one process, without Redis. Must not import Celery or `worker`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, and_, exists, func, or_, select, update

from assistant.accounts.cache import SYNCED_PROVIDERS, CachedCalendar
from assistant.app.delivery import message_for, prepare_email
from assistant.app.history import Store, review_with_history
from assistant.app.review import last_complete_week
from assistant.core.review import IsoWeek, WeeklyReview
from assistant.mail.links import LinkSigner
from assistant.mail.send import Delivery, SendFailedError, SmtpSettings, smtp_send_once
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import (
    AuditEntry,
    Connection,
    Leader,
    ReviewClaim,
    ReviewDelivery,
    RuleSet,
)
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import UnknownLeaderError
from assistant.store.repositories.leaders import reviews_paused
from assistant.store.repositories.reviews import record_review_sent, review_delivery
from assistant.store.repositories.rules import latest_rules
from connectors.google.retry import Retrier, RetryPolicy
from rules import Rules, load_rules

if TYPE_CHECKING:
    from assistant.accounts.microsoft import GraphAccess
    from connectors.microsoft.throttle import RetryPolicy as GraphRetryPolicy

log = logging.getLogger("assistant.app.pipeline")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FAILED = "pipeline.failed"
# A claimed week whose review was not sent is claimed again after this long (the next period).
REDISPATCH_AFTER = timedelta(hours=1)
_SECONDS_ZERO = re.compile(r"\d\d:\d\d:00")
Send = Callable[[EmailMessage, SmtpSettings], None]


class LeaderNotFoundError(UnknownLeaderError):
    """No leader in the store has this address (`run-once --leader`): a mistyped address, or a
    leader whose calendar was never connected."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.args = (
            f"{address} is not a leader in the database: check the address, or connect the "
            "leader's calendar first (agenda-regie connect)",
        )


@dataclass(frozen=True)
class Services:
    """What the pipeline needs from outside, built once per process from the environment."""

    engine: Engine
    smtp: SmtpSettings
    signer: LinkSigner
    cipher: SecretBox
    google_api_endpoint: str | None = None
    google_retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Wraps every Google HTTP attempt (the workers take a token from the shared budget here).
    google_gate: Callable[[int], None] = lambda _connection_id: None
    # Graph and Entra ID; None when no Microsoft app is registered (such syncs fail visibly).
    microsoft: GraphAccess | None = None
    microsoft_retry: GraphRetryPolicy | None = None
    # One SMTP conversation, held under the leader's row lock; a failure is recorded and the
    # task retried by Celery outside the lock (`run-once`: the operator runs it again).
    send: Send = smtp_send_once


@dataclass(frozen=True)
class DueReview:
    leader_id: int
    leader: str
    week: IsoWeek  # the week reviewed: the last complete one before the delivery moment
    due_at: datetime


# When -------------------------------------------------------------------------------------------


def delivery_moment(rules: Rules, week: IsoWeek) -> datetime:
    """The delivery weekday and time of ISO week `week`, in the leader's zone (aware).

    A wall time that does not exist (the spring-forward hour) resolves the way zoneinfo does, to
    the same wall clock with the offset before the change; comparisons use the instant.
    """
    day = date.fromisocalendar(week.year, week.week, WEEKDAYS.index(rules.delivery.weekday) + 1)
    zone = ZoneInfo(rules.leader.timezone)
    return datetime.combine(day, rules.delivery.time, tzinfo=zone)


def review_due(rules: Rules, now: datetime) -> tuple[IsoWeek, datetime] | None:
    """The week whose review is due at `now` and its moment, or None before this week's moment."""
    local = now.astimezone(ZoneInfo(rules.leader.timezone))
    current = IsoWeek.containing(local.date())
    moment = delivery_moment(rules, current)
    if now < moment:
        return None
    return last_complete_week(moment.date()), moment


def next_delivery(rules: Rules, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(rules.leader.timezone))
    current = IsoWeek.containing(local.date())
    moment = delivery_moment(rules, current)
    return moment if now < moment else delivery_moment(rules, current.shifted(1))


def leader_rules(session: Any, leader: Leader) -> Rules:
    """The leader's effective rules: the latest stored set (JSON), with the leader's address."""
    stored = latest_rules(session, leader)
    return _effective_rules(stored.yaml_text if stored else "", leader.email, leader.timezone)


@lru_cache(maxsize=4096)
def _effective_rules(text: str, email: str | None, zone: str) -> Rules:
    # Loading rules takes tens of milliseconds and a stored rule set never changes (a change is a
    # new version), so each distinct text is loaded once per process. `email` None: the rules
    # for the schedule only (zone, weekday, time), shared by every leader with the same text.
    data: dict[str, Any] = _clock_times(json.loads(text)) if text else {}
    section = dict(data.get("leader") or {})
    section["email"] = email
    section.setdefault("timezone", zone)
    data["leader"] = section
    return load_rules(None, overrides=data)


def not_paused(now: datetime) -> ColumnElement[bool]:
    """Leaders whose weekly review is not paused at `now` (no pause, or a pause that ended)."""
    return or_(
        Leader.paused_at.is_(None),
        and_(Leader.paused_until.is_not(None), Leader.paused_until <= now),
    )


def _leaders_with_rules(session: Any, *conditions: Any) -> list[Any]:
    """(id, email, timezone, created_at, latest rule text or None) of the leaders, one query."""
    latest = (
        select(RuleSet.leader_id, func.max(RuleSet.version).label("version"))
        .group_by(RuleSet.leader_id)
        .subquery()
    )
    statement = (
        select(Leader.id, Leader.email, Leader.timezone, Leader.created_at, RuleSet.yaml_text)
        .outerjoin(latest, latest.c.leader_id == Leader.id)
        .outerjoin(
            RuleSet, and_(RuleSet.leader_id == Leader.id, RuleSet.version == latest.c.version)
        )
        .where(*conditions)
        .order_by(Leader.id)
    )
    return list(session.execute(statement).all())


def due_reviews(
    engine: Engine, now: datetime, *, retry_after: timedelta | None = None
) -> list[DueReview]:
    """Leaders whose review is due at `now` (this ISO week's moment has passed in their zone),
    not paused, and not yet sent; with `retry_after`, also not claimed less than that ago (a
    dispatcher's tick then skips them without trying a claim that cannot succeed).

    A few queries whatever the number of leaders: the leaders with their latest rules, the weeks
    already sent (and claimed); each distinct rule text is loaded once per process."""
    found = []
    with session_scope(engine) as session:
        for leader_id, email, zone, created_at, text in _leaders_with_rules(
            session, not_paused(now)
        ):
            due = review_due(_effective_rules(text or "", None, zone), now)
            if due is None:
                continue
            week, moment = due
            if moment < _utc(created_at):
                continue  # a leader's first review is at the first moment after they joined
            found.append(DueReview(leader_id, email, week, moment))
        weeks = sorted({str(due.week) for due in found})
        left_out: set[tuple[int, str]] = set()  # sent, or (with retry_after) claimed lately
        if weeks:
            rows = session.execute(
                select(ReviewDelivery.leader_id, ReviewDelivery.iso_week).where(
                    ReviewDelivery.delivery_status == "sent", ReviewDelivery.iso_week.in_(weeks)
                )
            )
            left_out = {(leader_id, iso_week) for leader_id, iso_week in rows}
        if weeks and retry_after is not None:
            rows = session.execute(
                select(ReviewClaim.leader_id, ReviewClaim.iso_week).where(
                    ReviewClaim.iso_week.in_(weeks), ReviewClaim.claimed_at > now - retry_after
                )
            )
            left_out |= {(leader_id, iso_week) for leader_id, iso_week in rows}
    return [due for due in found if (due.leader_id, str(due.week)) not in left_out]


def claim_review(
    engine: Engine, leader_id: int, week: IsoWeek, now: datetime, *, retry_after: timedelta
) -> bool:
    """Claim the (leader, week) pipeline; False when it is sent, or claimed less than
    `retry_after` ago.

    The claim is a row of `review_claims`: an insert that the unique key (leader, week) refuses
    for everyone but the first, and for a week claimed before, one conditional UPDATE (claimed
    long enough ago and not sent) that changes the row for one dispatcher only. Both are single
    statements the database decides, so dispatchers on several machines cannot both claim a
    week. The audit log is not read."""
    iso_week = str(week)
    sent = exists().where(
        ReviewDelivery.leader_id == leader_id,
        ReviewDelivery.iso_week == iso_week,
        ReviewDelivery.delivery_status == "sent",
    )
    with session_scope(engine) as session:
        if session.scalar(select(sent)):
            return False
        # RETURNING says whether this statement wrote the row: psycopg reports no row count for
        # an INSERT ... ON CONFLICT DO NOTHING, both databases return the row that was written.
        if session.scalar(_insert_new_claim(session, leader_id, iso_week, now)) is not None:
            return True
        reclaimed = session.scalar(
            update(ReviewClaim)
            .where(
                ReviewClaim.leader_id == leader_id,
                ReviewClaim.iso_week == iso_week,
                ReviewClaim.claimed_at <= now - retry_after,
                ~sent,
            )
            .values(claimed_at=now, attempts=ReviewClaim.attempts + 1)
            .returning(ReviewClaim.id)
        )
        return reclaimed is not None


def _insert_new_claim(session: Any, leader_id: int, iso_week: str, now: datetime) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(ReviewClaim)
        .values(leader_id=leader_id, iso_week=iso_week, claimed_at=now, attempts=1)
        .on_conflict_do_nothing(index_elements=["leader_id", "iso_week"])
        .returning(ReviewClaim.id)
    )


# Work -------------------------------------------------------------------------------------------


def leader_connections(engine: Engine, leader_id: int) -> list[int]:
    """The leader's Google and Microsoft 365 connections (what a sync can bring up to date)."""
    return connections_of(engine, [leader_id]).get(leader_id, [])


def connections_of(engine: Engine, leader_ids: list[int]) -> dict[int, list[int]]:
    """Each leader's Google and Microsoft 365 connections, in one query."""
    found: dict[int, list[int]] = {}
    if not leader_ids:
        return found
    with session_scope(engine) as session:
        rows = session.execute(
            select(Connection.leader_id, Connection.id)
            .where(Connection.leader_id.in_(leader_ids), Connection.provider.in_(SYNCED_PROVIDERS))
            .order_by(Connection.id)
        )
        for leader_id, connection_id in rows:
            found.setdefault(leader_id, []).append(connection_id)
    return found


def all_connections(engine: Engine) -> list[int]:
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(Connection.id)
                .where(Connection.provider.in_(SYNCED_PROVIDERS), Connection.status != "disabled")
                .order_by(Connection.id)
            )
        )


def sync_connection(services: Services, connection_id: int, now: datetime) -> str:
    """Sync one Google or Microsoft 365 connection; a connection marked failed becomes `ok`
    again once it syncs. Without a Microsoft app registration a Microsoft connection is marked
    failed, with the setting to add, and nothing is retried."""
    with session_scope(services.engine) as session:
        provider = session.scalar(select(Connection.provider).where(Connection.id == connection_id))
    if provider is None:
        raise ValueError(f"no connection with id {connection_id}")
    if provider == "microsoft":
        outcome = _sync_microsoft(services, connection_id, now)
    else:
        outcome = _sync_google(services, connection_id, now)
    if outcome is None:
        return "failed"
    if outcome == "synced":
        with session_scope(services.engine) as session:
            connection = session.get(Connection, connection_id)
            if connection is not None and connection.status == "error":
                connection.status = "ok"
    return outcome


def _sync_google(services: Services, connection_id: int, now: datetime) -> str:
    from assistant.accounts.google import sync_google_connection
    from connectors.google.auth import build_service

    def factory(credentials: Any) -> Any:
        return build_service(credentials, api_endpoint=services.google_api_endpoint)

    retrier = _GatedRetrier(services.google_retry, gate=lambda: services.google_gate(connection_id))
    outcome = sync_google_connection(
        services.engine,
        connection_id,
        cipher=services.cipher,
        now=now,
        service_factory=factory,
        retrier=retrier,
    )
    return outcome.status


def _sync_microsoft(services: Services, connection_id: int, now: datetime) -> str | None:
    from assistant.accounts.microsoft import sync_microsoft_connection
    from assistant.settings import MICROSOFT_CLIENT_ID_VARIABLE
    from connectors.microsoft.throttle import Retrier as GraphRetrier

    if services.microsoft is None:
        problem = (
            f"Microsoft 365 is not set up: set {MICROSOFT_CLIENT_ID_VARIABLE} (docs/microsoft.md)"
        )
        mark_connection_failed(services.engine, connection_id, problem, now)
        return None
    retrier = GraphRetrier(services.microsoft_retry) if services.microsoft_retry else None
    outcome = sync_microsoft_connection(
        services.engine,
        connection_id,
        cipher=services.cipher,
        now=now,
        access=services.microsoft,
        retrier=retrier,
    )
    return outcome.status


def mark_connection_failed(engine: Engine, connection_id: int, problem: str, now: datetime) -> None:
    """Retries are spent: the connection shows `error` until a later sync succeeds."""
    with session_scope(engine) as session:
        connection = session.get(Connection, connection_id)
        if connection is None:
            return
        if connection.status == "ok":
            connection.status = "error"
        connection.last_error = problem[:2000]
        leader = session.get(Leader, connection.leader_id)
        add_audit(
            session,
            actor="agenda-regie",
            action=FAILED,
            subject=leader.email if leader else str(connection_id),
            detail={"stage": "sync", "connection": connection_id, "error": problem[:500]},
            now=now,
        )


def record_failure(engine: Engine, leader_id: int, stage: str, problem: str, now: datetime) -> None:
    with session_scope(engine) as session:
        leader = session.get(Leader, leader_id)
        add_audit(
            session,
            actor="agenda-regie",
            action=FAILED,
            subject=leader.email if leader else str(leader_id),
            detail={"stage": stage, "error": problem[:500]},
            now=now,
        )


def compute_week(services: Services, leader_id: int, week: IsoWeek, now: datetime) -> WeeklyReview:
    """The leader's review of `week` from their calendar cache, recorded in their history."""
    with session_scope(services.engine) as session:
        leader = session.get(Leader, leader_id)
        if leader is None:
            raise ValueError(f"no leader with id {leader_id}")
        rules, email = leader_rules(session, leader), leader.email
    source = CachedCalendar.of_leader(services.engine, leader_id)
    return review_with_history(source, rules, week, now, Store(services.engine, email))


def send_review(services: Services, leader_id: int, week: IsoWeek, now: datetime) -> Delivery:
    """Send the leader's review of `week` once: a second call, concurrent or later, sends nothing;
    nor does a call while the leader's review is paused (status "paused").

    The checks (sent, paused), the SMTP hand-over and the record happen under the leader's row
    lock, so a pause that comes after the week was claimed, or between two SMTP retries, is
    seen. A crash between the server accepting the message and the commit is the one window
    where a retry sends it again: at least once there, never silently lost. The Message-ID is
    derived from the leader and the week, so the copy is recognisable (docs/workers.md). A
    refused send is recorded as failed (committed, so `status` shows it) before the error is
    raised for the caller to retry."""
    engine = services.engine
    with session_scope(engine) as session:
        leader = session.get(Leader, leader_id)
        if leader is None:
            raise ValueError(f"no leader with id {leader_id}")
        settled = _nothing_to_send(session, leader, week, now)
        if settled is not None:
            return settled
        rules, email = leader_rules(session, leader), leader.email
    review = compute_week(services, leader_id, week, now)
    prepared = prepare_email(
        engine,
        review,
        leader_email=email,
        signer=services.signer,
        now=now,
        pause_contact=rules.delivery.assistant_cc[0] if rules.delivery.assistant_cc else None,
    )
    to, cc = rules.delivery.to or email, list(rules.delivery.assistant_cc)
    message = message_for(prepared, sender=services.smtp.sender, to=to, cc=cc, now=now)
    identifier = str(message["Message-ID"])
    failure: Exception | None = None
    with session_scope(engine) as session:
        locked = session.get(Leader, leader_id, with_for_update=True)
        if locked is None:
            return Delivery("already_sent", identifier)
        settled = _nothing_to_send(session, locked, week, now)
        if settled is not None:
            log.info("review of %s for %s not sent: %s", email, week, settled.status)
            return settled
        try:
            services.send(message, services.smtp)
        except Exception as error:
            failure = error
        record_review_sent(
            session, leader_id, week, sent_at=now, message_id=identifier,
            delivery_status="sent" if failure is None else "failed",
        )  # fmt: skip
    if failure is not None:
        # Raised after the commit: the failed attempt stays in the store for `status`.
        problem = f"{type(failure).__name__}: {failure}"
        raise SendFailedError(email, str(week), problem) from failure
    log.info("review of %s for %s sent (%s)", email, week, identifier)
    return Delivery("sent", identifier, now)


def _nothing_to_send(session: Any, leader: Leader, week: IsoWeek, now: datetime) -> Delivery | None:
    """Why the leader's review of `week` is not to be sent now (sent already, or paused), or
    None when it is to be sent."""
    earlier = review_delivery(session, leader, week)
    if earlier is not None and earlier.delivery_status == "sent":
        return Delivery("already_sent", earlier.message_id or "", earlier.sent_at)
    if reviews_paused(leader, now):
        until = None if leader.paused_until is None else _utc(leader.paused_until)
        return Delivery("paused", "", paused_until=until)
    return None


def run_pipeline(services: Services, leader_id: int, week: IsoWeek, now: datetime) -> Delivery:
    """Sync the leader's connections, compute the week and send its review, in this process.

    A connection that cannot be synced is marked failed and the review uses the cache it has;
    a week already sent, or a leader whose review is paused, is left as it is, without syncing."""
    with session_scope(services.engine) as session:
        leader = session.get(Leader, leader_id)
        if leader is None:
            raise ValueError(f"no leader with id {leader_id}")
        settled = _nothing_to_send(session, leader, week, now)
        if settled is not None:
            return settled
    for connection_id in leader_connections(services.engine, leader_id):
        try:
            sync_connection(services, connection_id, now)
        except Exception as error:
            mark_connection_failed(services.engine, connection_id, str(error), now)
    return send_review(services, leader_id, week, now)


def run_once(services: Services, leader_email: str, now: datetime) -> tuple[IsoWeek, Delivery]:
    """The whole weekly pipeline for one leader without Redis: the last complete week.

    Raises LeaderNotFoundError when no leader has the address."""
    with session_scope(services.engine) as session:
        leader = session.scalars(
            select(Leader).where(Leader.email == leader_email.strip().lower())
        ).one_or_none()
        if leader is None:
            raise LeaderNotFoundError(leader_email)
        leader_id, zone = leader.id, ZoneInfo(leader_rules(session, leader).leader.timezone)
    week = last_complete_week(now.astimezone(zone).date())
    return week, run_pipeline(services, leader_id, week, now)


# Status -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionStatus:
    connection_id: int
    leader: str
    provider: str
    status: str
    last_sync_at: datetime | None
    last_error: str | None


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


def pipeline_status(engine: Engine, now: datetime, *, failures: int = 20) -> PipelineStatus:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Connection, Leader.email)
            .join(Leader, Leader.id == Connection.leader_id)
            .order_by(Connection.id)
        ).all()
        connections = [
            ConnectionStatus(c.id, email, c.provider, c.status, c.last_sync_at, c.last_error)
            for c, email in rows
        ]
        audit = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == FAILED)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(failures)
        )
        failed = [
            Failure(
                _utc(a.at), a.subject, str(a.detail.get("stage", "")), str(a.detail.get("error"))
            )
            for a in audit
        ]
        upcoming = [
            (email, next_delivery(_effective_rules(text or "", None, zone), now))
            for _, email, zone, _, text in _leaders_with_rules(session, not_paused(now))
        ]
        paused = [
            (email, _utc(until) if until else None)
            for email, until in session.execute(
                select(Leader.email, Leader.paused_until)
                .where(~not_paused(now))
                .order_by(Leader.email)
            )
        ]
        unsent = [
            (email, iso_week, _utc(attempted_at))
            for email, iso_week, attempted_at in session.execute(
                select(Leader.email, ReviewDelivery.iso_week, ReviewDelivery.sent_at)
                .join(Leader, Leader.id == ReviewDelivery.leader_id)
                .where(ReviewDelivery.delivery_status == "failed")
                .order_by(ReviewDelivery.sent_at.desc(), ReviewDelivery.id.desc())
                .limit(failures)
            )
        ]
    upcoming.sort(key=lambda item: item[1])
    return PipelineStatus(connections, failed, upcoming, paused, unsent)


# Helpers ----------------------------------------------------------------------------------------


class _GatedRetrier(Retrier):
    """A Retrier that passes every attempt through `gate` first (a shared request budget)."""

    def __init__(self, policy: RetryPolicy, gate: Callable[[], None]) -> None:
        super().__init__(policy)
        self._gate = gate

    def call(self, what: str, action: Callable[[], Any]) -> Any:
        def gated() -> Any:
            self._gate()
            return action()

        return super().call(what, gated)


def _clock_times(value: Any) -> Any:
    """Times as the rules loader reads them: the history stores `model_dump(mode="json")`, which
    writes 09:00 as "09:00:00", and the loader accepts only "09:00"."""
    if isinstance(value, dict):
        return {key: _clock_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clock_times(item) for item in value]
    if isinstance(value, str) and _SECONDS_ZERO.fullmatch(value):
        return value[:5]
    return value


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
