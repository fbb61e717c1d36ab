from tests.mail.fixtures import (
    marked_path,
    migrated_template,
    reviews,
    smtp_server,
    store,
)
from tests.store.conftest import new_database, postgres_admin_url

__all__ = [
    "marked_path",
    "migrated_template",
    "new_database",
    "postgres_admin_url",
    "reviews",
    "smtp_server",
    "store",
]
