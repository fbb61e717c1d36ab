"""The settings tree: every environment variable agenda-regie reads, read once and checked.

`Settings.from_environ()` takes one snapshot of the environment and checks what every command
needs (the database, the secret keys, the Microsoft app registration and cloud), reporting every
problem at once in one `SettingsError`. A group that only some commands need (SMTP, the email's
links, the workers) is checked when a command asks for it: `settings.require(SmtpSettings,
LinkSettings)` reports every problem of both groups in one message. Each group reads its own
variables through pydantic-settings (`Group.from_environ(environ)` checks that group alone).
Nothing here runs at import time: the shells build a `Settings` and hand it on
(`assistant.bootstrap`).

The variable names and defaults are documented in docs/*.md. Must not import SQLAlchemy,
cryptography, msal, httpx or anything of the pure core: reading settings stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar
from urllib.parse import SplitResult, urlsplit

import platformdirs
from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from assistant.errors import UserError

if TYPE_CHECKING:
    import httpx
    from pydantic_settings import PydanticBaseSettingsSource

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
LINK_SECRET_VARIABLE = "AGENDA_REGIE_LINK_SECRET"
BASE_URL_VARIABLE = "AGENDA_REGIE_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
BROKER_URL_VARIABLE = "AGENDA_REGIE_BROKER_URL"
RESULT_BACKEND_VARIABLE = "AGENDA_REGIE_RESULT_BACKEND"
GOOGLE_API_ENDPOINT_VARIABLE = "AGENDA_REGIE_GOOGLE_API_ENDPOINT"
CLOCK_VARIABLE = "AGENDA_REGIE_NOW"  # an ISO datetime with offset: the workers' clock, for tests
DEBUG_VARIABLE = "AGENDA_REGIE_DEBUG"
SMTP_PLAIN_LOGIN = (
    "AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_SECURITY is none, so the password would "
    "cross the network unencrypted; use starttls or ssl"
)
LINK_SECRET_MISSING = (
    f"set {LINK_SECRET_VARIABLE} to a long random string (the key that signs email links)"
)

Security = Literal["starttls", "ssl", "none"]
G = TypeVar("G", bound="Group")


class SettingsError(UserError):
    """The environment does not describe a usable configuration; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class SmtpSettingsError(SettingsError):
    """The SMTP settings cannot be used; `problems` lists every one."""


# Reading -----------------------------------------------------------------------------------------


class _Snapshot(EnvSettingsSource):
    """pydantic-settings' reading of environment variables, over a snapshot taken once."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._snapshot = environ
        super().__init__(settings_cls, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return self._snapshot


class Group(BaseSettings):
    """One group of settings; its fields name their environment variables (`validation_alias`).

    Made in code (`SmtpSettings(host=...)`), a group holds what it is given and reads nothing;
    `from_environ` reads its variables and checks them, naming every problem at once.
    """

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", case_sensitive=True, populate_by_name=True
    )
    error: ClassVar[type[SettingsError]] = SettingsError

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what is handed in: the environment is read once, by `from_environ`.
        return (init_settings,)

    @classmethod
    def from_environ(cls: type[G], environ: Mapping[str, str] | None = None) -> G:
        """This group from the environment; raises `error` naming every problem found."""
        problems: list[str] = []
        group = cls.read(os.environ if environ is None else environ, problems)
        if group is None:
            raise cls.error(problems)
        return group

    @classmethod
    def read(cls: type[G], environ: Mapping[str, str], problems: list[str]) -> G | None:
        """This group, or None with what is wrong added to `problems`."""
        source = _Snapshot(cls, environ)
        raw: dict[str, str] = {}
        for name, info in cls.model_fields.items():
            value, _key, _complex = source.get_field_value(info, name)
            if isinstance(value, str):
                raw[name] = value
        found: list[str] = []
        values = cls.check(raw, found)
        problems.extend(found)
        return None if found else cls(**values)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        """The field values from the raw variables (by field name); problems added as found."""
        return {name: value.strip() for name, value in raw.items() if value.strip()}


def _variable(info: FieldInfo) -> str:
    return str(info.validation_alias)


# The database and the secret keys -----------------------------------------------------------------


def default_data_dir() -> Path:
    """The user's data directory for agenda-regie (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_database_url(data_dir: Path | None = None) -> str:
    """The SQLite file `agenda-regie.db` in the user's data directory."""
    directory = data_dir if data_dir is not None else default_data_dir()
    return f"sqlite:///{directory / DATABASE_FILE_NAME}"


