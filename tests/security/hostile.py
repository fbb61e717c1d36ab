"""A hostile feed server and hostile calendar files, for the adversarial tests and the benchmark.

The server speaks raw HTTP over a socket (no framework would send these answers): a compression
bomb, headers dripped one byte at a time, redirects to loopback, private and metadata addresses.
A `Listener` on another loopback address records every connection, to prove that none was made.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n"
    "BEGIN:VEVENT\r\nUID:one@hostile\r\nDTSTART:20260317T090000Z\r\nDTEND:20260317T100000Z\r\n"
    "SUMMARY:Plain\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@cache
def gzip_bomb(decoded_bytes: int = 8 * 1024**3) -> bytes:
    """`decoded_bytes` of spaces, gzipped twice (a few KB on the wire)."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (16 * 1024 * 1024)
    once = bytearray()
    for _ in range(decoded_bytes // len(chunk)):
        once += inner.compress(chunk)
    once += inner.flush()
    outer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return outer.compress(bytes(once)) + outer.flush()


@dataclass
class Listener:
    """A TCP listener that only records who connected (on 127.0.0.2 by default)."""

    host: str = "127.0.0.2"
    connections: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind((self.host, 0))
        self._socket.listen(8)
        self.port = self._socket.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, peer = self._socket.accept()
            except OSError:
                return
            self.connections.append(f"{peer[0]}:{peer[1]}")
            connection.close()

    def close(self) -> None:
        self._socket.close()


Handler = Callable[[socket.socket, str], None]


def _answer(status: str, headers: dict[str, str], body: bytes) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class HostileServer:
    """Answers each path with one attack; `routes` maps a path to a handler (socket, path)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[str] = []
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self._socket.listen(16)
        self.host = host
        self.port = self._socket.getsockname()[1]
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                more = connection.recv(4096)
                if not more:
                    return
                data += more
            request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
            self.requests.append(data.decode("latin-1"))
            path = request_line.split(" ")[1]
            handler = self.routes.get(path)
            if handler is None:
                connection.sendall(_answer("404 Not Found", {}, b""))
            else:
                handler(connection, path)
        except OSError:
            pass
        finally:
            connection.close()

    def close(self) -> None:
        self._stopped.set()
        self._socket.close()


def calendar(connection: socket.socket, path: str) -> None:
    connection.sendall(_answer("200 OK", {"Content-Type": "text/calendar"}, CALENDAR.encode()))


def bomb(connection: socket.socket, path: str) -> None:
    body = gzip_bomb()
    headers = {"Content-Type": "text/calendar", "Content-Encoding": "gzip, gzip"}
    connection.sendall(_answer("200 OK", headers, body))


def drip(seconds_per_byte: float) -> Handler:
    def handler(connection: socket.socket, path: str) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
            connection.sendall(bytes([byte]))
            time.sleep(seconds_per_byte)

    return handler


def redirect(location: str, status: str = "302 Found") -> Handler:
    def handler(connection: socket.socket, path: str) -> None:
        connection.sendall(_answer(status, {"Location": location}, b""))

    return handler


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    try:
        yield server
    finally:
        server.close()


# --- hostile calendars ------------------------------------------------------------------------

_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n"
_TAIL = "END:VCALENDAR\r\n"


def never_occurring_secondly(rules: int = 50) -> str:
    """`rules` FREQ=SECONDLY series that can never produce an occurrence (30 February)."""
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:never-{n}@hostile\r\nDTSTART:20200101T000000Z\r\n"
        "DTEND:20200101T000001Z\r\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\n"
        for n in range(rules)
    )
    return _HEAD + events + _TAIL


def many_secondly_series(series: int = 2000) -> str:
    """`series` FREQ=SECONDLY series, each under the per-series cap, inside the reviewed week."""
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:busy-{n}@hostile\r\nDTSTART:20260316T000000Z\r\n"
        "DTEND:20260316T000001Z\r\nRRULE:FREQ=SECONDLY;INTERVAL=60;COUNT=15000\r\nEND:VEVENT\r\n"
        for n in range(series)
    )
    return _HEAD + events + _TAIL


def million_events(path: Path, events: int = 1_000_000) -> Path:
    """A file of `events` all-day events (41 bytes each: about 41 MB), written in pieces."""
    with path.open("w", newline="") as stream:
        stream.write(_HEAD)
        piece = "BEGIN:VEVENT\nDTSTART:20260317\nEND:VEVENT\n" * 1000
        for _ in range(events // 1000):
            stream.write(piece)
        stream.write(_TAIL)
    return path
