"""How this process reaches Microsoft Graph and Entra ID, from the settings, for every shell.

The app registration, the cloud (global or national), and one httpx client with timeouts,
shared by every Microsoft 365 connection of the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant.settings import MICROSOFT_CLIENT_ID_VARIABLE, Settings
from connectors.microsoft.auth import (
    AppRegistration,
    MicrosoftAuthError,
)
from connectors.microsoft.graph import GRAPH_URL
from connectors.microsoft.throttle import PROCESS_LIMITER, MailboxSlots
from connectors.microsoft.throttle import RetryPolicy as GraphRetryPolicy


@dataclass(frozen=True)
class GraphAccess:
    """How this process reaches Graph and Entra ID (from the settings; fakes in tests)."""

    registration: AppRegistration
    http: httpx.Client
    graph_url: str = GRAPH_URL
    login_http_client: Any = None  # msal's HTTP client; None: msal makes its own
    limiter: MailboxSlots = PROCESS_LIMITER
    # msal's HTTP cache (OpenID discovery ...), shared by every connection in this process.
    login_http_cache: dict[Any, Any] = field(default_factory=dict)


def registration_from_settings(settings: Settings) -> AppRegistration:
    """The Entra ID app registration the settings describe; a clear error when there is none."""
    if settings.microsoft_client_id is None:
        raise MicrosoftAuthError(
            "Microsoft 365",
            "set %(variable)s to the application (client) id of the app registered in Entra ID "
            "(docs/microsoft.md)",
            values={"variable": MICROSOFT_CLIENT_ID_VARIABLE},
        )
    return AppRegistration(
        settings.microsoft_client_id,
        settings.microsoft_tenant,
        settings.microsoft_client_secret,
        authority_host=settings.microsoft_authority_host,
    )


def graph_access_from_settings(
    settings: Settings,
    *,
    limiter: MailboxSlots = PROCESS_LIMITER,
    login_http_client: Any = None,
    timeout: httpx.Timeout | None = None,
) -> GraphAccess:
    """Graph and Entra ID as the settings describe them, for any shell (CLI, workers, web).

    One per process: the httpx client pools connections and msal's discovery cache is shared.
    The caller closes `access.http` when the process is done with it. `limiter`: the per-mailbox
    in-flight limit (this process's by default; workers hand in one shared through Redis).
    `login_http_client`: msal's HTTP client (a `requests.Session`); None lets msal make its own,
    which trusts `REQUESTS_CA_BUNDLE`. `timeout`: each wait of a Graph request (`GRAPH_TIMEOUT`
    by default); `GraphClient` ends a request at a deadline derived from it, so a mailbox slot is
    held at most `longest_request_seconds(timeout)` (the workers' slot lease is above it).
    """
    from connectors.microsoft.graph import GRAPH_TIMEOUT

    return GraphAccess(
        registration_from_settings(settings),
        httpx.Client(
            timeout=timeout or GRAPH_TIMEOUT,
            headers={"User-Agent": "agenda-regie"},
            follow_redirects=False,  # a token is never carried to another host
        ),
        graph_url=settings.microsoft_graph_url,
        login_http_client=login_http_client,
        limiter=limiter,
    )


__all__ = [
    "GraphAccess",
    "GraphRetryPolicy",
    "MailboxSlots",
    "graph_access_from_settings",
    "registration_from_settings",
]
