"""Store fixtures: every test runs on SQLite (a temporary file) and on the real PostgreSQL.

PostgreSQL is the server of DESIGN section 10 (`.ci/run` starts it). Each test session creates
its own databases, named `agenda_test_<random>...`, and drops them at the end. When the server
cannot be reached the tests fail with a message saying so; they are never skipped.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from assistant.store import migrations
from assistant.store.database import make_engine
from assistant.store.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "AGENDA_REGIE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Both, always, in the suite; scripts/mutation narrows it to SQLite (one backend is enough to
# catch a mutant, and each mutant's run makes its databases anew).
BACKENDS = tuple(os.environ.get("AGENDA_REGIE_TEST_BACKENDS", "sqlite,postgresql").split(","))
assert set(BACKENDS) <= {"sqlite", "postgresql"}, f"unknown AGENDA_REGIE_TEST_BACKENDS {BACKENDS}"

NewDatabase = Callable[[str], str]


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}). The store tests need "
            "it: start it with .ci/run, or set AGENDA_REGIE_TEST_POSTGRES to a server where the "
            "user may create databases.",
            pytrace=False,
        )
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def new_database(
    tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str
) -> Iterator[NewDatabase]:
    """Makes an empty database of the given backend; the PostgreSQL ones are dropped at the end."""
    prefix = f"agenda_test_{secrets.token_hex(4)}"
    counter = itertools.count(1)
    created: list[str] = []

    def make(backend: str) -> str:
        number = next(counter)
        if backend == "sqlite":
            folder = tmp_path_factory.mktemp(f"sqlite{number}")
            return f"sqlite:///{folder / 'agenda-regie.db'}"
        name = f"{prefix}_{number}"
        with psycopg.connect(postgres_admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"

    yield make

    with psycopg.connect(postgres_admin_url, autocommit=True) as connection:
        for name in created:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, new_database: NewDatabase) -> str:
    """A database of each backend, migrated to head once per test session."""
    url = new_database(request.param)
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def backend(engine: Engine) -> str:
    return engine.dialect.name


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; every table is emptied after the test."""
    with Session(engine) as session:
        yield session
    _empty_every_table(engine)


def _empty_every_table(engine: Engine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, new_database: NewDatabase) -> str:
    """A database of each backend with nothing in it, for the migration tests."""
    return new_database(request.param)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "agenda-regie"
