"""Settings from the environment, read and validated once at start-up (a shell).

`Settings.from_environ()` reads `DATABASE_URL`, `AGENDA_REGIE_SECRET_KEYS` and the Microsoft
app registration (`AGENDA_REGIE_MICROSOFT_CLIENT_ID`, `..._TENANT`, `..._CLIENT_SECRET`), checks
them and reports every problem at once in one `SettingsError`. Nothing here runs at import time:
the CLI and the workers build a `Settings` and hand it to whatever needs it.

Must not import SQLAlchemy, cryptography or anything of the pure core.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "agenda-regie"
DATABASE_FILE_NAME = "agenda-regie.db"
DATABASE_URL_VARIABLE = "DATABASE_URL"
SECRET_KEYS_VARIABLE = "AGENDA_REGIE_SECRET_KEYS"
MICROSOFT_CLIENT_ID_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_ID"
MICROSOFT_TENANT_VARIABLE = "AGENDA_REGIE_MICROSOFT_TENANT"
MICROSOFT_SECRET_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"


class SettingsError(Exception):
    """The environment does not describe a usable configuration; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def default_data_dir() -> Path:
    """The user's data directory for agenda-regie (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_database_url(data_dir: Path | None = None) -> str:
    """The SQLite file `agenda-regie.db` in the user's data directory."""
    directory = data_dir if data_dir is not None else default_data_dir()
    return f"sqlite:///{directory / DATABASE_FILE_NAME}"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the store and the secret box need; build it with `from_environ`."""

    database_url: str
    # Fernet keys, newest first: the first encrypts, every one decrypts (rotation).
    secret_keys: tuple[str, ...] = field(default=(), repr=False)
    # The app registered in Entra ID (docs/microsoft.md); no client id: Microsoft 365 is not set up.
    microsoft_client_id: str | None = None
    microsoft_tenant: str = "organizations"
    microsoft_client_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, data_dir: Path | None = None
    ) -> Settings:
        """Read and check the settings; raises `SettingsError` naming every problem found."""
        env = os.environ if environ is None else environ
        problems: list[str] = []

        raw_url = env.get(DATABASE_URL_VARIABLE, "").strip()
        database_url = default_database_url(data_dir)
        if raw_url:
            try:
                database_url = normalise_database_url(raw_url)
            except ValueError as error:
                problems.append(str(error))

        raw_keys = env.get(SECRET_KEYS_VARIABLE, "")
        secret_keys = tuple(key.strip() for key in raw_keys.split(",") if key.strip())
        problems.extend(_key_problems(secret_keys))

        client_id = env.get(MICROSOFT_CLIENT_ID_VARIABLE, "").strip() or None
        tenant = env.get(MICROSOFT_TENANT_VARIABLE, "").strip() or "organizations"
        client_secret = env.get(MICROSOFT_SECRET_VARIABLE, "").strip() or None
        if client_id is None and client_secret is not None:
            problems.append(
                f"{MICROSOFT_SECRET_VARIABLE} is set but {MICROSOFT_CLIENT_ID_VARIABLE} is not; "
                "set both (the application (client) id of the app registered in Entra ID)"
            )

        if problems:
            raise SettingsError(problems)
        return cls(
            database_url=database_url,
            secret_keys=secret_keys,
            microsoft_client_id=client_id,
            microsoft_tenant=tenant,
            microsoft_client_secret=client_secret,
        )


def normalise_database_url(url: str) -> str:
    """The URL SQLAlchemy should use: PostgreSQL through psycopg 3, SQLite as given.

    Raises ValueError with a sentence naming `DATABASE_URL` when the URL cannot be used. The URL
    itself is not repeated in the message, because it may hold a password.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or not rest:
        raise ValueError(
            f"{DATABASE_URL_VARIABLE} is not a database URL; expected sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DATABASE"
        )
    scheme = scheme.lower()
    if scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        parts = urlsplit(f"postgresql://{rest}")
        if not parts.path.strip("/"):
            raise ValueError(
                f"{DATABASE_URL_VARIABLE} names no database; expected "
                "postgresql://USER@HOST:PORT/DATABASE"
            )
        return f"postgresql+psycopg://{rest}"
    if scheme in {"sqlite", "sqlite+pysqlite"}:
        return f"sqlite://{rest}"
    raise ValueError(
        f"{DATABASE_URL_VARIABLE} uses {scheme!r}, which agenda-regie does not support; use "
        "sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE (psycopg 3 is used as the driver)"
    )


def _key_problems(keys: tuple[str, ...]) -> list[str]:
    # Checked without cryptography so that reading settings stays cheap; the key is never echoed.
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            decoded = b""
        if len(decoded) != 32:
            problems.append(
                f"{SECRET_KEYS_VARIABLE}: key {position} of {len(keys)} is not a Fernet key "
                "(44 characters of url-safe base64); generate one with "
                '`python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            )
    if len(set(keys)) != len(keys):
        problems.append(f"{SECRET_KEYS_VARIABLE} lists the same key more than once")
    return problems
