"""Reading an iCalendar file or feed (http, https, webcal) as text, bounded in size and time.

A location that cannot be read raises CalendarFetchError naming the file or the feed's URL, with
its secret parts hidden (`readable_url`): a published calendar's address is its password.

Imports nothing of agenda-regie outside connectors; httpx only when a feed is read.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from connectors.errors import CalendarFetchError, ProviderError

if TYPE_CHECKING:
    import httpx

MEGABYTE = 1024 * 1024
_TOKEN_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[^/]{16,}$")


class FeedError(ProviderError, CalendarFetchError):
    """A feed's server answered with an error status, too slowly, or not at all."""

    default_provider = "ics"


@dataclass(frozen=True)
class Location:
    """Where a calendar is read from: a feed URL or a file path, and how it is shown."""

    url: str | None
    path: Path
    name: str  # in skip reasons and log lines
    where: str  # in errors

    @classmethod
    def of(cls, location: str | Path) -> Location:
        url = feed_url(location)
        path = Path(location)
        if url is not None:
            shown = readable_url(url)
            return cls(url=url, path=path, name=shown, where=shown)
        return cls(url=None, path=path, name=path.name or str(path), where=str(path))


@dataclass(frozen=True)
class Limits:
    """What one read may take: bytes in total (decoded), seconds for the whole fetch (connection,
    headers, redirects and body), and the hosts the operator allows on a private network."""

    max_bytes: int
    timeout_seconds: float
    allowed_hosts: frozenset[str] = frozenset()


def read_text(location: Location, limits: Limits, http_client: httpx.Client | None = None) -> str:
    """The calendar's text, decoded; CalendarFetchError when it cannot be read within limits."""
    if location.url is not None:
        body = read_url(location.url, location.where, limits, http_client).body
        assert body is not None  # an unconditional GET has a body
        data = body
    else:
        data = _read_file(location.path, location.where, limits)
    return decode(data)


def too_large(where: str, max_bytes: int) -> CalendarFetchError:
    size = f"{max_bytes / MEGABYTE:g} MB" if max_bytes >= MEGABYTE else f"{max_bytes} bytes"
    return CalendarFetchError(where, "larger than %(size)s", values={"size": size})


def _read_file(path: Path, where: str, limits: Limits) -> bytes:
    try:
        if path.is_dir():
            raise CalendarFetchError(where, "is a directory, not a file")
        if path.stat().st_size > limits.max_bytes:
            raise too_large(where, limits.max_bytes)
        with path.open("rb") as stream:
            data = stream.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise CalendarFetchError(where, "file not found") from None
    except PermissionError:
        raise CalendarFetchError(where, "not readable (permission denied)") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise CalendarFetchError(
            where, "cannot be read (%(reason)s)", values={"reason": reason}
        ) from None
    if len(data) > limits.max_bytes:
        raise too_large(where, limits.max_bytes)
    return data


@dataclass(frozen=True)
class Answer:
    """A feed's answer: its body (None for `304 Not Modified`) and its version validators."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


def read_url(
    url: str,
    where: str,
    limits: Limits,
    http_client: httpx.Client | None = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """GET `url` within `limits`; `headers` may make it conditional (`If-None-Match` ...), and a
    304 then has no body. Raises `FeedError`, worded the same whatever listens where.

    Without `http_client` (how the assistant reads feeds) each hop connects only to the address
    that was checked, within the one deadline; a given client (tests) is used as it is, after
    the same address checks."""
    from connectors.ics.download import download

    return download(url, where, limits, http_client, dict(headers or {}))


def feed_url(location: str | Path) -> str | None:
    if isinstance(location, Path):
        return None
    scheme = location.split(":", 1)[0].lower() if ":" in location else ""
    if scheme == "webcal":
        return "https:" + location.split(":", 1)[1]
    if scheme in ("http", "https"):
        return location
    return None


def readable_url(url: str) -> str:
    """The URL to show: no credentials, query or fragment, and no path part that looks secret.

    Published calendars carry their secret in the path too (Google's private-… address,
    Outlook's published GUIDs), so long segments mixing letters and digits are hidden.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    segments = ["…" if _TOKEN_LIKE.match(s) else s for s in parts.path.split("/")]
    return f"{parts.scheme}://{host}{port}{'/'.join(segments)}"


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"B\x00E\x00"):  # UTF-16 without its byte order mark
        return data.decode("utf-16-le", errors="replace")
    if data.startswith(b"\x00B\x00E"):
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older Outlook exports
