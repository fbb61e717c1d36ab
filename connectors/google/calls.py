"""Executing one google-api-python-client request: errors mapped, retries applied.

The client's own retry (`num_retries`) is left at 0: it ignores `Retry-After` and is not
bounded in total time; `Retrier` does both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from connectors.google.errors import NeedsReauthorisationError, map_http_error
from connectors.google.retry import Retrier

REAUTHORISE = "connect again with `agenda-regie connect google --leader EMAIL`"


def execute(retrier: Retrier, what: str, where: str, make_request: Callable[[], Any]) -> Any:
    """Build and execute a request (anew on every attempt) and return its JSON answer."""

    def attempt() -> Any:
        try:
            return make_request().execute(num_retries=0)
        except HttpError as error:
            raise _mapped(error, where) from None
        except RefreshError as error:
            raise NeedsReauthorisationError(
                where,
                f"Google refused to refresh the stored authorisation ({_first_line(error)}); "
                f"{REAUTHORISE}",
            ) from None

    return retrier.call(what, attempt)


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
    return map_http_error(
        status,
        reason,
        message,
        where=where,
        retry_after_seconds=_retry_after(error.resp.get("retry-after")),
    )


def _retry_after(value: str | None) -> float | None:
    # Google sends seconds; an HTTP date is rare here and then ignored (the backoff applies).
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
