"""Google authorisation: scopes, the installed-app flow, service accounts, the service object.

Least privilege (DESIGN 9): `calendar.events.readonly` always; `calendar.events.owned` only when
write-back is on (it lets us change only events the calendar owns, i.e. our own blocks).

- `run_installed_app_flow`: a leader on their own machine; a local redirect on 127.0.0.1, and the
  URL printed when no browser can be opened.
- `web_authorisation_url` / `credentials_from_web_code`: the same client for a web callback.
- `delegated_credentials`: a service account with domain-wide delegation, acting as the leader.
- `Delegation` / `authorisation_to_json` / `stored_authorisation`: what a connection stores (user
  credentials, or a service account key with the leader it acts as) and the credentials of either.
- `build_service`: the googleapiclient service over an authorised transport that refreshes the
  token once on a 401; a refresh Google refuses for good surfaces as `NeedsReauthorisationError`,
  a passing fault as a retried `ServerFaultError` (calls.py).

Credentials are (de)serialised to JSON bytes here; the caller encrypts them before storing.
"""

from __future__ import annotations

import json
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google_auth_oauthlib.flow import Flow, InstalledAppFlow
from googleapiclient.discovery import build

from connectors.google.client_file import (
    check_redirect_port,
    client_config_from_json,
)
from connectors.google.errors import GoogleAuthError

SCOPE_READ = "https://www.googleapis.com/auth/calendar.events.readonly"
SCOPE_OWNED = "https://www.googleapis.com/auth/calendar.events.owned"
HTTP_TIMEOUT_SECONDS = 30.0
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
# The `kind` of a stored service account token; user credentials carry no `kind`.
DELEGATION_KIND = "agenda-regie/service-account-delegation"
DELEGATION_CONSOLE = (
    "Admin console > Security > Access and data control > API controls > "
    "Manage domain-wide delegation"
)

Credentials = user_credentials.Credentials | service_account.Credentials


def scopes(*, write_back: bool) -> list[str]:
    return [SCOPE_READ, SCOPE_OWNED] if write_back else [SCOPE_READ]


