"""The store's databases (SQLite and PostgreSQL) and a real Radicale server."""

from tests.fakes.caldav_server import radicale_server
from tests.store.conftest import database_url, engine, new_database, postgres_admin_url

__all__ = ["database_url", "engine", "new_database", "postgres_admin_url", "radicale_server"]
