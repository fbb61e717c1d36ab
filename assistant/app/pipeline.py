"""The weekly pipeline as the background workers run it (a shell): sync a leader's calendar
connections, compute the week, send its review once.

The sync of one connection goes through the accounts registry, whatever its provider, and a
connection that cannot be synced shows a visible failed status. When a review is due and the
claim that starts it are in `schedule`; what `agenda-regie status` shows is in `status`. The
Celery tasks in `worker/` are thin wrappers around these functions; `run_once` runs the whole
pipeline for one leader in one process, without Redis. Must not import Celery or `worker`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from assistant.accounts.cache import CachedCalendar
from assistant.accounts.registry import (
    SYNCED_PROVIDERS,
    AccountNotSetUpError,
    ProviderAccess,
    account_for,
)
from assistant.app.coverage import week_problem
from assistant.app.delivery import message_for, prepare_email, send_once
from assistant.app.history import Store, review_with_history
from assistant.app.review import last_complete_week
from assistant.app.status import FAILED, NO_DATA
from assistant.core.reasons import Reason
from assistant.core.review import IsoWeek, WeeklyReview
from assistant.mail.links import LinkSigner
from assistant.mail.send import (
    Delivery,
    SendFailedError,
    SmtpConnections,
    SmtpSettings,
    smtp_send_once,
)
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.models import Leader
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.base import UnknownLeaderError
from assistant.store.repositories.connections import (
    connection_provider,
    connections_of_leaders,
    enabled_connection_ids,
    mark_connection_working,
)
from assistant.store.repositories.connections import (
    mark_connection_failed as _mark_failed,
)
from assistant.store.repositories.leaders import find_leader, reviews_paused
from assistant.store.repositories.reviews import review_delivery
from assistant.store.repositories.rules import latest_rules, leader_rules
from connectors.backoff import RetryPolicy
from rules import Rules

if TYPE_CHECKING:
    from assistant.accounts.graph_access import GraphAccess
    from assistant.accounts.registry import ServerSlots
    from assistant.store.database import Session

log = logging.getLogger("assistant.app.pipeline")

Send = Callable[[EmailMessage, SmtpSettings], None]


class LeaderNotFoundError(UnknownLeaderError):
    """No leader in the store has this address (`run-once --leader`): a mistyped address, or a
    leader whose calendar was never connected."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.template = (
            "%(address)s is not a leader in the database: check the address, or connect the "
            "leader's calendar first (agenda-regie connect)"
        )
        self.values = {"address": address}
        self.args = (self.template % self.values,)


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
    microsoft_retry: RetryPolicy | None = None
    # CalDAV: requests in flight per server (None: this process's own limit) and the retries.
    caldav_slots: ServerSlots | None = None
    caldav_retry: RetryPolicy | None = None
    # One SMTP conversation, held under the leader's row lock; a failure is recorded and the
    # task retried by Celery outside the lock (`run-once`: the operator runs it again).
    send: Send = smtp_send_once
    # The process's kept SMTP connections behind `send`, when it reuses them (closed with the
    # services).
    smtp_connections: SmtpConnections | None = None

    @property
    def access(self) -> ProviderAccess:
        """How this process reaches each calendar provider (accounts.registry)."""
        return ProviderAccess(
            google_api_endpoint=self.google_api_endpoint,
            google_retry=self.google_retry,
            google_gate=self.google_gate,
            microsoft=self.microsoft,
            microsoft_retry=self.microsoft_retry,
            caldav_slots=self.caldav_slots,
            caldav_retry=self.caldav_retry,
        )


def leader_connections(engine: Engine, leader_id: int) -> list[int]:
    """The leader's synced connections (what a sync can bring up to date)."""
    return connections_of(engine, [leader_id]).get(leader_id, [])


