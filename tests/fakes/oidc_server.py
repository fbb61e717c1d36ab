"""A small OpenID Connect provider on 127.0.0.1, shaped as Microsoft Entra ID or Google, for the
console's sign-in through the real msal and authlib.

It serves the discovery document, its signing keys (a fresh RSA key, JWKS), the authorize
endpoint (which answers as if the person had signed in: a redirect back with a code and the
state, or with `error=access_denied` when `denies`), and the token endpoint, which checks the
client, the code (single use), the redirect URI and the PKCE verifier (S256) and returns an ID
token signed RS256 with the nonce of the authorisation request.

Tests change what the next ID token says (`changes`: a claim's new value, or None to leave it
out), sign it with a key it does not publish (`foreign_key`), or break its signature
(`tamper_signature`). msal accepts only an https authority, so the Entra-shaped server runs with
TLS (tests/tls.py); the Google-shaped one may run over plain http on loopback.

Shapes:
- entra: `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/oauth2/v2.0/authorize`,
  `/{tenant}/oauth2/v2.0/token`, `/{tenant}/discovery/v2.0/keys`; issuer
  `{base}/{TENANT_ID}/v2.0`; claims tid, oid, preferred_username.
- google: `/.well-known/openid-configuration`, `/o/oauth2/v2/auth`, `/token`,
  `/oauth2/v3/certs`; issuer `{base}`; claims email, email_verified, hd, azp, at_hash.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import ssl
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.http import FakeHttpServer, Request

TENANT_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
OTHER_TENANT_ID = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
CLIENT_ID = "console-client-id"
CLIENT_SECRET = "console-client-secret"

Shape = Literal["entra", "google"]


@dataclass(frozen=True)
class Issued:
    """What the authorize endpoint gave out with a code, for the token request to match."""

    nonce: str | None
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str


class FakeOidcProvider(FakeHttpServer):
    methods = ("GET", "POST")

    def __init__(self, shape: Shape, *, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(tls=tls)
        self.shape = shape
        self.key = _key("published-key")
        self.foreign_key: RSAKey | None = None
        self.tamper_signature = False
        self.denies = False
        self.changes: dict[str, Any] = {}
        self.codes: dict[str, Issued] = {}
        self.numbers = itertools.count(1)
        self.token_requests: list[dict[str, str]] = []
        if shape == "entra":
            self.person: dict[str, Any] = {
                "tid": TENANT_ID,
                "oid": "00000000-0000-0000-0000-0000000000a1",
                "sub": "pairwise-subject-a1",
                "preferred_username": "Anna.Assistent@Example.org",
                "name": "Anna Assistent",
                "ver": "2.0",
            }
        else:
            self.person = {
                "sub": "110248495921238986420",
                "email": "Anna.Assistent@Example.org",
                "email_verified": True,
                "hd": "example.org",
                "name": "Anna Assistent",
            }

    @property
    def issuer(self) -> str:
        if self.shape == "entra":
            return f"{self.base_url}/{TENANT_ID}/v2.0"
        return self.base_url

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/.well-known/openid-configuration"

    # --- the endpoints ------------------------------------------------------------------------

    def serve(self, request: Request, handler: BaseHTTPRequestHandler) -> None:
        path = unquote(request.path)
        with self.lock:
            number = self.record(request, path)
            failure = self.injected(number, request.method, path)
            if failure is not None:
                status, body, headers = failure[0], failure[1], {}
            else:
                status, body, headers = self._answer(request.method, path, request)
        # No keep-alive: once stopped, the server is unreachable for every client at once.
        self.send(handler, status, body, headers | {"Connection": "close"})

    def _answer(self, method: str, path: str, request: Request) -> tuple[int, Any, dict[str, str]]:
        if self.shape == "entra":
            tenant, _, rest = path.strip("/").partition("/")
            base = f"{self.base_url}/{tenant}"
            endpoints = {
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
            }
            route = "/" + rest
            routes = {
                "/v2.0/.well-known/openid-configuration": "discovery",
                "/oauth2/v2.0/authorize": "authorize",
                "/oauth2/v2.0/token": "token",
                "/discovery/v2.0/keys": "keys",
            }
        else:
            endpoints = {
                "authorization_endpoint": f"{self.base_url}/o/oauth2/v2/auth",
                "token_endpoint": f"{self.base_url}/token",
                "jwks_uri": f"{self.base_url}/oauth2/v3/certs",
            }
            route = path
            routes = {
                "/.well-known/openid-configuration": "discovery",
                "/o/oauth2/v2/auth": "authorize",
                "/token": "token",
                "/oauth2/v3/certs": "keys",
            }
        found = routes.get(route)
        query = {name: values[0] for name, values in request.query.items()}
        if found == "discovery" and method == "GET":
            return 200, self._discovery(endpoints), {}
        if found == "keys" and method == "GET":
            return 200, {"keys": [self.key.as_dict(private=False)]}, {}
        if found == "authorize" and method == "GET":
            return self._authorize(query)
        if found == "token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            return self._token(form, request.headers)
        return 404, {"error": "not_found"}, {}

    def _discovery(self, endpoints: dict[str, str]) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            **endpoints,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public" if self.shape == "google" else "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def _authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or not redirect_uri:
            return 400, "unknown client or no redirect_uri", {}
        if self.denies:
            answer = {
                "error": "access_denied",
                "error_description": "The user declined the sign-in.",
            }
        else:
            code = f"code-{next(self.numbers)}"
            self.codes[code] = Issued(
                query.get("nonce"),
                redirect_uri,
                query.get("code_challenge", ""),
                query.get("code_challenge_method", ""),
            )
            answer = {"code": code}
        answer["state"] = query.get("state", "")
        return 302, None, {"Location": f"{redirect_uri}?{urlencode(answer)}"}

    def _token(
        self, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        self.token_requests.append(form)
        if _client(form, headers) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "bad client"}, {}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}, {}
        issued = self.codes.pop(form.get("code", ""), None)  # a code works once
        if issued is None:
            return 400, _invalid_grant("the code is unknown or was used already"), {}
        if form.get("redirect_uri") != issued.redirect_uri:
            return 400, _invalid_grant("the redirect_uri differs"), {}
        verifier = form.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode("ascii")).digest())
        if issued.code_challenge_method != "S256" or challenge != issued.code_challenge:
            return 400, _invalid_grant("the PKCE verifier does not fit"), {}
        number = next(self.numbers)
        access_token = f"access-{number}"
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": 3600,
            "access_token": access_token,
            "scope": form.get("scope", "openid email profile"),
            "id_token": self.id_token(issued.nonce, access_token),
        }
        if self.shape == "entra":
            answer["refresh_token"] = f"refresh-{number}"
            info = {"uid": self.person.get("oid"), "utid": self.person.get("tid")}
            answer["client_info"] = _b64(json.dumps(info).encode())
        return 200, answer, {}

    def id_token(self, nonce: str | None, access_token: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            **self.person,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if self.shape == "google":
            claims["azp"] = CLIENT_ID
            digest = hashlib.sha256(access_token.encode("ascii")).digest()
            claims["at_hash"] = _b64(digest[:16])
        for name, value in self.changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.foreign_key or self.key
        token = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
        if self.tamper_signature:
            header, _payload, signature = token.split(".")
            changed = dict(claims, preferred_username="boss@example.org", email="boss@example.org")
            token = f"{header}.{_b64(json.dumps(changed).encode())}.{signature}"
        return token


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def rotated_key() -> RSAKey:
    """A new key under a new id, as after a rotation (or a forger's, when not published)."""
    return _key("rotated-key")


def other_key() -> RSAKey:
    """A key with the published key's id that the provider does not publish (a forger's)."""
    return _key("published-key")


def _client(form: dict[str, str], headers: dict[str, str]) -> tuple[str, str]:
    basic = headers.get("authorization", "")
    if basic.startswith("Basic "):
        decoded = base64.b64decode(basic.removeprefix("Basic ")).decode()
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _invalid_grant(description: str) -> dict[str, str]:
    return {"error": "invalid_grant", "error_description": description}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
