from tests.mail.fixtures import (
    browser,
    marked_path,
    migrated_template,
    reviews,
    smtp_server,
    store,
)

__all__ = ["browser", "marked_path", "migrated_template", "reviews", "smtp_server", "store"]
