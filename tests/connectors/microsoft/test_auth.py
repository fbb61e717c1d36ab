"""msal for real (discovery, token endpoint, cache, refresh) against the fake Entra ID, and the
`connect microsoft` command line."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

from assistant.cli.microsoft import add_microsoft_provider, connect_microsoft_command
from connectors.microsoft.auth import (
    APPLICATION_SCOPES,
    ApplicationTokens,
    AppRegistration,
    DelegatedTokens,
    MicrosoftAuthError,
    StoredAuthorisation,
    begin_sign_in,
    delegated_scopes,
    finish_sign_in,
    load_cache,
    make_app,
    token_source,
)
from connectors.microsoft.errors import NeedsReauthorisationError
from tests.contracts.source import ME
from tests.fakes.microsoft_graph import FakeGraph

TENANT = "tenant1"
REDIRECT = "http://localhost:8400/"


class Rewriting(requests.Session):
    """Sends msal's requests for login.microsoftonline.com to the fake."""

    def __init__(self, local: str) -> None:
        super().__init__()
        self.local = local

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(str(url))
        if parts.hostname == "login.microsoftonline.com":
            url = self.local + parts.path + ("?" + parts.query if parts.query else "")
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def session(fake: FakeGraph) -> Iterator[Rewriting]:
    with Rewriting(fake.url) as rewriting:
        yield rewriting


def registration(secret: str | None = "secret") -> AppRegistration:
    return AppRegistration("client-1", TENANT, secret)


def token_posts(fake: FakeGraph) -> int:
    return fake.count("POST", "/oauth2/v2.0/token")


def signed_in(fake: FakeGraph, session: Rewriting, secret: str | None = "secret") -> str:
    """Sign in through the auth-code flow; the serialised cache."""
    cache = load_cache(None)
    app = make_app(registration(secret), cache, http_client=session)
    flow = begin_sign_in(
        app, delegated_scopes(write_back=True), redirect_uri=REDIRECT, login_hint=ME
    )
    username = finish_sign_in(app, flow, fake.approve(flow["auth_uri"]))
    assert username == ME
    assert cache.has_state_changed
    text: str = cache.serialize()
    return text


def test_scopes_are_least_privilege() -> None:
    assert delegated_scopes(write_back=False) == ["https://graph.microsoft.com/Calendars.Read"]
    assert delegated_scopes(write_back=True, shared=True) == [
        "https://graph.microsoft.com/Calendars.ReadWrite.Shared"
    ]
    assert APPLICATION_SCOPES == ("https://graph.microsoft.com/.default",)


def test_the_auth_code_flow_asks_the_right_page_and_checks_the_state(
    fake: FakeGraph, session: Rewriting
) -> None:
    app = make_app(registration(None), load_cache(None), http_client=session)
    flow = begin_sign_in(
        app, delegated_scopes(write_back=False), redirect_uri=REDIRECT, login_hint=ME
    )

    url = urlsplit(flow["auth_uri"])
    query = parse_qs(url.query)
    assert (url.hostname, url.path) == (
        "login.microsoftonline.com",
        f"/{TENANT}/oauth2/v2.0/authorize",
    )
    assert query["login_hint"] == [ME]
    assert "offline_access" in query["scope"][0]
    assert "code_challenge" in query  # PKCE
    assert query["response_mode"] == ["form_post"]
    with pytest.raises(MicrosoftAuthError, match="does not fit"):
        finish_sign_in(app, flow, {"code": "good-code", "state": "forged"})


def test_a_refused_code_is_a_clear_error(fake: FakeGraph, session: Rewriting) -> None:
    app = make_app(registration(), load_cache(None), http_client=session)
    flow = begin_sign_in(app, delegated_scopes(write_back=True), redirect_uri=REDIRECT)

    with pytest.raises(MicrosoftAuthError, match="invalid_grant"):
        finish_sign_in(app, flow, fake.approve(flow["auth_uri"], code="bad-code"))


