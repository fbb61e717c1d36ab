"""Where a feed may be fetched from, and a connection that keeps to it and to one deadline.

A feed's address comes from a leader or from the server that answers, so it may point inside the
operator's network (a redirect to `127.0.0.1:6379`, a cloud's metadata service). Before every
hop the host is resolved and each of its addresses checked: loopback, private, link-local,
shared, multicast, unspecified, reserved and documentation ranges, the cloud metadata addresses
included, are refused unless the operator allowed that host. The connection then goes to the
address that was checked (`PinnedBackend`), so a second DNS answer cannot move it elsewhere, and
every read and write on it is bounded by the time left of the whole fetch, headers included.

Imports nothing of agenda-regie; httpcore only when a feed is read.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore

# Named although each is already in a refused range: the addresses an attacker aims at first.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class AddressRefused(Exception):
    """The host resolves to an address a feed may not be fetched from."""


class Unreachable(Exception):
    """The host could not be resolved within the time left."""


@dataclass
class Deadline:
    """One deadline for a whole fetch: every step gets at most the time that is left."""

    seconds: float
    ends: float = field(init=False)

    def __post_init__(self) -> None:
        self.ends = time.monotonic() + self.seconds

    def left(self, wanted: float | None = None) -> float:
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise httpcore.TimeoutException("the fetch's deadline passed")
        return remaining if wanted is None else min(wanted, remaining)


def refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a feed may not be fetched from `address` (not a public unicast address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return refused(embedded)
        if address.teredo is not None:
            return True
    return address in METADATA_ADDRESSES or address.is_multicast or not address.is_global


def allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    name = host.strip("[]").rstrip(".").lower()
    return name in {h.strip("[]").rstrip(".").lower() for h in allowed_hosts}


def checked_address(host: str, port: int, allowed_hosts: Iterable[str], deadline: Deadline) -> str:
    """The address to connect to for `host`: resolved once, every answer checked.

    Raises AddressRefused when any of the host's addresses is refused (unless it is allowed),
    Unreachable when it does not resolve in time."""
    addresses = _resolve(host.strip("[]"), port, deadline)
    if not addresses:
        raise Unreachable
    if not allowed(host, allowed_hosts) and any(refused(a) for a in addresses):
        raise AddressRefused
    return str(addresses[0])


def _resolve(
    host: str, port: int, deadline: Deadline
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[Any] = []

    def lookup() -> None:
        with contextlib.suppress(OSError, UnicodeError):
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))

    # getaddrinfo cannot be interrupted; a slow resolver must not outlast the deadline.
    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(max(deadline.ends - time.monotonic(), 0))
    if worker.is_alive():
        raise Unreachable
    addresses = []
    for *_, sockaddr in found:
        text = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 scope id
        addresses.append(ipaddress.ip_address(text))
    return addresses


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        secure = self._stream.start_tls(ssl_context, server_hostname, self._deadline.left(timeout))
        return _DeadlineStream(secure, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects a host only to its checked address (`pins`), within the deadline; the URL, the
    Host header and TLS's server name keep the host's name."""

    def __init__(self, pins: dict[str, str], deadline: Deadline) -> None:
        self._pins = pins
        self._deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self._pins.get(host.strip("[]"))
        if address is None:  # never a host that was not checked
            raise httpcore.ConnectError("no checked address for this host")
        stream = self._backend.connect_tcp(
            address, port, self._deadline.left(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("feeds are not read over unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(self._deadline.left(seconds))
