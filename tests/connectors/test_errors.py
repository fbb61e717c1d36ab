"""The provider errors are one family: Google's and Graph's answers become the same shared
classes, with the provider named, and the messages a person reads are unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors import errors
from connectors.google.errors import map_http_error as google_error
from connectors.microsoft.errors import SyncStateGoneError
from connectors.microsoft.errors import map_http_error as graph_error

Mapper = Callable[..., errors.ConnectorError]


@pytest.mark.parametrize(
    ("mapper", "provider", "status", "code", "shared"),
    [
        (google_error, "google", 429, "rateLimitExceeded", errors.RateLimitedError),
        (google_error, "google", 403, "userRateLimitExceeded", errors.RateLimitedError),
        (graph_error, "microsoft", 429, "TooManyRequests", errors.RateLimitedError),
        (google_error, "google", 503, "backendError", errors.ProviderUnavailableError),
        (graph_error, "microsoft", 503, "ServiceNotAvailable", errors.ProviderUnavailableError),
        (google_error, "google", 401, "authError", errors.AuthorisationNeededError),
        (
            graph_error,
            "microsoft",
            401,
            "InvalidAuthenticationToken",
            errors.AuthorisationNeededError,
        ),
        (google_error, "google", 403, "forbidden", errors.AccessRefusedError),
        (graph_error, "microsoft", 403, "ErrorAccessDenied", errors.AccessRefusedError),
        (google_error, "google", 404, "notFound", errors.ProviderNotFoundError),
        (graph_error, "microsoft", 404, "ErrorItemNotFound", errors.ProviderNotFoundError),
        (google_error, "google", 400, "invalid", errors.ProviderBadRequestError),
        (graph_error, "microsoft", 400, "BadRequest", errors.ProviderBadRequestError),
    ],
)
def test_both_providers_map_a_status_to_the_same_shared_error(
    mapper: Mapper, provider: str, status: int, code: str, shared: type[errors.ProviderError]
) -> None:
    error = mapper(status, code, "said", where="calendar", retry_after_seconds=2.0)

    assert isinstance(error, shared)
    assert isinstance(error, errors.ProviderError)
    assert error.provider == provider
    if isinstance(error, errors.RetryableProviderError):
        assert (error.status, error.code, error.retry_after_seconds) == (status, code, 2.0)


def test_the_messages_are_the_ones_people_already_read() -> None:
    assert str(google_error(404, "notFound", "Not Found", where="Google calendar x")) == (
        "Google calendar x: Google answered 404 notFound: Not Found; check the calendar id"
    )
    assert str(graph_error(403, "ErrorAccessDenied", "No.", where="mailbox")) == (
        "mailbox: Graph answered 403 ErrorAccessDenied: No. (not retried); an application "
        "access policy may exclude this mailbox (docs/microsoft.md)"
    )
    assert str(google_error(401, None, "Invalid", where="g")) == (
        "g: Google answered 401: Invalid; the authorisation was refused even after refreshing "
        "it, connect again with `agenda-regie connect google`"
    )


def test_a_resync_code_means_a_full_sync_even_on_a_server_error() -> None:
    error = graph_error(500, "syncStateNotFound", "gone", where="mailbox")

    assert isinstance(error, SyncStateGoneError)
    assert not isinstance(error, errors.RetryableProviderError)


def test_the_google_reason_is_the_shared_code() -> None:
    error = google_error(409, "duplicate", "exists", where="g")

    assert isinstance(error, errors.ProviderError)
    assert (error.code, getattr(error, "reason", None), error.status) == (
        "duplicate",
        "duplicate",
        409,
    )
