"""What both providers share of speaking HTTP: a bounded JSON fetch (discovery documents and
published keys), and the one-line messages for an unreachable provider and a refusal.

Provider text in a message is bounded and printable only: an error answer reaches the browser's
address bar first, so anyone can write it.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from connectors.identity.base import SignInError

# Seconds each request may wait for the provider (connect, and each read).
TIMEOUT_SECONDS = 10.0
# Discovery documents and key sets are a few kilobytes; larger answers are refused.
MAX_DOCUMENT_BYTES = 1_000_000


def get_json(
    session: requests.Session, url: str, *, where: str, provider: str, timeout: float
) -> dict[str, Any]:
    """The JSON object at `url`; SignInError when it cannot be had or read."""
    try:
        with session.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                raise SignInError(
                    where,
                    "%(provider)s answered %(status)s for %(url)s",
                    values={"provider": provider, "status": response.status_code, "url": url},
                )
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise unreachable(error, where=where, provider=provider) from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise SignInError(
            where, "the answer from %(url)s is larger than expected", values={"url": url}
        )
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise SignInError(
            where, "the answer from %(url)s is not readable JSON", values={"url": url}
        )
    return document


def unreachable(error: requests.RequestException, *, where: str, provider: str) -> SignInError:
    values = {"provider": provider, "error": type(error).__name__}
    if isinstance(error, requests.Timeout):
        return SignInError(
            where, "%(provider)s did not answer in time (%(error)s); try again later", values=values
        )
    return SignInError(
        where, "%(provider)s is unreachable (%(error)s); try again later", values=values
    )


def refused(code: object, description: object, *, where: str, provider: str) -> SignInError:
    """The provider's error answer (in the redirect, or from its token endpoint)."""
    name = printable(code, 60) or "unnamed error"
    said = printable(description, 200)
    values = {"provider": provider, "detail": f"{name}: {said}" if said else name}
    if name == "access_denied":
        return SignInError(
            where,
            "the sign-in was cancelled or refused at %(provider)s (%(detail)s)",
            values=values,
        )
    if name == "invalid_grant":
        return SignInError(
            where,
            "%(provider)s refused the sign-in code: it was used already, has expired or belongs "
            "to another sign-in; start again (%(detail)s)",
            values=values,
        )
    return SignInError(where, "%(provider)s refused the sign-in (%(detail)s)", values=values)


def printable(value: object, limit: int) -> str:
    """Provider text as one short line without control characters."""
    text = value if isinstance(value, str) else ""
    return "".join(c for c in text if c.isprintable())[:limit]
