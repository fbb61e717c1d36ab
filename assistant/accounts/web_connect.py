"""Connecting a leader's Google or Microsoft 365 calendar from a web page: the provider's
authorisation-code flow, begun in the leader's browser and finished at a web callback
(`<base URL>/connect/<provider>/callback`). The token is stored as `agenda-regie connect` stores
it (`connect_google`, `connect_microsoft`: encrypted with the connection).

`begin` gives the provider's address and what must come back with the answer (state, PKCE
verifier, msal's nonce): the caller keeps that server-side and hands it to `finish` once.
`finish` checks the state, redeems the code and stores the connection; a refusal on the
provider's page (access_denied) is a `ConnectRefused` and stores nothing.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from assistant.accounts.google import connect_google
from assistant.accounts.graph_access import registration_from_settings
from assistant.accounts.microsoft import connect_microsoft
from assistant.errors import UserError
from assistant.settings import GOOGLE_CLIENT_FILE_VARIABLE, Settings
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine
from connectors.google import auth as google_auth
from connectors.microsoft import auth as microsoft_auth
from connectors.microsoft.errors import MicrosoftAuthError


class ConnectRefused(UserError):
    """The leader did not allow access on the provider's page; nothing was stored."""


class ConnectFailed(UserError):
    """The provider's answer did not fit (state, code) or could not be redeemed."""


@dataclass(frozen=True)
class Begun:
    url: str
    state: str
    pending: dict[str, Any] = field(repr=False)


