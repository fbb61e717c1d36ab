"""Alembic migrations of the store, run programmatically (no alembic.ini at run time).

`upgrade(url)` is what `agenda-regie db upgrade` calls. The revisions in `versions/` are written
out by hand (`op.create_table` ...), never generated at run time, so a revision means the same
schema forever. `alembic_config(url)` gives a Config for developers who make a new revision:

    from alembic import command
    from assistant.store.migrations import alembic_config
    command.revision(alembic_config("sqlite:///dev.db"), "add x", autogenerate=True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from assistant.store import DatabaseUnavailableError, MigrationNeededError
from assistant.store.database import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged scripts (and at `url`, when given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates '%'; a password may contain one.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The revision this version of agenda-regie needs."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError(f"no Alembic revisions in {MIGRATIONS_DIR / 'versions'}")
    return head


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (creates the tables on an empty database)."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at `url` down to `revision` (`base` drops every table of ours)."""
    _run(url, lambda config: command.downgrade(config, revision))


def current(url: str) -> str | None:
    """The revision the database at `url` is at; None for a database never migrated."""
    with _engine(url) as engine:
        return _current(engine)


def require_head(engine: Engine) -> None:
    """Raise `MigrationNeededError` unless the database is at this version's revision."""
    found, needed = _current(engine), head_revision()
    if found != needed:
        raise MigrationNeededError(found, needed)


def _current(engine: Engine) -> str | None:
    with _connect(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run(url: str, action: Callable[[Config], None]) -> None:
    with _engine(url) as engine, _connect(engine) as connection, connection.begin():
        # One transaction for the whole run: env.py uses this connection.
        config = alembic_config()
        config.attributes["connection"] = connection
        action(config)


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except OperationalError as error:
        raise _unavailable(engine, error) from error


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _unavailable(engine: Engine, error: OperationalError) -> DatabaseUnavailableError:
    where = engine.url.render_as_string(hide_password=True)
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return DatabaseUnavailableError(where, reason)
