"""Redis restarted in the middle of a run (a second Redis on a free port that this test owns, with
an append-only file so queued messages survive, as a production broker must): the worker
reconnects, the tasks resume, and every review arrives exactly once.

One message can still go: the one Redis handed to the worker (BRPOP) at the instant it died,
whose answer never reached the worker (a known limit of Celery's Redis transport). Its week stays
claimed and unsent, so the next dispatch after `REDISPATCH_AFTER` starts it again; the test runs
that dispatch, as beat would, and then every review has arrived, once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import Engine

from tests.mail.fixtures import free_port
from tests.worker.conftest import Smtp, add_leader, wait_until, worker_environment
from worker.app import create_app
from worker.config import WorkerSettings

JOINED = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
DUE = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
LEADERS = [f"leader{number}@example.org" for number in range(8)]
REDISPATCH_AFTER = 10  # seconds; an hour by default


class OwnRedis:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder),
                "--maxmemory-policy", "noeviction",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port)
        wait_until(lambda: _pings(client), 10, f"redis-server on port {self.port}")
        client.close()

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_tasks_resume_after_a_redis_restart(
    store: Engine, database_url: str, smtp: Smtp, own_redis: OwnRedis, worker_processes: Any
) -> None:
    for address in LEADERS:
        add_leader(store, address, "Europe/Amsterdam", "sunday", "09:00", JOINED)
    environment = worker_environment(
        database_url,
        smtp.port,
        redis_port=own_redis.port,
        AGENDA_REGIE_VISIBILITY_TIMEOUT="6",
        AGENDA_REGIE_TASK_TIME_LIMIT="4",  # room for a send on a loaded machine
        AGENDA_REGIE_PROVIDER_WAIT_SECONDS="0.3",  # the waits of one task fit in its soft limit
        AGENDA_REGIE_LIMIT_WAIT_SECONDS="0.3",
        AGENDA_REGIE_GRAPH_TIMEOUT_SECONDS="0.3",
        AGENDA_REGIE_SYNC_PERIOD_SECONDS="1",
        AGENDA_REGIE_UNACKED_RESTORE_SECONDS="1",
        AGENDA_REGIE_REDISPATCH_AFTER_SECONDS=str(REDISPATCH_AFTER),
    )
    client = create_app(WorkerSettings.from_environ(environment))
    smtp.inbox.ehlo_delay_seconds = 0.4  # each send takes a while, so the restart hits mid-run
    worker_processes(environment)
    client.send_task("agenda_regie.dispatch_due", args=[DUE.isoformat()])
    wait_until(lambda: smtp.inbox.count() >= 1, 30, "the first review")

    own_redis.kill()
    time.sleep(1.0)
    own_redis.start()
    sent_at_restart = smtp.inbox.count()
    assert sent_at_restart < len(LEADERS), "the run finished before Redis went down"

    time.sleep(8)  # past the visibility timeout: what the worker held is restored and sent
    # beat's next dispatch after REDISPATCH_AFTER: starts any week still unsent, and only those
    later = DUE + timedelta(seconds=REDISPATCH_AFTER + 1)
    client.send_task("agenda_regie.dispatch_due", args=[later.isoformat()])
    wait_until(lambda: smtp.inbox.count() >= len(LEADERS), 60, "every review after the restart")
    time.sleep(7)  # past the visibility timeout: a duplicate would show up now
    assert sorted(smtp.inbox.recipients()) == sorted(LEADERS)
    client.close()
