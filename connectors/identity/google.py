"""Sign-in with the organisation's Google Workspace (OpenID Connect, with authlib).

The endpoints come from Google's discovery document; authlib builds the authorisation URL
(state, nonce, PKCE with S256) and redeems the code. The ID token is then checked here
(`idtoken`): its signature against Google's published keys, issuer, audience, expiry and nonce.

Who may sign in: accounts of the organisation's Workspace. The `hd` claim (the account's hosted
domain) must be one of the configured domains; a personal Google account has none. The `hd`
parameter sent with the authorisation request only tunes Google's account chooser; anyone can
remove it from the URL, so the claim is what counts.

Which address is trusted: `email`, only when `email_verified` is true. Google's OpenID Connect
documentation: with `email`, `email_verified` and `hd` one can tell whether Google hosts and is
authoritative for an address, and then the user is known to own it. The subject is `sub`, the
account's stable id at Google (the address can change).

Every request has a bounded time (`timeout_seconds`); the tokens Google sends are dropped here.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from connectors.identity.answers import (
    TIMEOUT_SECONDS,
    get_json,
    refused,
    unreachable,
)
from connectors.identity.base import SignInError, SignInStart, VerifiedIdentity
from connectors.identity.idtoken import (
    KeyCache,
    address_domain,
    check_claims,
    decode_signed,
    utc_now,
)

DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"
SCOPE = "openid email profile"
WHERE = "Google Workspace sign-in"
PROVIDER = "Google"
# Google's ID tokens may name their issuer without the scheme (its OpenID Connect guide).
_LEGACY_ISSUERS = {"https://accounts.google.com": "accounts.google.com"}
_PENDING_KEYS = ("state", "nonce", "code_verifier", "redirect_uri")


class GoogleSignIn:
    """One organisation's Google Workspace, as a console sign-in provider (`IdentityProvider`)."""

    name = "google"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        domains: Collection[str],
        discovery_url: str = DISCOVERY_URL,
        http_client: requests.Session | None = None,
        timeout_seconds: float = TIMEOUT_SECONDS,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._domains = frozenset(domain.strip().lower() for domain in domains if domain.strip())
        if not self._domains:
            raise SignInError(
                WHERE,
                "the organisation's Workspace domains are not set: without them any Google "
                "account could sign in",
            )
        self._client_id = client_id
        self._client_secret = client_secret
        self._discovery_url = discovery_url
        self._http = http_client if http_client is not None else requests.Session()
        self._timeout_seconds = timeout_seconds
        self._now = now
        self._configuration: dict[str, Any] | None = None
        self._keys = KeyCache(self._fetch_keys, where=WHERE)

    def begin(self, redirect_uri: str) -> SignInStart:
        endpoint = self._endpoint("authorization_endpoint")
        pending = {
            "nonce": generate_token(32),
            "code_verifier": generate_token(64),
            "redirect_uri": redirect_uri,
        }
        url, state = self._session(redirect_uri).create_authorization_url(
            endpoint,
            code_verifier=pending["code_verifier"],
            nonce=pending["nonce"],
            # One domain: Google shows only that Workspace's accounts; several: any Workspace.
            hd=min(self._domains) if len(self._domains) == 1 else "*",
            prompt="select_account",
        )
        pending["state"] = state
        return SignInStart(url=str(url), pending=pending)

    def complete(
        self, pending: Mapping[str, object], params: Mapping[str, str]
    ) -> VerifiedIdentity:
        kept = {key: pending.get(key) for key in _PENDING_KEYS}
        if not all(isinstance(value, str) and value for value in kept.values()):
            raise SignInError(WHERE, "no sign-in was started here; start it again")
        state, nonce, verifier, redirect_uri = (str(kept[key]) for key in _PENDING_KEYS)
        if not hmac.compare_digest(params.get("state", "").encode(), state.encode()):
            raise SignInError(
                WHERE,
                "the answer does not belong to a sign-in started here (state); start again",
            )
        if "error" in params:
            raise refused(
                params["error"], params.get("error_description"), where=WHERE, provider=PROVIDER
            )
        code = params.get("code")
        if not code:
            raise SignInError(WHERE, "Google's answer holds no sign-in code; start again")
        token = self._redeem(code, verifier, redirect_uri)
        signed = decode_signed(token.get("id_token"), self._keys, where=WHERE)
        issuer = str(self._configuration_document()["issuer"])
        claims = check_claims(
            signed,
            where=WHERE,
            issuers=[issuer, *([_LEGACY_ISSUERS[issuer]] if issuer in _LEGACY_ISSUERS else [])],
            audience=self._client_id,
            nonce=nonce,
            now=self._now(),
            access_token=token.get("access_token"),
        )
        return VerifiedIdentity(
            provider=self.name,
            issuer=issuer,
            subject=_subject(claims),
            email=self._address(claims),
        )

    # --- the parts ----------------------------------------------------------------------------

    def _session(self, redirect_uri: str) -> OAuth2Session:
        session = OAuth2Session(
            self._client_id,
            self._client_secret,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=self._timeout_seconds,
        )
        session.verify = self._http.verify
        session.trust_env = self._http.trust_env
        return session

    def _redeem(self, code: str, verifier: str, redirect_uri: str) -> Mapping[str, Any]:
        endpoint = self._endpoint("token_endpoint")
        with self._session(redirect_uri) as session:
            try:
                token = session.fetch_token(
                    endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                    timeout=self._timeout_seconds,
                )
            except (requests.exceptions.JSONDecodeError, ValueError):
                raise SignInError(
                    WHERE, "Google's token endpoint answered with something unreadable"
                ) from None
            except requests.HTTPError as error:
                status = error.response.status_code if error.response is not None else "an error"
                raise SignInError(
                    WHERE,
                    "Google's token endpoint answered %(status)s; try again later",
                    values={"status": status},
                ) from None
            except requests.RequestException as error:
                raise unreachable(error, where=WHERE, provider=PROVIDER) from None
            except AuthlibBaseError as error:
                raise refused(
                    error.error, error.description, where=WHERE, provider=PROVIDER
                ) from None
        return dict(token)

    def _address(self, claims: Mapping[str, Any]) -> str:
        hosted = claims.get("hd")
        if not isinstance(hosted, str) or not hosted:
            raise SignInError(
                WHERE,
                "a personal Google account cannot sign in; use your organisation's Workspace "
                "account",
            )
        if hosted.lower() not in self._domains:
            raise SignInError(
                WHERE,
                "the account belongs to the Workspace of %(domain)s, not to one of the "
                "organisation's domains (%(domains)s)",
                values={"domain": hosted.lower(), "domains": ", ".join(sorted(self._domains))},
            )
        if claims.get("email_verified") is not True:
            raise SignInError(
                WHERE, "Google does not vouch for the account's address (email_verified)"
            )
        address = claims.get("email")
        if not isinstance(address, str) or not address_domain(address):
            raise SignInError(WHERE, "Google did not name the account's address (email)")
        return address.lower()

    def _endpoint(self, name: str) -> str:
        url = self._configuration_document().get(name)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise SignInError(
                WHERE, "Google's discovery document names no %(name)s", values={"name": name}
            )
        return url

    def _configuration_document(self) -> dict[str, Any]:
        if self._configuration is None:
            document = get_json(
                self._http,
                self._discovery_url,
                where=WHERE,
                provider=PROVIDER,
                timeout=self._timeout_seconds,
            )
            # OpenID Connect Discovery 4.3: the issuer is where the document was found.
            expected = self._discovery_url.removesuffix("/.well-known/openid-configuration")
            if document.get("issuer") != expected:
                raise SignInError(
                    WHERE,
                    "the discovery document at %(url)s names another issuer",
                    values={"url": self._discovery_url},
                )
            self._configuration = document
        return self._configuration

    def _fetch_keys(self) -> Mapping[str, Any]:
        return get_json(
            self._http,
            self._endpoint("jwks_uri"),
            where=WHERE,
            provider=PROVIDER,
            timeout=self._timeout_seconds,
        )


def _subject(claims: Mapping[str, Any]) -> str:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInError(WHERE, "the ID token names no subject (sub)")
    return subject
