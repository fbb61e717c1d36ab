"""Microsoft authorisation with msal: scopes, the two flows, token caches, token sources.

Least privilege (DESIGN 9): delegated `Calendars.Read`, `Calendars.ReadWrite` only when write-back
is on; the `.Shared` variants for an assistant reading a leader's calendar with delegate rights.
Application permissions (`/.default`, admin consent, limited by an access policy) for an
organisation that connects all its leaders at once.

- `begin_sign_in` / `finish_sign_in`: the auth-code flow (`initiate_auth_code_flow` and
  `acquire_token_by_auth_code_flow`, which check state and nonce), from the CLI or a web callback.
- `DelegatedTokens`: a `TokenSource` over `acquire_token_silent_with_error` for workers; a refresh
  that Entra ID refuses (`invalid_grant`, `interaction_required` ...) is terminal:
  `NeedsReauthorisationError`, never retried.
- `ApplicationTokens`: a `TokenSource` over `acquire_token_for_client` (client credentials).
- `StoredAuthorisation`: what one connection keeps (mode, account, the serialised
  `SerializableTokenCache`), as bytes the caller encrypts. msal only changes the cache in memory;
  the caller persists it when `cache.has_state_changed`.

National clouds: the authority host and the Graph resource come from the settings. msal needs an
https authority; a host that is not one of msal's well-known Entra ID hosts (a private cloud, or a
local test double) gets `instance_discovery=False`, because msal would otherwise ask
login.microsoftonline.com to vouch for it and refuse it (`invalid_instance`). Scopes name the
Graph of the cloud in use (`https://graph.microsoft.us/.default` ...).

msal's own HTTP client is `requests` (it honours `REQUESTS_CA_BUNDLE`); tests inject a session
that points it at a local server, or run the local server with TLS and a private CA.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import msal
import requests

from connectors.microsoft.consent import check_application_access, said
from connectors.microsoft.errors import (
    MicrosoftAuthError,
    NeedsReauthorisationError,
    ServerFaultError,
)

GRAPH_RESOURCE = "https://graph.microsoft.com/"
APPLICATION_SCOPES = (GRAPH_RESOURCE + ".default",)
LOGIN_HOST = "https://login.microsoftonline.com"
# Seconds msal waits for Entra ID before giving up (msal's own default is to wait forever).
LOGIN_TIMEOUT_SECONDS = 30.0
# Answers after which only a person can help; anything else (a network fault, a 5xx) is retried.
TERMINAL_ERRORS = frozenset(
    {
        "invalid_grant",
        "interaction_required",
        "consent_required",
        "login_required",
        "invalid_client",
        "unauthorized_client",
        "invalid_scope",
    }
)
REAUTHORISE = "connect again with `agenda-regie connect microsoft --leader {leader}`"

Mode = Literal["delegated", "application"]


def graph_resource(graph_url: str) -> str:
    """The resource that scopes name for a Graph service root: `https://graph.microsoft.us/` for
    `https://graph.microsoft.us/v1.0`. A national cloud's tokens are for its own Graph."""
    parts = urlsplit(graph_url)
    return f"{parts.scheme}://{parts.netloc}/"


def delegated_scopes(
    *, write_back: bool, shared: bool = False, resource: str = GRAPH_RESOURCE
) -> list[str]:
    """`shared`: an assistant reads (and writes) a leader's calendar with delegate rights."""
    name = "Calendars.ReadWrite" if write_back else "Calendars.Read"
    return [resource + name + (".Shared" if shared else "")]


def application_scopes(resource: str = GRAPH_RESOURCE) -> tuple[str, ...]:
    """The application permissions granted to the app (admin consent), for `resource`'s Graph."""
    return (resource + ".default",)


@dataclass(frozen=True)
class AppRegistration:
    """The app registered in Entra ID. Without a secret it is a public client (desktop flow)."""

    client_id: str
    tenant: str = "organizations"
    client_secret: str | None = field(default=None, repr=False)
    authority_host: str = LOGIN_HOST

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant}"

    @property
    def instance_discovery(self) -> bool | None:
        """None (msal's default) for msal's well-known hosts; False for any other host.

        msal skips instance discovery for its well-known hosts (the global service and the
        national clouds) anyway; for any other host it asks login.microsoftonline.com, which
        refuses hosts it does not know. The operator configured this host on purpose, which is
        the case msal's documentation gives for turning the discovery off.
        """
        host = (urlsplit(self.authority_host).hostname or "").lower()
        return None if host in msal.authority.WELL_KNOWN_AUTHORITY_HOSTS else False


