"""Where the local database lives, and whether the operator named one: asked by the quick
commands before the settings are read, so it is kept apart from the settings package and its
library (a look at a calendar file loads neither)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "agenda-regie"
DATABASE_FILE_NAME = "agenda-regie.db"
DATABASE_URL_VARIABLE = "DATABASE_URL"


def default_data_dir() -> Path:
    """The user's data directory for agenda-regie (not created here)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def database_configured(environ: Mapping[str, str] | None = None) -> bool:
    """DATABASE_URL is set (even empty): the database is the operator's, not a local file.

    Asked before the settings are read, so a look at a calendar file that needs no database
    is not refused for a setting it does not use."""
    return DATABASE_URL_VARIABLE in (os.environ if environ is None else environ)


def database_exists() -> bool:
    """A database is configured (DATABASE_URL) or the local one has been made already."""
    return database_configured() or (default_data_dir() / DATABASE_FILE_NAME).exists()
