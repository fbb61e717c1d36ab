"""Entra ID sign-in: only members of the organisation's own tenant, by their verified sign-in
name; discovery and time bounded."""

from __future__ import annotations

import time

import pytest

from connectors.identity import idtoken
from connectors.identity.base import SignInError
from connectors.identity.entra import CONSUMER_TENANT
from tests.connectors.identity.conftest import (
    Setup,
    closed_port,
    entra_provider,
    trusting,
)
from tests.connectors.identity.test_sign_in import refusal
from tests.fakes.oidc_server import OTHER_TENANT_ID, TENANT_ID, FakeOidcProvider, rotated_key
from tests.tls import PrivateCA


def test_an_account_of_another_tenant_is_refused(entra: Setup) -> None:
    """A token of another organisation's tenant, even one signed by the same Entra ID."""
    entra.server.changes["tid"] = OTHER_TENANT_ID
    entra.server.changes["iss"] = f"{entra.server.base_url}/{OTHER_TENANT_ID}/v2.0"
    error = str(refusal(entra))
    assert f"another organisation (tenant {OTHER_TENANT_ID})" in error
    assert f"only accounts of tenant {TENANT_ID} may sign in" in error


def test_a_personal_microsoft_account_is_refused(entra: Setup) -> None:
    entra.server.changes["tid"] = CONSUMER_TENANT
    assert "personal Microsoft account cannot sign in" in str(refusal(entra))


def test_a_guest_of_the_tenant_is_refused(entra: Setup) -> None:
    """A guest signs in through the tenant, but Entra ID does not vouch for its address."""
    entra.server.changes["idp"] = "https://sts.windows.net/" + OTHER_TENANT_ID + "/"
    entra.server.changes["preferred_username"] = "someone@gmail.example"
    assert "guest accounts" in str(refusal(entra))


def test_an_address_outside_the_organisations_domains_is_refused(
    entra_server: FakeOidcProvider, ca: PrivateCA
) -> None:
    entra_server.person["preferred_username"] = "anna@subsidiary.example.net"
    provider = entra_provider(entra_server, ca, domains=["example.org"])
    setup = Setup(entra_server, provider, trusting(ca))
    error = str(refusal(setup))
    assert "is in subsidiary.example.net, not in one of the organisation's domains" in error


def test_the_organisations_domain_lets_its_members_in(
    entra_server: FakeOidcProvider, ca: PrivateCA
) -> None:
    provider = entra_provider(entra_server, ca, domains=["Example.org"])
    setup = Setup(entra_server, provider, trusting(ca))
    start = setup.begin()
    assert "domain_hint=example.org" in start.url
    assert setup.provider.complete(start.pending, setup.browse(start)).email == (
        "anna.assistent@example.org"
    )


def test_a_token_without_a_sign_in_name_is_refused(entra: Setup) -> None:
    entra.server.changes["preferred_username"] = None
    assert "did not name the account's address (preferred_username)" in str(refusal(entra))


def test_the_tenant_may_be_named_by_its_domain(
    entra_server: FakeOidcProvider, ca: PrivateCA
) -> None:
    """The discovery document of `example.org` names the tenant's id in its issuer."""
    provider = entra_provider(entra_server, ca, tenant="example.org")
    setup = Setup(entra_server, provider, trusting(ca))
    start = setup.begin()
    identity = provider.complete(start.pending, setup.browse(start))
    assert identity.issuer == f"{entra_server.base_url}/{TENANT_ID}/v2.0"


@pytest.mark.parametrize("tenant", ["common", "organizations", "consumers", ""])
def test_a_tenant_open_to_every_organisation_is_refused(
    entra_server: FakeOidcProvider, ca: PrivateCA, tenant: str
) -> None:
    with pytest.raises(SignInError, match="must be the organisation's own"):
        entra_provider(entra_server, ca, tenant=tenant)


def test_an_unreachable_entra_id_is_said_at_the_start(
    entra_server: FakeOidcProvider, ca: PrivateCA
) -> None:
    provider = entra_provider(
        entra_server, ca, authority_host=f"https://127.0.0.1:{closed_port()}", timeout_seconds=2.0
    )
    with pytest.raises(SignInError, match="Entra ID is unreachable"):
        provider.begin("https://console.example.org/console/signin/entra/callback")


def test_a_silent_entra_id_is_given_up_on_in_bounded_time(
    entra_server: FakeOidcProvider, ca: PrivateCA, silent_port: int
) -> None:
    session = trusting(ca)
    provider = entra_provider(
        entra_server,
        ca,
        authority_host=f"https://127.0.0.1:{silent_port}",
        timeout_seconds=0.5,
        http_client=session,
    )
    started = time.monotonic()
    with pytest.raises(SignInError, match="did not answer in time"):
        provider.begin("https://console.example.org/console/signin/entra/callback")
    assert time.monotonic() - started < 5
    session.close()


def test_discovery_and_keys_are_not_fetched_again_for_each_sign_in(entra: Setup) -> None:
    start = entra.begin()
    entra.provider.complete(start.pending, entra.browse(start))
    discovery = entra.server.count("GET", "/v2.0/.well-known/openid-configuration")
    for _ in range(3):
        start = entra.begin()
        entra.provider.complete(start.pending, entra.browse(start))
    assert entra.server.count("GET", "/v2.0/.well-known/openid-configuration") == discovery
    assert entra.server.count("GET", "/discovery/v2.0/keys") == 1


def test_rotated_keys_are_fetched_again(entra: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    start = entra.begin()
    entra.provider.complete(start.pending, entra.browse(start))
    monkeypatch.setattr(idtoken, "KEYS_MIN_REFETCH_SECONDS", 0.0)  # a minute has passed
    entra.server.key = rotated_key()
    start = entra.begin()
    assert entra.provider.complete(start.pending, entra.browse(start)).email
    assert entra.server.count("GET", "/discovery/v2.0/keys") == 2


def test_tokens_naming_unknown_keys_do_not_hammer_the_provider(entra: Setup) -> None:
    """Keys are fetched ahead of time at most once a minute, however many forgeries arrive."""
    start = entra.begin()
    entra.provider.complete(start.pending, entra.browse(start))
    entra.server.foreign_key = rotated_key()
    for _ in range(3):
        start = entra.begin()
        answer = entra.browse(start)
        with pytest.raises(SignInError, match="signature does not match"):
            entra.provider.complete(start.pending, answer)
    assert entra.server.count("GET", "/discovery/v2.0/keys") == 1