class DatabaseSettings(Group):
    # Empty: the SQLite file in the user's data directory (`url_or_default`).
    url: str = Field("", validation_alias=DATABASE_URL_VARIABLE, repr=False)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        url = raw.get("url", "").strip()
        if not url:
            return {}
        try:
            return {"url": normalise_database_url(url)}
        except ValueError as error:
            problems.append(str(error))
            return {}

    @property
    def configured(self) -> bool:
        """DATABASE_URL is set (otherwise the local SQLite file is used)."""
        return bool(self.url)

    def url_or_default(self, data_dir: Path | None = None) -> str:
        return self.url or default_database_url(data_dir)


class SecretSettings(Group):
    # Fernet keys, newest first: the first encrypts, every one decrypts (rotation).
    keys: tuple[str, ...] = Field((), validation_alias=SECRET_KEYS_VARIABLE, repr=False)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        keys = tuple(key.strip() for key in raw.get("keys", "").split(",") if key.strip())
        problems.extend(_key_problems(keys))
        return {"keys": keys}


# Microsoft 365 -----------------------------------------------------------------------------------


class MicrosoftSettings(Group):
    # The app registered in Entra ID (docs/microsoft.md); no client id: Microsoft 365 is not set up.
    client_id: str | None = Field(None, validation_alias=MICROSOFT_CLIENT_ID_VARIABLE)
    tenant: str = Field("organizations", validation_alias=MICROSOFT_TENANT_VARIABLE)
    client_secret: str | None = Field(None, validation_alias=MICROSOFT_SECRET_VARIABLE, repr=False)
    # Where Entra ID and Graph live: the global service unless a national cloud is configured.
    authority_host: str = Field(
        MICROSOFT_AUTHORITY_HOST, validation_alias=MICROSOFT_AUTHORITY_HOST_VARIABLE
    )
    graph_url: str = Field(MICROSOFT_GRAPH_URL, validation_alias=MICROSOFT_GRAPH_URL_VARIABLE)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        values = super().check(raw, problems)
        if "client_id" not in values and "client_secret" in values:
            problems.append(
                f"{MICROSOFT_SECRET_VARIABLE} is set but {MICROSOFT_CLIENT_ID_VARIABLE} is not; "
                "set both (the application (client) id of the app registered in Entra ID)"
            )
        _normalised(values, "authority_host", MICROSOFT_AUTHORITY_HOST_VARIABLE, problems)
        _normalised(values, "graph_url", MICROSOFT_GRAPH_URL_VARIABLE, problems)
        return values


_NORMALISE: dict[str, Callable[[str], str]] = {}


def _normalised(values: dict[str, Any], name: str, variable: str, problems: list[str]) -> None:
    if name not in values:
        return
    try:
        values[name] = _NORMALISE[name](values[name])
    except ValueError as error:
        problems.append(f"{variable} {error}")
        del values[name]


# SMTP and the email's links -----------------------------------------------------------------------


