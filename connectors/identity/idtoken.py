"""Checking an ID token: its signature against the provider's published keys (JWKS, with
joserfc), then its claims (issuer, audience, expiry, nonce, azp, at_hash: authlib's OpenID
Connect rules).

Both providers' libraries leave this to the application: msal no longer checks the ID token at
all (since 1.38: "validation is the application's responsibility"), and authlib's OAuth client
only fetches it. The messages name the claim that failed, never the token or its values.

Imports nothing of ours but the contract (`base`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

from connectors.identity.base import SignInError

# Both Entra ID and Google sign ID tokens with RS256; nothing else (no "none", no HMAC with a
# public key) is accepted.
ALGORITHMS = ("RS256",)
# Seconds of clock difference tolerated between this server and the provider.
LEEWAY_SECONDS = 60
# An ID token is a few kilobytes; anything far larger is refused before it is parsed.
MAX_TOKEN_CHARACTERS = 32_768
# How long published keys are used before they are fetched again (a key missing from them is
# fetched again at once: the provider rotated its keys).
KEYS_MAX_AGE_SECONDS = 3600.0
# At most one fetch ahead of time per this many seconds: a stream of tokens naming unknown keys
# (forgeries) must not turn into a stream of requests to the provider.
KEYS_MIN_REFETCH_SECONDS = 60.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class KeyCache:
    """A provider's published signing keys, fetched when first needed and again when old or
    when a token names a key they do not hold. Thread-safe."""

    def __init__(
        self,
        fetch: Callable[[], Mapping[str, Any]],
        *,
        where: str,
        max_age_seconds: float = KEYS_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._where = where
        self._max_age_seconds = max_age_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    def get(self, *, fresh: bool = False) -> KeySet:
        with self._lock:
            age = self._clock() - self._fetched_at
            fresh = fresh and age > KEYS_MIN_REFETCH_SECONDS
            if self._keys is None or fresh or age > self._max_age_seconds:
                self._keys = self._parse(self._fetch())
                self._fetched_at = self._clock()
            return self._keys

    def _parse(self, document: Mapping[str, Any]) -> KeySet:
        try:
            keys = KeySet.import_key_set(dict(document))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise SignInError(
                self._where, "the provider's signing keys (JWKS) are not readable"
            ) from None
        return keys


def decode_signed(id_token: object, keys: KeyCache, *, where: str) -> jwt.Token:
    """The ID token's header and claims, once its signature is shown to come from one of the
    provider's published keys; SignInError otherwise."""
    if not isinstance(id_token, str) or not id_token:
        raise SignInError(where, "the provider sent no ID token")
    if len(id_token) > MAX_TOKEN_CHARACTERS:
        raise SignInError(where, "the provider's ID token is too large to be read")
    for fresh in (False, True):
        try:
            return jwt.decode(id_token, keys.get(fresh=fresh), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            continue  # perhaps rotated: fetch the keys once more
        except BadSignatureError:
            break
        except (JoseError, ValueError, TypeError, KeyError):
            raise SignInError(
                where, "the ID token is not a token signed with RS256 by the provider"
            ) from None
    raise SignInError(
        where, "the ID token's signature does not match the provider's published keys"
    )


def check_claims(
    token: jwt.Token,
    *,
    where: str,
    issuers: Collection[str],
    audience: str,
    nonce: str,
    now: datetime,
    access_token: str | None = None,
) -> dict[str, Any]:
    """The claims, when the token is for this client, from this issuer, still valid, and for
    the sign-in that sent `nonce`; SignInError naming the claim that does not hold."""
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "values": list(issuers)},
            "aud": {"essential": True, "value": audience},
            "exp": {"essential": True},
        },
        params={"nonce": nonce, "client_id": audience, "access_token": access_token},
    )
    try:
        claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
    except ExpiredTokenError:
        raise SignInError(
            where,
            "the ID token has expired (exp); if this happens every time, check this server's clock",
        ) from None
    except ClaimError as error:
        raise claim_error(where, error.claim) from None
    if not isinstance(claims.get("nonce"), str):
        raise claim_error(where, "nonce")
    return dict(claims)


def claim_error(where: str, claim: str) -> SignInError:
    """What a claim that does not hold means, in words a person can act on."""
    if claim == "iss":
        return SignInError(
            where, "the ID token was issued by another issuer (iss) than the configured provider"
        )
    if claim in ("aud", "azp"):
        return SignInError(
            where,
            "the ID token was issued to another application (%(claim)s), not to this client id",
            values={"claim": claim},
        )
    if claim == "nonce":
        return SignInError(
            where, "the ID token does not belong to this sign-in (nonce); start the sign-in again"
        )
    if claim in ("iat", "nbf"):
        return SignInError(
            where,
            "the ID token is not valid yet (%(claim)s); check this server's clock",
            values={"claim": claim},
        )
    if claim == "at_hash":
        return SignInError(
            where, "the ID token does not belong to the access token sent with it (at_hash)"
        )
    return SignInError(
        where,
        "the ID token's claim %(claim)s is missing or not valid",
        values={"claim": claim},
    )


def address_domain(address: str) -> str:
    """The domain of an address, lower-cased ('' when it is no address)."""
    local, at, domain = address.rpartition("@")
    return domain.lower() if at and local and "." in domain else ""