def test_a_worker_uses_the_cache_then_refreshes_and_the_cache_changes(
    fake: FakeGraph, session: Rewriting
) -> None:
    text = signed_in(fake, session)
    signed_in_posts = token_posts(fake)
    cache = load_cache(text)
    tokens = DelegatedTokens(
        make_app(registration(), cache, http_client=session),
        delegated_scopes(write_back=True),
        ME,
        leader=ME,
    )

    first = tokens()
    assert token_posts(fake) == signed_in_posts  # from the cache, no request
    assert not cache.has_state_changed

    fresh = tokens(force_refresh=True)
    assert fresh != first
    assert token_posts(fake) == signed_in_posts + 1
    refresh_form = fake.requests[-1]
    assert refresh_form.method == "POST"
    assert cache.has_state_changed  # persist it
    assert tokens() == fresh


def test_a_revoked_refresh_token_needs_reauthorisation_and_says_so(
    fake: FakeGraph, session: Rewriting
) -> None:
    cache = load_cache(signed_in(fake, session))
    tokens = DelegatedTokens(
        make_app(registration(), cache, http_client=session),
        delegated_scopes(write_back=True),
        ME,
        leader=ME,
    )
    fake.revoked = True

    with pytest.raises(NeedsReauthorisationError, match="invalid_grant") as raised:
        tokens(force_refresh=True)
    assert f"connect microsoft --leader {ME}" in str(raised.value)


def test_an_empty_cache_needs_reauthorisation(fake: FakeGraph, session: Rewriting) -> None:
    tokens = DelegatedTokens(
        make_app(registration(), load_cache(None), http_client=session),
        delegated_scopes(write_back=True),
        ME,
        leader=ME,
    )

    with pytest.raises(NeedsReauthorisationError, match="no stored sign-in"):
        tokens()
    assert token_posts(fake) == 0


def test_client_credentials_are_cached_and_renewed_on_request(
    fake: FakeGraph, session: Rewriting
) -> None:
    cache = load_cache(None)
    app = make_app(registration(), cache, http_client=session)
    assert isinstance(app, msal.ConfidentialClientApplication)
    tokens = ApplicationTokens(app, leader=ME)

    first, second = tokens(), tokens()
    renewed = tokens(force_refresh=True)

    assert first == second != renewed
    assert token_posts(fake) == 2
    assert cache.has_state_changed


def test_an_expired_client_secret_needs_reauthorisation(
    fake: FakeGraph, session: Rewriting
) -> None:
    app = make_app(registration("expired"), load_cache(None), http_client=session)
    assert isinstance(app, msal.ConfidentialClientApplication)

    with pytest.raises(NeedsReauthorisationError, match="invalid_client"):
        ApplicationTokens(app, leader=ME)()


def test_the_stored_authorisation_round_trips_and_builds_its_token_source(
    fake: FakeGraph, session: Rewriting
) -> None:
    stored = StoredAuthorisation("delegated", ME, tuple(delegated_scopes(write_back=True)), "{}")
    again = StoredAuthorisation.from_bytes(stored.to_bytes())

    assert again == stored
    assert "cache_text" not in repr(again)
    assert isinstance(
        token_source(again, registration(), load_cache(None), leader=ME, http_client=session),
        DelegatedTokens,
    )
    app_only = StoredAuthorisation("application", None, APPLICATION_SCOPES, "")
    with pytest.raises(MicrosoftAuthError, match="need a client secret"):
        token_source(app_only, registration(None), load_cache(None), leader=ME, http_client=session)
    with pytest.raises(MicrosoftAuthError, match="not readable"):
        StoredAuthorisation.from_bytes(b'{"mode": "magic"}')


def test_connect_microsoft_registers_under_connect_and_needs_an_app() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    connect = commands.add_parser("connect")
    add_microsoft_provider(connect.add_subparsers(dest="connect_provider", required=True))
    args = parser.parse_args(["connect", "microsoft", "--leader", "L@example.org", "--write-back"])

    assert (args.command, args.connect_provider, args.write_back) == ("connect", "microsoft", True)
    with pytest.raises(MicrosoftAuthError, match="AGENDA_REGIE_MICROSOFT_CLIENT_ID"):
        connect_microsoft_command(args, environ={})
