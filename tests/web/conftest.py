from tests.mail.fixtures import (
    marked_path,
    migrated_template,
    reviews,
    smtp_server,
    store,
)
from tests.web.test_confirm_pages import ics_site

__all__ = [
    "ics_site",
    "marked_path",
    "migrated_template",
    "reviews",
    "smtp_server",
    "store",
]
