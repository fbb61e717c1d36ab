"""The console's sign-in through the organisation's identity provider (docs/sign-in.md): the app
registered in Microsoft Entra ID, the OAuth client in Google Cloud, and the organisation's
domains. Either, both or neither may be set up; a half-set provider is a problem.

Must not import msal, authlib or anything that speaks HTTP: reading settings stays cheap.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from assistant.settings.checks import _loopback, _url_parts, normalise_authority_host
from assistant.settings.groups import Group
from assistant.settings.names import MICROSOFT_AUTHORITY_HOST

_PREFIX = "AGENDA_REGIE_SIGNIN_"
ENTRA_CLIENT_ID_VARIABLE = _PREFIX + "ENTRA_CLIENT_ID"
ENTRA_CLIENT_SECRET_VARIABLE = _PREFIX + "ENTRA_CLIENT_SECRET"
ENTRA_TENANT_VARIABLE = _PREFIX + "ENTRA_TENANT"
ENTRA_AUTHORITY_HOST_VARIABLE = _PREFIX + "ENTRA_AUTHORITY_HOST"
GOOGLE_CLIENT_ID_VARIABLE = _PREFIX + "GOOGLE_CLIENT_ID"
GOOGLE_CLIENT_SECRET_VARIABLE = _PREFIX + "GOOGLE_CLIENT_SECRET"
GOOGLE_DISCOVERY_URL_VARIABLE = _PREFIX + "GOOGLE_DISCOVERY_URL"
DOMAINS_VARIABLE = _PREFIX + "DOMAINS"
GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"
# Tenants that let any organisation's accounts in.
SHARED_TENANTS = frozenset({"common", "organizations", "consumers"})
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SignInSettings(Group):
    """Who may sign in to the console through an identity provider; `entra_configured` and
    `google_configured` say which providers are offered."""

    entra_client_id: str | None = Field(None, validation_alias=ENTRA_CLIENT_ID_VARIABLE)
    entra_client_secret: str | None = Field(
        None, validation_alias=ENTRA_CLIENT_SECRET_VARIABLE, repr=False
    )
    # The organisation's own tenant: its id or one of its domains.
    entra_tenant: str | None = Field(None, validation_alias=ENTRA_TENANT_VARIABLE)
    # A national cloud's Entra ID (https://login.microsoftonline.us ...); the global one by default.
    entra_authority_host: str = Field(
        MICROSOFT_AUTHORITY_HOST, validation_alias=ENTRA_AUTHORITY_HOST_VARIABLE
    )
    google_client_id: str | None = Field(None, validation_alias=GOOGLE_CLIENT_ID_VARIABLE)
    google_client_secret: str | None = Field(
        None, validation_alias=GOOGLE_CLIENT_SECRET_VARIABLE, repr=False
    )
    google_discovery_url: str = Field(
        GOOGLE_DISCOVERY_URL, validation_alias=GOOGLE_DISCOVERY_URL_VARIABLE
    )
    # The organisation's domains, comma-separated: Google Workspace's `hd` must be one of them;
    # an Entra ID account's address must be in one of them when they are set.
    domains: tuple[str, ...] = Field((), validation_alias=DOMAINS_VARIABLE)

    @property
    def entra_configured(self) -> bool:
        return bool(self.entra_client_id)

    @property
    def google_configured(self) -> bool:
        return bool(self.google_client_id)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: value.strip() for name, value in raw.items() if value.strip()
        }
        domains = tuple(
            dict.fromkeys(d.strip().lower() for d in raw.get("domains", "").split(",") if d.strip())
        )
        values["domains"] = domains
        for domain in domains:
            if not _DOMAIN.match(domain):
                problems.append(
                    f"{DOMAINS_VARIABLE}: {domain!r} is not a domain name (like example.org)"
                )
        _check_entra(values, problems)
        _check_google(values, problems)
        return values


def _check_entra(values: dict[str, Any], problems: list[str]) -> None:
    given = [
        name
        for name, variable in (
            ("entra_client_id", ENTRA_CLIENT_ID_VARIABLE),
            ("entra_client_secret", ENTRA_CLIENT_SECRET_VARIABLE),
            ("entra_tenant", ENTRA_TENANT_VARIABLE),
        )
        if name in values
    ]
    if given and len(given) < 3:
        problems.append(
            f"Entra ID sign-in needs all of {ENTRA_CLIENT_ID_VARIABLE}, "
            f"{ENTRA_CLIENT_SECRET_VARIABLE} and {ENTRA_TENANT_VARIABLE} (docs/sign-in.md)"
        )
    tenant = str(values.get("entra_tenant", ""))
    if tenant.lower() in SHARED_TENANTS:
        problems.append(
            f"{ENTRA_TENANT_VARIABLE} must be the organisation's own tenant (its id or domain), "
            f"not {tenant}: anyone with a Microsoft account could sign in"
        )
    if "entra_authority_host" in values:
        try:
            host = normalise_authority_host(values["entra_authority_host"])
            values["entra_authority_host"] = host
        except ValueError as error:
            problems.append(f"{ENTRA_AUTHORITY_HOST_VARIABLE} {error}")
            del values["entra_authority_host"]


def _check_google(values: dict[str, Any], problems: list[str]) -> None:
    has_id, has_secret = "google_client_id" in values, "google_client_secret" in values
    if has_id != has_secret:
        problems.append(
            f"Google sign-in needs both {GOOGLE_CLIENT_ID_VARIABLE} and "
            f"{GOOGLE_CLIENT_SECRET_VARIABLE} (docs/sign-in.md)"
        )
    if has_id and not values["domains"]:
        problems.append(
            f"Google sign-in needs {DOMAINS_VARIABLE}, the organisation's Workspace domains: "
            "without them any Google account could sign in"
        )
    url = values.get("google_discovery_url")
    if url is None:
        return
    try:
        parts = _url_parts(url)
    except ValueError as error:
        problems.append(f"{GOOGLE_DISCOVERY_URL_VARIABLE} {error}")
        del values["google_discovery_url"]
        return
    if parts.scheme != "https" and not _loopback(parts.hostname):
        problems.append(
            f"{GOOGLE_DISCOVERY_URL_VARIABLE} must start with https:// (plain http only for a "
            "server on this machine)"
        )
        del values["google_discovery_url"]
    elif not parts.path.endswith("/.well-known/openid-configuration"):
        problems.append(
            f"{GOOGLE_DISCOVERY_URL_VARIABLE} must end in /.well-known/openid-configuration "
            f"(the discovery document), like {GOOGLE_DISCOVERY_URL}"
        )
        del values["google_discovery_url"]
