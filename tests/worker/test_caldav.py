"""CalDAV connections in the workers: the sync task brings a connection's cache up to date
through the worker's services (the Redis-wide limit per server included), and a second sync of
an unchanged calendar is one request to the server. Against a real Radicale server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from assistant.accounts.caldav import Credentials, connect_caldav
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import CachedEvent
from tests.contracts.source import AMSTERDAM, EventSpec
from tests.fakes.caldav_server import PASSWORD, USER, RadicaleServer, put_spec, radicale_server
from tests.worker.conftest import SECRET_KEY, Smtp, redis_db, worker_environment

__all__ = ["radicale_server", "redis_db"]

NOW = datetime(2026, 10, 21, 12, tzinfo=UTC)  # a Wednesday


def test_the_sync_task_syncs_a_caldav_connection_and_an_unchanged_one_is_one_request(
    store: Engine,
    database_url: str,
    smtp: Smtp,
    redis_db: Any,
    configure: Any,
    radicale_server: RadicaleServer,
) -> None:
    tasks = configure(worker_environment(database_url, smtp.port))
    for number in range(3):
        start = datetime(2026, 10, 19 + number, 10, tzinfo=AMSTERDAM)
        put_spec(radicale_server, number, EventSpec(start, start + timedelta(hours=1)))
    connection_id = connect_caldav(
        store,
        "leader@example.org",
        radicale_server.calendar_url(),
        Credentials(USER, PASSWORD),
        SecretBox([SECRET_KEY]),
        now=NOW,
    )

    first = tasks.sync_connection.apply(args=(connection_id, NOW.isoformat())).get()
    radicale_server.seen.clear()
    again = tasks.sync_connection.apply(args=(connection_id, NOW.isoformat())).get()

    assert (first, again) == ("synced", "synced")
    assert [r.method for r in radicale_server.seen] == ["REPORT"]
    with session_scope(store) as session:
        cached = session.scalars(select(CachedEvent.start)).all()
    assert len(cached) == 3
