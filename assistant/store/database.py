"""The engine and sessions, from `Settings` or a URL (a shell).

One function makes the engine for either database, so that both behave the same way:

- PostgreSQL through psycopg 3, with `pool_pre_ping` so a restarted server is not an error.
- SQLite with foreign keys enforced and real transactions: the driver's own implicit BEGIN is
  switched off and every transaction starts with `BEGIN IMMEDIATE`. Reads inside a transaction are
  then consistent, DDL (migrations) is transactional, and two processes writing the same file wait
  for each other (busy timeout) instead of failing with "database is locked" halfway.

Repository functions take a `Session` and never commit; `session_scope` is the unit of work that
commits on success and rolls back on an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from assistant.settings import Settings, normalise_database_url
from assistant.store import DatabaseUnavailableError
from assistant.store.files import private_file, private_folder

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def make_engine(database: Settings | str) -> Engine:
    """An engine for `Settings.database_url` or a database URL.

    For a SQLite file the directory is created when it does not exist yet (the default lives in
    the user's data directory).
    """
    raw_url = database.database_url if isinstance(database, Settings) else database
    url = make_url(normalise_database_url(raw_url))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            folder = Path(url.database).expanduser().parent
            try:
                private_folder(folder)  # the data folder 0700, the database 0600 when new
                private_file(Path(url.database).expanduser())
            except OSError as error:
                problem = f"the folder cannot be made ({error.strerror})"
                raise DatabaseUnavailableError(str(folder), problem) from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_transactions(engine: Engine) -> None:
    # The recipe from SQLAlchemy's SQLite dialect notes ("Serializable isolation / Savepoints /
    # Transactional DDL"), with IMMEDIATE so a write lock is taken at the start.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the shells render them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(sessions: Engine | sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back when it raises."""
    factory = make_sessionmaker(sessions) if isinstance(sessions, Engine) else sessions
    with factory() as session, session.begin():
        yield session


# The handles the use cases pass around (the store owns SQLAlchemy; others name these types).
__all__ = ["Engine", "Session", "make_engine", "session_scope"]


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached (down, refused, file unreadable),
    rather than that a statement was wrong: the shells answer "try again" for these."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, TimeoutError

    return isinstance(
        error,
        (
            DatabaseUnavailableError,
            OperationalError,
            InterfaceError,
            DisconnectionError,
            TimeoutError,
        ),
    )
