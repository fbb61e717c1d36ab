"""A Google outage (the fake server answering 500): bounded retries, then a visible failed status,
and recovery when the next period's sync runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from assistant.accounts.google import connect_google
from assistant.app.status import pipeline_status
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Connection
from tests.connectors.google.conftest import user_credentials
from tests.connectors.google.events import meeting
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.worker.conftest import (
    SECRET_KEY,
    Smtp,
    add_leader,
    redis_db,
    wait_until,
    worker_environment,
)

__all__ = ["redis_db"]

NOW = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)


def test_outage_retries_then_fails_visibly_then_recovers(
    store: Engine, database_url: str, smtp: Smtp, redis_db: Any, in_process_worker: Any
) -> None:
    fake = FakeGoogleCalendar(owner="ams@example.org").start()
    try:
        fake.put(meeting(1, datetime(2026, 10, 20, 9, 0, tzinfo=UTC)))
        add_leader(
            store, "ams@example.org", "Europe/Amsterdam", "monday", "08:00", NOW, calendar=None
        )
        connection_id = connect_google(
            store, "ams@example.org", "ams@example.org", user_credentials(fake),
            SecretBox([SECRET_KEY]), now=NOW,
        )  # fmt: skip
        environment = worker_environment(
            database_url,
            smtp.port,
            AGENDA_REGIE_GOOGLE_API_ENDPOINT=fake.url,
            AGENDA_REGIE_SYNC_PERIOD_SECONDS="1",
        )
        tasks = in_process_worker(environment)

        with fake.failing(lambda _number, _method, _path: (500, "backendError")):
            outcome = tasks.sync_connection.delay(connection_id, NOW.isoformat()).get(timeout=30)
            attempts = fake.count("GET", "/events")
        assert outcome == "failed"
        assert attempts == 4  # the first try and three retries, then it stops
        status = pipeline_status(store, NOW)
        [shown] = status.connections
        assert (shown.status, shown.last_sync_at) == ("error", None)
        assert shown.last_error is not None
        assert "500" in shown.last_error
        assert [(f.leader, f.stage) for f in status.failures] == [("ams@example.org", "sync")]

        assert tasks.schedule_syncs.delay(NOW.isoformat()).get(timeout=30) == 1

        def recovered() -> bool:
            with session_scope(store) as session:
                connection = session.get(Connection, connection_id)
                assert connection is not None
                return connection.status == "ok" and connection.last_sync_at is not None

        wait_until(recovered, 30, "the next period's sync to succeed")
        [shown] = pipeline_status(store, NOW).connections
        assert shown.last_error is None
    finally:
        fake.stop()
