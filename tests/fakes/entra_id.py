"""The Entra ID half of the fake Graph: OpenID discovery, the authorize page and the token
endpoint, enough for the real msal (see tests/fakes/microsoft_graph.py for what it answers).

A mixin: `FakeGraph` holds the state it reads (who signs in, issued codes, consent ...).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

LOGIN_HOST = "https://login.microsoftonline.com"


@dataclass(frozen=True)
class IssuedCode:
    """A code the authorize page gave out: for whom, and what the token request must match."""

    username: str
    nonce: str | None
    redirect_uri: str
    code_challenge: str


class FakeEntraId(ABC):
    """Entra ID's answers, served by `FakeGraph` for every path outside /v1.0/."""

    owner: str
    revoked: bool
    nonces: dict[str, str]
    issued: itertools.count[int]
    numbers: itertools.count[int]
    codes: dict[str, IssuedCode]
    refresh_owners: dict[str, str]
    signs_in_as: str | None
    consent_denied: bool
    admin_consent: bool
    app_token_refusal: dict[str, Any] | None

    @property
    @abstractmethod
    def login_host(self) -> str:
        """Where the server that mixes this in is reached (scheme, host and port)."""

    def _login(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        segments = path.strip("/").split("/")
        tenant = segments[0]
        base = f"{self.login_host}/{tenant}"
        if path.endswith("/oauth2/v2.0/authorize") and method == "GET":
            return self._authorize({k: v[0] for k, v in query.items()})
        if path == "/common/discovery/instance":
            return (
                200,
                {
                    "tenant_discovery_endpoint": f"{LOGIN_HOST}/common/v2.0/.well-known/"
                    "openid-configuration",
                    "metadata": [
                        {
                            "preferred_network": "login.microsoftonline.com",
                            "preferred_cache": "login.windows.net",
                            "aliases": ["login.microsoftonline.com", "login.windows.net"],
                        }
                    ],
                },
                {},
            )
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            return (
                200,
                {
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "issuer": f"{self.login_host}/{tenant}/v2.0",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                },
                {},
            )
        if path.endswith("/oauth2/v2.0/token") and method == "POST":
            return self._token(tenant, {k: v[0] for k, v in parse_qs(body.decode()).items()})
        return 404, {"error": "not_found"}, {}

    def _authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """The sign-in and consent pages, already passed: the answer the browser carries back."""
        redirect_uri = query["redirect_uri"]
        if self.consent_denied:
            answer = {
                "error": "access_denied",
                "error_subcode": "cancel",
                "error_description": "AADSTS65004: User declined to consent to access the app.",
            }
        else:
            code = f"code-{next(self.numbers)}"
            self.codes[code] = IssuedCode(
                self.signs_in_as or self.owner,
                query.get("nonce"),
                redirect_uri,
                query.get("code_challenge", ""),
            )
            answer = {"code": code}
        answer["state"] = query.get("state", "")
        if query.get("response_mode") == "form_post":
            fields = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                for name, value in answer.items()
            )
            page = (
                f'<html><body onload="document.forms[0].submit()"><form method="POST" '
                f'action="{html.escape(redirect_uri)}">{fields}</form></body></html>'
            )
            return 200, page, {}
        return 302, None, {"Location": f"{redirect_uri}?{urlencode(answer)}"}

    def _token(self, tenant: str, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if self.app_token_refusal is not None:
                return 400, self.app_token_refusal, {}
            if form.get("client_secret") != "secret":
                return (
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided.",
                        "error_codes": [7000215],
                    },
                    {},
                )
            if not self.admin_consent:
                return (
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "AADSTS65001: The user or administrator has not "
                        f"consented to use the application with ID '{form.get('client_id')}'.",
                        "error_codes": [65001],
                    },
                    {},
                )
            return (
                200,
                {
                    "access_token": f"app-{next(self.issued)}",
                    "expires_in": 3600,
                    "token_type": "Bearer",
                },
                {},
            )
        username = self.owner
        if grant == "authorization_code" and form.get("code") != "good-code":
            issued = self.codes.pop(form.get("code", ""), None)  # a code works once
            if issued is None or not _pkce_fits(issued, form):
                return 400, {"error": "invalid_grant", "error_description": "bad code"}, {}
            self.nonces[form["code"]] = issued.nonce or ""
            username = issued.username
        if grant == "refresh_token" and (self.revoked or not form.get("refresh_token")):
            return (
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "AADSTS70000: The refresh token was revoked.",
                    "suberror": "bad_token",
                },
                {},
            )
        if grant not in {"authorization_code", "refresh_token"}:
            return 400, {"error": "unsupported_grant_type"}, {}
        if grant == "refresh_token":
            username = self.refresh_owners.get(form["refresh_token"], self.owner)
        number = next(self.issued)
        self.refresh_owners[f"refresh-{number}"] = username
        uid = "user-oid-1" if username == self.owner else f"oid-{username}"
        utid = "tenant-id-1"
        claims = {
            "iss": f"{self.login_host}/{utid}/v2.0",
            "aud": form.get("client_id"),
            "sub": "subject-1",
            "oid": uid,
            "tid": utid,
            "preferred_username": username,
            "name": "Leader",
            "iat": int(time.time()),
            "nonce": self.nonces.get(form.get("code", "")),
            "exp": int(time.time()) + 3600,
        }
        return (
            200,
            {
                "token_type": "Bearer",
                "scope": form.get("scope", ""),
                "expires_in": 3600,
                "access_token": f"user-{number}",
                "refresh_token": f"refresh-{number}",
                "id_token": _unsigned_jwt(claims),
                "client_info": _b64(json.dumps({"uid": uid, "utid": utid}).encode()),
            },
            {},
        )


def _pkce_fits(issued: IssuedCode, form: dict[str, str]) -> bool:
    digest = hashlib.sha256(form.get("code_verifier", "").encode("ascii")).digest()
    return _b64(digest) == issued.code_challenge and form.get("redirect_uri") == issued.redirect_uri


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
