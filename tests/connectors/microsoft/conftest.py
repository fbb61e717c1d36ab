"""Fixtures: a fake Graph (and Entra ID) server per test, and an httpx Graph client on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.microsoft.graph import GraphClient
from connectors.microsoft.throttle import MailboxLimiter
from tests.fakes.fixtures import graph
from tests.fakes.microsoft_graph import FakeGraph


@pytest.fixture
def fake(graph: FakeGraph) -> FakeGraph:
    """The fake Graph of tests/fakes/fixtures.py, under the name these tests use."""
    return graph


class StaticTokens:
    """A token source without msal: a fixed token, and a fresh one when asked to refresh."""

    def __init__(self, token: str = "first-token") -> None:
        self.token = token
        self.refreshes = 0

    def __call__(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.refreshes += 1
            self.token = f"fresh-{self.refreshes}"
        return self.token


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.fixture
def client(fake: FakeGraph, http: httpx.Client) -> GraphClient:
    return GraphClient(http, StaticTokens(), base_url=fake.graph_url, limiter=MailboxLimiter())


# The store fixtures (SQLite and the real PostgreSQL), for the sync tests.
from tests.store.conftest import (  # noqa: E402
    database_url,
    engine,
    new_database,
    postgres_admin_url,
)

__all__ = ["database_url", "engine", "graph", "new_database", "postgres_admin_url"]
