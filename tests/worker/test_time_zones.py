"""Three leaders in three zones across a simulated fortnight with DST changes: the injected clock
steps through it, `dispatch_due` runs at every step through a real worker on the real Redis (one
in the test process, and `celery worker` child processes), and each review arrives exactly once
at the SMTP server, at the leader's own local hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.worker.conftest import Smtp, add_leader, redis_db, worker_environment

__all__ = ["redis_db"]

START = datetime(2026, 10, 24, 0, 0, tzinfo=UTC)  # Saturday before Amsterdam's DST change
END = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)  # the Sunday New York changes, evening
STEP = timedelta(minutes=30)

# Written out by hand in UTC, so the test does not share the code's time arithmetic.
EXPECTED = {
    # Sunday 09:00 in Amsterdam: 25 October is already CET (+01:00), so is 1 November.
    ("ams@example.org", "2026-W42"): datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
    ("ams@example.org", "2026-W43"): datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    # Sunday 09:00 in New York: 25 October still EDT (-04:00), 1 November EST (-05:00).
    ("nyc@example.org", "2026-W42"): datetime(2026, 10, 25, 13, 0, tzinfo=UTC),
    ("nyc@example.org", "2026-W43"): datetime(2026, 11, 1, 14, 0, tzinfo=UTC),
    # Monday 08:30 in Tokyo (+09:00, no DST): Sunday 23:30 UTC.
    ("tyo@example.org", "2026-W43"): datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
}


@pytest.mark.parametrize("workers", ["in_process", "processes"])
def test_each_leader_gets_each_review_once_at_their_local_hour(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    workers: str,
    request: pytest.FixtureRequest,
) -> None:
    add_leader(store, "ams@example.org", "Europe/Amsterdam", "sunday", "09:00", START)
    add_leader(store, "nyc@example.org", "America/New_York", "sunday", "09:00", START)
    add_leader(store, "tyo@example.org", "Asia/Tokyo", "monday", "08:30", START)
    environment = worker_environment(database_url, smtp.port)
    if workers == "in_process":
        tasks = request.getfixturevalue("in_process_worker")(environment)
    else:  # two `celery worker` processes; this process only sends and waits
        tasks = request.getfixturevalue("configure")(environment)
        start = request.getfixturevalue("worker_processes")
        start(environment), start(environment)

    arrivals: dict[tuple[str, str], list[datetime]] = {}
    moment = START
    while moment <= END:
        started = tasks.dispatch_due.delay(moment.isoformat()).get(timeout=30)
        for item in started:
            assert tasks.app.AsyncResult(item["task"]).get(timeout=30) == "sent"
            arrivals.setdefault((item["leader"], item["week"]), []).append(moment)
        moment += STEP

    assert arrivals == {key: [at] for key, at in EXPECTED.items()}
    assert smtp.inbox.count() == len(EXPECTED)
    received = sorted(
        (str(m["To"]), datetime.strptime(str(m["Date"]), "%a, %d %b %Y %H:%M:%S %z"))
        for m in smtp.inbox.messages
    )
    assert received == sorted((leader, at) for (leader, _), at in EXPECTED.items())
