"""The console's sign-in providers from the settings: which are offered, every problem of a
half-set provider named at once, and a whole sign-in through the providers the settings build."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from assistant.accounts.signin import sign_in_providers
from assistant.settings import Settings, SettingsError, SignInSettings
from tests.connectors.identity.conftest import Setup, trusting
from tests.fakes.oidc_server import CLIENT_ID, CLIENT_SECRET, TENANT_ID, FakeOidcProvider
from tests.tls import PrivateCA

ENTRA = {
    "AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_ID": CLIENT_ID,
    "AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_SECRET": CLIENT_SECRET,
    "AGENDA_REGIE_SIGNIN_ENTRA_TENANT": TENANT_ID,
}
GOOGLE = {
    "AGENDA_REGIE_SIGNIN_GOOGLE_CLIENT_ID": CLIENT_ID,
    "AGENDA_REGIE_SIGNIN_GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
    "AGENDA_REGIE_SIGNIN_DOMAINS": "Example.org, example.nl",
}


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    return PrivateCA(tmp_path_factory.mktemp("signin-tls"))


@pytest.fixture
def servers(ca: PrivateCA) -> Iterator[tuple[FakeOidcProvider, FakeOidcProvider]]:
    entra = FakeOidcProvider("entra", tls=ca.server_context()).start()
    google = FakeOidcProvider("google").start()
    yield entra, google
    entra.stop()
    google.stop()


def settings(environ: dict[str, str]) -> Settings:
    return Settings.from_environ({"DATABASE_URL": "sqlite:///:memory:", **environ})


def test_without_sign_in_settings_only_local_accounts_are_offered() -> None:
    assert dict(sign_in_providers(settings({}))) == {}


def test_the_configured_providers_sign_people_in(
    servers: tuple[FakeOidcProvider, FakeOidcProvider], ca: PrivateCA
) -> None:
    entra, google = servers
    configured = settings(
        ENTRA
        | GOOGLE
        | {
            "AGENDA_REGIE_SIGNIN_ENTRA_AUTHORITY_HOST": entra.base_url,
            "AGENDA_REGIE_SIGNIN_GOOGLE_DISCOVERY_URL": google.discovery_url,
        }
    )
    providers = sign_in_providers(configured, http_client=trusting(ca))
    assert list(providers) == ["entra", "google"]
    for server, name in ((entra, "entra"), (google, "google")):
        setup = Setup(server, providers[name], trusting(ca))
        start = setup.begin()
        identity = setup.provider.complete(start.pending, setup.browse(start))
        assert identity.provider == name
        assert identity.email == "anna.assistent@example.org"


def test_every_problem_of_the_sign_in_settings_is_named_at_once() -> None:
    environ = {
        "AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_ID": "app",
        "AGENDA_REGIE_SIGNIN_ENTRA_TENANT": "common",
        "AGENDA_REGIE_SIGNIN_ENTRA_AUTHORITY_HOST": "http://login.example.net",
        "AGENDA_REGIE_SIGNIN_GOOGLE_CLIENT_ID": "client",
        "AGENDA_REGIE_SIGNIN_GOOGLE_DISCOVERY_URL": "http://accounts.example.net/x",
        "AGENDA_REGIE_SIGNIN_DOMAINS": "example.org, not a domain",
    }
    with pytest.raises(SettingsError) as caught:
        sign_in_providers(settings(environ))
    problems = caught.value.problems
    assert any("needs all of AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_ID" in p for p in problems)
    assert any("must be the organisation's own tenant" in p for p in problems)
    host = "AGENDA_REGIE_SIGNIN_ENTRA_AUTHORITY_HOST must start"
    assert any(p.startswith(host) for p in problems)
    assert any("needs both AGENDA_REGIE_SIGNIN_GOOGLE_CLIENT_ID" in p for p in problems)
    assert any("GOOGLE_DISCOVERY_URL must start with https://" in p for p in problems)
    assert any("'not a domain' is not a domain name" in p for p in problems)
    assert len(problems) == 6
    assert CLIENT_SECRET not in str(caught.value)


def test_google_without_the_organisations_domains_is_refused_at_start() -> None:
    environ = {k: v for k, v in GOOGLE.items() if "DOMAINS" not in k}
    with pytest.raises(SettingsError, match="needs AGENDA_REGIE_SIGNIN_DOMAINS"):
        SignInSettings.from_environ(environ)


def test_the_secrets_do_not_show_in_the_settings() -> None:
    group = SignInSettings.from_environ(ENTRA | GOOGLE)
    assert CLIENT_SECRET not in repr(group)
    assert group.domains == ("example.org", "example.nl")
    assert group.entra_configured
    assert group.google_configured


def test_a_deployment_that_trusts_its_own_ca_reaches_entra_id(
    servers: tuple[FakeOidcProvider, FakeOidcProvider],
    ca: PrivateCA,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an injected session the providers trust REQUESTS_CA_BUNDLE, as msal's own does."""
    entra, _ = servers
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca.ca_file))
    configured = settings(ENTRA | {"AGENDA_REGIE_SIGNIN_ENTRA_AUTHORITY_HOST": entra.base_url})
    provider = sign_in_providers(configured)["entra"]
    setup = Setup(entra, provider, requests.Session())
    start = setup.begin()
    assert provider.complete(start.pending, setup.browse(start)).subject
