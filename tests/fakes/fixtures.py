"""Pytest fixtures for the fake providers, for suites that need both (tests/contracts/).

A conftest imports them by name; each test gets fresh servers and real clients pointed at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google.oauth2.credentials import Credentials

from connectors.google.auth import build_service
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.throttle import MailboxLimiter
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.microsoft_graph import FakeGraph


@pytest.fixture
def google_calendar() -> Iterator[FakeGoogleCalendar]:
    server = FakeGoogleCalendar().start()
    yield server
    server.stop()


@pytest.fixture
def google_service(google_calendar: FakeGoogleCalendar) -> Iterator[Any]:
    """The real google-api-python-client service, pointed at the fake."""
    credentials = Credentials(
        token="first-token",
        refresh_token="refresh-1",
        token_uri=google_calendar.token_uri,
        client_id=google_calendar.client_id,
        client_secret="secret",
    )
    built = build_service(credentials, api_endpoint=google_calendar.url)
    yield built
    built.close()  # httplib2 keeps connections open; an unclosed socket is a warning


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    server = FakeGraph().start()
    yield server
    server.stop()


class FixedToken:
    """A token source without msal: a fixed token."""

    def __call__(self, *, force_refresh: bool = False) -> str:
        return "first-token"


@pytest.fixture
def graph_client(graph: FakeGraph) -> Iterator[GraphClient]:
    """Our Graph client on httpx, pointed at the fake."""
    with httpx.Client(timeout=30.0) as http:
        yield GraphClient(http, FixedToken(), base_url=graph.graph_url, limiter=MailboxLimiter())
