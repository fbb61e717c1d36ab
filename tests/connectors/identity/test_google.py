"""Google Workspace sign-in: only accounts of the organisation's Workspace domains, by an
address Google vouches for; discovery checked and time bounded."""

from __future__ import annotations

import time

import pytest
import requests

from connectors.identity.base import SignInError
from tests.connectors.identity.conftest import Setup, closed_port, google_provider
from tests.connectors.identity.test_sign_in import refusal
from tests.fakes.oidc_server import FakeOidcProvider


def test_an_account_of_another_workspace_is_refused(google: Setup) -> None:
    google.server.changes["hd"] = "competitor.example"
    error = str(refusal(google))
    assert "Workspace of competitor.example, not to one of the organisation's domains" in error


def test_a_personal_google_account_is_refused(google: Setup) -> None:
    google.server.changes["hd"] = None
    google.server.changes["email"] = "anna@gmail.example"
    assert "personal Google account cannot sign in" in str(refusal(google))


@pytest.mark.parametrize("verified", [False, None, "true"])
def test_an_address_google_does_not_vouch_for_is_refused(google: Setup, verified: object) -> None:
    """`email_verified` must be true itself: false, missing or a string are refused."""
    google.server.changes["email_verified"] = verified
    assert "does not vouch for the account's address (email_verified)" in str(refusal(google))


def test_an_access_token_that_does_not_fit_the_id_token_is_refused(google: Setup) -> None:
    google.server.changes["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
    assert "at_hash" in str(refusal(google))


def test_the_hosted_domain_is_asked_for_and_any_of_several_is_let_in(
    google_server: FakeOidcProvider,
) -> None:
    one = Setup(google_server, google_provider(google_server), requests.Session())
    assert "hd=example.org" in one.begin().url

    google_server.person["hd"] = "example.nl"
    several = google_provider(google_server, domains=["example.org", "Example.NL"])
    setup = Setup(google_server, several, requests.Session())
    start = setup.begin()
    assert "hd=%2A" in start.url  # any Workspace: Google's chooser shows them all
    assert several.complete(start.pending, setup.browse(start)).email == (
        "anna.assistent@example.org"
    )


def test_google_without_the_organisations_domains_is_refused(
    google_server: FakeOidcProvider,
) -> None:
    with pytest.raises(SignInError, match="Workspace domains are not set"):
        google_provider(google_server, domains=[" "])


def test_a_discovery_document_of_another_issuer_is_refused(
    google_server: FakeOidcProvider,
) -> None:
    """OpenID Connect Discovery: the issuer is where its document was found."""
    elsewhere = google_server.discovery_url.replace("127.0.0.1", "localhost")
    provider = google_provider(google_server, discovery_url=elsewhere)
    with pytest.raises(SignInError, match="names another issuer"):
        provider.begin("https://console.example.org/console/signin/google/callback")


def test_an_unreachable_google_is_said_at_the_start(google_server: FakeOidcProvider) -> None:
    url = f"http://127.0.0.1:{closed_port()}/.well-known/openid-configuration"
    provider = google_provider(google_server, discovery_url=url)
    with pytest.raises(SignInError, match="Google is unreachable"):
        provider.begin("https://console.example.org/console/signin/google/callback")


def test_a_silent_google_is_given_up_on_in_bounded_time(
    google_server: FakeOidcProvider, silent_port: int
) -> None:
    url = f"http://127.0.0.1:{silent_port}/.well-known/openid-configuration"
    provider = google_provider(google_server, discovery_url=url, timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(SignInError, match="did not answer in time"):
        provider.begin("https://console.example.org/console/signin/google/callback")
    assert time.monotonic() - started < 5


def test_a_token_endpoint_fault_is_said(google: Setup) -> None:
    start = google.begin()
    answer = google.browse(start)
    with (
        google.server.failing(lambda number, method, path: (503, "down")),
        pytest.raises(SignInError, match="answered 503"),
    ):
        google.provider.complete(start.pending, answer)


def test_a_refusal_reads_in_the_readers_language(
    google: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal is an English template with values; the catalogue has it in Dutch."""
    from assistant.cli.errors import problem

    google.server.changes["hd"] = "competitor.example"
    error = refusal(google)
    monkeypatch.setenv("LANGUAGE", "nl")
    said = problem(error)
    assert said is not None
    assert said[0] == (
        "Aanmelden met Google Workspace: het account hoort bij de Workspace van "
        "competitor.example, niet bij een van de domeinen van de organisatie (example.org)"
    )
