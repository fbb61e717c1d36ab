"""A console served by uvicorn on a free port, on its own migrated SQLite store, with a clock
the tests move and an organisation sign-in provider of the tests' own ("entra")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from assistant.app.console.users import add_user, assign
from assistant.app.history import Store, backfill
from assistant.app.review import open_ics
from assistant.core.review import IsoWeek
from assistant.mail.links import LinkSigner
from assistant.store import migrations
from assistant.store.crypto import SecretBox
from assistant.store.database import make_engine, session_scope
from assistant.store.repositories.connections import upsert_connection
from assistant.store.repositories.events import upsert_cached_events
from assistant.store.repositories.leaders import upsert_leader
from assistant.web.app import create_app
from connectors.identity.base import IdentityProvider
from connectors.model import TimeWindow
from rules import load_rules
from tests.conftest import SAMPLE, SAMPLE_LEADER
from tests.console.identity import DirectoryProvider
from tests.mail.fixtures import NOW, SECRET, Clock, migrated_template, serve, store
from tests.store.conftest import new_database, postgres_admin_url

PASSWORD = "een lang wachtwoord"
# The tests that also run on PostgreSQL (the rest run on SQLite, the same queries).
BOTH = pytest.mark.parametrize("console", ["sqlite", "postgresql"], indirect=True)


@dataclass
class Console:
    url: str
    clock: Clock
    store: Engine
    box: SecretBox
    entra: DirectoryProvider
    # The running app's sign-in providers by name: a test may add one.
    providers: dict[str, IdentityProvider]

    def add(
        self, email: str, role: str, *, totp: bool = False, password: str | None = PASSWORD
    ) -> str | None:
        return add_user(
            self.store, self.box, email, role, password=password, totp=totp, language=None,
            actor="test", now=NOW,
        )  # fmt: skip

    def leader(self, email: str, name: str | None = None) -> int:
        with session_scope(self.store) as session:
            return upsert_leader(session, email, name=name, now=NOW).id

    def assign(self, assistant: str, leader: str) -> None:
        assign(self.store, assistant, leader, remove=False, actor="test", now=NOW)

    def record_weeks(self, leader: str, weeks: int) -> list[IsoWeek]:
        """What the weekly runs would have stored for the sample's last `weeks` weeks."""
        rules = load_rules().model_copy(deep=True)
        source = open_ics(SAMPLE, rules, [SAMPLE_LEADER])
        return backfill(source, rules, IsoWeek(2026, 48), weeks, NOW, Store(self.store, leader))

    def cache_sample(self, leader: str) -> None:
        """The sample leader's calendar (a year of weeks) as the leader's synced cache."""
        rules = load_rules()
        window = TimeWindow(NOW - timedelta(days=400), NOW + timedelta(days=30))
        events = open_ics(SAMPLE, rules, [SAMPLE_LEADER]).fetch(window).events
        with session_scope(self.store) as session:
            owner = upsert_leader(session, leader, now=NOW)
            connection = upsert_connection(session, owner, "ics", "sample-leader.ics")
            upsert_cached_events(session, connection, events)
            connection.last_sync_at = NOW - timedelta(hours=2)


@pytest.fixture
def console(request: pytest.FixtureRequest, store: Engine) -> Iterator[Console]:
    """On SQLite; a test parametrised with `indirect=True` names the backend
    ("sqlite" or "postgresql", a database of its own migrated to head)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield from _console(store)
        return
    url = request.getfixturevalue("new_database")(backend)
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        yield from _console(engine)
    finally:
        engine.dispose()


def _console(store: Engine) -> Iterator[Console]:
    clock = Clock()
    box = SecretBox([Fernet.generate_key().decode()])
    entra = DirectoryProvider("entra", "http://placeholder/authorize", {})
    signer = LinkSigner(SECRET, "http://placeholder")
    app = create_app(store, signer, clock=clock, secrets=box, identity_providers={"entra": entra})
    for url in serve(app):
        signer.base_url = url
        app.state.console = replace(app.state.console, base_url=url)
        yield Console(url, clock, store, box, entra, app.state.console.providers)


__all__ = ["console", "migrated_template", "new_database", "postgres_admin_url", "store"]
