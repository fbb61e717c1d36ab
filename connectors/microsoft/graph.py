"""`GraphClient`: one authorised Graph request at a time, per-mailbox limited, errors mapped.

The HTTP client (`httpx.Client`) and the token source are injected. Every request sends
`Prefer: IdType="ImmutableId"` (ids that survive folder moves, calendar-apis.md B.2). A 401 asks
the token source once for a fresh token and repeats the request; a second 401 is terminal
(`NeedsReauthorisationError`). Paging links are followed only when they point at the same Graph
endpoint, so a token is never sent elsewhere.

A request ends at a deadline derived from the httpx client's timeouts (two read timeouts;
`GRAPH_TIMEOUT` by default), whatever the network does: httpx bounds each wait, and the answer is
read in chunks with the deadline checked after the headers and after every chunk. So no request
holds a mailbox slot longer than `longest_request_seconds(timeout)`, which the lease of the
workers' shared slots is derived from (`worker.limits`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from connectors.backoff import retry_after_seconds
from connectors.microsoft.errors import (
    GraphError,
    ServerFaultError,
    UnsafeLinkError,
    map_http_error,
)
from connectors.microsoft.throttle import PROCESS_LIMITER, MailboxSlots, Retrier

GRAPH_URL = "https://graph.microsoft.com/v1.0"
IMMUTABLE_IDS = 'IdType="ImmutableId"'
# Each wait of one request: a delta page of 500 events can take a while to come; a connection
# that does not open fails fast.
GRAPH_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=10.0)


def graph_timeout(read_seconds: float) -> httpx.Timeout:
    """Graph's timeouts for a read (and write) timeout: connect and pool at most 10 s."""
    return httpx.Timeout(
        read_seconds, connect=min(10.0, read_seconds), pool=min(10.0, read_seconds)
    )


def request_deadline_seconds(timeout: httpx.Timeout) -> float:
    """One request in all: two read timeouts (a long first answer, then the body)."""
    return 2 * _longest_wait(timeout)


def longest_request_seconds(timeout: httpx.Timeout) -> float:
    """The longest a request can hold a mailbox slot. The deadline is checked between reads, so
    the last read may end one read timeout after it; the waits before the headers (pool, connect,
    write, read) add up to less than that."""
    return request_deadline_seconds(timeout) + _longest_wait(timeout)


def _longest_wait(timeout: httpx.Timeout) -> float:
    waits = (timeout.pool, timeout.connect, timeout.write, timeout.read)
    if any(wait is None for wait in waits):
        raise ValueError("every Graph timeout must be set, or a request could hang")
    return max(float(wait or 0.0) for wait in waits)


REQUEST_DEADLINE_SECONDS = request_deadline_seconds(GRAPH_TIMEOUT)
LONGEST_REQUEST_SECONDS = longest_request_seconds(GRAPH_TIMEOUT)


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
        deadline_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self.base_url = base_url.rstrip("/")
        self._limiter = limiter
        # Derived from the client's own timeouts unless told (a client without them: the default).
        if deadline_seconds is None:
            try:
                deadline_seconds = request_deadline_seconds(http.timeout)
            except ValueError:
                deadline_seconds = REQUEST_DEADLINE_SECONDS
        self.deadline_seconds = deadline_seconds
        self._clock = clock
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
            request = self._http.build_request(
                method,
                url,
                params=params,
                json=body,
                headers={**headers, "Authorization": f"Bearer {token}"},
            )
            deadline = self._clock() + self.deadline_seconds
            try:
                streamed = self._http.send(request, stream=True)
                try:
                    self._check(deadline, where)
                    content = bytearray()
                    if streamed.is_stream_consumed:  # a transport that read it already
                        content += streamed.content
                    for chunk in () if streamed.is_stream_consumed else streamed.iter_bytes():
                        content += chunk
                        self._check(deadline, where)
                finally:
                    streamed.close()
            except httpx.TransportError as error:
                raise ServerFaultError(
                    where, f"no answer from Graph ({type(error).__name__}: {error})"
                ) from None
        # The body is decoded already (gzip ...): the answer again, without its encoding.
        answer_headers = streamed.headers.copy()
        answer_headers.pop("Content-Encoding", None)
        return httpx.Response(
            streamed.status_code, headers=answer_headers, content=bytes(content), request=request
        )

    def _check(self, deadline: float, where: str) -> None:
        if self._clock() > deadline:
            raise ServerFaultError(
                where, f"no complete answer from Graph within {self.deadline_seconds:.0f} s"
            )


def _mapped(response: httpx.Response, where: str) -> Exception:
    code: str | None = None
    message = ""
    try:
        detail = response.json().get("error", {})
        code = detail.get("code")
        message = str(detail.get("message", ""))
    except (ValueError, AttributeError):
        message = response.text[:200]
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    status = response.status_code
    return map_http_error(status, code, message, where=where, retry_after_seconds=retry_after)


__all__ = [
    "GRAPH_TIMEOUT",
    "GRAPH_URL",
    "LONGEST_REQUEST_SECONDS",
    "REQUEST_DEADLINE_SECONDS",
    "GraphClient",
    "TokenSource",
    "graph_timeout",
    "longest_request_seconds",
    "request_deadline_seconds",
]
