"""Settings from the environment, read and validated once at start-up (a shell).

`Settings.from_environ()` reads `DATABASE_URL`, `AGENDA_REGIE_SECRET_KEYS`, the Microsoft
app registration (`AGENDA_REGIE_MICROSOFT_CLIENT_ID`, `..._TENANT`, `..._CLIENT_SECRET`) and the
Microsoft cloud (`AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST`, `..._GRAPH_URL`: a national cloud, or
local fakes in tests), checks them and reports every problem at once in one `SettingsError`.
Nothing here runs at import time: the CLI and the workers build a `Settings` and hand it to
whatever needs it.

Must not import SQLAlchemy, cryptography, msal or anything of the pure core.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import platformdirs

APP_NAME = "agenda-regie"
DATABASE_FILE_NAME = "agenda-regie.db"
DATABASE_URL_VARIABLE = "DATABASE_URL"
SECRET_KEYS_VARIABLE = "AGENDA_REGIE_SECRET_KEYS"
MICROSOFT_CLIENT_ID_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_ID"
MICROSOFT_TENANT_VARIABLE = "AGENDA_REGIE_MICROSOFT_TENANT"
MICROSOFT_SECRET_VARIABLE = "AGENDA_REGIE_MICROSOFT_CLIENT_SECRET"
MICROSOFT_AUTHORITY_HOST_VARIABLE = "AGENDA_REGIE_MICROSOFT_AUTHORITY_HOST"
MICROSOFT_GRAPH_URL_VARIABLE = "AGENDA_REGIE_MICROSOFT_GRAPH_URL"
# The global service; national clouds (docs/microsoft.md) have their own pair.
MICROSOFT_AUTHORITY_HOST = "https://login.microsoftonline.com"
MICROSOFT_GRAPH_URL = "https://graph.microsoft.com/v1.0"


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
    # Where Entra ID and Graph live: the global service unless a national cloud is configured.
    microsoft_authority_host: str = MICROSOFT_AUTHORITY_HOST
    microsoft_graph_url: str = MICROSOFT_GRAPH_URL

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
        authority_host = _checked(
            problems,
            MICROSOFT_AUTHORITY_HOST_VARIABLE,
            env.get(MICROSOFT_AUTHORITY_HOST_VARIABLE, ""),
            MICROSOFT_AUTHORITY_HOST,
            normalise_authority_host,
        )
        graph_url = _checked(
            problems,
            MICROSOFT_GRAPH_URL_VARIABLE,
            env.get(MICROSOFT_GRAPH_URL_VARIABLE, ""),
            MICROSOFT_GRAPH_URL,
            normalise_graph_url,
        )

        if problems:
            raise SettingsError(problems)
        return cls(
            database_url=database_url,
            secret_keys=secret_keys,
            microsoft_client_id=client_id,
            microsoft_tenant=tenant,
            microsoft_client_secret=client_secret,
            microsoft_authority_host=authority_host,
            microsoft_graph_url=graph_url,
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


def normalise_authority_host(value: str) -> str:
    """`https://HOST[:PORT]` of Entra ID, without a trailing slash; ValueError saying what is wrong.

    msal accepts only an https authority (it refuses http even on 127.0.0.1), and appends the
    tenant itself, so a path here would be a tenant in the wrong place.
    """
    parts = _url_parts(value)
    if parts.scheme != "https":
        raise ValueError(
            "must start with https:// (msal refuses any other authority), e.g. "
            "https://login.microsoftonline.us"
        )
    if parts.path.strip("/"):
        raise ValueError(
            f"must be the host only, without a path such as {parts.path!r}; the tenant goes in "
            f"{MICROSOFT_TENANT_VARIABLE}"
        )
    return f"https://{parts.netloc}"


def normalise_graph_url(value: str) -> str:
    """The Graph service root with its version, e.g. `https://graph.microsoft.us/v1.0`.

    https, except on a loopback host (a local test double): a bearer token is sent there.
    """
    parts = _url_parts(value)
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
        raise ValueError(
            "must start with https:// (plain http only for a server on this machine), e.g. "
            "https://graph.microsoft.us/v1.0"
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/v1.0"):
        raise ValueError(
            "must end in the API version /v1.0, e.g. https://graph.microsoft.us/v1.0 "
            "(agenda-regie uses Graph v1.0 only)"
        )
    return f"{parts.scheme}://{parts.netloc}{path}"


def _url_parts(value: str) -> SplitResult:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("is not a URL") from None
    if not parts.hostname or parts.scheme not in {"http", "https"}:
        raise ValueError("is not an http(s) URL with a host name")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?...) or fragment (#...)")
    return parts


def _loopback(hostname: str | None) -> bool:
    if hostname is None:
        return False
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _checked(
    problems: list[str],
    variable: str,
    raw: str,
    default: str,
    normalise: Callable[[str], str],
) -> str:
    """`raw` normalised, or `default` when unset; a problem naming `variable` when unusable."""
    value = raw.strip()
    if not value:
        return default
    try:
        return normalise(value)
    except ValueError as error:
        problems.append(f"{variable} {error}")
        return default


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
