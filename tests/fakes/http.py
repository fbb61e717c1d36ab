"""The scaffolding every fake provider server shares.

A threading HTTP server on 127.0.0.1 (optionally TLS), started and stopped by the test; every
request recorded as `Seen`; failures injected per request number (`failing`), with a
`Retry-After` when one is set; JSON (or HTML, or raw bytes) replies. A fake subclasses
`FakeHttpServer` and implements `serve(request, handler)`.
"""

from __future__ import annotations

import json
import ssl
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

# (status, reason or code) to answer instead of the real thing, or None; given the request
# number (1..), the method and the path.
Failure = Callable[[int, str, str], tuple[int, str] | None]


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it; header names in lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, not unquoted
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class FakeHttpServer(ABC):
    """A server on 127.0.0.1 that records requests and can be told to fail."""

    methods: ClassVar[tuple[str, ...]] = ("GET", "POST", "PATCH", "DELETE")
    json_type: ClassVar[str] = "application/json; charset=utf-8"

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.lock = threading.RLock()
        self.requests: list[Seen] = []
        self.failure: Failure | None = None
        self.retry_after: str | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.tls = tls is not None
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """scheme://127.0.0.1:PORT, no trailing slash."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests ask ---------------------------------------------------------------------

    def count(self, method: str | None = None, path_part: str = "") -> int:
        with self.lock:
            return sum(
                1
                for seen in self.requests
                if (method is None or seen.method == method) and path_part in seen.path
            )

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()

    @contextmanager
    def failing(self, failure: Failure) -> Iterator[None]:
        self.failure = failure
        try:
            yield
        finally:
            self.failure = None

    # --- for the fakes ----------------------------------------------------------------------

    @abstractmethod
    def serve(self, request: Request, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request (each fake implements its API here)."""

    def record(self, request: Request, path: str | None = None) -> int:
        """Record the request (under `path` when given); its number, from 1. Hold the lock."""
        self.requests.append(
            Seen(
                request.method,
                request.path if path is None else path,
                request.query,
                request.headers,
            )
        )
        return len(self.requests)

    def injected(self, number: int, method: str, path: str) -> tuple[int, str] | None:
        """The failure to answer for request `number` instead of the real thing, or None."""
        return self.failure(number, method, path) if self.failure else None

    def send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        """JSON for a dict or list, a page for a str, bytes as they are, nothing for None."""
        if isinstance(body, str):
            data, kind = body.encode(), "text/html; charset=utf-8"
        elif isinstance(body, bytes):
            data, kind = body, self.json_type
        else:
            data = b"" if body is None else json.dumps(body).encode()
            kind = self.json_type
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                fake.serve(_read(self), self)

        for method in self.methods:
            setattr(Handler, f"do_{method}", Handler._any)
        return Handler


def _read(handler: BaseHTTPRequestHandler) -> Request:
    parts = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    return Request(
        method=handler.command,
        path=parts.path,
        query=parse_qs(parts.query),
        headers={k.lower(): v for k, v in handler.headers.items()},
        body=handler.rfile.read(length) if length else b"",
    )
