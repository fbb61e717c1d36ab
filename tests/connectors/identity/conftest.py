"""The sign-in providers against local OpenID Connect servers (tests/fakes/oidc_server.py),
through the real msal and authlib: an Entra-shaped server over TLS (msal accepts only https),
a Google-shaped one over plain http on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.identity.base import IdentityProvider, SignInStart
from connectors.identity.entra import EntraSignIn
from connectors.identity.google import GoogleSignIn
from tests.fakes.oidc_server import CLIENT_ID, CLIENT_SECRET, TENANT_ID, FakeOidcProvider
from tests.tls import PrivateCA

REDIRECT_URI = "https://console.example.org/console/signin/{provider}/callback"


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    return PrivateCA(tmp_path_factory.mktemp("oidc-tls"))


@dataclass
class Setup:
    """A provider, its local server, and the browser between them."""

    server: FakeOidcProvider
    provider: IdentityProvider
    session: requests.Session

    @property
    def redirect_uri(self) -> str:
        return REDIRECT_URI.format(provider=self.provider.name)

    def begin(self) -> SignInStart:
        return self.provider.begin(self.redirect_uri)

    def browse(self, start: SignInStart) -> dict[str, str]:
        """What the browser brings back to the callback: the query of the provider's redirect."""
        answer = self.session.get(start.url, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        assert location.startswith(self.redirect_uri + "?")
        return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def trusting(ca: PrivateCA) -> requests.Session:
    """A session that trusts the test CA. Not the environment: requests lets
    REQUESTS_CA_BUNDLE win over a session's own `verify`."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(ca.ca_file)
    return session


def entra_provider(server: FakeOidcProvider, ca: PrivateCA, **changes: Any) -> EntraSignIn:
    session = trusting(ca)
    options: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "tenant": TENANT_ID,
        "authority_host": server.base_url,
        "http_client": session,
        "timeout_seconds": 5.0,
    }
    return EntraSignIn(**(options | changes))


def google_provider(server: FakeOidcProvider, **changes: Any) -> GoogleSignIn:
    options: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "domains": ["example.org"],
        "discovery_url": server.discovery_url,
        "timeout_seconds": 5.0,
    }
    return GoogleSignIn(**(options | changes))


@pytest.fixture
def entra_server(ca: PrivateCA) -> Iterator[FakeOidcProvider]:
    server = FakeOidcProvider("entra", tls=ca.server_context()).start()
    yield server
    server.stop()


@pytest.fixture
def google_server() -> Iterator[FakeOidcProvider]:
    server = FakeOidcProvider("google").start()
    yield server
    server.stop()


@pytest.fixture
def entra(entra_server: FakeOidcProvider, ca: PrivateCA) -> Setup:
    return Setup(entra_server, entra_provider(entra_server, ca), trusting(ca))


@pytest.fixture
def google(google_server: FakeOidcProvider) -> Setup:
    return Setup(google_server, google_provider(google_server), requests.Session())


@pytest.fixture(params=["entra", "google"])
def either(request: pytest.FixtureRequest) -> Setup:
    """Each provider in turn, for what both must do alike."""
    setup: Setup = request.getfixturevalue(request.param)
    return setup


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port
