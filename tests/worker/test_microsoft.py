"""Microsoft 365 connections in the weekly pipeline: real worker processes sync several
connections of one mailbox at once against the fake Graph (through httpx and the real msal), never
more than 4 requests in flight for that mailbox across the processes (the Redis-wide limit), and
every leader's review is computed from the Microsoft event cache and delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from assistant.accounts.microsoft import connect_microsoft
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import CachedEvent, Connection, WeeklyMetricsRow
from connectors.microsoft.auth import APPLICATION_SCOPES, StoredAuthorisation
from tests.connectors.microsoft.events import meeting
from tests.fakes.microsoft_graph import FakeGraph
from tests.tls import PrivateCA
from tests.worker.conftest import (
    REDIS_PREFIX,
    SECRET_KEY,
    Smtp,
    add_leader,
    redis_db,
    wait_until,
    worker_environment,
)
from worker.app import create_app
from worker.config import WorkerSettings

__all__ = ["redis_db"]

JOINED = datetime(2026, 10, 19, tzinfo=UTC)
DUE = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # Monday 08:00 in Amsterdam (CET)
MAILBOX = "board@example.org"  # one calendar that every connection reads
LEADERS = [f"leader{number}@example.org" for number in range(8)]
MEETINGS = 6


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_workers_share_the_mailbox_limit_and_every_sync_completes(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    worker_processes: Any,
    tmp_path: Path,
) -> None:
    # msal accepts only an https authority: Entra ID and Graph behind a private CA, as a
    # deployment on its own network would have them.
    ca = PrivateCA(tmp_path)
    fake = FakeGraph(owner=MAILBOX, tls=ca.server_context()).start()
    try:
        for number in range(MEETINGS):  # Tuesday to Thursday of week 43, 09:00 and 14:00 UTC
            start = datetime(2026, 10, 20 + number // 2, 9 + 5 * (number % 2), tzinfo=UTC)
            fake.put(meeting(number + 1, start, minutes=60))
        cipher = SecretBox([SECRET_KEY])
        stored = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
        connections = []
        for address in LEADERS:
            add_leader(store, address, "Europe/Amsterdam", "monday", "08:00", JOINED, calendar=None)
            connections.append(
                connect_microsoft(store, address, stored, cipher, now=JOINED, mailbox=MAILBOX)
            )
        environment = worker_environment(
            database_url,
            smtp.port,
            AGENDA_REGIE_MICROSOFT_CLIENT_ID="client-1",
            AGENDA_REGIE_MICROSOFT_TENANT="tenant1",
            AGENDA_REGIE_MICROSOFT_CLIENT_SECRET="secret",
            AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST=fake.login_host,
            AGENDA_REGIE_MICROSOFT_GRAPH_URL=fake.graph_url,
            REQUESTS_CA_BUNDLE=str(ca.ca_file),
            SSL_CERT_FILE=str(ca.ca_file),
            AGENDA_REGIE_RETRY_MAX_SECONDS="30",
        )
        for _ in range(2):  # two processes of four threads: eight syncs could run at once
            worker_processes(environment, pool="threads", concurrency=4)
        client = create_app(WorkerSettings.from_environ(environment))
        wait_until(lambda: len(client.control.ping(timeout=0.5)) == 2, 30, "both workers")
        first_syncs = [
            client.send_task("agenda_regie.sync_connection", args=[number, JOINED.isoformat()])
            for number in connections
        ]  # the full syncs, which also warm both processes up (imports, sign-in discovery)
        assert [result.get(timeout=60) for result in first_syncs] == ["synced"] * len(LEADERS)
        assert fake.violations == []
        fake.delay_seconds = 1.0  # each request now stays in flight a while, so they overlap
        client.send_task("agenda_regie.dispatch_due", args=[DUE.isoformat()])

        wait_until(lambda: smtp.inbox.count() >= len(LEADERS), 90, "every leader's review")
        client.close()
        assert sorted(smtp.inbox.recipients()) == LEADERS
        assert fake.violations == []
        assert fake.max_in_flight[MAILBOX] == 4  # they did overlap, up to the limit
        with session_scope(store) as session:
            connections = session.scalars(select(Connection).order_by(Connection.id)).all()
            assert [(c.provider, c.status) for c in connections] == [("microsoft", "ok")] * 8
            assert all(c.last_sync_at is not None for c in connections)
            cached = session.scalars(select(CachedEvent.connection_id)).all()
            assert sorted(cached) == sorted([c.id for c in connections] * MEETINGS)
            measured = select(WeeklyMetricsRow.meeting_hours)
            hours = session.scalars(measured.where(WeeklyMetricsRow.iso_week == "2026-W43")).all()
        assert hours == [pytest.approx(MEETINGS)] * len(LEADERS)
    finally:
        fake.stop()


def test_the_mailbox_limit_is_shared_through_redis(redis_db: Any) -> None:
    from worker.limits import LimitTimeoutError, RedisMailboxSlots

    first = RedisMailboxSlots(redis_db, 2, key_prefix=REDIS_PREFIX)
    second = RedisMailboxSlots(redis_db, 2, key_prefix=REDIS_PREFIX)
    with first.slot("Board@Example.org"), second.slot("board@example.org"):
        third = RedisMailboxSlots(redis_db, 2, timeout_seconds=0.2, key_prefix=REDIS_PREFIX)
        with pytest.raises(LimitTimeoutError), third.slot("board@example.org"):
            pass
        with third.slot("other@example.org"):
            pass
    with third.slot("board@example.org"):
        pass
