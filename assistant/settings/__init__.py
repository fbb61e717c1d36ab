"""The settings tree: every environment variable agenda-regie reads, read once and checked.

May import errors, connectors and rules; the store, the accounts and the shells read it.

`Settings.from_environ()` takes one snapshot of the environment and checks what every command
needs (the database, the secret keys, the Microsoft app registration and cloud), reporting every
problem at once in one `SettingsError`. A group that only some commands need (SMTP, the email's
links, Google's endpoint, the workers, the console's sign-in) is checked when a command asks for it:
`settings.require(SmtpSettings, LinkSettings)` reports every problem of both groups in one
message. Each group reads its own variables through pydantic-settings (`groups`, `worker`);
the names and defaults are in `names` and documented in docs/*.md. Nothing here runs at import
time: the shells build a `Settings` and hand it on (`assistant.bootstrap`).

Must not import SQLAlchemy, cryptography, msal, httpx or anything of the pure core: reading
settings stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from assistant import datadir
from assistant.settings.checks import (
    normalise_authority_host,
    normalise_database_url,
    normalise_graph_url,
)
from assistant.settings.feeds import FeedSettings, feed_allowed_hosts
from assistant.settings.groups import (
    CalDavSettings,
    DatabaseSettings,
    G,
    GoogleSettings,
    Group,
    LinkSettings,
    MicrosoftSettings,
    SecretSettings,
    SettingsError,
    SmtpSettings,
    SmtpSettingsError,
    StoredSecretsSettings,
    default_data_dir,
    default_database_url,
)
from assistant.settings.names import (
    APP_NAME,
    BASE_URL_VARIABLE,
    BROKER_URL_VARIABLE,
    CALDAV_PASSWORD_VARIABLE,
    CLOCK_VARIABLE,
    DATABASE_FILE_NAME,
    DATABASE_URL_VARIABLE,
    DEBUG_VARIABLE,
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
    RESULT_BACKEND_VARIABLE,
    SECRET_KEYS_VARIABLE,
    SMTP_PLAIN_LOGIN,
    Security,
)
from assistant.settings.printing import CHROMIUM_VARIABLE, PrintSettings
from assistant.settings.signin import SignInSettings
from assistant.settings.worker import WorkerSettings

__all__ = [
    "APP_NAME",
    "BASE_URL_VARIABLE",
    "BROKER_URL_VARIABLE",
    "CALDAV_PASSWORD_VARIABLE",
    "CHROMIUM_VARIABLE",
    "CLOCK_VARIABLE",
    "DATABASE_FILE_NAME",
    "DATABASE_URL_VARIABLE",
    "DEBUG_VARIABLE",
    "DEFAULT_BASE_URL",
    "GOOGLE_API_ENDPOINT_VARIABLE",
    "GOOGLE_CLIENT_FILE_VARIABLE",
    "LINK_SECRET_MISSING",
    "LINK_SECRET_VARIABLE",
    "MICROSOFT_AUTHORITY_HOST",
    "MICROSOFT_AUTHORITY_HOST_VARIABLE",
    "MICROSOFT_CLIENT_ID_VARIABLE",
    "MICROSOFT_GRAPH_URL",
    "MICROSOFT_GRAPH_URL_VARIABLE",
    "MICROSOFT_SECRET_VARIABLE",
    "MICROSOFT_TENANT_VARIABLE",
    "RESULT_BACKEND_VARIABLE",
    "SECRET_KEYS_VARIABLE",
    "SMTP_PLAIN_LOGIN",
    "CalDavSettings",
    "DatabaseSettings",
    "FeedSettings",
    "GoogleSettings",
    "Group",
    "LinkSettings",
    "MicrosoftSettings",
    "PrintSettings",
    "SecretSettings",
    "Security",
    "Settings",
    "SettingsError",
    "SignInSettings",
    "SmtpSettings",
    "SmtpSettingsError",
    "StoredSecretsSettings",
    "WorkerSettings",
    "clock",
    "database_configured",
    "debug",
    "default_data_dir",
    "default_database_url",
    "feed_allowed_hosts",
    "normalise_authority_host",
    "normalise_database_url",
    "normalise_graph_url",
    "variables",
]


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
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        data_dir: Path | None = None,
        require: tuple[type[Group], ...] = (),
    ) -> Settings:
        """Read and check the settings, and the groups a command needs (`require`); raises one
        `SettingsError` naming every problem found in all of them, before anything starts."""
        snapshot = dict(os.environ if environ is None else environ)
        problems: list[str] = []
        database = DatabaseSettings.read(snapshot, problems)
        secrets = SecretSettings.read(snapshot, problems)
        microsoft = MicrosoftSettings.read(snapshot, problems)
        groups: dict[type[Group], Group] = {}
        for kind in require:
            if kind in cls.ALWAYS or kind in groups:
                continue
            group = kind.read(snapshot, problems)
            if group is not None:
                groups[kind] = group
        if database is None or secrets is None or microsoft is None or problems:
            raise SettingsError(problems)
        return cls(
            database=database,
            secrets=secrets,
            microsoft=microsoft,
            data_dir=data_dir,
            environ=snapshot,
            _groups=groups,
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

    def caldav(self) -> CalDavSettings:
        return self.group(CalDavSettings)

    def signin(self) -> SignInSettings:
        return self.group(SignInSettings)

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


def variables() -> frozenset[str]:
    """Every environment variable agenda-regie reads (the deployment files name each one)."""
    found = {CLOCK_VARIABLE, DEBUG_VARIABLE}
    todo: list[type[Group]] = [Group]
    while todo:
        for kind in todo.pop().__subclasses__():
            todo.append(kind)
            for info in kind.model_fields.values():
                if isinstance(info.validation_alias, str):
                    found.add(info.validation_alias)
    return frozenset(found)


database_configured = datadir.database_configured


def debug(environ: Mapping[str, str] | None = None) -> bool:
    """AGENDA_REGIE_DEBUG is set: a fault shows its traceback."""
    return bool((os.environ if environ is None else environ).get(DEBUG_VARIABLE))
