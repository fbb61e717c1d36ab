"""The errors of the Google connector, and the one function that maps HTTP answers to them.

Every error derives from the shared provider errors of `connectors.errors` (provider "google"),
so the CLI turns it into one line and callers may catch either name.
`map_http_error` is the only place that decides what a Google status and reason mean for us.
"""

from __future__ import annotations

from connectors import errors
from connectors.errors import ConnectorError

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class GoogleError(errors.ProviderError, errors.CalendarFetchError):
    """Google answered, but not with what we asked for; `reason` is its first `errors[].reason`."""

    default_provider = "google"

    def __init__(
        self,
        where: str,
        problem: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        code: str | None = None,  # the shared name; `reason` is Google's
        retry_after_seconds: float | None = None,
    ) -> None:
        super().__init__(
            where,
            problem,
            status=status,
            code=code or reason,
            retry_after_seconds=retry_after_seconds,
        )

    @property
    def reason(self) -> str | None:
        return self.code


class RetryableError(GoogleError, errors.RetryableProviderError):
    """Rate limited or a server fault: worth another try after a pause."""


class RateLimitedError(RetryableError, errors.RateLimitedError):
    """403 rateLimitExceeded/userRateLimitExceeded or 429."""


class ServerFaultError(RetryableError, errors.ProviderUnavailableError):
    """5xx, a passing fault of the token endpoint, or Google not reachable (status None)."""


class AccessDeniedError(GoogleError, errors.AccessRefusedError):
    """403 for another reason (quotaExceeded, forbidden ...): retrying does not help."""


class NotFoundError(GoogleError, errors.ProviderNotFoundError):
    """404: the calendar or event does not exist, or the account may not see it."""


class AlreadyExistsError(GoogleError):
    """409 duplicate: an event with this id exists (perhaps cancelled)."""


class GoneError(GoogleError):
    """410: a sync token expired (full resync needed), or the event was deleted already."""


class BadRequestError(GoogleError, errors.ProviderBadRequestError):
    """400: Google refused the request as written."""


class NeedsReauthorisationError(errors.AuthorisationNeededError):
    """The stored authorisation no longer works (refresh refused for good, or 401 after one).

    Terminal: never retried. The leader (or an operator) must connect again.
    """

    default_provider = "google"


class GoogleAuthError(ConnectorError):
    """Authorisation could not be set up (bad client file, flow refused or abandoned)."""


class RetriesExhaustedError(GoogleError, errors.RetriesExhaustedError):
    """Still rate limited or failing after the bounded number of attempts or the time budget."""


_FAMILY = errors.ErrorFamily.collect("Google", GoogleError, NeedsReauthorisationError)
_HINTS = {
    401: "; the authorisation was refused even after refreshing it, connect again with "
    "`agenda-regie connect google`",
    404: "; check the calendar id",
}


def map_http_error(
    status: int,
    reason: str | None,
    message: str,
    *,
    where: str,
    retry_after_seconds: float | None = None,
) -> ConnectorError:
    """Our error for a Google HTTP error answer (status, first `errors[].reason`, message)."""
    if status == 403 and reason in RATE_LIMIT_REASONS:
        said = _FAMILY.answered(status, reason, message)
        return RateLimitedError(
            where, said, status=status, reason=reason, retry_after_seconds=retry_after_seconds
        )
    special = {409: AlreadyExistsError, 410: GoneError}.get(status)
    if special is not None:
        return special(where, _FAMILY.answered(status, reason, message), status=status, code=reason)
    return errors.error_for_status(
        _FAMILY,
        status,
        reason,
        message,
        where=where,
        retry_after_seconds=retry_after_seconds,
        hints=_HINTS,
    )
