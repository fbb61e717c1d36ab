"""Admin consent for application permissions: asked for at `connect --application`, so a
missing grant fails at once with what an administrator must do, not at the first sync.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msal
import requests

from connectors.microsoft.errors import MicrosoftAuthError

if TYPE_CHECKING:
    from connectors.microsoft.auth import AppRegistration

# Entra ID's answers to a client-credentials request that only an administrator can fix.
ADMIN_CONSENT_ERRORS = frozenset({"invalid_grant", "consent_required", "interaction_required"})


def check_application_access(
    app: msal.ClientApplication, registration: AppRegistration, scopes: Sequence[str]
) -> None:
    """Ask Entra ID for an app-only token now, so `connect --application` fails at once, naming
    admin consent, when the organisation has not granted it (or the secret is wrong).

    The token lands in the app's cache (persist it).
    """
    where = "Microsoft application permissions"
    if not isinstance(app, msal.ConfidentialClientApplication):
        raise MicrosoftAuthError(
            where, "application permissions need a client secret; set the app's secret"
        )
    try:
        result = app.acquire_token_for_client(scopes=list(scopes))
    except requests.RequestException as error:
        raise MicrosoftAuthError(
            where, "Entra ID unreachable: %(reason)s", values={"reason": error}
        ) from None
    if isinstance(result.get("access_token"), str) and result["access_token"]:
        return
    values = {
        "said": said(result),
        "tenant": registration.tenant,
        "app": registration.client_id,
        "resource": " ".join(scopes),
    }
    code = result.get("error")
    if 65001 in (result.get("error_codes") or []) or code in ADMIN_CONSENT_ERRORS:
        raise MicrosoftAuthError(
            where,
            "admin consent is missing (%(said)s); ask an administrator of %(tenant)s to grant "
            "admin consent for the application permission Calendars.Read (or "
            "Calendars.ReadWrite) of app %(app)s (Entra admin centre > App registrations > API "
            "permissions > Grant admin consent; docs/microsoft.md, Admin consent), then run "
            "this again",
            values=values,
        )
    if code == "invalid_client":
        raise MicrosoftAuthError(
            where,
            "Entra ID refused the app's credentials (%(said)s); check the client secret (it may "
            "have expired), and ask an administrator of %(tenant)s to grant admin consent for "
            "the application permission Calendars.Read (or Calendars.ReadWrite) of app %(app)s "
            "(Entra admin centre > App registrations > API permissions > Grant admin consent; "
            "docs/microsoft.md, Admin consent)",
            values=values,
        )
    if code == "unauthorized_client":
        raise MicrosoftAuthError(
            where,
            "Entra ID does not know app %(app)s in %(tenant)s (%(said)s); check the client id "
            "and tenant, and that the app is registered in this cloud",
            values=values,
        )
    if code == "invalid_resource":
        raise MicrosoftAuthError(
            where,
            "Entra ID does not know the Graph resource %(resource)r (%(said)s); the Graph URL "
            "must belong to the same cloud as the authority",
            values=values,
        )
    raise MicrosoftAuthError(where, "Entra ID gave no token: %(said)s", values=values)


def said(result: Mapping[str, Any]) -> str:
    """Entra ID's error and the first line of its description, for a message."""
    description = str(result.get("error_description") or "").splitlines()
    return f"{result.get('error', 'error')}: {description[0] if description else 'no details'}"
