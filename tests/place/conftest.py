"""The leader's place runs in the console: its served app, store and clock (tests/console)."""

from tests.console.conftest import (
    console,
    migrated_template,
    new_database,
    postgres_admin_url,
    store,
)

__all__ = ["console", "migrated_template", "new_database", "postgres_admin_url", "store"]
