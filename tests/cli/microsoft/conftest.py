"""The provider's fixtures of tests/connectors, for the tests of the layers above."""

from tests.connectors.microsoft.conftest import (  # noqa: F401
    client,
    database_url,
    engine,
    fake,
    graph,
    http,
    new_database,
    postgres_admin_url,
)
