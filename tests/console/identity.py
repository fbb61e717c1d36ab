"""An organisation sign-in provider for the tests, following `connectors.identity.base`'s
contract (the real Entra ID and Google providers are tested against it on their side).

It checks what a real one checks with the pending session: the state (one value per sign-in),
and it vouches for the address its "directory" has for the code it gave out. `authorize_url`
is a page of the tests that sends the browser back with a code and the state.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import urlencode

from connectors.identity.base import SignInError, SignInStart, VerifiedIdentity


class DirectoryProvider:
    def __init__(self, name: str, authorize_url: str, directory: Mapping[str, str]) -> None:
        self.name = name
        self.authorize_url = authorize_url
        self.directory = dict(directory)  # code -> verified address
        self.begun = 0

    def begin(self, redirect_uri: str) -> SignInStart:
        self.begun += 1
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        query = urlencode({"state": state, "redirect_uri": redirect_uri})
        return SignInStart(
            f"{self.authorize_url}?{query}",
            {"state": state, "nonce": nonce, "redirect_uri": redirect_uri},
        )

    def complete(
        self, pending: Mapping[str, object], params: Mapping[str, str]
    ) -> VerifiedIdentity:
        if params.get("state") != pending.get("state"):
            raise SignInError(self.name, "the state does not match this sign-in")
        if "error" in params:
            raise SignInError(self.name, "the provider refused: %(error)s", values=params)
        email = self.directory.get(params.get("code", ""))
        if email is None:
            raise SignInError(self.name, "the code was not accepted")
        return VerifiedIdentity(self.name, f"https://{self.name}.test", f"sub-{email}", email)
