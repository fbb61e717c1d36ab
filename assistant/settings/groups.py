"""The groups of settings: each field names its environment variable, each group checks them.

A group is read through pydantic-settings from a snapshot of the environment
(`Group.from_environ`, or `Settings`, which reads the snapshot once) and names every problem at
once; made in code (`SmtpSettings(host, ...)`), it holds what it is given and reads nothing.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from assistant import datadir
from assistant.errors import UserError
from assistant.settings.checks import (
    key_problems,
    link_secret_problem,
    normalise_authority_host,
    normalise_database_url,
    normalise_graph_url,
)
from assistant.settings.names import (
    BASE_URL_VARIABLE,
    CALDAV_PASSWORD_VARIABLE,
    DATABASE_FILE_NAME,
    DATABASE_URL_VARIABLE,
    DEFAULT_BASE_URL,
    GOOGLE_API_ENDPOINT_VARIABLE,
    GOOGLE_CLIENT_FILE_VARIABLE,
    LINK_SECRET_MISSING,
    LINK_SECRET_VARIABLE,
    MICROSOFT_AUTHORITY_HOST,
    MICROSOFT_AUTHORITY_HOST_VARIABLE,
    MICROSOFT_CLIENT_ID_VARIABLE,
    MICROSOFT_GRAPH_URL,
    MICROSOFT_GRAPH_URL_VARIABLE,
    MICROSOFT_SECRET_VARIABLE,
    MICROSOFT_TENANT_VARIABLE,
    SECRET_KEYS_MISSING,
    SECRET_KEYS_VARIABLE,
    SMTP_PLAIN_LOGIN,
    Security,
)
from rules.address import plain_address

if TYPE_CHECKING:
    from pydantic_settings import PydanticBaseSettingsSource

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


def variable_of(info: FieldInfo) -> str:
    return str(info.validation_alias)


# The database and the secret keys -----------------------------------------------------------------


default_data_dir = datadir.default_data_dir


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
        problems.extend(key_problems(keys))
        return {"keys": keys}


class StoredSecretsSettings(Group):
    """The secret keys, required: the long-running processes (workers, web) read the stored
    authorisations, so they refuse to start without a key instead of failing every sync.
    The keys themselves are checked by `SecretSettings`, which every command reads."""

    keys: str = Field("", validation_alias=SECRET_KEYS_VARIABLE, repr=False)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        if not raw.get("keys", "").replace(",", "").strip():
            problems.append(SECRET_KEYS_MISSING)
        return {}


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


_NORMALISE: dict[str, Callable[[str], str]] = {
    "authority_host": normalise_authority_host,
    "graph_url": normalise_graph_url,
}


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
        if plain_address(sender) is None:
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
        secret = values.get("secret", "")
        if not secret:
            problems.append(LINK_SECRET_MISSING)
        elif (weak := link_secret_problem(secret)) is not None:
            problems.append(weak)
        return values


class GoogleSettings(Group):
    """Where Google Calendar v3 is reached: Google's own endpoint unless another is given; and
    the OAuth client file (a web application) of the links that let a leader connect Google."""

    api_endpoint: str | None = Field(None, validation_alias=GOOGLE_API_ENDPOINT_VARIABLE)
    client_file: str | None = Field(None, validation_alias=GOOGLE_CLIENT_FILE_VARIABLE)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        endpoint = raw.get("api_endpoint", "").strip()
        if endpoint and not endpoint.startswith(("http://", "https://")):
            problems.append(f"{GOOGLE_API_ENDPOINT_VARIABLE} must be an http:// or https:// URL")
            return {}
        return {"api_endpoint": endpoint or None, "client_file": raw.get("client_file") or None}


class CalDavSettings(Group):
    """The password of a one-off review of a CalDAV calendar (docs/caldav.md); connections keep
    their own, encrypted."""

    password: str | None = Field(None, validation_alias=CALDAV_PASSWORD_VARIABLE, repr=False)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        # Kept as given: a password's spaces are its own.
        password = raw.get("password", "")
        return {"password": password} if password else {}