def load_cache(text: str | None) -> msal.SerializableTokenCache:
    cache = msal.SerializableTokenCache()
    if text:
        cache.deserialize(text)
    return cache


def make_app(
    registration: AppRegistration,
    cache: msal.SerializableTokenCache,
    *,
    http_client: Any = None,
    http_cache: dict[Any, Any] | None = None,
) -> msal.ClientApplication:
    """A confidential client when there is a secret, a public one otherwise; one per connection.

    `http_cache`: one dict per process, so OpenID discovery is not fetched again for each app.
    """
    common: dict[str, Any] = {
        "authority": registration.authority,
        "token_cache": cache,
        "http_client": http_client,
        "http_cache": http_cache,
        "instance_discovery": registration.instance_discovery,
        "timeout": LOGIN_TIMEOUT_SECONDS,
    }
    try:
        if registration.client_secret:
            return msal.ConfidentialClientApplication(
                registration.client_id, client_credential=registration.client_secret, **common
            )
        return msal.PublicClientApplication(registration.client_id, **common)
    except (ValueError, requests.RequestException) as error:
        raise MicrosoftAuthError(
            registration.authority,
            "the app registration cannot be used: %(reason)s",
            values={"reason": error},
        ) from None


def begin_sign_in(
    app: msal.ClientApplication,
    scopes: Sequence[str],
    *,
    redirect_uri: str,
    login_hint: str | None = None,
) -> dict[str, Any]:
    """The flow to keep until the redirect comes back; send the browser to `flow["auth_uri"]`.

    The answer comes as a form POST to `redirect_uri` (`response_mode=form_post`, what msal and
    RFC 9700 recommend: the code never appears in a URL or a browser's history).
    """
    flow: dict[str, Any] = app.initiate_auth_code_flow(
        list(scopes),
        redirect_uri=redirect_uri,
        login_hint=login_hint,
        prompt="select_account",
        response_mode="form_post",
    )
    if "error" in flow:
        raise MicrosoftAuthError("Microsoft sign-in", said(flow))
    return flow


def finish_sign_in(
    app: msal.ClientApplication, flow: Mapping[str, Any], auth_response: Mapping[str, str]
) -> str:
    """Redeem the code from the redirect; the signed-in account's username. Tokens go to the
    app's cache (persist it)."""
    try:
        result = app.acquire_token_by_auth_code_flow(dict(flow), dict(auth_response))
    except ValueError as error:  # state mismatch (CSRF) or a reused flow
        raise MicrosoftAuthError(
            "Microsoft sign-in", "the answer does not fit: %(reason)s", values={"reason": error}
        ) from None
    except requests.RequestException as error:
        raise MicrosoftAuthError(
            "Microsoft sign-in", "Entra ID unreachable: %(reason)s", values={"reason": error}
        ) from None
    if result.get("error") in {"access_denied", "consent_required"}:
        raise MicrosoftAuthError(
            "Microsoft sign-in",
            "the permissions were not granted (%(said)s); sign in again and accept them, or ask "
            "an administrator to grant admin consent (docs/microsoft.md, Admin consent)",
            values={"said": said(result)},
        )
    if "access_token" not in result:
        raise MicrosoftAuthError("Microsoft sign-in", said(result))
    username = (result.get("id_token_claims") or {}).get("preferred_username")
    if not isinstance(username, str) or not username:
        raise MicrosoftAuthError("Microsoft sign-in", "Entra ID did not say who signed in")
    return username.lower()


