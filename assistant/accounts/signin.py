"""The console's sign-in providers, built from the settings (docs/sign-in.md).

`sign_in_providers(settings)` gives the providers the organisation has set up, by name ("entra",
"google"), in the order the sign-in page offers them; an empty mapping when none is (local
accounts only). Build them once per process and keep them: each caches its provider's discovery
document and signing keys.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from assistant.settings import Settings, SignInSettings
from connectors.identity.base import IdentityProvider
from connectors.identity.entra import EntraSignIn
from connectors.identity.google import GoogleSignIn


def sign_in_providers(
    settings: Settings | SignInSettings, *, http_client: requests.Session | None = None
) -> Mapping[str, IdentityProvider]:
    """The configured providers by name; raises `SettingsError` naming every problem of the
    sign-in settings. `http_client`: the session the providers speak through (None: their own,
    which trusts `REQUESTS_CA_BUNDLE`)."""
    group = settings if isinstance(settings, SignInSettings) else settings.signin()
    providers: dict[str, IdentityProvider] = {}
    if group.entra_configured:
        providers["entra"] = EntraSignIn(
            client_id=str(group.entra_client_id),
            client_secret=str(group.entra_client_secret),
            tenant=str(group.entra_tenant),
            authority_host=group.entra_authority_host,
            domains=group.domains,
            http_client=http_client,
        )
    if group.google_configured:
        providers["google"] = GoogleSignIn(
            client_id=str(group.google_client_id),
            client_secret=str(group.google_client_secret),
            domains=group.domains,
            discovery_url=group.google_discovery_url,
            http_client=http_client,
        )
    return providers