class WebConnector(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def origin(self) -> str:
        """Where the leader's browser goes to consent (for the page's form-action policy)."""
        ...

    def begin(self, redirect_uri: str, login_hint: str) -> Begun: ...

    def finish(
        self,
        engine: Engine,
        cipher: SecretBox,
        *,
        leader: str,
        pending: Mapping[str, Any],
        answer: Mapping[str, str],
        redirect_uri: str,
        now: datetime,
    ) -> str:
        """Store the connection; the account connected."""
        ...


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _refused(answer: Mapping[str, str]) -> None:
    error = answer.get("error")
    if error in {"access_denied", "consent_required"}:
        raise ConnectRefused(
            "access was not allowed on the provider's page (%(error)s)", error=error
        )
    if error:
        raise ConnectFailed("the provider answered %(error)s", error=error[:100])


@dataclass(frozen=True)
class GoogleWebConnector:
    """Google's web-server flow with the scopes `connect google` asks (PKCE, offline access)."""

    client_config: Mapping[str, Any] = field(repr=False)
    write_back: bool = False
    name: str = "google"

    @property
    def origin(self) -> str:
        client: Mapping[str, Any] = next(iter(self.client_config.values()), {})
        return _origin(str(client.get("auth_uri", "https://accounts.google.com")))

    def _flow(self, redirect_uri: str, verifier: str, state: str | None = None) -> Any:
        from google_auth_oauthlib.flow import Flow

        return Flow.from_client_config(
            dict(self.client_config),
            google_auth.scopes(write_back=self.write_back),
            redirect_uri=redirect_uri,
            state=state,
            code_verifier=verifier,
            autogenerate_code_verifier=False,
        )

    def begin(self, redirect_uri: str, login_hint: str) -> Begun:
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        url, _ = self._flow(redirect_uri, verifier, state).authorization_url(
            access_type="offline", prompt="consent", login_hint=login_hint
        )
        return Begun(str(url), state, {"state": state, "code_verifier": verifier})

    def finish(
        self,
        engine: Engine,
        cipher: SecretBox,
        *,
        leader: str,
        pending: Mapping[str, Any],
        answer: Mapping[str, str],
        redirect_uri: str,
        now: datetime,
    ) -> str:
        if not hmac.compare_digest(str(pending["state"]), answer.get("state", "")):
            raise ConnectFailed("the answer does not fit the sign-in that was begun (state)")
        _refused(answer)
        flow = self._flow(redirect_uri, str(pending["code_verifier"]), str(pending["state"]))
        try:
            flow.fetch_token(code=answer.get("code", ""))
        except Exception as error:  # oauthlib and requests raise errors of many kinds
            raise ConnectFailed("Google refused the code: %(reason)s", reason=error) from None
        credentials = flow.credentials
        if not credentials.refresh_token:
            raise ConnectFailed("Google gave no refresh token")
        connect_google(engine, leader, leader, credentials, cipher, now=now)
        return leader


@dataclass(frozen=True)
class MicrosoftWebConnector:
    """msal's auth-code flow (state, nonce and PKCE checked by msal); the answer comes as a
    form POST. A confidential client (a client secret) is what a web callback needs."""

    registration: microsoft_auth.AppRegistration
    resource: str = microsoft_auth.GRAPH_RESOURCE
    write_back: bool = False
    http_client: Any = None
    name: str = "microsoft"

    @property
    def origin(self) -> str:
        return _origin(self.registration.authority_host)

    @property
    def scopes(self) -> list[str]:
        return microsoft_auth.delegated_scopes(write_back=self.write_back, resource=self.resource)

    def begin(self, redirect_uri: str, login_hint: str) -> Begun:
        app = microsoft_auth.make_app(
            self.registration, microsoft_auth.load_cache(None), http_client=self.http_client
        )
        try:
            flow = microsoft_auth.begin_sign_in(
                app, self.scopes, redirect_uri=redirect_uri, login_hint=login_hint
            )
        except MicrosoftAuthError as error:
            raise ConnectFailed(
                "the sign-in with Microsoft failed: %(reason)s", reason=error
            ) from None
        return Begun(str(flow["auth_uri"]), str(flow["state"]), dict(flow))

    def finish(
        self,
        engine: Engine,
        cipher: SecretBox,
        *,
        leader: str,
        pending: Mapping[str, Any],
        answer: Mapping[str, str],
        redirect_uri: str,
        now: datetime,
    ) -> str:
        if not hmac.compare_digest(str(pending.get("state", "")), answer.get("state", "")):
            raise ConnectFailed("the answer does not fit the sign-in that was begun (state)")
        _refused(answer)
        cache = microsoft_auth.load_cache(None)
        app = microsoft_auth.make_app(self.registration, cache, http_client=self.http_client)
        try:
            username = microsoft_auth.finish_sign_in(app, pending, answer)
        except MicrosoftAuthError as error:
            raise ConnectFailed(
                "the sign-in with Microsoft failed: %(reason)s", reason=error
            ) from None
        if username != leader:
            raise ConnectFailed(
                "signed in as %(username)s, not as %(leader)s", username=username, leader=leader
            )
        stored = microsoft_auth.StoredAuthorisation(
            "delegated", username, tuple(self.scopes), cache.serialize()
        )
        connect_microsoft(engine, leader, stored, cipher, now=now)
        return username


def web_connectors(settings: Settings) -> dict[str, WebConnector]:
    """The providers a leader's link offers, as the settings allow: Google when
    AGENDA_REGIE_GOOGLE_CLIENT_FILE names a web application's OAuth client, Microsoft 365 when
    the Entra ID app has a client secret (a web callback needs a confidential client)."""
    found: dict[str, WebConnector] = {}
    path = settings.google().client_file
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise google_auth.GoogleAuthError(
                GOOGLE_CLIENT_FILE_VARIABLE,
                "cannot read %(path)s: %(reason)s",
                values={"path": path, "reason": error.strerror or error},
            ) from None
        found["google"] = GoogleWebConnector(google_auth.client_config_from_json(text, path))
    if settings.microsoft_client_id and settings.microsoft_client_secret:
        found["microsoft"] = MicrosoftWebConnector(
            registration_from_settings(settings),
            resource=microsoft_auth.graph_resource(settings.microsoft_graph_url),
        )
    return found
