"""The errors of the CalDAV connector, and the one function that maps server answers to them.

Every error derives from the shared provider errors of `connectors.errors` (provider "caldav"),
so the command line turns it into one line and callers may catch either name.
`map_http_error` is the only place that decides what a CalDAV server's status means for us.
Messages name the calendar by its address without credentials; never an event's contents.
"""

from __future__ import annotations

from connectors import errors

# The DAV:error precondition a server gives for a sync token it no longer knows (RFC 6578 3.2).
VALID_SYNC_TOKEN = "{DAV:}valid-sync-token"


class CalDavError(errors.ProviderError, errors.CalendarFetchError):
    """A CalDAV server answered, but not with what we asked for (or did not answer)."""

    default_provider = "caldav"


class RetryableError(CalDavError, errors.RetryableProviderError):
    """Rate limited, a server fault or no answer: worth another try after a pause."""


class RateLimitedError(RetryableError, errors.RateLimitedError):
    """429 (or 503 with Retry-After): the server asks us to slow down."""


class ServerFaultError(RetryableError, errors.ProviderUnavailableError):
    """5xx, a timeout, or the server could not be reached (status None)."""


class AccessDeniedError(CalDavError, errors.AccessRefusedError):
    """403: the account may not read or write this calendar."""


class NotFoundError(CalDavError, errors.ProviderNotFoundError):
    """404: no calendar (or event) at this address, or the account may not see it."""


class BadRequestError(CalDavError, errors.ProviderBadRequestError):
    """400: the server refused the request as written."""


class NotACalendarError(CalDavError):
    """The address answers, but is no CalDAV calendar (a web page, a folder, an address book)."""


class SyncTokenGoneError(CalDavError):
    """The server no longer knows the sync token (RFC 6578 valid-sync-token): list everything."""


class AlreadyExistsError(CalDavError):
    """412 on a create with If-None-Match: *: the resource is there already."""


class NeedsReauthorisationError(errors.AuthorisationNeededError):
    """401: the server refused the user name and (app) password. Terminal, never retried."""

    default_provider = "caldav"


class RetriesExhaustedError(CalDavError, errors.RetriesExhaustedError):
    """Still rate limited or failing after the bounded attempts or the time budget."""


_FAMILY = errors.ErrorFamily.collect("the CalDAV server", CalDavError, NeedsReauthorisationError)
_HINTS = {
    401: "; check the user name and the (app-specific) password (docs/caldav.md)",
    403: "; the account may not use this calendar",
    404: "; check the calendar's address (docs/caldav.md)",
    405: "; the address is not a CalDAV calendar",
}


def map_http_error(
    status: int,
    message: str,
    *,
    where: str,
    preconditions: list[str] | tuple[str, ...] = (),
    retry_after_seconds: float | None = None,
) -> errors.ProviderError:
    """Our error for a CalDAV server's error answer (status, reason, DAV:error preconditions)."""
    if VALID_SYNC_TOKEN in preconditions:
        said = _FAMILY.answered(status, "valid-sync-token", message)
        return SyncTokenGoneError(where, said, status=status, code="valid-sync-token")
    if status == 412:
        return AlreadyExistsError(where, _FAMILY.answered(status, None, message), status=status)
    if status == 405:
        return NotACalendarError(
            where, _FAMILY.answered(status, None, message) + _HINTS[405], status=status
        )
    return errors.error_for_status(
        _FAMILY,
        status,
        None,
        message,
        where=where,
        retry_after_seconds=retry_after_seconds,
        hints=_HINTS,
    )