def browser_available() -> bool:
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def run_installed_app_flow(
    client_config: Mapping[str, Any],
    *,
    write_back: bool,
    open_browser: bool | None = None,
    port: int = 0,
    say: Callable[[str], None] = print,
    login_hint: str | None = None,
    timeout_seconds: float | None = 600,
) -> user_credentials.Credentials:
    """Ask the leader's consent in a browser; the answer comes back to a local redirect.

    When no browser can be opened, the URL is printed for the leader to open anywhere that can
    reach this machine's 127.0.0.1 (for a remote shell: an SSH port forward of `port`).
    """
    try:
        flow = InstalledAppFlow.from_client_config(
            dict(client_config), scopes(write_back=write_back)
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise GoogleAuthError(
            "OAuth client file",
            "not usable: %(reason)s; download it again from Credentials in the Cloud console "
            "(OAuth client ID)",
            values={"reason": _first_line(error)},
        ) from None
    check_redirect_port(port)
    use_browser = browser_available() if open_browser is None else open_browser
    message = (
        "Your browser opens Google's consent page. If it does not, open this URL:\n{url}"
        if use_browser
        else "Open this URL in a browser and allow access to the calendar:\n{url}"
    )
    extra: dict[str, Any] = {"access_type": "offline", "prompt": "consent"}
    if login_hint:
        extra["login_hint"] = login_hint
    try:
        credentials = flow.run_local_server(
            host="127.0.0.1",
            bind_addr="127.0.0.1",
            port=port,
            open_browser=use_browser,
            authorization_prompt_message=message,
            # Shown for a refusal too (the local page cannot tell): the terminal says which.
            success_message="agenda-regie has Google's answer; you may close this window and "
            "return to the terminal.",
            timeout_seconds=timeout_seconds,
            **extra,
        )
    except Exception as error:  # the flow raises oauthlib/requests errors of many kinds
        if getattr(error, "error", None) == "access_denied":
            raise GoogleAuthError(
                "Google sign-in",
                "access was not allowed on Google's consent page (access_denied); nothing was "
                "stored. Run the command again and choose Allow, or ask your Workspace "
                "administrator whether this app may be used",
            ) from None
        raise GoogleAuthError(
            "Google sign-in",
            "the consent flow failed: %(reason)s",
            values={"reason": _first_line(error)},
        ) from None
    if credentials is None:
        raise GoogleAuthError("Google sign-in", "no answer came back from the consent page")
    result: user_credentials.Credentials = credentials
    if not result.refresh_token:
        raise GoogleAuthError(
            "Google sign-in", "Google gave no refresh token; remove the app's access and retry"
        )
    return result


def web_authorisation_url(
    client_config: Mapping[str, Any], *, write_back: bool, redirect_uri: str, state: str
) -> str:
    """Where to send the leader's browser from a web page (the web callback later)."""
    flow = Flow.from_client_config(
        dict(client_config), scopes(write_back=write_back), redirect_uri=redirect_uri, state=state
    )
    url, _ = flow.authorization_url(access_type="offline", prompt="consent")
    return str(url)


def credentials_from_web_code(
    client_config: Mapping[str, Any], *, write_back: bool, redirect_uri: str, code: str
) -> user_credentials.Credentials:
    flow = Flow.from_client_config(
        dict(client_config), scopes(write_back=write_back), redirect_uri=redirect_uri
    )
    try:
        flow.fetch_token(code=code)
    except Exception as error:
        raise GoogleAuthError(
            "Google sign-in", "the code was refused: %(reason)s", values={"reason": error}
        ) from None
    result: user_credentials.Credentials = flow.credentials
    return result


def delegated_credentials(
    service_account_info: Mapping[str, Any], leader_email: str, *, write_back: bool
) -> service_account.Credentials:
    """A service account acting as the leader (domain-wide delegation set up by an admin)."""
    try:
        # google-auth's factory functions are untyped; Any at the border.
        from_info: Any = service_account.Credentials.from_service_account_info
        base = from_info(dict(service_account_info), scopes=scopes(write_back=write_back))
    except (ValueError, KeyError) as error:
        raise GoogleAuthError(
            "service account key", "not usable: %(reason)s", values={"reason": error}
        ) from None
    delegated: service_account.Credentials = base.with_subject(leader_email)
    return delegated


@dataclass(frozen=True)
class Delegation:
    """A service account key and the leader it acts as: what an organisation's connection stores.

    `key` is the service account's JSON key as downloaded from the Cloud console (secret: it is
    only ever stored encrypted). `write_back` decides the scopes, as for a sign-in.
    """

    key: Mapping[str, Any] = field(repr=False)
    subject: str
    write_back: bool

    @property
    def service_account_email(self) -> str:
        return str(self.key.get("client_email", "?"))

    @property
    def client_id(self) -> str:
        return str(self.key.get("client_id", "?"))

    def credentials(self) -> service_account.Credentials:
        return delegated_credentials(self.key, self.subject, write_back=self.write_back)

    def advice(self) -> str:
        """What an administrator does when Google refuses the delegation (one sentence)."""
        return (
            f"domain-wide delegation lets the service account {self.service_account_email} act as "
            f"{self.subject} only when a Workspace administrator has added its client ID "
            f"{self.client_id} with the scopes {','.join(scopes(write_back=self.write_back))} "
            f"under {DELEGATION_CONSOLE}; add or correct that entry (changes can take some "
            "minutes), then run `agenda-regie connect google --leader "
            f"{self.subject} --service-account KEY_FILE` again"
        )


@dataclass(frozen=True)
class StoredAuthorisation:
    """The credentials a stored token gives; `delegation` is set for a service account."""

    credentials: Credentials
    delegation: Delegation | None = None

    def changed_token(self, stored: bytes) -> bytes | None:
        """The token to store again after use (a refreshed user token), or None.

        A service account's access token is minted anew from the key; nothing to keep.
        """
        credentials = self.credentials
        if not isinstance(credentials, user_credentials.Credentials) or not credentials.token:
            return None
        current = credentials_to_json(credentials)
        return current if current != stored else None


def authorisation_to_json(authorisation: user_credentials.Credentials | Delegation) -> bytes:
    """What a connection stores (encrypt before storing): user credentials or a delegation."""
    if isinstance(authorisation, Delegation):
        return json.dumps(
            {
                "kind": DELEGATION_KIND,
                "subject": authorisation.subject,
                "write_back": authorisation.write_back,
                "key": dict(authorisation.key),
            },
            sort_keys=True,
        ).encode("utf-8")
    return credentials_to_json(authorisation)


def stored_authorisation(data: bytes) -> StoredAuthorisation:
    """The credentials of a stored token of either kind (`authorisation_to_json`)."""
    try:
        info = json.loads(data.decode("utf-8"))
    except ValueError as error:
        raise GoogleAuthError(
            "stored Google credentials", "not readable: %(reason)s", values={"reason": error}
        ) from None
    if isinstance(info, dict) and info.get("kind") == DELEGATION_KIND:
        try:
            delegation = Delegation(
                key=info["key"], subject=str(info["subject"]), write_back=bool(info["write_back"])
            )
        except (KeyError, TypeError) as error:
            raise GoogleAuthError(
                "stored Google service account",
                "not readable: %(reason)s",
                values={"reason": error},
            ) from None
        return StoredAuthorisation(delegation.credentials(), delegation)
    return StoredAuthorisation(credentials_from_json(data))


def credentials_to_json(credentials: user_credentials.Credentials) -> bytes:
    """The user credentials as JSON bytes (refresh token included): encrypt before storing."""
    as_json: Any = credentials.to_json
    return str(as_json()).encode("utf-8")


def credentials_from_json(data: bytes) -> user_credentials.Credentials:
    """Credentials from `credentials_to_json`, keeping the stored token endpoint.

    (google-auth's `from_authorized_user_info` always substitutes Google's endpoint; we keep the
    one we stored, which is Google's in production and the fake's in tests.)
    """
    try:
        info = json.loads(data.decode("utf-8"))
        expiry = info.get("expiry")
        make: Any = user_credentials.Credentials  # untyped constructor
        result: user_credentials.Credentials = make(
            token=info.get("token"),
            refresh_token=info["refresh_token"],
            token_uri=info.get("token_uri") or GOOGLE_TOKEN_URI,
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            scopes=info.get("scopes"),
            # google-auth compares naive UTC datetimes
            expiry=(
                datetime.strptime(expiry.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")  # noqa: DTZ007
                if expiry
                else None
            ),
        )
    except (ValueError, KeyError, AttributeError) as error:
        raise GoogleAuthError(
            "stored Google credentials", "not readable: %(reason)s", values={"reason": error}
        ) from None
    return result


def build_service(
    credentials: Any,
    *,
    api_endpoint: str | None = None,
    timeout_seconds: float = HTTP_TIMEOUT_SECONDS,
    max_refresh_attempts: int = 1,
) -> Any:
    """The Calendar v3 service from the bundled discovery document (no network to build it).

    One service per thread: httplib2 is not thread-safe.
    """
    http = google_auth_httplib2.AuthorizedHttp(
        credentials,
        http=httplib2.Http(timeout=int(timeout_seconds)),
        max_refresh_attempts=max_refresh_attempts,
    )
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=options,
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


__all__ = [
    "DELEGATION_KIND",
    "SCOPE_OWNED",
    "SCOPE_READ",
    "Credentials",
    "Delegation",
    "GoogleAuthError",
    "StoredAuthorisation",
    "authorisation_to_json",
    "browser_available",
    "build_service",
    "check_redirect_port",
    "client_config_from_json",
    "credentials_from_json",
    "credentials_to_json",
    "delegated_credentials",
    "run_installed_app_flow",
    "scopes",
    "stored_authorisation",
    "web_authorisation_url",
]
