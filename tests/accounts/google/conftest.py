"""The provider's fixtures of tests/connectors, for the tests of the layers above."""

from tests.connectors.google.conftest import (  # noqa: F401
    cipher,
    database_url,
    engine,
    fake,
    google_calendar,
    new_database,
    postgres_admin_url,
    service,
    shell,
    store,
)
