"""The contract between the console's sign-in pages and an identity provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from connectors.errors import ConnectorError


@dataclass(frozen=True, slots=True)
class SignInStart:
    """Where to send the browser, and what to keep (server-side, in the pending session) until
    it comes back: the state, nonce and PKCE verifier, as the provider needs them."""

    url: str
    pending: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """Who signed in, as the provider vouches: an issuer and subject (stable), and the address
    (lower-cased), only when the provider says it is verified."""

    provider: str  # "entra" or "google"
    issuer: str
    subject: str
    email: str


class SignInError(ConnectorError):
    """The sign-in did not prove who someone is (wrong state, bad token, foreign tenant or
    domain, provider error). `where` names the provider; the text names what failed, never a
    token."""


class IdentityProvider(Protocol):
    """One organisation's sign-in provider."""

    name: str  # "entra" or "google"

    def begin(self, redirect_uri: str) -> SignInStart:
        """The provider's authorisation URL for this browser, and what to keep until it returns."""
        ...

    def complete(
        self, pending: Mapping[str, object], params: Mapping[str, str]
    ) -> VerifiedIdentity:
        """Check the browser's return (`params`: the query string) against `pending` and the
        provider's signed ID token; raise `SignInError` when anything does not hold."""
        ...
