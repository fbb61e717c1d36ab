"""Executing one google-api-python-client request: errors mapped, retries applied.

The client's own retry (`num_retries`) is left at 0: it ignores `Retry-After` and is not
bounded in total time; `Retrier` does both.

A failed token refresh is one of three things (`refresh_outcome`): a passing fault of Google's
token endpoint (retried like a 5xx), a refusal that only a new sign-in or a new grant can mend
(`NeedsReauthorisationError`, never retried), or another OAuth error (reported, not retried, and
the connection is not flagged on a guess). A network fault (refused, reset, timed out, no DNS)
is retried like a 5xx too, so it ends as a `ConnectorError` and never escapes raw.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

import httplib2
from google.auth.exceptions import ReauthFailError, RefreshError, TransportError
from googleapiclient.errors import HttpError

from connectors.backoff import retry_after_seconds
from connectors.errors import ConnectorError
from connectors.google.errors import (
    GoogleError,
    NeedsReauthorisationError,
    ServerFaultError,
    map_http_error,
)
from connectors.google.retry import Retrier

REAUTHORISE = "connect again with `agenda-regie connect google --leader EMAIL`"
# OAuth error codes (RFC 6749 5.2, and Google's own) after which the stored refresh token or the
# delegation will not work again until someone signs in or an administrator grants it anew.
TERMINAL_REFRESH_ERRORS = frozenset(
    {
        "invalid_grant",  # revoked, expired, unused for six months, password changed
        "invalid_client",  # the OAuth client is gone or its secret changed
        "unauthorized_client",  # delegation not granted for this client or these scopes
        "deleted_client",
        "disabled_client",
        "invalid_scope",
        "access_denied",
        "admin_policy_enforced",
        "org_internal",
        "invalid_rapt",
        "rapt_required",
    }
)
# What a network fault looks like through httplib2 and google-auth (OSError covers refused,
# reset, TimeoutError/socket.timeout and SSL errors).
NETWORK_FAULTS = (TransportError, httplib2.HttpLib2Error, http.client.HTTPException, OSError)
RefreshOutcome = Literal["retry", "reauthorise", "report"]


def execute(retrier: Retrier, what: str, where: str, make_request: Callable[[], Any]) -> Any:
    """Build and execute a request (anew on every attempt) and return its JSON answer."""

    def attempt() -> Any:
        try:
            return make_request().execute(num_retries=0)
        except HttpError as error:
            raise _mapped(error, where) from None
        except RefreshError as error:
            raise _refresh_failed(error, where) from None
        except NETWORK_FAULTS as error:
            raise ServerFaultError(
                where, f"Google could not be reached ({_fault(error)})"
            ) from None

    return retrier.call(what, attempt)


def refresh_error_code(error: RefreshError) -> str | None:
    """The OAuth `error` code of the token endpoint's answer, when it gave one."""
    for arg in error.args:  # google-auth passes (details, response data) or (response text,)
        if isinstance(arg, Mapping) and isinstance(arg.get("error"), str):
            return str(arg["error"])
    return None


def refresh_outcome(error: RefreshError) -> RefreshOutcome:
    """What a failed refresh means: retry it, ask for a new sign-in or grant, or report it.

    google-auth marks its own retryable answers (5xx, 408, 429, `internal_failure`,
    `server_error`, `temporarily_unavailable`) after trying three times itself. An answer that is
    no OAuth error at all (an HTML error page, no access token) is the endpoint's fault too,
    although google-auth does not mark it retryable.
    """
    code = refresh_error_code(error)
    if isinstance(error, ReauthFailError) or code in TERMINAL_REFRESH_ERRORS:
        return "reauthorise"
    if error.retryable or code is None:
        return "retry"
    return "report"


def refresh_said(error: RefreshError) -> str:
    """The first line of what the token endpoint said, short enough for one line."""
    first = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
    lines = first.strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def _refresh_failed(error: RefreshError, where: str) -> ConnectorError:
    said = refresh_said(error)
    outcome = refresh_outcome(error)
    if outcome == "reauthorise":
        return NeedsReauthorisationError(
            where, f"Google refused to refresh the stored authorisation ({said}); {REAUTHORISE}"
        )
    if outcome == "retry":
        return ServerFaultError(
            where,
            f"Google's token endpoint failed to refresh the authorisation ({said})",
            reason=refresh_error_code(error),
        )
    return GoogleError(
        where,
        f"Google did not refresh the stored authorisation ({said}); not retried, the "
        "connection is kept",
        reason=refresh_error_code(error),
    )


def _fault(error: BaseException) -> str:
    # google-auth's TransportError wraps the httplib2 or socket error that happened.
    cause = error.args[0] if isinstance(error, TransportError) and error.args else error
    if not isinstance(cause, BaseException):
        return _first_line(error)
    return f"{type(cause).__name__}: {_first_line(cause)}"


def _mapped(error: HttpError, where: str) -> Exception:
    status = int(error.resp.status)
    reason: str | None = None
    message = ""
    try:
        body = json.loads(error.content.decode("utf-8"))
        detail = body.get("error", {})
        message = str(detail.get("message", ""))
        errors = detail.get("errors") or []
        if errors:
            reason = errors[0].get("reason")
    except (ValueError, AttributeError):
        message = error.content[:200].decode("utf-8", "replace")
    retry_after = retry_after_seconds(error.resp.get("retry-after"))
    return map_http_error(status, reason, message, where=where, retry_after_seconds=retry_after)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