class SmtpSettings(Group):
    """How the weekly email is sent (docs/email.md); `from_environ` reads AGENDA_REGIE_SMTP_*."""

    error: ClassVar[type[SettingsError]] = SmtpSettingsError
    host: str = Field(validation_alias="AGENDA_REGIE_SMTP_HOST")
    port: int = Field(validation_alias="AGENDA_REGIE_SMTP_PORT")
    security: Security = Field(validation_alias="AGENDA_REGIE_SMTP_SECURITY")
    sender: str = Field(validation_alias="AGENDA_REGIE_SMTP_FROM")
    user: str | None = Field(None, validation_alias="AGENDA_REGIE_SMTP_USER")
    password: str | None = Field(None, validation_alias="AGENDA_REGIE_SMTP_PASSWORD", repr=False)
    timeout_seconds: float = 30.0
    # A PEM file of the CA(s) to trust instead of the system's.
    ca_file: str | None = Field(None, validation_alias="AGENDA_REGIE_SMTP_CA_FILE")

    def __init__(
        self,
        host: str,
        port: int,
        security: Security,
        sender: str,
        user: str | None = None,
        password: str | None = None,
        *,
        timeout_seconds: float = 30.0,
        ca_file: str | None = None,
    ) -> None:
        super().__init__(
            host=host,
            port=port,
            security=security,
            sender=sender,
            user=user,
            password=password,
            timeout_seconds=timeout_seconds,
            ca_file=ca_file,
        )

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        host = raw.get("host", "")
        sender = raw.get("sender", "")
        security = (raw.get("security") or "starttls").lower()
        if not host:
            problems.append("AGENDA_REGIE_SMTP_HOST is not set (the SMTP server's name)")
        if "@" not in sender:
            problems.append("AGENDA_REGIE_SMTP_FROM must be the sender's address")
        if security not in ("starttls", "ssl", "none"):
            problems.append("AGENDA_REGIE_SMTP_SECURITY must be starttls, ssl or none")
        default_port = {"ssl": 465, "starttls": 587}.get(security, 25)
        port_text = raw.get("port", str(default_port))
        port = int(port_text) if port_text.isdigit() else 0
        if not 0 < port < 65536:
            problems.append(f"AGENDA_REGIE_SMTP_PORT {port_text!r} is not a port number")
        user = raw.get("user") or None
        password = raw.get("password") or None
        if user and not password:
            problems.append("AGENDA_REGIE_SMTP_USER is set but AGENDA_REGIE_SMTP_PASSWORD is not")
        if user and security == "none":
            problems.append(SMTP_PLAIN_LOGIN)
        ca_file = raw.get("ca_file") or None
        if ca_file and not os.path.isfile(ca_file):
            problems.append(f"AGENDA_REGIE_SMTP_CA_FILE {ca_file!r} is not a readable file")
        return {
            "host": host,
            "port": port,
            "security": security,
            "sender": sender,
            "user": user,
            "password": password,
            "ca_file": ca_file,
        }

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and name: the system's CAs, or only `ca_file`."""
        if self.ca_file:
            return ssl.create_default_context(cafile=self.ca_file)
        return ssl.create_default_context()


class LinkSettings(Group):
    """The key that signs the email's links and where the confirm pages are served."""

    secret: str = Field("", validation_alias=LINK_SECRET_VARIABLE, repr=False)
    base_url: str = Field(DEFAULT_BASE_URL, validation_alias=BASE_URL_VARIABLE)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        values = {name: value for name, value in raw.items() if value}
        if not values.get("secret"):
            problems.append(LINK_SECRET_MISSING)
        return values


class GoogleSettings(Group):
    """Where Google Calendar v3 is reached: Google's own endpoint unless another is given."""

    api_endpoint: str | None = Field(None, validation_alias=GOOGLE_API_ENDPOINT_VARIABLE)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        endpoint = raw.get("api_endpoint", "").strip()
        if endpoint and not endpoint.startswith(("http://", "https://")):
            problems.append(f"{GOOGLE_API_ENDPOINT_VARIABLE} must be an http:// or https:// URL")
            return {}
        return {"api_endpoint": endpoint or None}


# The workers --------------------------------------------------------------------------------------


def _worker(name: str) -> Any:
    return f"AGENDA_REGIE_{name}"


