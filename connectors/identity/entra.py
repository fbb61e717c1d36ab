"""Sign-in with the organisation's Microsoft Entra ID (msal's authorisation code flow).

msal builds the authorisation URL (state, a hashed nonce, PKCE with S256) and redeems the code
(`initiate_auth_code_flow`, `acquire_token_by_auth_code_flow`: it checks the state and the
nonce). msal does not check the ID token itself (since 1.38), so this module does: its
signature against the tenant's published keys, issuer, audience, expiry and nonce (`idtoken`).

Who may sign in: members of the one configured tenant. A token of another tenant (`tid`), of a
personal Microsoft account, or of a guest (`idp` names another issuer) is refused.

Which address is trusted: `preferred_username`. In a v2.0 ID token for a member of the tenant it
is the user's sign-in name (UPN), which Entra ID only lets end in a domain the tenant has
verified (or its own onmicrosoft.com domain), and which only the tenant's administrators change.
The `email` claim is not used: it comes from the user's mail attribute, which is not verified
by Entra ID (Microsoft's optional-claims reference: it is "domain verified" only where the
optional `xms_edov` claim says so). Neither is a stable key: the identity's subject is `oid`,
the user's immutable object id in the tenant (the issuer names the tenant), which stays the same
if the app registration is replaced (`sub` would not). When the organisation lists its domains,
the address must be in one of them too.

Every call has a bounded time (`timeout_seconds`); tokens never leave this module: each sign-in
gets a fresh in-memory msal cache that is dropped afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import warnings
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from connectors.identity.answers import TIMEOUT_SECONDS, get_json, refused, unreachable
from connectors.identity.base import SignInError, SignInStart, VerifiedIdentity
from connectors.identity.idtoken import (
    KeyCache,
    address_domain,
    check_claims,
    decode_signed,
    utc_now,
)

LOGIN_HOST = "https://login.microsoftonline.com"
# msal adds openid, profile and offline_access itself (and refuses them as arguments).
SCOPES = ("email",)
# Tenant names that mean "any organisation": sign-in would be open to the whole world.
SHARED_TENANTS = frozenset({"common", "organizations", "consumers"})
# The tenant of personal Microsoft accounts.
CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
WHERE = "Microsoft Entra ID sign-in"
PROVIDER = "Entra ID"
_ISSUER = re.compile(r"^(?P<host>https://[^/]+)/(?P<tenant>[0-9a-fA-F-]{36})/v2\.0$")


class EntraSignIn:
    """One tenant's Entra ID, as a console sign-in provider (`IdentityProvider`)."""

    name = "entra"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        tenant: str,
        authority_host: str = LOGIN_HOST,
        domains: Collection[str] = (),
        http_client: requests.Session | None = None,
        timeout_seconds: float = TIMEOUT_SECONDS,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        if not tenant or tenant.lower() in SHARED_TENANTS:
            raise SignInError(
                WHERE,
                "the tenant must be the organisation's own (its id or domain), not "
                "%(tenant)s: anyone with a Microsoft account could sign in",
                values={"tenant": tenant or "''"},
            )
        self._client_id = client_id
        self._client_secret = client_secret
        self._authority = f"{authority_host.rstrip('/')}/{tenant}"
        self._tenant = tenant
        self._domains = frozenset(domain.lower() for domain in domains)
        self._http = http_client if http_client is not None else requests.Session()
        self._timeout_seconds = timeout_seconds
        self._now = now
        # msal's own cache of the discovery answers, shared by the per-sign-in apps.
        self._http_cache: dict[Any, Any] = {}
        self._configuration: dict[str, Any] | None = None
        self._keys = KeyCache(self._fetch_keys, where=WHERE)
        host = (urlsplit(authority_host).hostname or "").lower()
        # msal asks login.microsoftonline.com to vouch for hosts it does not know (a private
        # cloud, a local test double) and refuses them; the operator chose this host.
        self._instance_discovery = (
            None if host in msal.authority.WELL_KNOWN_AUTHORITY_HOSTS else False
        )

    def begin(self, redirect_uri: str) -> SignInStart:
        app = self._app()
        # The answer comes back in the query string, not as a form POST (which msal recommends):
        # a cross-site POST carries no SameSite=Lax cookie, so the console could not find this
        # sign-in's pending state. The code in the URL is single use and useless without the
        # PKCE verifier, which never leaves the server.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "response_mode='form_post'", UserWarning)
            flow: dict[str, Any] = app.initiate_auth_code_flow(
                list(SCOPES),
                redirect_uri=redirect_uri,
                prompt="select_account",
                domain_hint=min(self._domains) if len(self._domains) == 1 else None,
            )
        return SignInStart(url=str(flow["auth_uri"]), pending=flow)

    def complete(
        self, pending: Mapping[str, object], params: Mapping[str, str]
    ) -> VerifiedIdentity:
        flow = dict(pending)
        nonce = flow.get("nonce")
        state = flow.get("state")
        if not isinstance(nonce, str) or not isinstance(state, str):
            raise SignInError(WHERE, "no sign-in was started here; start it again")
        # msal checks the state too, but says so with the same ValueError as a broken answer.
        if not hmac.compare_digest(params.get("state", "").encode(), state.encode()):
            raise SignInError(
                WHERE,
                "the answer does not belong to a sign-in started here (state); start again",
            )
        try:
            result = self._app().acquire_token_by_auth_code_flow(flow, dict(params))
        except (ValueError, IndexError, KeyError, TypeError):  # msal could not read the answer
            raise SignInError(
                WHERE, "Entra ID's token endpoint answered with something unreadable"
            ) from None
        except RuntimeError:  # msal: the ID token's nonce does not match
            raise SignInError(
                WHERE,
                "the ID token does not belong to this sign-in (nonce); start the sign-in again",
            ) from None
        except requests.RequestException as error:
            raise unreachable(error, where=WHERE, provider=PROVIDER) from None
        if "error" in result:
            raise refused(
                result.get("error"), result.get("error_description"), where=WHERE, provider=PROVIDER
            )
        token = decode_signed(result.get("id_token"), self._keys, where=WHERE)
        tenant_id = self._tenant_id()
        _check_tenant(token.claims, tenant_id)
        issuer = str(self._configuration_document()["issuer"])
        claims = check_claims(
            token,
            where=WHERE,
            issuers=[issuer],
            audience=self._client_id,
            # msal sends the SHA-256 of its nonce to Entra ID, which signs that back.
            nonce=hashlib.sha256(nonce.encode("ascii")).hexdigest(),
            now=self._now(),
        )
        return VerifiedIdentity(
            provider=self.name,
            issuer=issuer,
            subject=_required(claims, "oid"),
            email=self._address(claims),
        )

    # --- the parts ----------------------------------------------------------------------------

    def _app(self) -> msal.ConfidentialClientApplication:
        """A new app for each step, with its own in-memory token cache: no token outlives it."""
        try:
            return msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._client_secret,
                authority=self._authority,
                http_client=_Bounded(self._http, self._timeout_seconds),
                http_cache=self._http_cache,
                instance_discovery=self._instance_discovery,
                token_cache=msal.TokenCache(),
            )
        except requests.RequestException as error:
            raise unreachable(error, where=WHERE, provider=PROVIDER) from None
        except ValueError:
            raise SignInError(
                WHERE,
                "the tenant %(tenant)s was not found at %(authority)s; check the tenant and "
                "the authority host",
                values={"tenant": self._tenant, "authority": self._authority},
            ) from None

    def _address(self, claims: Mapping[str, Any]) -> str:
        address = claims.get("preferred_username")
        domain = address_domain(address) if isinstance(address, str) else ""
        if not domain:
            raise SignInError(
                WHERE, "Entra ID did not name the account's address (preferred_username)"
            )
        if self._domains and domain not in self._domains:
            raise SignInError(
                WHERE,
                "the account's address is in %(domain)s, not in one of the organisation's "
                "domains (%(domains)s)",
                values={"domain": domain, "domains": ", ".join(sorted(self._domains))},
            )
        assert isinstance(address, str)
        return address.lower()

    def _tenant_id(self) -> str:
        issuer = self._configuration_document().get("issuer")
        found = _ISSUER.match(issuer) if isinstance(issuer, str) else None
        if found is None:
            raise SignInError(
                WHERE, "Entra ID's discovery document names no tenant issuer; check the tenant"
            )
        return found["tenant"].lower()

    def _configuration_document(self) -> dict[str, Any]:
        if self._configuration is None:
            url = f"{self._authority}/v2.0/.well-known/openid-configuration"
            self._configuration = self._get_json(url)
        return self._configuration

    def _fetch_keys(self) -> Mapping[str, Any]:
        url = self._configuration_document().get("jwks_uri")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise SignInError(WHERE, "Entra ID's discovery document names no https jwks_uri")
        return self._get_json(url)

    def _get_json(self, url: str) -> dict[str, Any]:
        return get_json(
            self._http,
            url,
            where=WHERE,
            provider=PROVIDER,
            timeout=self._timeout_seconds,
        )


