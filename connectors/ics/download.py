"""One feed download, hop by hop, under one deadline and a bound on the decoded size.

- At most 3 redirects, each to http or https, never from https back to http; every hop's host
  is resolved and checked (`network.checked_address`) before anything connects to it.
- `Accept-Encoding: identity` is asked; a server that compresses anyway may use one encoding,
  gzip or deflate, decoded here with a bounded output (a few KB must not become gigabytes).
- Connection, headers and body share one deadline; a server dripping a byte at a time is cut
  off when the time is up, not when it pauses.
- Failures read the same whatever listens where: no port, no connection state, no redirect
  target in any message.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpcore

from connectors.ics.fetch import Answer, FeedError, Limits, too_large
from connectors.ics.network import (
    AddressRefused,
    Deadline,
    PinnedBackend,
    Unreachable,
    checked_address,
)

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# zlib's window bits: gzip or zlib header, detected (HTTP's "deflate" is zlib-wrapped).
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + 15}

UNREACHABLE = (
    "could not be fetched (no connection, or no complete answer within %(seconds)g seconds)"
)
REFUSED = (
    "could not be fetched: it leads to a local or private network address, which feeds may not use"
)
BAD_REDIRECT = (
    "could not be fetched: it redirects to an address that is not https or http, or less secure"
)
TOO_MANY_REDIRECTS = "could not be fetched: more than %(count)s redirects"
BAD_ENCODING = "could not be fetched: the answer is compressed in a way that is not accepted"


def download(
    url: str,
    where: str,
    limits: Limits,
    http_client: httpx.Client | None,
    headers: dict[str, str],
) -> Answer:
    import httpx

    deadline = Deadline(limits.timeout_seconds)
    unreachable = FeedError(where, UNREACHABLE, values={"seconds": limits.timeout_seconds})
    headers = {**headers, "Accept-Encoding": "identity"}
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            target = _checked(current, where, limits, deadline)
            client = http_client or _pinned_client(target, deadline)
            try:
                answer = _one_hop(client, current, where, limits, deadline, headers)
            finally:
                if http_client is None:
                    client.close()
            if isinstance(answer, Answer):
                return answer
            current = _next_hop(current, answer, where)
    except (httpx.TimeoutException, httpcore.TimeoutException, Unreachable):
        raise unreachable from None
    # Not chained: httpx's messages and requests carry the full URL, secret token and all.
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpcore.ConnectError):
        raise unreachable from None
    raise FeedError(where, TOO_MANY_REDIRECTS, values={"count": MAX_REDIRECTS})


def _checked(url: str, where: str, limits: Limits, deadline: Deadline) -> tuple[str, str]:
    """(host, address) for the URL's host, refused before anything connects."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise FeedError(where, BAD_REDIRECT)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FeedError(where, UNREACHABLE, values={"seconds": limits.timeout_seconds}) from None
    try:
        return host, checked_address(host, port, limits.allowed_hosts, deadline)
    except AddressRefused:
        raise FeedError(where, REFUSED) from None


def _pinned_client(target: tuple[str, str], deadline: Deadline) -> httpx.Client:
    import httpx

    host, address = target
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no parameter for the network backend; its pool keeps it in this attribute.
    pool: Any = transport._pool
    pool._network_backend = PinnedBackend({host: address}, deadline)
    return httpx.Client(transport=transport, trust_env=False)


def _one_hop(
    client: httpx.Client,
    url: str,
    where: str,
    limits: Limits,
    deadline: Deadline,
    headers: dict[str, str],
) -> Answer | str:
    """The answer, or the Location a redirect points to."""
    with client.stream(
        "GET", url, headers=headers, timeout=deadline.left(), follow_redirects=False
    ) as response:
        status = response.status_code
        if status in _REDIRECTS:
            return str(response.headers.get("Location", ""))
        conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
        if status == 304 and conditional:
            return Answer(None, response.headers.get("ETag"), response.headers.get("Last-Modified"))
        if not response.is_success:
            raise FeedError(
                where, "HTTP status %(status)s", status=status, values={"status": status}
            )
        declared = response.headers.get("Content-Length", "")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("", "identity") and declared.isdigit() and int(declared) > limits.max_bytes:
            raise too_large(where, limits.max_bytes)
        raw = _bounded_raw(response.iter_raw(), where, limits, deadline)
        body = b"".join(_decoded(raw, encoding, where, limits.max_bytes))
        return Answer(body, response.headers.get("ETag"), response.headers.get("Last-Modified"))


def _bounded_raw(
    chunks: Iterator[bytes], where: str, limits: Limits, deadline: Deadline
) -> Iterator[bytes]:
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > limits.max_bytes:
            raise too_large(where, limits.max_bytes)
        deadline.left()
        yield chunk


def _decoded(chunks: Iterator[bytes], encoding: str, where: str, max_bytes: int) -> Iterator[bytes]:
    """The body decoded from at most one encoding, never more than `max_bytes` of output."""
    if encoding in ("", "identity"):
        yield from chunks
        return
    wbits = _DECODERS.get(encoding)
    if wbits is None:  # several encodings ("gzip, gzip"), or one not asked for (br, zstd ...)
        raise FeedError(where, BAD_ENCODING)
    decoder: Any = zlib.decompressobj(wbits)
    produced = 0
    try:
        for chunk in chunks:
            data = chunk
            while data:
                out = decoder.decompress(data, max_bytes + 1 - produced)
                produced += len(out)
                if produced > max_bytes:
                    raise too_large(where, max_bytes)
                yield out
                data = decoder.unconsumed_tail
        yield decoder.flush()
    except zlib.error:
        raise FeedError(where, BAD_ENCODING) from None


def _next_hop(current: str, location: str, where: str) -> str:
    if not location:
        raise FeedError(where, BAD_REDIRECT)
    following = urljoin(current, location.strip())
    before, after = urlsplit(current).scheme, urlsplit(following).scheme
    if after not in ("http", "https") or (before == "https" and after == "http"):
        raise FeedError(where, BAD_REDIRECT)
    return following
