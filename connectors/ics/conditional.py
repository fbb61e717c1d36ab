"""Reading a feed or file again only when it changed: conditional GET, or a file's stamp.

A feed is asked with the validators of its last answer (`If-None-Match` with the ETag,
`If-Modified-Since` with Last-Modified); a `304 Not Modified` costs one request and no parse. A
file is compared by its size and modification time, without reading it. What changed is read
within the same bounds as `fetch.read_text` (size, whole-download time) and decoded.

Imports nothing of agenda-regie outside connectors; httpx only when a feed is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectors.ics.fetch import Limits, Location, decode, read_text, read_url

if TYPE_CHECKING:
    import httpx

# A feed's address answering one of these no longer publishes the calendar: a new address is
# needed (the leader revoked or reset it), not a retry.
GONE_STATUSES = frozenset({401, 403, 404, 410})


@dataclass(frozen=True)
class Validators:
    """What the last answer said about its version: a feed's ETag and Last-Modified, or a
    file's size and modification time."""

    etag: str | None = None
    last_modified: str | None = None
    file_stamp: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.etag or self.last_modified or self.file_stamp)


@dataclass(frozen=True)
class Fetched:
    """One conditional read: `text` is None when the calendar did not change since `validators`
    were given (a 304, or the same file stamp)."""

    text: str | None
    validators: Validators
    requests: int

    @property
    def changed(self) -> bool:
        return self.text is not None


def fetch_if_changed(
    location: Location,
    known: Validators,
    limits: Limits,
    http_client: httpx.Client | None = None,
) -> Fetched:
    """The calendar's text when it changed since `known`; `Fetched(text=None)` when not.

    Raises `FeedError` (with the HTTP status) or `CalendarFetchError` naming the readable
    location, as `fetch.read_text` does."""
    if location.url is None:
        return _file_if_changed(location, known, limits)
    return _feed_if_changed(location.url, location.where, known, limits, http_client)


def _file_if_changed(location: Location, known: Validators, limits: Limits) -> Fetched:
    try:
        stat = location.path.stat()
    except OSError:
        stat = None
    if stat is not None:
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        if stamp == known.file_stamp:
            return Fetched(None, known, requests=0)
    else:
        stamp = None
    text = read_text(location, limits)  # raises the fetch error naming the file
    return Fetched(text, Validators(file_stamp=stamp), requests=0)


def _feed_if_changed(
    url: str,
    where: str,
    known: Validators,
    limits: Limits,
    http_client: httpx.Client | None,
) -> Fetched:
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    answer = read_url(url, where, limits, http_client, headers)
    if answer.body is None:
        return Fetched(None, known, requests=1)
    validators = Validators(etag=answer.etag, last_modified=answer.last_modified)
    return Fetched(decode(answer.body), validators, requests=1)
