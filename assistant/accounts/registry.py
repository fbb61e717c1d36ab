"""The one registry of calendar providers: which `Account` serves a connection's provider.

Everything outside this package asks the registry by the connection's provider name and gets an
object that syncs, writes and withdraws; nobody outside it decides by `if provider == ...` or
imports a provider package. Adding a provider is a connector package, an adapter module here
(about 100 lines, like `google.py`) and one line in `ACCOUNTS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from assistant.accounts.cache import SyncOutcome
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine
from connectors import ClassifyOptions
from connectors.backoff import RetryPolicy
from connectors.model import Block
from rules.model import FocusTime

if TYPE_CHECKING:
    from assistant.accounts.graph_access import GraphAccess
    from connectors.caldav.throttle import ServerSlots as ServerSlots


class AccountNotSetUpError(Exception):
    """This process cannot reach the provider (e.g. no Entra ID app registration)."""


class CalendarAccount(Protocol):
    """A provider's connections, as the use cases see them."""

    def sync(
        self,
        engine: Engine,
        connection_id: int,
        *,
        cipher: SecretBox,
        now: datetime,
        options: ClassifyOptions | None = None,
    ) -> SyncOutcome: ...

    def write(
        self,
        engine: Engine,
        connection_id: int,
        block: Block,
        *,
        cipher: SecretBox,
        focus_time: FocusTime,
    ) -> str:
        """Write one accepted block (idempotent by key and generation); the event's id."""
        ...

    def withdraw(
        self, engine: Engine, connection_id: int, key: str, generation: int, *, cipher: SecretBox
    ) -> bool:
        """Delete a withdrawn block; False when it was not there."""
        ...


@dataclass(frozen=True)
class ProviderAccess:
    """How this process reaches each provider; built once per process from the settings.

    `retry_policy`: each call's retries (None: each connector's own); `google_gate` wraps every
    Google HTTP attempt (the workers take a token from a shared budget there); `sleep` takes the
    pauses between attempts (tests hand in a fake)."""

    google_api_endpoint: str | None = None
    google_retry: RetryPolicy | None = None
    google_gate: Callable[[int], None] | None = None
    microsoft: GraphAccess | None = None
    microsoft_retry: RetryPolicy | None = None
    sleep: Callable[[float], None] = field(default=time.sleep)
    google_service_factory: Callable[[Any], Any] | None = None
    # CalDAV: the in-flight limit per server (None: this process's own) and the retries.
    caldav_slots: ServerSlots | None = None
    caldav_retry: RetryPolicy | None = None


def _google(access: ProviderAccess) -> CalendarAccount:
    from assistant.accounts.google import GoogleAccount, service_factory

    return GoogleAccount(
        service_factory=access.google_service_factory
        or service_factory(access.google_api_endpoint),
        retry_policy=access.google_retry,
        gate=access.google_gate,
        sleep=access.sleep,
    )


def _microsoft(access: ProviderAccess) -> CalendarAccount:
    from assistant.accounts.microsoft import MicrosoftAccount
    from assistant.settings import MICROSOFT_CLIENT_ID_VARIABLE

    if access.microsoft is None:
        raise AccountNotSetUpError(
            f"Microsoft 365 is not set up: set {MICROSOFT_CLIENT_ID_VARIABLE} (docs/microsoft.md)"
        )
    return MicrosoftAccount(
        access.microsoft, retry_policy=access.microsoft_retry, sleep=access.sleep
    )


def _ics(access: ProviderAccess) -> CalendarAccount:
    from assistant.accounts.ics import IcsAccount

    return IcsAccount()


def _caldav(access: ProviderAccess) -> CalendarAccount:
    from assistant.accounts.caldav import CalDavAccount

    return CalDavAccount(access.caldav_slots, access.caldav_retry, access.sleep)


# The registry: a connection's provider name -> its account. Imports happen on first use, so a
# process that never meets a provider never loads its SDK.
ACCOUNTS: dict[str, Callable[[ProviderAccess], CalendarAccount]] = {
    "google": _google,
    "microsoft": _microsoft,
    "ics": _ics,
    "caldav": _caldav,
}
# Providers that are only read: an accepted block reaches such a leader as an .ics to import.
READ_ONLY = frozenset({"ics"})
# The providers whose connections are synced into the event cache.
SYNCED_PROVIDERS = tuple(ACCOUNTS)
# The providers accepted blocks are written to.
WRITABLE_PROVIDERS = tuple(provider for provider in ACCOUNTS if provider not in READ_ONLY)


def _describe_ics(sync_state: str | None) -> str:
    from assistant.accounts.ics import describe

    return describe(sync_state)


# What `status` adds to a connection's line, per provider (what its syncs cost).
DESCRIBE: dict[str, Callable[[str | None], str]] = {"ics": _describe_ics}


def account_for(provider: str, access: ProviderAccess) -> CalendarAccount:
    """The account for `provider`; `AccountNotSetUpError` when this process cannot reach it."""
    try:
        make = ACCOUNTS[provider]
    except KeyError:
        raise AccountNotSetUpError(f"no calendar account serves provider {provider!r}") from None
    return make(access)