class DelegatedTokens:
    """Tokens of one signed-in account from the cache, refreshed silently. Thread-safe."""

    def __init__(
        self, app: msal.ClientApplication, scopes: Sequence[str], username: str, *, leader: str
    ) -> None:
        self._app = app
        self._scopes = list(scopes)
        self._username = username
        self._leader = leader
        self._lock = threading.Lock()

    def __call__(self, *, force_refresh: bool = False) -> str:
        where = f"Microsoft sign-in of {self._username}"
        with self._lock:
            try:
                accounts = self._app.get_accounts(username=self._username)
                if not accounts:
                    raise NeedsReauthorisationError(
                        where, f"no stored sign-in; {REAUTHORISE.format(leader=self._leader)}"
                    )
                result = self._app.acquire_token_silent_with_error(
                    self._scopes, accounts[0], force_refresh=force_refresh
                )
            except requests.RequestException as error:
                raise ServerFaultError(where, f"Entra ID unreachable: {error}") from None
        return _token(result, where, self._leader)


class ApplicationTokens:
    """App-only tokens (client credentials); msal serves them from its cache until they expire."""

    def __init__(
        self,
        app: msal.ConfidentialClientApplication,
        *,
        leader: str,
        scopes: Sequence[str] = APPLICATION_SCOPES,
    ) -> None:
        self._app = app
        self._leader = leader
        self._scopes = list(scopes)
        self._lock = threading.Lock()

    def __call__(self, *, force_refresh: bool = False) -> str:
        where = "Microsoft application sign-in"
        with self._lock:
            try:
                if force_refresh:
                    self._app.remove_tokens_for_client()
                result = self._app.acquire_token_for_client(scopes=self._scopes)
            except requests.RequestException as error:
                raise ServerFaultError(where, f"Entra ID unreachable: {error}") from None
        return _token(result, where, self._leader)


@dataclass(frozen=True)
class StoredAuthorisation:
    """What a connection keeps, encrypted by the caller: how it signs in, and msal's cache."""

    mode: Mode
    username: str | None
    scopes: tuple[str, ...]
    cache_text: str = field(repr=False)

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "mode": self.mode,
                "username": self.username,
                "scopes": list(self.scopes),
                "cache": self.cache_text,
            }
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> StoredAuthorisation:
        try:
            info = json.loads(data.decode("utf-8"))
            mode = info["mode"]
            if mode not in ("delegated", "application"):
                raise ValueError(f"unknown mode {mode!r}")
            return cls(mode, info.get("username"), tuple(info["scopes"]), info.get("cache") or "")
        except (ValueError, KeyError, TypeError) as error:
            raise MicrosoftAuthError(
                "stored Microsoft authorisation",
                "not readable: %(reason)s",
                values={"reason": error},
            ) from None


def token_source(
    stored: StoredAuthorisation,
    registration: AppRegistration,
    cache: msal.SerializableTokenCache,
    *,
    leader: str,
    http_client: Any = None,
    http_cache: dict[Any, Any] | None = None,
) -> DelegatedTokens | ApplicationTokens:
    app = make_app(registration, cache, http_client=http_client, http_cache=http_cache)
    if stored.mode == "application":
        if not isinstance(app, msal.ConfidentialClientApplication):
            raise MicrosoftAuthError(
                registration.authority, "application permissions need a client secret"
            )
        return ApplicationTokens(app, leader=leader, scopes=stored.scopes or APPLICATION_SCOPES)
    if not stored.username:
        raise MicrosoftAuthError("stored Microsoft authorisation", "no account is named")
    return DelegatedTokens(app, stored.scopes, stored.username, leader=leader)


def _token(result: Mapping[str, Any] | None, where: str, leader: str) -> str:
    if result is None:
        raise NeedsReauthorisationError(
            where, f"no usable token is stored; {REAUTHORISE.format(leader=leader)}"
        )
    token = result.get("access_token")
    if isinstance(token, str) and token:
        return token
    if result.get("error") in TERMINAL_ERRORS:
        raise NeedsReauthorisationError(
            where,
            f"Entra ID refused the stored sign-in ({said(result)}); "
            f"{REAUTHORISE.format(leader=leader)}",
        )
    raise ServerFaultError(where, f"Entra ID gave no token: {said(result)}")


__all__ = [
    "APPLICATION_SCOPES",
    "AppRegistration",
    "ApplicationTokens",
    "DelegatedTokens",
    "MicrosoftAuthError",
    "StoredAuthorisation",
    "application_scopes",
    "begin_sign_in",
    "check_application_access",
    "delegated_scopes",
    "finish_sign_in",
    "graph_resource",
    "load_cache",
    "make_app",
    "token_source",
]
