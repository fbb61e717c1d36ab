"""`CalDavWriter`: writes an accepted protected block into the leader's CalDAV calendar.

One event per proposal key and generation, whatever happens (DESIGN 8): the event's UID, and
with it the resource's name, is derived from the key and the generation, and it is created with
`If-None-Match: *` (RFC 4791 5.3.2), so the server refuses a second copy in the same request
(412) and we confirm the one there is ours. A server that ignores the header still keeps one
resource at that name. The block is busy (`TRANSP:OPAQUE`), private, in our category and carries
our marker, which the iCalendar mapping reads as a protected block of ours. Withdrawing deletes
it, once. Only resources we created are ever deleted.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar

from connectors.caldav.client import CalDavClient
from connectors.caldav.errors import AlreadyExistsError, CalDavError, NotFoundError
from connectors.caldav.throttle import Retrier
from connectors.ics import OUR_MARKER_PROPERTY, OUR_MARKER_VALUE
from connectors.model import Block as Block  # the writer's input, shared by every provider

OUR_CATEGORY = "agenda-regie"
KEY_PROPERTY = "X-AGENDA-REGIE-KEY"
_CALENDAR_TEXT = {"Content-Type": "text/calendar; charset=utf-8"}


@dataclass(frozen=True)
class WriteResult:
    event_id: str  # the resource's path on the server
    created: bool  # False: our block was there already (a repeat) and was confirmed


class BlockConflictError(CalDavError):
    """A resource with our block's name exists but is not that block (should never happen)."""


def block_uid(key: str, generation: int) -> str:
    digest = hashlib.sha256(f"agenda-regie\x00{key}\x00{generation}".encode()).hexdigest()
    return f"{digest[:40]}@agenda-regie"


def tag_value(key: str, generation: int) -> str:
    return f"{key}#{generation}"


class CalDavWriter:
    def __init__(
        self,
        client: CalDavClient,
        *,
        retrier: Retrier | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._retrier = retrier
        self._clock = clock

    @property
    def where(self) -> str:
        return self._client.where

    def href(self, key: str, generation: int) -> str:
        return self._client.path(block_uid(key, generation).split("@")[0] + ".ics")

    def create_block(self, block: Block) -> WriteResult:
        retrier = self._retrier or Retrier()
        href = self.href(block.key, block.generation)
        headers = {**_CALENDAR_TEXT, "If-None-Match": "*"}
        try:
            self._client.request(retrier, "put block", "PUT", href, self._body(block), headers)
        except AlreadyExistsError:
            self._confirm_ours(retrier, href, block.key, block.generation)
            return WriteResult(href, created=False)
        return WriteResult(href, created=True)

    def delete_block(self, key: str, generation: int) -> bool:
        """Withdraw the block; False when it was not there (never written, or deleted already)."""
        retrier = self._retrier or Retrier()
        href = self.href(key, generation)
        try:
            self._confirm_ours(retrier, href, key, generation)
            self._client.request(retrier, "delete block", "DELETE", href)
        except NotFoundError:  # never written, or deleted meanwhile
            return False
        return True

    def _confirm_ours(self, retrier: Retrier, href: str, key: str, generation: int) -> None:
        response = self._client.request(retrier, "get block", "GET", href)
        try:
            calendar = icalendar.Calendar.from_ical(response.text)
            tags = {str(e.get(KEY_PROPERTY, "")) for e in calendar.walk("VEVENT")}
        except ValueError:
            tags = set()
        if tag_value(key, generation) not in tags:
            raise BlockConflictError(
                self.where, f"{href} exists but is not the block of proposal {key}; left alone"
            )

    def _body(self, block: Block) -> bytes:
        event = icalendar.Event()
        event.add("uid", block_uid(block.key, block.generation))
        event.add("dtstamp", self._clock().astimezone(UTC))
        event.add("dtstart", block.start.astimezone(block.zone))
        event.add("dtend", block.end.astimezone(block.zone))
        event.add("summary", block.title)
        if block.description:
            event.add("description", block.description)
        event.add("transp", "OPAQUE")
        event.add("class", "PRIVATE")
        event.add("categories", [OUR_CATEGORY])
        event.add(OUR_MARKER_PROPERTY, OUR_MARKER_VALUE)
        event.add(KEY_PROPERTY, tag_value(block.key, block.generation))
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//agenda-regie//protected blocks//EN")
        calendar.add("version", "2.0")
        calendar.add_component(event)
        calendar.add_missing_timezones()
        return bytes(calendar.to_ical())
