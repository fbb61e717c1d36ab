"""`agenda-regie beat` itself, as a child process with a one-second dispatch period: it schedules
`dispatch_due`, a real worker process runs it at the injected clock's instant, and the leader's
review arrives once however many ticks follow."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from assistant.store.database import session_scope
from assistant.store.models import ReviewClaim
from tests.worker.conftest import REPO, Smtp, add_leader, redis_db, wait_until, worker_environment

__all__ = ["redis_db"]

JOINED = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 25, 8, 1, tzinfo=UTC)  # a minute after Sunday 09:00 in Amsterdam (CET)
AGENDA_REGIE = Path(sys.executable).parent / "agenda-regie"


@pytest.fixture
def beat(tmp_path: Path) -> Iterator[Any]:
    """Starts `agenda-regie beat` (Celery beat in the command's own process) with its schedule
    file in the test's folder, in its own process group, stopped at the end by that group's id."""
    started: list[subprocess.Popen[bytes]] = []
    log = (tmp_path / "beat.log").open("ab")
    schedule = tmp_path / "beat-schedule"

    def start(environment: dict[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [str(AGENDA_REGIE), "beat", "--loglevel", "INFO", "--schedule", str(schedule)],
            cwd=tmp_path,
            env={**os.environ, **environment, "PYTHONPATH": str(REPO)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    log.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_beat_schedules_dispatch_and_the_review_arrives_once(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    worker_processes: Any,
    beat: Any,
    tmp_path: Path,
) -> None:
    add_leader(store, "ams@example.org", "Europe/Amsterdam", "sunday", "09:00", JOINED)
    environment = worker_environment(
        database_url,
        smtp.port,
        AGENDA_REGIE_NOW=NOW.isoformat(),
        AGENDA_REGIE_DISPATCH_EVERY_SECONDS="1",
    )
    worker_processes(environment)
    beat(environment)

    wait_until(lambda: smtp.inbox.count() >= 1, 45, "beat's dispatch to deliver the review")
    time.sleep(4)  # several more ticks: each finds the week claimed and sent
    assert smtp.inbox.recipients() == ["ams@example.org"]
    with session_scope(store) as session:
        claims = session.execute(select(ReviewClaim.iso_week, ReviewClaim.attempts)).all()
    assert [tuple(claim) for claim in claims] == [("2026-W42", 1)]
    schedule = (tmp_path / "beat.log").read_text(errors="replace")
    assert schedule.count("Sending due task dispatch-due-reviews") >= 3