class WorkerSettings(Group):
    """The workers' settings (docs/workers.md).

    Delays are chosen so that every retry and every countdown stays below the Redis visibility
    timeout: a message that waits longer than that is handed to a second worker (calendar-apis.md
    C.2). And the waits inside one task (provider retries, a mailbox slot or a Google token, the
    longest Graph request) fit in the soft time limit, so a sync ends with our own error, retried
    by Celery, before the time limit stops it.
    """

    broker_url: str = Field("redis://127.0.0.1:6379/0", validation_alias=BROKER_URL_VARIABLE)
    result_backend: str = Field(
        "redis://127.0.0.1:6379/1", validation_alias=RESULT_BACKEND_VARIABLE
    )
    visibility_timeout_seconds: int = Field(3600, validation_alias=_worker("VISIBILITY_TIMEOUT"))
    # How often a worker looks for messages whose worker died (older than the visibility timeout).
    unacked_restore_seconds: int = Field(60, validation_alias=_worker("UNACKED_RESTORE_SECONDS"))
    task_time_limit_seconds: int = Field(600, validation_alias=_worker("TASK_TIME_LIMIT"))
    retry_base_seconds: float = Field(30.0, validation_alias=_worker("RETRY_BASE_SECONDS"))
    retry_max_seconds: float = Field(600.0, validation_alias=_worker("RETRY_MAX_SECONDS"))
    max_retries: int = Field(4, validation_alias=_worker("MAX_RETRIES"))
    # Inside one task: all pauses of provider retries together, and the longest wait for one
    # Graph mailbox slot or one Google token.
    provider_wait_seconds: float = Field(240.0, validation_alias=_worker("PROVIDER_WAIT_SECONDS"))
    limit_wait_seconds: float = Field(60.0, validation_alias=_worker("LIMIT_WAIT_SECONDS"))
    sync_period_seconds: int = Field(900, validation_alias=_worker("SYNC_PERIOD_SECONDS"))
    dispatch_every_seconds: int = Field(300, validation_alias=_worker("DISPATCH_EVERY_SECONDS"))
    redispatch_after_seconds: int = Field(
        3600, validation_alias=_worker("REDISPATCH_AFTER_SECONDS")
    )
    google_attempts_per_call: int = Field(6, validation_alias=_worker("GOOGLE_ATTEMPTS_PER_CALL"))
    google_requests_per_second: float = Field(
        5.0, validation_alias=_worker("GOOGLE_REQUESTS_PER_SECOND")
    )
    google_burst: int = Field(10, validation_alias=_worker("GOOGLE_BURST"))
    microsoft_in_flight_per_mailbox: int = Field(4, validation_alias=_worker("MICROSOFT_IN_FLIGHT"))
    # Each wait of a Graph request (read, write; connect and pool at most 10 s); a request ends
    # by two of them, and holds a mailbox slot at most three.
    graph_timeout_seconds: float = Field(60.0, validation_alias=_worker("GRAPH_TIMEOUT_SECONDS"))

    @property
    def graph_timeout(self) -> httpx.Timeout:
        from connectors.microsoft.graph import graph_timeout

        return graph_timeout(self.graph_timeout_seconds)

    @property
    def graph_longest_request_seconds(self) -> float:
        from connectors.microsoft.graph import longest_request_seconds

        return longest_request_seconds(self.graph_timeout)

    @property
    def soft_time_limit_seconds(self) -> float:
        """When Celery interrupts a task (`SoftTimeLimitExceeded`), before the hard limit."""
        return self.task_time_limit_seconds - min(30.0, self.task_time_limit_seconds / 10)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            text = raw.get(name, "").strip()
            variable = _variable(info)
            if not text:
                continue
            if info.annotation in (int, float, "int", "float"):
                kind = int if info.annotation in (int, "int") else float
                try:
                    number = kind(text)
                except ValueError:
                    problems.append(f"{variable} {text!r} is not a number")
                    continue
                if number <= 0:
                    problems.append(f"{variable} must be above 0")
                    continue
                values[name] = number
            elif text.startswith(("redis://", "rediss://")):
                values[name] = text
            else:
                problems.append(f"{variable} must be a redis:// or rediss:// URL")
        problems.extend(cls(**values).wait_problems())
        return values

    def wait_problems(self) -> list[str]:
        """Where the waits do not fit the visibility timeout or the soft time limit."""
        problems = []
        longest_wait = max(self.retry_max_seconds, self.sync_period_seconds)
        if self.visibility_timeout_seconds <= longest_wait + self.task_time_limit_seconds:
            problems.append(
                "AGENDA_REGIE_VISIBILITY_TIMEOUT must be above the longest retry delay or sync "
                f"countdown ({longest_wait:.0f} s) plus the task time limit "
                f"({self.task_time_limit_seconds} s), or waiting tasks run twice"
            )
        longest_request = self.graph_longest_request_seconds
        in_task = self.provider_wait_seconds + self.limit_wait_seconds + longest_request
        if in_task >= self.soft_time_limit_seconds:
            problems.append(
                f"AGENDA_REGIE_PROVIDER_WAIT_SECONDS ({self.provider_wait_seconds:g} s) plus "
                f"AGENDA_REGIE_LIMIT_WAIT_SECONDS ({self.limit_wait_seconds:g} s) plus the "
                f"longest Graph request ({longest_request:g} s, three times "
                f"AGENDA_REGIE_GRAPH_TIMEOUT_SECONDS) must stay below the soft time limit "
                f"({self.soft_time_limit_seconds:g} s, from AGENDA_REGIE_TASK_TIME_LIMIT "
                f"{self.task_time_limit_seconds} s), or a sync is stopped while it waits"
            )
        return problems