def connections_of(engine: Engine, leader_ids: list[int]) -> dict[int, list[int]]:
    """Each leader's synced connections, in one query."""
    with session_scope(engine) as session:
        found = connections_of_leaders(session, leader_ids, SYNCED_PROVIDERS)
    return {leader: [cid for cid, _ in rows] for leader, rows in found.items()}


def all_connections(engine: Engine) -> list[int]:
    with session_scope(engine) as session:
        return enabled_connection_ids(session, SYNCED_PROVIDERS)


def sync_connection(services: Services, connection_id: int, now: datetime) -> str:
    """Sync one connection through its provider's account; a connection marked failed becomes
    `ok` again once it syncs. A provider this process cannot reach (no Microsoft app
    registration) marks the connection failed, with the setting to add, and nothing is retried."""
    with session_scope(services.engine) as session:
        provider = connection_provider(session, connection_id)
    if provider is None:
        raise ValueError(f"no connection with id {connection_id}")
    try:
        account = account_for(provider, services.access)
    except AccountNotSetUpError as error:
        mark_connection_failed(services.engine, connection_id, str(error), now)
        return "failed"
    started = time.perf_counter()
    outcome = account.sync(services.engine, connection_id, cipher=services.cipher, now=now)
    if outcome.status == "synced":
        with session_scope(services.engine) as session:
            mark_connection_working(session, connection_id)
    log.info(
        "connection %d (%s) %s in %.1f ms",
        connection_id,
        provider,
        outcome.status,
        (time.perf_counter() - started) * 1000,
    )
    return outcome.status