class _Bounded:
    """The session msal speaks through, with a time limit on every request: msal applies its
    own `timeout` only to a session it makes itself."""

    def __init__(self, session: requests.Session, timeout_seconds: float) -> None:
        self._session = session
        self._timeout_seconds = timeout_seconds

    def get(self, url: str, **options: Any) -> requests.Response:
        options.setdefault("timeout", self._timeout_seconds)
        return self._session.get(url, **options)

    def post(self, url: str, **options: Any) -> requests.Response:
        options.setdefault("timeout", self._timeout_seconds)
        return self._session.post(url, **options)

    def close(self) -> None:
        """msal closes its client when it is done; the session is ours and is kept."""


def _check_tenant(claims: Mapping[str, Any], tenant_id: str) -> None:
    tid = str(claims.get("tid", "")).lower()
    if tid == CONSUMER_TENANT:
        raise SignInError(
            WHERE, "a personal Microsoft account cannot sign in; use your organisation's account"
        )
    if tid != tenant_id:
        raise SignInError(
            WHERE,
            "the account belongs to another organisation (tenant %(tenant)s); only accounts of "
            "tenant %(own)s may sign in",
            values={"tenant": tid or "''", "own": tenant_id},
        )
    idp = claims.get("idp")
    if idp is not None and idp != claims.get("iss"):
        raise SignInError(
            WHERE,
            "guest accounts (from another organisation or a personal account) cannot sign in; "
            "use an account of the organisation itself",
        )


def _required(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise SignInError(WHERE, "the ID token names no %(claim)s", values={"claim": name})
    return value
