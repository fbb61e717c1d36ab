"""Fixtures: a fake Google Calendar server per test, and the real client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from connectors.google.auth import build_service
from tests.connectors.google.fake_server import FakeGoogleCalendar


@pytest.fixture
def fake() -> Iterator[FakeGoogleCalendar]:
    server = FakeGoogleCalendar().start()
    yield server
    server.stop()


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

__all__ = ["database_url", "engine", "new_database", "postgres_admin_url"]
