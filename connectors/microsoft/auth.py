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

msal's own HTTP client is `requests`; tests inject a session that points it at a local server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msal
import requests

from connectors.errors import ConnectorError
from connectors.microsoft.errors import NeedsReauthorisationError, ServerFaultError

GRAPH_RESOURCE = "https://graph.microsoft.com/"
APPLICATION_SCOPES = (GRAPH_RESOURCE + ".default",)
LOGIN_HOST = "https://login.microsoftonline.com"
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


class MicrosoftAuthError(ConnectorError):
    """Authorisation could not be set up (no app registration, flow refused or abandoned)."""


def delegated_scopes(*, write_back: bool, shared: bool = False) -> list[str]:
    """`shared`: an assistant reads (and writes) a leader's calendar with delegate rights."""
    name = "Calendars.ReadWrite" if write_back else "Calendars.Read"
    return [GRAPH_RESOURCE + name + (".Shared" if shared else "")]


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
    }
    try:
        if registration.client_secret:
            return msal.ConfidentialClientApplication(
                registration.client_id, client_credential=registration.client_secret, **common
            )
        return msal.PublicClientApplication(registration.client_id, **common)
    except (ValueError, requests.RequestException) as error:
        raise MicrosoftAuthError(
            registration.authority, f"the app registration cannot be used: {error}"
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
        raise MicrosoftAuthError("Microsoft sign-in", _said(flow))
    return flow


def finish_sign_in(
    app: msal.ClientApplication, flow: Mapping[str, Any], auth_response: Mapping[str, str]
) -> str:
    """Redeem the code from the redirect; the signed-in account's username. Tokens go to the
    app's cache (persist it)."""
    try:
        result = app.acquire_token_by_auth_code_flow(dict(flow), dict(auth_response))
    except ValueError as error:  # state mismatch (CSRF) or a reused flow
        raise MicrosoftAuthError("Microsoft sign-in", f"the answer does not fit: {error}") from None
    except requests.RequestException as error:
        raise MicrosoftAuthError("Microsoft sign-in", f"Entra ID unreachable: {error}") from None
    if "access_token" not in result:
        raise MicrosoftAuthError("Microsoft sign-in", _said(result))
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

    def __init__(self, app: msal.ConfidentialClientApplication, *, leader: str) -> None:
        self._app = app
        self._leader = leader
        self._lock = threading.Lock()

    def __call__(self, *, force_refresh: bool = False) -> str:
        where = "Microsoft application sign-in"
        with self._lock:
            try:
                if force_refresh:
                    self._app.remove_tokens_for_client()
                result = self._app.acquire_token_for_client(scopes=list(APPLICATION_SCOPES))
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
                "stored Microsoft authorisation", f"not readable: {error}"
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
        return ApplicationTokens(app, leader=leader)
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
            f"Entra ID refused the stored sign-in ({_said(result)}); "
            f"{REAUTHORISE.format(leader=leader)}",
        )
    raise ServerFaultError(where, f"Entra ID gave no token: {_said(result)}")


def _said(result: Mapping[str, Any]) -> str:
    description = str(result.get("error_description") or "").splitlines()
    return f"{result.get('error', 'error')}: {description[0] if description else 'no details'}"


__all__ = [
    "APPLICATION_SCOPES",
    "AppRegistration",
    "ApplicationTokens",
    "DelegatedTokens",
    "MicrosoftAuthError",
    "StoredAuthorisation",
    "begin_sign_in",
    "delegated_scopes",
    "finish_sign_in",
    "load_cache",
    "make_app",
    "token_source",
]
