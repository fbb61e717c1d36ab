"""`send_review` on a real worker when the SMTP server refuses, and when the leader pauses: a failed
attempt stays in the store (and `status` shows it) until a retry sends the review, and a leader
who pauses after the week was claimed, or between SMTP retries, gets no email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from assistant.app.status import pipeline_status
from assistant.core.review import IsoWeek
from assistant.store.database import session_scope
from assistant.store.models import Leader
from assistant.store.repositories import pause_reviews, review_delivery
from tests.worker.conftest import Smtp, add_leader, redis_db, wait_until, worker_environment

__all__ = ["redis_db"]

LEADER = "ams@example.org"
JOINED = datetime(2026, 10, 19, tzinfo=UTC)
DUE = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 08:00 in Amsterdam (CET)
WEEK = IsoWeek(2026, 43)
UNTIL = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
# Enough retries (at most a second apart) for the test to act between two of them.
PATIENT = {"AGENDA_REGIE_MAX_RETRIES": "30"}


def delivery_status(store: Engine, leader_id: int) -> str | None:
    with session_scope(store) as session:
        delivery = review_delivery(session, leader_id, WEEK)
        return None if delivery is None else delivery.delivery_status


def pause(store: Engine, leader_id: int, now: datetime) -> None:
    with session_scope(store) as session:
        leader = session.get(Leader, leader_id)
        assert leader is not None
        pause_reviews(session, leader, UNTIL, now=now, actor=LEADER)


def test_a_failed_send_is_recorded_and_a_retry_sends_it(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    configure: Any,
    worker_processes: Any,
) -> None:
    leader_id = add_leader(
        store, LEADER, "Europe/Amsterdam", "monday", "08:00", JOINED, synced_at=DUE
    )
    environment = worker_environment(database_url, smtp.port, **PATIENT)
    tasks = configure(environment)
    worker_processes(environment)
    smtp.inbox.refusing = True

    sending = tasks.send_review.delay(leader_id, str(WEEK), DUE.isoformat())
    wait_until(lambda: delivery_status(store, leader_id) == "failed", 20, "the failed attempt")
    [(leader, week, attempted_at)] = pipeline_status(store, DUE).failed_reviews
    assert (leader, week, attempted_at) == (LEADER, "2026-W43", DUE)
    smtp.inbox.refusing = False

    assert sending.get(timeout=60) == "sent"
    assert delivery_status(store, leader_id) == "sent"
    assert pipeline_status(store, DUE).failed_reviews == []
    assert smtp.inbox.recipients() == [LEADER]


def test_a_leader_who_pauses_during_the_smtp_retries_gets_nothing(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    configure: Any,
    worker_processes: Any,
) -> None:
    leader_id = add_leader(
        store, LEADER, "Europe/Amsterdam", "monday", "08:00", JOINED, synced_at=DUE
    )
    environment = worker_environment(database_url, smtp.port, **PATIENT)
    tasks = configure(environment)
    worker_processes(environment)
    smtp.inbox.refusing = True

    sending = tasks.send_review.delay(leader_id, str(WEEK), DUE.isoformat())
    wait_until(lambda: delivery_status(store, leader_id) == "failed", 20, "the failed attempt")
    pause(store, leader_id, DUE + timedelta(minutes=1))
    smtp.inbox.refusing = False  # the server is back: only the pause stops the retry now

    assert sending.get(timeout=60) == "paused"
    assert smtp.inbox.count() == 0
    assert delivery_status(store, leader_id) == "failed"  # not sent, as `status` says
    assert pipeline_status(store, DUE).paused == [(LEADER, UNTIL)]


def test_a_leader_who_pauses_after_the_week_was_claimed_gets_nothing(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    configure: Any,
    in_process_worker: Any,
) -> None:
    leader_id = add_leader(
        store, LEADER, "Europe/Amsterdam", "monday", "08:00", JOINED, synced_at=DUE
    )
    environment = worker_environment(database_url, smtp.port)
    tasks = configure(environment)
    # The dispatcher claims the week and queues the leader's pipeline; no worker has run it yet.
    [started] = tasks.dispatch_due(DUE.isoformat())
    assert started["leader"] == LEADER
    pause(store, leader_id, DUE + timedelta(minutes=1))

    in_process_worker(environment)
    assert tasks.app.AsyncResult(started["task"]).get(timeout=30) == "paused"
    assert smtp.inbox.count() == 0
    assert delivery_status(store, leader_id) is None