# The tree ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every group of settings, from one snapshot of the environment; build it with `from_environ`.

    The database, the secret keys and Microsoft 365 are checked at once; the other groups when a
    command asks for them (`require`, `group`).
    """

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    secrets: SecretSettings = field(default_factory=SecretSettings)
    microsoft: MicrosoftSettings = field(default_factory=MicrosoftSettings)
    # Where the local SQLite file lives when DATABASE_URL is not set.
    data_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    _groups: dict[type[Group], Group] = field(default_factory=dict, repr=False, compare=False)

    ALWAYS: ClassVar[tuple[type[Group], ...]] = (
        DatabaseSettings,
        SecretSettings,
        MicrosoftSettings,
    )

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, data_dir: Path | None = None
    ) -> Settings:
        """Read and check the settings; raises `SettingsError` naming every problem found."""
        snapshot = dict(os.environ if environ is None else environ)
        problems: list[str] = []
        database = DatabaseSettings.read(snapshot, problems)
        secrets = SecretSettings.read(snapshot, problems)
        microsoft = MicrosoftSettings.read(snapshot, problems)
        if database is None or secrets is None or microsoft is None:
            raise SettingsError(problems)
        return cls(
            database=database,
            secrets=secrets,
            microsoft=microsoft,
            data_dir=data_dir,
            environ=snapshot,
        )

    def require(self, *kinds: type[Group]) -> None:
        """Check the groups a command needs; one error naming every problem of all of them.

        The error is the group's own (`SmtpSettingsError`) when only one group has problems."""
        problems: list[str] = []
        failed: list[type[Group]] = []
        for kind in kinds:
            if kind in self.ALWAYS or kind in self._groups:
                continue
            group = kind.read(self.environ, problems)
            if group is None:
                failed.append(kind)
            else:
                self._groups[kind] = group
        if problems:
            raise (failed[0].error if len(failed) == 1 else SettingsError)(problems)

    def group(self, kind: type[G]) -> G:
        """One group, checked when first asked for (`require` names every problem at once)."""
        for given in (self.database, self.secrets, self.microsoft):
            if isinstance(given, kind):
                return given
        self.require(kind)
        found = self._groups[kind]
        assert isinstance(found, kind)
        return found

    def smtp(self) -> SmtpSettings:
        return self.group(SmtpSettings)

    def links(self) -> LinkSettings:
        return self.group(LinkSettings)

    def worker(self) -> WorkerSettings:
        return self.group(WorkerSettings)

    def google(self) -> GoogleSettings:
        return self.group(GoogleSettings)

    def now(self) -> datetime:
        """Now (aware, UTC), or the instant in AGENDA_REGIE_NOW when a test sets one."""
        return clock(self.environ)

    # What the store and the accounts read.
    @property
    def database_url(self) -> str:
        return self.database.url_or_default(self.data_dir)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        return self.secrets.keys

    @property
    def microsoft_client_id(self) -> str | None:
        return self.microsoft.client_id

    @property
    def microsoft_tenant(self) -> str:
        return self.microsoft.tenant

    @property
    def microsoft_client_secret(self) -> str | None:
        return self.microsoft.client_secret

    @property
    def microsoft_authority_host(self) -> str:
        return self.microsoft.authority_host

    @property
    def microsoft_graph_url(self) -> str:
        return self.microsoft.graph_url


def clock(environ: Mapping[str, str] | None = None) -> datetime:
    """Now (aware, UTC), or the instant in AGENDA_REGIE_NOW when a test sets one."""
    env = os.environ if environ is None else environ
    raw = env.get(CLOCK_VARIABLE, "").strip()
    if not raw:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise SettingsError(
            [f"{CLOCK_VARIABLE} must carry a UTC offset, like 2026-10-26T08:00+01:00"]
        )
    return moment


def database_configured(environ: Mapping[str, str] | None = None) -> bool:
    """DATABASE_URL is set (even empty): the database is the operator's, not a local file.

    Asked before the settings are read, so a look at a calendar file that needs no database
    is not refused for a setting it does not use."""
    return DATABASE_URL_VARIABLE in (os.environ if environ is None else environ)


def debug(environ: Mapping[str, str] | None = None) -> bool:
    """AGENDA_REGIE_DEBUG is set: a fault shows its traceback."""
    return bool((os.environ if environ is None else environ).get(DEBUG_VARIABLE))


# Checks ------------------------------------------------------------------------------------------


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


_NORMALISE.update(authority_host=normalise_authority_host, graph_url=normalise_graph_url)


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
