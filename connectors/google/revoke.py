"""Revoking a leader's Google sign-in: the stored refresh token (or, lacking one, the access
token) posted to Google's revocation endpoint, which ends the grant and every token made from it.

The endpoint is found next to the token endpoint the credentials were stored with
(https://oauth2.googleapis.com/token gives https://oauth2.googleapis.com/revoke), so a test's
fake OAuth server receives it. One bounded request, no retry: the caller reports a failure and
goes on. Imports httpx only; the caller hands in the client.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from connectors.google.auth import DELEGATION_KIND
from connectors.google.errors import GoogleError

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
TIMEOUT_SECONDS = 10.0


def revocation_uri(token_uri: str) -> str:
    """Google's revocation endpoint beside this token endpoint."""
    base, _, last = token_uri.rstrip("/").rpartition("/")
    if last != "token" or not base:
        raise GoogleError(token_uri, "not a token endpoint that ends in /token")
    return f"{base}/revoke"


def revocable_token(token_json: bytes) -> tuple[str, str] | None:
    """(token, revocation endpoint) of stored user credentials; None for what has no user
    token to revoke (a service account's delegation, which the organisation's key holds)."""
    try:
        info: Any = json.loads(token_json.decode("utf-8"))
    except ValueError as error:
        raise GoogleError("stored Google credentials", f"not readable: {error}") from None
    if not isinstance(info, dict) or info.get("kind") == DELEGATION_KIND:
        return None
    token = info.get("refresh_token") or info.get("token")
    if not token:
        return None
    return str(token), revocation_uri(str(info.get("token_uri") or GOOGLE_TOKEN_URI))


def revoke_token(client: httpx.Client, token: str, uri: str) -> None:
    """Ask Google to revoke the token. A token Google no longer knows (`invalid_token`) counts as
    revoked; any other answer, or no answer in time, raises `GoogleError`."""
    try:
        answer = client.post(
            uri,
            data={"token": token},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        raise GoogleError(uri, f"not reachable: {type(error).__name__}") from None
    if answer.status_code == 200:
        return
    reason = _reason(answer)
    if answer.status_code == 400 and reason == "invalid_token":
        return
    raise GoogleError(
        uri, f"revocation refused: HTTP {answer.status_code} {reason}", status=answer.status_code
    )


def _reason(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""
