"""Ending a connection's access at its provider before the leader's data is deleted.

- Google: the stored sign-in's token posted to Google's revocation endpoint (a service account's
  delegation has no token of the leader's: the organisation holds that key).
- Microsoft: the identity platform has no endpoint for an app to revoke one user's delegated
  refresh token (Graph's `revokeSignInSessions` needs an administrator's permission and signs the
  user out of every app); the token is deleted with the connection and the leader removes the
  consent themselves in My Apps (`MICROSOFT_CONSENT_PAGE`).
- iCalendar feeds and CalDAV: a feed address or a password, nothing to revoke; deleted.

A failure is an outcome, never an exception: the deletion goes on and reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

from connectors.errors import ConnectorError
from connectors.google.revoke import revocable_token, revoke_token

MICROSOFT_CONSENT_PAGE = "https://myapps.microsoft.com"
Outcome = Literal["revoked", "failed", "by_hand", "nothing"]


@dataclass(frozen=True)
class Revocation:
    """What happened to one connection's access: `revoked` at the provider, `failed` (with the
    problem), `by_hand` (the leader removes the consent at `where`), or `nothing` to revoke."""

    provider: str
    account: str
    outcome: Outcome
    problem: str = ""
    where: str = ""


def revoke_access(
    client: httpx.Client, provider: str, account: str, token: bytes | None
) -> Revocation:
    """End the access the stored token gives, where the provider allows it."""
    if provider == "microsoft" and token is not None:
        return Revocation(provider, account, "by_hand", where=MICROSOFT_CONSENT_PAGE)
    if provider != "google" or token is None:
        return Revocation(provider, account, "nothing")
    try:
        found = revocable_token(token)
        if found is None:
            return Revocation(provider, account, "nothing")
        revoke_token(client, *found)
    except ConnectorError as error:
        return Revocation(provider, account, "failed", problem=str(error)[:300])
    return Revocation(provider, account, "revoked")
