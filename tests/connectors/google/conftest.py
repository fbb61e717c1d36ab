"""Fixtures: a fake Google Calendar server per test, the real client pointed at it, and the
store-backed use cases (sync, write, withdraw) wired to both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from google.oauth2.credentials import Credentials
from sqlalchemy import Engine, select, text

from assistant.accounts.google import connect_google, sync_google_connection
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Base, CachedEvent, Connection
from assistant.store.repositories import upsert_leader
from connectors.google.auth import build_service
from connectors.google.retry import Retrier, RetryPolicy
from tests.fakes.fixtures import google_calendar
from tests.fakes.google_calendar import FakeGoogleCalendar

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday
LEADER = "leader@example.org"


@pytest.fixture
def fake(google_calendar: FakeGoogleCalendar) -> FakeGoogleCalendar:
    """The fake Google of tests/fakes/fixtures.py, under the name these tests use."""
    return google_calendar


def user_credentials(fake: FakeGoogleCalendar, token: str = "first-token") -> Credentials:
    return Credentials(
        token=token,
        refresh_token="refresh-1",
        token_uri=fake.token_uri,
        client_id="client-1.apps.googleusercontent.com",
        client_secret="secret",
    )


@pytest.fixture
def service(fake: FakeGoogleCalendar) -> Iterator[Any]:
    built = build_service(user_credentials(fake), api_endpoint=fake.url)
    yield built
    built.close()  # httplib2 keeps connections open; an unclosed socket is a warning


# The store fixtures (SQLite and the real PostgreSQL), for the sync tests.
from tests.store.conftest import (  # noqa: E402
    database_url,
    engine,
    new_database,
    postgres_admin_url,
)


@pytest.fixture
def store(engine: Engine) -> Iterator[Engine]:
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))


@pytest.fixture
def cipher() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


class Shell:
    """The sync and write use cases wired to the fake server, with a clock and no real sleep."""

    def __init__(self, store: Engine, fake: FakeGoogleCalendar, cipher: SecretBox) -> None:
        self.store, self.fake, self.cipher = store, fake, cipher
        self.sleeps: list[float] = []
        with session_scope(store) as session:
            upsert_leader(session, LEADER, timezone="Europe/Amsterdam", now=NOW)

    def connect(self, leader: str = LEADER, token: str = "first-token") -> int:
        return connect_google(
            self.store, leader, leader, user_credentials(self.fake, token), self.cipher, now=NOW
        )

    def factory(self, credentials: Any) -> Any:
        return build_service(credentials, api_endpoint=self.fake.url)

    def retrier(self, **policy: Any) -> Retrier:
        return Retrier(RetryPolicy(**policy), sleep=self.sleeps.append, jitter=lambda: 0.5)

    def sync(self, connection_id: int, **policy: Any) -> Any:
        return sync_google_connection(
            self.store,
            connection_id,
            cipher=self.cipher,
            now=NOW,
            service_factory=self.factory,
            retrier=self.retrier(**policy),
        )

    def cache(self, connection_id: int) -> dict[str, CachedEvent]:
        with session_scope(self.store) as session:
            rows = session.scalars(
                select(CachedEvent).where(CachedEvent.connection_id == connection_id)
            ).all()
            return {row.provider_event_id: row for row in rows}

    def connection(self, connection_id: int) -> Connection:
        with session_scope(self.store) as session:
            found = session.get(Connection, connection_id)
            assert found is not None
            return found


@pytest.fixture
def shell(store: Engine, fake: FakeGoogleCalendar, cipher: SecretBox) -> Shell:
    return Shell(store, fake, cipher)


__all__ = [
    "database_url",
    "engine",
    "google_calendar",
    "new_database",
    "postgres_admin_url",
]
