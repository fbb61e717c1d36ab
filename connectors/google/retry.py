"""Deliberate retries for Google calls (STYLE 8): named errors only, bounded, jittered, logged.

Retried: `RetryableError` (403 rate limits, 429, 5xx, a passing fault of the token endpoint, a
network fault), honouring `Retry-After`. Never retried: other 4xx, and
`NeedsReauthorisationError` (a refresh Google refused for good). The 401 case is handled one
level down: the authorised transport refreshes the token once and repeats the request.

The loop itself is `connectors.backoff.Retrier`, shared with Microsoft Graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.backoff import Retrier as _Retrier
from connectors.backoff import RetryPolicy
from connectors.google.errors import RetriesExhaustedError, RetryableError

__all__ = ["Retrier", "RetryPolicy"]


@dataclass
class Retrier(
    _Retrier,
    label="google",
    logger="connectors.google",
    retryable=RetryableError,
    exhausted=RetriesExhaustedError,
    detail="reason",
):
    """Google's retries: `Retry-After` is a floor under the jitter; policy 6 attempts, 300 s."""
