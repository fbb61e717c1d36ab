"""`agenda-regie web` with the organisation's sign-in set up in its settings: the real Entra ID
and Google providers, built once from the settings, against local OpenID Connect servers
(tests/fakes/oidc_server.py); a browser-like client follows the redirects through the
provider's authorize endpoint and back. A half-set sign-in stops the command with one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from assistant.app.console.users import add_user
from assistant.store.crypto import SecretBox
from tests.fakes.oidc_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_TENANT_ID,
    TENANT_ID,
    FakeOidcProvider,
)
from tests.mail.fixtures import NOW, SECRET, free_port
from tests.tls import PrivateCA

AGENDA_REGIE = str(Path(sys.executable).parent / "agenda-regie")
KEY = Fernet.generate_key().decode()
REFUSED = "Your organisation&#39;s sign-in did not confirm who you are."
UNKNOWN = "There is no console account for this address."


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    return PrivateCA(tmp_path_factory.mktemp("console-oidc-tls"))


@pytest.fixture
def providers(ca: PrivateCA) -> Iterator[tuple[FakeOidcProvider, FakeOidcProvider]]:
    entra = FakeOidcProvider("entra", tls=ca.server_context()).start()
    google = FakeOidcProvider("google").start()
    yield entra, google
    entra.stop()
    google.stop()


def environment(store: Engine, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AGENDA_REGIE_", "SSL_CERT", "REQUESTS_CA"))
    }
    env.update(
        {
            "DATABASE_URL": store.url.render_as_string(hide_password=False),
            "AGENDA_REGIE_LINK_SECRET": SECRET,
            "AGENDA_REGIE_SECRET_KEYS": KEY,
            **extra,
        }
    )
    return env


@pytest.fixture
def web(
    store: Engine,
    providers: tuple[FakeOidcProvider, FakeOidcProvider],
    ca: PrivateCA,
    tmp_path: Path,
) -> Iterator[str]:
    """`agenda-regie web` with both providers configured; its base URL."""
    entra, google = providers
    box = SecretBox([KEY])
    for email, role in (("anna.assistent@example.org", "assistant"), ("ad@example.org", "admin")):
        add_user(store, box, email, role, password=None, totp=False, language=None,
                 actor="test", now=NOW)  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(
        store,
        AGENDA_REGIE_BASE_URL=base,
        REQUESTS_CA_BUNDLE=str(ca.ca_file),  # the fake Entra ID's TLS certificate
        AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_ID=CLIENT_ID,
        AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_SECRET=CLIENT_SECRET,
        AGENDA_REGIE_SIGNIN_ENTRA_TENANT=TENANT_ID,
        AGENDA_REGIE_SIGNIN_ENTRA_AUTHORITY_HOST=entra.base_url,
        AGENDA_REGIE_SIGNIN_GOOGLE_CLIENT_ID=CLIENT_ID,
        AGENDA_REGIE_SIGNIN_GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        AGENDA_REGIE_SIGNIN_GOOGLE_DISCOVERY_URL=google.discovery_url,
        AGENDA_REGIE_SIGNIN_DOMAINS="example.org",
    )
    log = (tmp_path / "web.log").open("w+")
    server = subprocess.Popen(
        [AGENDA_REGIE, "web", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "agenda-regie web ended early"
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "agenda-regie web did not start"
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        output = log.read()
        log.close()
    assert "Traceback" not in output
    assert "id_token" not in output  # no token of the provider in the log


def browser(base: str, ca: PrivateCA, language: str = "en") -> httpx.Client:
    """Follows redirects like a browser, trusting the fake Entra ID's certificate."""
    return httpx.Client(
        base_url=base,
        headers={"Accept-Language": language},
        follow_redirects=True,
        verify=ca.client_context(),
        timeout=20,
    )


def test_the_sign_in_page_offers_each_configured_provider_in_both_languages(
    web: str, ca: PrivateCA
) -> None:
    with browser(web, ca) as english, browser(web, ca, "nl") as dutch:
        page = english.get("/console/signin").text
        assert 'href="/console/signin/entra">Sign in with Microsoft</a>' in page
        assert 'href="/console/signin/google">Sign in with Google</a>' in page
        page = dutch.get("/console/signin").text
        assert "Aanmelden met Microsoft" in page
        assert "Aanmelden met Google" in page


@pytest.mark.parametrize("provider", ["entra", "google"])
def test_an_existing_user_signs_in_with_the_organisation_and_lands_on_the_leaders_list(
    provider: str,
    web: str,
    ca: PrivateCA,
    providers: tuple[FakeOidcProvider, FakeOidcProvider],
) -> None:
    server = providers[0] if provider == "entra" else providers[1]
    with browser(web, ca) as client:
        landed = client.get(f"/console/signin/{provider}")
        assert landed.status_code == 200
        assert str(landed.url) == f"{web}/console"
        assert "<h1>Leaders</h1>" in landed.text
        assert "anna.assistent@example.org" in landed.text
        hops = [str(r.url) for r in landed.history]
        assert any(hop.startswith(server.base_url) for hop in hops)  # through the provider
        assert any("/callback?" in hop for hop in hops)
    assert len(server.token_requests) == 1  # the code was redeemed, once


@pytest.mark.parametrize(
    ("provider", "changes", "problem", "status"),
    [
        ("entra", {"tid": OTHER_TENANT_ID}, REFUSED, 400),
        ("entra", {"preferred_username": "someone@example.org"}, UNKNOWN, 403),
        ("google", {"hd": "elsewhere.org", "email": "anna@elsewhere.org"}, REFUSED, 400),
        ("google", {"email": "someone@example.org"}, UNKNOWN, 403),
    ],
    ids=["foreign-tenant", "entra-unknown-user", "foreign-domain", "google-unknown-user"],
)
def test_other_organisations_and_unknown_people_get_the_calm_page(
    provider: str,
    changes: dict[str, str],
    problem: str,
    status: int,
    web: str,
    ca: PrivateCA,
    providers: tuple[FakeOidcProvider, FakeOidcProvider],
) -> None:
    server = providers[0] if provider == "entra" else providers[1]
    server.changes = dict(changes)
    with browser(web, ca) as client:
        refused = client.get(f"/console/signin/{provider}")
        assert refused.status_code == status
        assert str(refused.url).startswith(f"{web}/console/signin/{provider}/callback?")
        assert problem in refused.text
        assert "<h1>Sign in</h1>" in refused.text  # the sign-in page again, calm
        assert "Traceback" not in refused.text
        home = client.get("/console", follow_redirects=False)
        assert (home.status_code, home.headers["location"]) == (303, "/console/signin")


def test_a_half_set_sign_in_stops_the_web_command_with_one_line(
    store: Engine, tmp_path: Path
) -> None:
    env = environment(
        store,
        AGENDA_REGIE_BASE_URL=f"http://127.0.0.1:{free_port()}",
        AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_ID=CLIENT_ID,
        AGENDA_REGIE_SIGNIN_ENTRA_TENANT=TENANT_ID,
    )
    done = subprocess.run(
        [AGENDA_REGIE, "web", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stdout) == (2, "")
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("agenda-regie: ")
    assert "AGENDA_REGIE_SIGNIN_ENTRA_CLIENT_SECRET" in line
