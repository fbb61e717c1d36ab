"""The exceptions of the connectors package; every one derives from `ConnectorError`.

Each carries the fields a person needs to find the problem (`where`: a file path or URL,
and a line when known) and renders as one clear sentence.

    ConnectorError
    ├── CalendarParseError        the data is no readable calendar
    ├── CalendarFetchError        it could not be fetched (missing file, network, too large ...)
    └── ProviderError             a provider answered, not as asked: provider, status, code
        ├── RetryableProviderError   worth another try: RateLimitedError, ProviderUnavailableError
        ├── AccessRefusedError, AuthorisationNeededError, RetriesExhaustedError
        └── ProviderNotFoundError, ProviderBadRequestError

Each provider subclasses these under its own names (google/errors.py, microsoft/errors.py;
ics/fetch.py's FeedError), its errors also being CalendarFetchErrors, and maps HTTP answers to
them in one function over `error_for_status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar


class ConnectorError(Exception):
    """Base class: a calendar could not be read or written."""

    def __init__(
        self,
        where: str,
        problem: str,
        *,
        line: int | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        # `problem` is English; with `values` it is a template ("larger than %(size)s"), so the
        # command line can say it in the operator's language (its msgid in the catalogue).
        self.where = where
        self.template = problem
        self.values = dict(values or {})
        self.problem = problem % self.values if self.values else problem
        self.line = line
        location = f"{where}, line {line}" if line is not None else where
        message = f"{location}: {self.problem}"
        super().__init__(message)


class CalendarParseError(ConnectorError):
    """The data is not a readable calendar."""


class CalendarFetchError(ConnectorError):
    """The calendar could not be fetched (missing file, network error, too large, HTTP error)."""


class ProviderError(ConnectorError):
    """A provider answered, but not with what we asked for; shared by every connector.

    `provider` names it ("google", "microsoft", "ics"); `status` is the HTTP status when there
    was one, `code` the provider's own reason or code, `retry_after_seconds` its `Retry-After`.
    Each connector subclasses these with its own names and sets `default_provider`; its one
    mapping function decides which class an answer becomes (STYLE 7).
    """

    default_provider: ClassVar[str] = "unknown"

    def __init__(
        self,
        where: str,
        problem: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        code: str | None = None,
        retry_after_seconds: float | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.provider = provider or self.default_provider
        self.status = status
        self.code = code
        self.retry_after_seconds = retry_after_seconds
        super().__init__(where, problem, values=values)


class RetryableProviderError(ProviderError):
    """Rate limited or unavailable for a moment: worth another try after a pause."""


class RateLimitedError(RetryableProviderError):
    """The provider asks us to slow down (429, Google's rate-limit 403s)."""


class ProviderUnavailableError(RetryableProviderError):
    """A server fault (5xx), or the provider could not be reached (status None)."""


class AccessRefusedError(ProviderError):
    """403 for good: this account or app may not do this; retrying does not help."""


class AuthorisationNeededError(ProviderError):
    """The stored authorisation no longer works: terminal, the leader must connect again."""


class ProviderNotFoundError(ProviderError):
    """404: the calendar, mailbox or event does not exist, or the account may not see it."""


class ProviderBadRequestError(ProviderError):
    """400: the provider refused the request as written."""


class RetriesExhaustedError(ProviderError):
    """Still rate limited or failing after the bounded attempts or the time budget."""


@dataclass(frozen=True)
class ErrorFamily:
    """A provider's own classes for the shared cases, and what it adds to their messages."""

    name: str  # as the messages say it: "Google", "Graph"
    other: type[ProviderError]
    rate_limited: type[ProviderError]
    unavailable: type[ProviderError]
    refused: type[ProviderError]
    not_found: type[ProviderError]
    bad_request: type[ProviderError]
    authorisation_needed: type[ProviderError]

    @classmethod
    def collect(
        cls, name: str, base: type[ProviderError], authorisation_needed: type[ProviderError]
    ) -> ErrorFamily:
        """The family of a provider's `base` error: for each shared case, its own subclass."""

        def own(shared: type[ProviderError]) -> type[ProviderError]:
            found = [c for c in _subclasses(base) if issubclass(c, shared)]
            (most_general,) = [
                c for c in found if not any(c is not o and issubclass(c, o) for o in found)
            ]
            return most_general

        return cls(
            name=name,
            other=base,
            rate_limited=own(RateLimitedError),
            unavailable=own(ProviderUnavailableError),
            refused=own(AccessRefusedError),
            not_found=own(ProviderNotFoundError),
            bad_request=own(ProviderBadRequestError),
            authorisation_needed=authorisation_needed,
        )

    def answered(self, status: int, code: str | None, message: str) -> str:
        return f"{self.name} answered {status}" + (f" {code}" if code else "") + f": {message}"


def error_for_status(
    family: ErrorFamily,
    status: int,
    code: str | None,
    message: str,
    *,
    where: str,
    retry_after_seconds: float | None = None,
    hints: Mapping[int, str] | None = None,
) -> ProviderError:
    """The shared meaning of an HTTP error status; a provider's `map_http_error` decides its
    own cases first and hands the rest here. `hints` end the message for a status."""
    said = family.answered(status, code, message)
    hint = (hints or {}).get(status, "")
    if status == 429 or status >= 500:
        retryable = family.rate_limited if status == 429 else family.unavailable
        return retryable(
            where, said, status=status, code=code, retry_after_seconds=retry_after_seconds
        )
    if status == 401:
        return family.authorisation_needed(where, f"{said}{hint}")
    if status == 403:
        return family.refused(where, f"{said} (not retried){hint}", status=status, code=code)
    found = {404: family.not_found, 400: family.bad_request}.get(status, family.other)
    return found(where, f"{said}{hint}", status=status, code=code)


def _subclasses(base: type[ProviderError]) -> list[type[ProviderError]]:
    found: list[type[ProviderError]] = []
    for sub in base.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
