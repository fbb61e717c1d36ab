"""The errors of the Microsoft connector, and the one function that maps Graph answers to them.

Every error derives from the shared provider errors of `connectors.errors` (provider
"microsoft"), so the CLI turns it into one line and callers may catch either name.
`map_http_error` is the only place that decides what a Graph status and `error.code` mean for us.
"""

from __future__ import annotations

from connectors import errors
from connectors.errors import ConnectorError

# A delta token Graph no longer knows: start again with a full listing (calendar-apis.md B.1).
RESYNC_CODES = frozenset({"syncStateNotFound", "resyncRequired", "syncStateInvalid"})


class GraphError(errors.ProviderError, errors.CalendarFetchError):
    """Graph answered, but not with what we asked for; `code` is its `error.code`."""

    default_provider = "microsoft"


class RetryableError(GraphError, errors.RetryableProviderError):
    """Throttled or a server fault: worth another try after a pause."""


class ThrottledError(RetryableError, errors.RateLimitedError):
    """429 TooManyRequests (per app and mailbox: 10,000 requests per 10 minutes, 4 at once)."""


class ServerFaultError(RetryableError, errors.ProviderUnavailableError):
    """5xx, or the connection failed before an answer came."""


class SyncStateGoneError(GraphError):
    """The delta token expired (`syncStateNotFound`) or Graph asks a full resync (410)."""


class AccessDeniedError(GraphError, errors.AccessRefusedError):
    """403: the app or the signed-in user may not read this mailbox (not retried)."""


class NotFoundError(GraphError, errors.ProviderNotFoundError):
    """404: the mailbox or event does not exist, or the account may not see it."""


class BadRequestError(GraphError, errors.ProviderBadRequestError):
    """400: Graph refused the request as written."""


class NeedsReauthorisationError(errors.AuthorisationNeededError):
    """The stored authorisation no longer works (refresh refused, or 401 after a fresh token).

    Terminal: never retried. The leader (or an administrator) must connect again.
    """

    default_provider = "microsoft"


class MicrosoftAuthError(ConnectorError):
    """Authorisation could not be set up (no app registration, flow refused or abandoned)."""


class RetriesExhaustedError(GraphError, errors.RetriesExhaustedError):
    """Still throttled or failing after the bounded number of attempts or the time budget."""


class UnsafeLinkError(GraphError):
    """A paging link pointing away from the Graph endpoint: our token is not sent there."""


_FAMILY = errors.ErrorFamily.collect("Graph", GraphError, NeedsReauthorisationError)
_ACCESS_POLICY_HINT = "; an application access policy may exclude this mailbox (docs/microsoft.md)"


def map_http_error(
    status: int,
    code: str | None,
    message: str,
    *,
    where: str,
    retry_after_seconds: float | None = None,
) -> ConnectorError:
    """Our error for a Graph error answer (status, `error.code`, `error.message`)."""
    if status != 429 and (status == 410 or code in RESYNC_CODES):
        said = _FAMILY.answered(status, code, message)
        return SyncStateGoneError(where, said, status=status, code=code)
    hints = {
        401: "; the token was refused even after renewing it, connect again with "
        "`agenda-regie connect microsoft`",
        403: _ACCESS_POLICY_HINT if code == "ErrorAccessDenied" else "",
        404: "; check the mailbox address",
    }
    return errors.error_for_status(
        _FAMILY,
        status,
        code,
        message,
        where=where,
        retry_after_seconds=retry_after_seconds,
        hints=hints,
    )