def mark_connection_failed(engine: Engine, connection_id: int, problem: str, now: datetime) -> None:
    """Retries are spent: the connection shows `error` until a later sync succeeds."""
    with session_scope(engine) as session:
        leader = _mark_failed(session, connection_id, problem)
        if leader is None:
            return  # no such connection
        add_audit(
            session,
            actor="agenda-regie",
            action=FAILED,
            subject=leader,
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


@dataclass(frozen=True)
class _Week:
    """What computing a leader's week needs from the store, read in one session."""

    leader_id: int
    email: str
    zone: ZoneInfo
    rules: Rules
    rules_version: int | None  # the stored version `rules` are (None: the defaults)
    connections: list[tuple[int, str]]  # (id, provider) of the synced connections


def _week_of(session: Session, leader: Leader) -> _Week:
    stored = latest_rules(session, leader)
    connections = connections_of_leaders(session, [leader.id], SYNCED_PROVIDERS)
    return _Week(
        leader.id,
        leader.email,
        ZoneInfo(leader.timezone),
        leader_rules(session, leader),
        stored.version if stored is not None else None,
        connections.get(leader.id, []),
    )


def compute_week(services: Services, leader_id: int, week: IsoWeek, now: datetime) -> WeeklyReview:
    """The leader's review of `week` from their calendar cache, recorded in their history."""
    with session_scope(services.engine) as session:
        known = _week_of(session, _leader(session, leader_id))
    return _compute(services, known, week, now)


def _compute(services: Services, known: _Week, week: IsoWeek, now: datetime) -> WeeklyReview:
    # Every connection's cache in one query, in the leader's zone; the stored weeks by id.
    source = CachedCalendar(services.engine, known.connections, known.zone)
    store = Store(services.engine, known.email, known.leader_id, known.rules_version)
    return review_with_history(source, known.rules, week, now, store, record=True)


def send_review(services: Services, leader_id: int, week: IsoWeek, now: datetime) -> Delivery:
    """Send the leader's review of `week` once: a second call, concurrent or later, sends nothing;
    nor does a call while the leader's review is paused (status "paused"), nor one for a leader
    whose calendar does not cover the week (status "no_calendar", with the reason: see
    `coverage`), nor one for a week without data (status "no_data", with the core's reason,
    recorded for `status`: no events, before the calendar's first event, after its last).

    The checks (sent, paused), the SMTP hand-over and the record happen under the leader's row
    lock (`delivery.send_once`), so a pause that comes after the week was claimed, or between
    two SMTP retries, is seen. A crash between the server accepting the message and the commit
    is the one window where a retry sends it again: at least once there, never silently lost.
    The Message-ID is derived from the leader and the week, so the copy is recognisable
    (docs/workers.md). A refused send is recorded as failed (committed, so `status` shows it)
    before the error is raised for the caller to retry."""
    engine = services.engine
    with session_scope(engine) as session:
        leader = _leader(session, leader_id)
        settled = _nothing_to_send(session, leader, week, now)
        if settled is not None:
            return settled
        problem = week_problem(session, leader, week)
        if problem is not None:
            log.info("review of %s for %s not sent: %s", leader.email, week, problem)
            return Delivery("no_calendar", "", reason=problem)
        known = _week_of(session, leader)
    rules, email = known.rules, known.email
    started = time.perf_counter()
    review = _compute(services, known, week, now)
    computed = time.perf_counter()
    if review.no_data is not None:
        record_no_data(engine, email, week, review.no_data, now)
        log.info("review of %s for %s not sent: the week has no data", email, week)
        return Delivery("no_data", "", why=review.no_data)
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
    rendered = time.perf_counter()
    outcome = send_once(engine, email, week, message, services.smtp, services.send, now=now)
    log.info(
        "review of leader %d for %s: compute %.1f ms, render %.1f ms, send %.1f ms",
        leader_id,
        week,
        (computed - started) * 1000,
        (rendered - computed) * 1000,
        (time.perf_counter() - rendered) * 1000,
    )
    if isinstance(outcome, Exception):
        # Raised after the commit: the failed attempt stays in the store for `status`.
        problem = f"{type(outcome).__name__}: {outcome}"
        raise SendFailedError(email, str(week), problem) from outcome
    return outcome


def record_no_data(engine: Engine, leader: str, week: IsoWeek, why: Reason, now: datetime) -> None:
    """Remember that the week's review was not sent for want of data, and why (`status`)."""
    values = {k: v for k, v in why.values.items() if isinstance(v, str | int | float)}
    with session_scope(engine) as session:
        add_audit(
            session,
            actor="agenda-regie",
            action=NO_DATA,
            subject=leader,
            detail={"week": str(week), "reason": why.id, "values": values},
            now=now,
        )


def run_pipeline(services: Services, leader_id: int, week: IsoWeek, now: datetime) -> Delivery:
    """Sync the leader's connections, compute the week and send its review, in this process.

    A connection that cannot be synced is marked failed and the review uses the cache it has;
    a week already sent, or a leader whose review is paused, is left as it is, without syncing."""
    with session_scope(services.engine) as session:
        settled = _nothing_to_send(session, _leader(session, leader_id), week, now)
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
        try:
            leader = find_leader(session, leader_email)
        except ValueError:  # not an address at all
            leader = None
        if leader is None:
            raise LeaderNotFoundError(leader_email)
        leader_id, zone = leader.id, ZoneInfo(leader_rules(session, leader).leader.timezone)
    week = last_complete_week(now.astimezone(zone).date())
    return week, run_pipeline(services, leader_id, week, now)


def _leader(session: Session, leader_id: int) -> Leader:
    leader = session.get(Leader, leader_id)
    if leader is None:
        raise ValueError(f"no leader with id {leader_id}")
    return leader


def _nothing_to_send(
    session: Session, leader: Leader, week: IsoWeek, now: datetime
) -> Delivery | None:
    """Why the leader's review of `week` is not to be sent now (sent already, or paused), or
    None when it is to be sent (checked again under the lock by `send_once`)."""
    earlier = review_delivery(session, leader, week)
    if earlier is not None and earlier.delivery_status == "sent":
        return Delivery("already_sent", earlier.message_id or "", earlier.sent_at)
    if reviews_paused(leader, now):
        until = leader.paused_until
        return Delivery("paused", "", paused_until=until)
    return None
