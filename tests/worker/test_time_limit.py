"""A sync that cannot finish in the task's time is never lost: stopped by the soft time limit, or
unable to reach Redis for a provider limit, it is retried by Celery and, when the retries are
spent, shows `error` with a `pipeline.failed` audit entry (the task runs through `apply`, which
runs Celery's retries in the test's own thread, the tracer, request and all)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Engine

from assistant.accounts.google import connect_google
from assistant.app import pipeline
from assistant.app.status import pipeline_status
from assistant.store.crypto import SecretBox
from tests.connectors.google.conftest import user_credentials
from tests.connectors.google.events import meeting
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.mail.fixtures import free_port
from tests.worker.conftest import SECRET_KEY, Smtp, add_leader, worker_environment

NOW = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def google() -> Any:
    fake = FakeGoogleCalendar(owner="ams@example.org").start()
    fake.put(meeting(1, datetime(2026, 10, 20, 9, 0, tzinfo=UTC)))
    fake.put(meeting(2, datetime(2026, 10, 13, 9, 0, tzinfo=UTC)))  # the reviewed week has data
    yield fake
    fake.stop()


def connect(store: Engine, fake: FakeGoogleCalendar) -> int:
    add_leader(store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", NOW, calendar=None)
    return connect_google(
        store, "ams@example.org", "ams@example.org", user_credentials(fake),
        SecretBox([SECRET_KEY]), now=NOW,
    )  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("finishes_on_try", [2, None], ids=["second-try", "never"])
def test_a_sync_stopped_by_the_soft_time_limit_is_retried_then_recorded(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    google: FakeGoogleCalendar,
    configure: Any,
    monkeypatch: pytest.MonkeyPatch,
    finishes_on_try: int | None,
) -> None:
    connection_id = connect(store, google)
    tasks = configure(
        worker_environment(database_url, smtp.port, AGENDA_REGIE_GOOGLE_API_ENDPOINT=google.url)
    )
    real_sync, tries = pipeline.sync_connection, []

    def slow_sync(*args: Any) -> str:
        tries.append(args)
        if len(tries) != finishes_on_try:
            # What Celery raises in the task when its soft time limit passes mid-wait.
            raise SoftTimeLimitExceeded("SoftTimeLimitExceeded()")
        return real_sync(*args)

    monkeypatch.setattr(pipeline, "sync_connection", slow_sync)
    outcome = tasks.sync_connection.apply((connection_id, NOW.isoformat())).get()

    [shown] = pipeline_status(store, NOW).connections
    if finishes_on_try:
        assert (outcome, len(tries), shown.status) == ("synced", 2, "ok")
        return
    assert (outcome, len(tries)) == ("failed", 4)  # the first try and three retries
    assert (shown.status, shown.last_sync_at) == ("error", None)
    assert shown.last_error is not None
    assert "did not finish within 570 s (AGENDA_REGIE_TASK_TIME_LIMIT)" in shown.last_error
    failures = pipeline_status(store, NOW).failures
    assert [(f.leader, f.stage) for f in failures] == [("ams@example.org", "sync")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redis_not_answering_for_the_google_budget_is_retried_then_recorded(
    store: Engine, database_url: str, smtp: Smtp, google: FakeGoogleCalendar, configure: Any
) -> None:
    connection_id = connect(store, google)
    gone = f"redis://127.0.0.1:{free_port()}/11"  # where the limits are kept: nobody answers
    tasks = configure(
        worker_environment(
            database_url,
            smtp.port,
            AGENDA_REGIE_GOOGLE_API_ENDPOINT=google.url,
            AGENDA_REGIE_BROKER_URL=gone,
        )
    )

    outcome = tasks.sync_connection.apply((connection_id, NOW.isoformat())).get()

    assert outcome == "failed"
    assert google.count("GET", "/events") == 0  # no request without the budget's token
    [shown] = pipeline_status(store, NOW).connections
    assert shown.status == "error"
    assert shown.last_error is not None
    assert "kept in Redis, which did not answer" in shown.last_error
    failures = pipeline_status(store, NOW).failures
    assert [(f.leader, f.stage) for f in failures] == [("ams@example.org", "sync")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_send_stopped_by_the_soft_time_limit_is_tried_again_and_delivered_once(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    google: FakeGoogleCalendar,
    configure: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect(store, google)
    tasks = configure(
        worker_environment(database_url, smtp.port, AGENDA_REGIE_GOOGLE_API_ENDPOINT=google.url)
    )
    real_send, tries = pipeline.send_review, []

    def slow_send(*args: Any) -> Any:
        tries.append(args)
        if len(tries) == 1:
            raise SoftTimeLimitExceeded("SoftTimeLimitExceeded()")
        return real_send(*args)

    assert tasks.sync_connection.apply((1, NOW.isoformat())).get() == "synced"
    monkeypatch.setattr(pipeline, "send_review", slow_send)
    [leader] = pipeline_status(store, NOW).connections
    outcome = tasks.send_review.apply((1, "2026-W42", NOW.isoformat())).get()

    assert (outcome, len(tries)) == ("sent", 2)
    assert smtp.inbox.recipients() == ["ams@example.org"]
    assert leader.leader == "ams@example.org"
