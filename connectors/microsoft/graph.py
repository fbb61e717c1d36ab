"""`GraphClient`: one authorised Graph request at a time, per-mailbox limited, errors mapped.

The HTTP client (`httpx.Client`) and the token source are injected. Every request sends
`Prefer: IdType="ImmutableId"` (ids that survive folder moves, calendar-apis.md B.2). A 401 asks
the token source once for a fresh token and repeats the request; a second 401 is terminal
(`NeedsReauthorisationError`). Paging links are followed only when they point at the same Graph
endpoint, so a token is never sent elsewhere.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

import httpx

from connectors.microsoft.errors import (
    GraphError,
    ServerFaultError,
    UnsafeLinkError,
    map_http_error,
)
from connectors.microsoft.throttle import PROCESS_LIMITER, MailboxSlots, Retrier

GRAPH_URL = "https://graph.microsoft.com/v1.0"
IMMUTABLE_IDS = 'IdType="ImmutableId"'


class TokenSource(Protocol):
    """Gives a bearer token; `force_refresh` after a 401. Raises `NeedsReauthorisationError`."""

    def __call__(self, *, force_refresh: bool = False) -> str: ...


class GraphClient:
    def __init__(
        self,
        http: httpx.Client,
        tokens: TokenSource,
        *,
        base_url: str = GRAPH_URL,
        limiter: MailboxSlots = PROCESS_LIMITER,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self.base_url = base_url.rstrip("/")
        self._limiter = limiter
        self._count_lock = threading.Lock()
        self.requests = 0  # HTTP requests sent, retries included

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def request(
        self,
        method: str,
        url: str,
        *,
        mailbox: str,
        retrier: Retrier,
        what: str,
        where: str,
        params: Mapping[str, str] | None = None,
        prefer: tuple[str, ...] = (),
        body: Any = None,
    ) -> tuple[int, Any]:
        """(status, JSON answer or None) of a successful request; our error otherwise."""
        if not url.startswith(self.base_url + "/"):
            raise UnsafeLinkError(where, f"Graph gave a link outside {self.base_url}; not followed")
        headers = {"Prefer": ", ".join((IMMUTABLE_IDS, *prefer)), "Accept": "application/json"}
        return retrier.call(
            what, lambda: self._authorised(method, url, mailbox, where, params, headers, body)
        )

    def _authorised(
        self,
        method: str,
        url: str,
        mailbox: str,
        where: str,
        params: Mapping[str, str] | None,
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, Any]:
        response = self._send(method, url, mailbox, where, params, headers, body, False)
        if response.status_code == 401:
            response = self._send(method, url, mailbox, where, params, headers, body, True)
        if response.status_code >= 400:
            raise _mapped(response, where)
        if response.status_code == 204 or not response.content:
            return response.status_code, None
        try:
            return response.status_code, response.json()
        except ValueError:
            raise GraphError(where, "Graph answered with something that is not JSON") from None

    def _send(
        self,
        method: str,
        url: str,
        mailbox: str,
        where: str,
        params: Mapping[str, str] | None,
        headers: dict[str, str],
        body: Any,
        force_refresh: bool,
    ) -> httpx.Response:
        token = self._tokens(force_refresh=force_refresh)
        with self._limiter.slot(mailbox):
            with self._count_lock:
                self.requests += 1
            try:
                return self._http.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers={**headers, "Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError as error:
                raise ServerFaultError(
                    where, f"no answer from Graph ({type(error).__name__}: {error})"
                ) from None


def _mapped(response: httpx.Response, where: str) -> Exception:
    code: str | None = None
    message = ""
    try:
        detail = response.json().get("error", {})
        code = detail.get("code")
        message = str(detail.get("message", ""))
    except (ValueError, AttributeError):
        message = response.text[:200]
    return map_http_error(
        response.status_code,
        code,
        message,
        where=where,
        retry_after_seconds=_retry_after(response.headers.get("Retry-After")),
    )


def _retry_after(value: str | None) -> float | None:
    # Graph sends seconds, possibly fractional ("2.128"); anything else leaves the backoff.
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


__all__ = ["GRAPH_URL", "GraphClient", "TokenSource"]
