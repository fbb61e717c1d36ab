"""A worker process killed with SIGKILL in the middle of `send_review` is replaced, and the review
arrives exactly once at the SMTP server (late acknowledgement, a short visibility timeout)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from assistant.core.review import IsoWeek
from assistant.store.database import session_scope
from assistant.store.repositories import review_delivery
from tests.worker.conftest import Smtp, add_leader, redis_db, wait_until, worker_environment

__all__ = ["redis_db"]

JOINED = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
DUE = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # Sunday 09:00 in Amsterdam (CET)
VISIBILITY_TIMEOUT = 4
CRASH_SETTINGS = {
    "AGENDA_REGIE_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "AGENDA_REGIE_TASK_TIME_LIMIT": "2",
    # The waits inside one task fit in its soft time limit (1.8 s).
    "AGENDA_REGIE_PROVIDER_WAIT_SECONDS": "0.3",
    "AGENDA_REGIE_LIMIT_WAIT_SECONDS": "0.3",
    "AGENDA_REGIE_GRAPH_TIMEOUT_SECONDS": "0.3",
    "AGENDA_REGIE_SYNC_PERIOD_SECONDS": "1",
    "AGENDA_REGIE_UNACKED_RESTORE_SECONDS": "1",
}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_review_killed_mid_send_is_delivered_exactly_once(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    configure: Any,
    worker_processes: Any,
) -> None:
    leader_id = add_leader(store, "ams@example.org", "Europe/Amsterdam", "sunday", "09:00", JOINED)
    environment = worker_environment(database_url, smtp.port, **CRASH_SETTINGS)
    tasks = configure(environment)
    smtp.inbox.ehlo_delay_seconds = 20.0  # the first send hangs at the SMTP greeting
    first = worker_processes(environment)

    started = tasks.dispatch_due.delay(DUE.isoformat()).get(timeout=30)
    assert [item["leader"] for item in started] == ["ams@example.org"]
    wait_until(lambda: smtp.inbox.ehlo_seen >= 1, 30, "send_review to reach the SMTP server")
    first.kill()  # SIGKILL, in the middle of send_review
    smtp.inbox.ehlo_delay_seconds = 0.0
    assert smtp.inbox.count() == 0

    worker_processes(environment)
    wait_until(lambda: smtp.inbox.count() >= 1, 40, "the review after the restart")
    assert tasks.app.AsyncResult(started[0]["task"]).get(timeout=30) == "sent"
    time.sleep(VISIBILITY_TIMEOUT + 2)  # long enough for any duplicate to be redelivered
    assert smtp.inbox.count() == 1
    assert smtp.inbox.recipients() == ["ams@example.org"]
    with session_scope(store) as session:
        delivery = review_delivery(session, leader_id, IsoWeek(2026, 42))
        assert delivery is not None
        assert delivery.delivery_status == "sent"
