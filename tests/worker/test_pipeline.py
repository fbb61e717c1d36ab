"""The use cases behind the tasks, without Celery: due moments in each zone, the once-a-week
claim in the store, run-once for a single leader, and the worker settings' checks."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from assistant.app.pipeline import Services, run_once, send_review
from assistant.app.schedule import claim_review, claim_reviews, due_reviews
from assistant.app.status import pipeline_status
from assistant.core.review import IsoWeek
from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpSettings, smtp_send_once
from assistant.settings import SettingsError
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Leader, ReviewClaim
from assistant.store.repositories import record_review_sent
from tests.worker.conftest import SECRET_KEY, Smtp, add_leader
from worker.config import WorkerSettings
from worker.tasks import spread_countdown

JOINED = datetime(2026, 10, 20, tzinfo=UTC)


def services(store: Engine, smtp: Smtp) -> Services:
    return Services(
        engine=store,
        smtp=SmtpSettings("127.0.0.1", smtp.port, "none", "agenda-regie@example.org"),
        signer=LinkSigner("test-link-secret-0123456789abcdef", "http://127.0.0.1:8000"),
        cipher=SecretBox([SECRET_KEY]),
    )


def test_the_week_is_claimed_once_until_the_next_period(store: Engine) -> None:
    leader = add_leader(store, "a@example.org", "Asia/Tokyo", "monday", "08:00", JOINED)
    now, week, hour = datetime(2026, 10, 26, tzinfo=UTC), IsoWeek(2026, 43), timedelta(hours=1)
    assert claim_review(store, leader, week, now, retry_after=hour)
    assert not claim_review(store, leader, week, now + timedelta(minutes=5), retry_after=hour)
    assert claim_review(store, leader, week, now + timedelta(minutes=61), retry_after=hour)


def test_a_sent_week_is_never_claimed_again(store: Engine) -> None:
    leader = add_leader(store, "a@example.org", "Asia/Tokyo", "monday", "08:00", JOINED)
    now, week, hour = datetime(2026, 10, 26, tzinfo=UTC), IsoWeek(2026, 43), timedelta(hours=1)
    assert claim_review(store, leader, week, now, retry_after=hour)
    with session_scope(store) as session:
        record_review_sent(session, leader, week, sent_at=now, message_id="<m@example.org>")
    assert not claim_review(store, leader, week, now + timedelta(hours=3), retry_after=hour)
    assert [d.leader for d in due_reviews(store, now + timedelta(hours=3))] == []


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_many_weeks_are_claimed_at_once_like_one_by_one(store: Engine) -> None:
    """The dispatcher's bulk claim (a statement per 500 leaders) keeps every rule of the single
    claim: a sent week never again, a recent claim not again, an old one once more."""
    leaders = [
        add_leader(store, f"l{n}@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
        for n in range(503)  # two chunks, the second one short
    ]
    week, hour = IsoWeek(2026, 43), timedelta(hours=1)
    now = datetime(2026, 10, 26, 8, tzinfo=UTC)
    sent, recent = leaders[:3], leaders[3:5]
    assert claim_review(store, recent[0], week, now, retry_after=hour)
    assert claim_review(store, recent[1], week, now, retry_after=hour)
    with session_scope(store) as session:
        for leader in sent:
            record_review_sent(session, leader, week, sent_at=now, message_id=f"<{leader}@x>")
    later = now + timedelta(minutes=30)
    won = claim_reviews(store, [(leader, week) for leader in leaders], later, retry_after=hour)
    assert won == {(leader, week) for leader in leaders[5:]}
    # Asked again at once: nothing; an hour after the first claims: those two once more.
    assert (
        claim_reviews(store, [(leader, week) for leader in leaders], later, retry_after=hour)
        == set()
    )
    again = claim_reviews(
        store, [(leader, week) for leader in leaders], now + timedelta(minutes=61), retry_after=hour
    )
    assert again == {(leader, week) for leader in recent}
    with session_scope(store) as session:
        attempts = dict(session.execute(select(ReviewClaim.leader_id, ReviewClaim.attempts)).all())
    assert attempts[recent[0]] == 2
    assert attempts[leaders[5]] == 1
    assert sent[0] not in attempts


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_bulk_dispatchers_at_once_claim_each_week_once(store: Engine) -> None:
    leaders = [
        add_leader(store, f"l{n}@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
        for n in range(200)
    ]
    week, hour = IsoWeek(2026, 43), timedelta(hours=1)
    now = datetime(2026, 10, 26, 8, tzinfo=UTC)
    won: list[set[tuple[int, IsoWeek]]] = [set(), set()]
    barrier = threading.Barrier(2)

    def dispatcher(number: int) -> None:
        barrier.wait(timeout=10)
        # The second one asks in the opposite order: the claim orders the pairs itself.
        asked = [(leader, week) for leader in (leaders if number == 0 else leaders[::-1])]
        won[number] = claim_reviews(store, asked, now, retry_after=hour)

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert won[0].isdisjoint(won[1])
    assert won[0] | won[1] == {(leader, week) for leader in leaders}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_dispatchers_at_once_claim_each_week_once(store: Engine) -> None:
    leaders = [
        add_leader(store, f"l{n}@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
        for n in range(120)
    ]
    week, hour = IsoWeek(2026, 43), timedelta(hours=1)
    first = datetime(2026, 10, 26, 8, tzinfo=UTC)

    def race(now: datetime) -> list[list[int]]:
        won: list[list[int]] = [[], []]
        barrier = threading.Barrier(2)

        def dispatcher(number: int) -> None:
            barrier.wait(timeout=10)
            for leader in leaders:
                if claim_review(store, leader, week, now, retry_after=hour):
                    won[number].append(leader)

        threads = [threading.Thread(target=dispatcher, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return won

    for now, attempts in ((first, 1), (first + timedelta(minutes=61), 2)):
        won = race(now)
        assert sorted(won[0] + won[1]) == leaders  # each claimed, none twice
        with session_scope(store) as session:
            claims = select(
                func.count(), func.max(ReviewClaim.attempts), func.min(ReviewClaim.claimed_at)
            )
            counted, most_attempts, oldest = session.execute(claims).one()
        assert (counted, most_attempts, oldest) == (len(leaders), attempts, now)


def test_due_reviews_reads_the_store_in_a_few_queries(store: Engine) -> None:
    for number in range(30):
        zone = ("Europe/Amsterdam", "America/New_York", "Asia/Tokyo")[number % 3]
        add_leader(store, f"l{number}@example.org", zone, "monday", "08:00", JOINED)
    statements: list[str] = []

    def count(*_: Any) -> None:
        statements.append("one")

    event.listen(store, "before_cursor_execute", count)
    try:
        due = due_reviews(store, datetime(2026, 10, 27, 12, tzinfo=UTC))
    finally:
        event.remove(store, "before_cursor_execute", count)
    assert len(due) == 30
    assert len(statements) <= 4  # (BEGIN on SQLite), the leaders with their rules, weeks sent


def test_a_paused_leader_is_not_due_and_status_says_so(store: Engine) -> None:
    add_leader(store, "on@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    add_leader(store, "off@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    add_leader(store, "back@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    now = datetime(2026, 10, 27, 12, tzinfo=UTC)
    with session_scope(store) as session:
        for leader in session.scalars(select(Leader)):
            if leader.email == "off@example.org":
                leader.paused_at = JOINED  # until they resume
            if leader.email == "back@example.org":
                leader.paused_at, leader.paused_until = JOINED, now - timedelta(hours=1)
    assert sorted(d.leader for d in due_reviews(store, now)) == [
        "back@example.org",
        "on@example.org",
    ]
    status = pipeline_status(store, now)
    assert status.paused == [("off@example.org", None)]
    assert sorted(leader for leader, _ in status.next_reviews) == [
        "back@example.org",
        "on@example.org",
    ]


def test_run_once_sends_the_last_week_once(store: Engine, smtp: Smtp) -> None:
    add_leader(store, "a@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED)
    now = datetime(2026, 10, 28, 12, tzinfo=UTC)
    week, first = run_once(services(store, smtp), "A@example.org", now)
    _, second = run_once(services(store, smtp), "a@example.org", now)
    assert (str(week), first.status, second.status) == ("2026-W43", "sent", "already_sent")
    assert smtp.inbox.count() == 1


class Crash(BaseException):
    """The process dies: nothing after this runs, the open transaction is rolled back."""


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
    store: Engine, smtp: Smtp
) -> None:
    week, now = IsoWeek(2026, 43), datetime(2026, 10, 26, 7, 5, tzinfo=UTC)
    leader = add_leader(
        store, "a@example.org", "Europe/Amsterdam", "monday", "08:00", JOINED, synced_at=now
    )

    def accepted_then_crash(message: EmailMessage, settings: SmtpSettings) -> None:
        smtp_send_once(message, settings)
        raise Crash  # after the server's 250, before "sent" is committed

    crashing = replace(services(store, smtp), send=accepted_then_crash)
    with pytest.raises(Crash):
        send_review(crashing, leader, week, now)
    retried = send_review(services(store, smtp), leader, week, now + timedelta(hours=1))
    again = send_review(services(store, smtp), leader, week, now + timedelta(hours=2))

    # At least once in that window: the retry sends a second copy, which carries the same
    # Message-ID, so mail clients and the leader can tell it is the same review.
    assert (retried.status, again.status) == ("sent", "already_sent")
    assert smtp.inbox.count() == 2
    assert len({str(m["Message-ID"]) for m in smtp.inbox.messages}) == 1
    assert str(smtp.inbox.messages[0]["Message-ID"]) == retried.message_id


def test_worker_settings_keep_waits_below_the_visibility_timeout() -> None:
    with pytest.raises(SettingsError) as raised:
        WorkerSettings.from_environ(
            {"AGENDA_REGIE_VISIBILITY_TIMEOUT": "600", "AGENDA_REGIE_BROKER_URL": "amqp://x"}
        )
    assert len(raised.value.problems) == 2
    assert WorkerSettings.from_environ({}).visibility_timeout_seconds == 3600


def test_worker_settings_keep_the_waits_of_one_task_inside_its_soft_time_limit() -> None:
    short = {"AGENDA_REGIE_TASK_TIME_LIMIT": "300"}  # soft limit 270 s
    with pytest.raises(SettingsError) as raised:
        WorkerSettings.from_environ(short)
    [problem] = raised.value.problems
    for name in ("PROVIDER_WAIT_SECONDS", "LIMIT_WAIT_SECONDS", "GRAPH_TIMEOUT_SECONDS"):
        assert f"AGENDA_REGIE_{name}" in problem
    assert "(270 s, from AGENDA_REGIE_TASK_TIME_LIMIT 300 s)" in problem
    fitted = WorkerSettings.from_environ(
        {
            **short,
            "AGENDA_REGIE_PROVIDER_WAIT_SECONDS": "100",
            "AGENDA_REGIE_GRAPH_TIMEOUT_SECONDS": "30",
        }
    )
    assert fitted.graph_longest_request_seconds == 90
    assert 100 + 60 + 90 < fitted.soft_time_limit_seconds == 270
    defaults = WorkerSettings()
    assert defaults.soft_time_limit_seconds == 570
    in_task = (
        defaults.provider_wait_seconds
        + defaults.limit_wait_seconds
        + defaults.graph_longest_request_seconds
    )
    assert in_task < defaults.soft_time_limit_seconds


def test_periodic_syncs_are_spread_over_the_period() -> None:
    places = {spread_countdown(number, 900) for number in range(1, 201)}
    assert all(0 <= place < 900 for place in places)
    assert len(places) > 150


def test_the_redis_key_prefix_reaches_queues_results_and_limits() -> None:
    from worker.app import celery_config

    prefix = WorkerSettings.from_environ({"AGENDA_REGIE_REDIS_KEY_PREFIX": "office-b:"})
    config = celery_config(prefix)
    assert config["broker_transport_options"]["global_keyprefix"] == "office-b:"
    assert config["result_backend_transport_options"]["global_keyprefix"] == "office-b:"
    assert WorkerSettings.from_environ({}).redis_key_prefix == ""
    with pytest.raises(SettingsError) as raised:
        WorkerSettings.from_environ({"AGENDA_REGIE_REDIS_KEY_PREFIX": "office b"})
    assert raised.value.problems == [
        "AGENDA_REGIE_REDIS_KEY_PREFIX may hold only letters, digits and . _ : - (at most 64)"
    ]
