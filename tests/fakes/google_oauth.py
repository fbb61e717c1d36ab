"""The OAuth half of the fake Google: the consent page of the installed-app flow, and the token
endpoint for authorization codes (client secret and PKCE checked), refresh tokens and a service
account's signed JWT (domain-wide delegation). See tests/fakes/google_calendar.py.

A mixin: `FakeGoogleCalendar` holds the state it reads (client, codes, grants, queued answers).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
from abc import ABC, abstractmethod
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


class FakeGoogleOAuth(ABC):
    """Google's OAuth answers, served by `FakeGoogleCalendar` at /auth and /token."""

    client_id: str
    client_secret: str
    deny_consent: bool
    revoked: bool
    codes: dict[str, dict[str, str]]
    issued_tokens: itertools.count[int]
    token_answers: list[tuple[int, Any]]
    domain: str
    service_account_keys: dict[str, rsa.RSAPublicKey]
    delegated_scopes: dict[str, set[str]]
    assertions: list[dict[str, Any]]
    token_subjects: dict[str, str]
    revocations: list[str]

    @property
    @abstractmethod
    def token_uri(self) -> str:
        """The token endpoint of the server that mixes this in."""

    @property
    @abstractmethod
    def auth_uri(self) -> str:
        """The consent endpoint of the server that mixes this in."""

    def client_config(self) -> dict[str, Any]:
        """An installed-app OAuth client file whose endpoints are this server."""
        return {
            "installed": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "auth_uri": self.auth_uri,
                "token_uri": self.token_uri,
                "redirect_uris": ["http://localhost"],
            }
        }

    def service_account(
        self, email: str = "agenda@project.iam.gserviceaccount.com", *, scopes: set[str]
    ) -> dict[str, Any]:
        """A new service account key (JSON as the Cloud console gives it) and its grant."""
        from cryptography.hazmat.primitives import serialization

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.service_account_keys[email] = key.public_key()
        self.delegated_scopes[email] = set(scopes)
        return {
            "type": "service_account",
            "project_id": "project",
            "private_key_id": "key-1",
            "private_key": key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            "client_email": email,
            "client_id": "104857600000000000001",
            "token_uri": self.token_uri,
        }

    def _consent(self, query: dict[str, list[str]]) -> tuple[int, str | None]:
        """The consent page, already answered: a redirect back to the client with the outcome."""
        asked = {name: values[0] for name, values in query.items()}
        redirect = asked.get("redirect_uri", "")
        if asked.get("client_id") != self.client_id or not redirect.startswith("http://"):
            return 400, None
        if self.deny_consent:
            answer = {"error": "access_denied", "state": asked.get("state", "")}
        else:
            code = f"code-{next(self.issued_tokens)}"
            self.codes[code] = asked
            answer = {"code": code, "state": asked.get("state", ""), "scope": asked["scope"]}
        return 302, f"{redirect}?{urlencode(answer)}"

    def _token(self, body: bytes, authorization: str) -> tuple[int, Any]:
        if self.token_answers:
            return self.token_answers.pop(0)
        form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._exchange_code(form, authorization)
        if grant == JWT_BEARER:
            return self._delegate(form.get("assertion", ""))
        if self.revoked or grant != "refresh_token":
            return 400, {"error": "invalid_grant", "error_description": "Token has been revoked."}
        return 200, {
            "access_token": f"fresh-{next(self.issued_tokens)}",
            "expires_in": 3600,
            "token_type": "Bearer",
        }

    def _exchange_code(self, form: dict[str, str], authorization: str) -> tuple[int, Any]:
        client = (form.get("client_id"), form.get("client_secret"))
        if authorization.startswith("Basic "):
            user, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            client = (unquote(user), unquote(secret))
        if client != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        asked = self.codes.pop(form.get("code", ""), None)  # a code works once
        if asked is None or asked.get("redirect_uri") != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if asked.get("code_challenge") != challenge.decode().rstrip("="):
            return 400, {"error": "invalid_grant", "error_description": "Missing code verifier."}
        return 200, {
            "access_token": f"consented-{next(self.issued_tokens)}",
            "refresh_token": "refresh-from-consent",
            "expires_in": 3599,
            "scope": asked["scope"],
            "token_type": "Bearer",
        }

    def _revoke(self, body: bytes) -> tuple[int, Any]:
        """Google's revocation endpoint (POST token=...): records the token and ends the grant,
        so a later refresh gets `invalid_grant`; an empty token is `invalid_request`."""
        form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
        token = form.get("token", "")
        if not token:
            return 400, {"error": "invalid_request", "error_description": "Missing token."}
        self.revocations.append(token)
        self.revoked = True
        return 200, {}

    def _delegate(self, assertion: str) -> tuple[int, Any]:
        """A service account's JWT: signed by its key, for a subject and scopes it was granted."""
        try:
            header_part, claims_part, signature_part = assertion.split(".")
            header = json.loads(_unb64(header_part))
            claims = json.loads(_unb64(claims_part))
            public_key = self.service_account_keys[claims["iss"]]
            public_key.verify(
                _unb64(signature_part),
                f"{header_part}.{claims_part}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, KeyError, InvalidSignature):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        self.assertions.append(claims)
        if header.get("alg") != "RS256" or claims.get("aud") != GOOGLE_TOKEN_AUDIENCE:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT audience."}
        if not claims.get("iat", 0) - 300 <= time.time() < claims.get("exp", 0):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: expired."}
        asked = set(str(claims.get("scope", "")).split())
        granted = self.delegated_scopes.get(claims["iss"], set())
        subject = str(claims.get("sub", ""))
        if not subject.endswith("@" + self.domain) or not asked or not asked <= granted:
            return 401, {
                "error": "unauthorized_client",
                "error_description": "Client is unauthorized to retrieve access tokens using "
                "this method, or client not authorized for any of the scopes requested.",
            }
        token = f"delegated-{next(self.issued_tokens)}"
        self.token_subjects[token] = subject
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
