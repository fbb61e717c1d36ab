"""WebDAV and CalDAV as data: the multistatus answers read strictly (no entities, no network),
the requests built from the caldav library's XML elements, the addresses checked and shown
without their secret parts. `client.CalDavClient` holds the conversation.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlsplit

from caldav.elements import cdav, dav
from caldav.elements.base import BaseElement
from lxml import etree

from connectors.caldav.errors import CalDavError, NotACalendarError

MEGABYTE = 1024 * 1024
CALENDAR = cdav.Calendar.tag
DAV_NS = "{DAV:}"
# Untrusted XML: no entities, no network, no huge trees.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class GetCTag(BaseElement):
    """The calendar server's collection tag (CalendarServer's `getctag`): changes on any change."""

    tag: ClassVar[str] = "{http://calendarserver.org/ns/}getctag"


@dataclass(frozen=True)
class Answer:
    """A server's answer, read whole (within the limits)."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Member:
    """One `response` of a multistatus: its href (as a path), status and the properties found."""

    href: str
    status: int = 200
    props: dict[str, etree._Element] = field(default_factory=dict)

    def text(self, tag: str) -> str | None:
        found = self.props.get(tag)
        value = found.text.strip() if found is not None and found.text else ""
        return value or None

    def hrefs(self, tag: str) -> list[str]:
        found = self.props.get(tag)
        if found is None:
            return []
        return [h.text.strip() for h in found.iter(f"{DAV_NS}href") if h.text and h.text.strip()]


@dataclass
class Found:
    """An event resource as a REPORT gives it: href (a path), etag and iCalendar text."""

    href: str
    etag: str | None = None
    calendar_data: str | None = None
    status: int = 200


@dataclass
class Changes:
    """A sync-collection answer: what changed, what was deleted, the next token."""

    changed: list[Found]
    deleted: list[str]
    sync_token: str | None
    truncated: bool


@dataclass(frozen=True)
class Collection:
    """What a calendar collection says of itself (one PROPFIND, depth 0)."""

    url: str
    name: str
    is_calendar: bool
    has_events: bool
    sync_token: str | None
    ctag: str | None


def shown(url: str) -> str:
    """The address to show: no user name or password, no query."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def valid_url(url: str) -> str:
    """`url` when it is an http(s) address with a host; else `NotACalendarError`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotACalendarError(url, "not an http:// or https:// address")
    return url


def xml_bytes(element: BaseElement) -> bytes:
    return bytes(etree.tostring(element.xmlelement(), encoding="utf-8", xml_declaration=True))


def node(element: BaseElement, *children: BaseElement) -> BaseElement:
    """`element` with `children` under it (the library's elements nest by appending)."""
    return element.append(list(children))


def _propfind(*props: BaseElement) -> bytes:
    return xml_bytes(node(dav.Propfind(), node(dav.Prop(), *props)))


COLLECTION_PROPS = _propfind(
    dav.ResourceType(),
    dav.DisplayName(),
    dav.SyncToken(),
    GetCTag(),
    cdav.SupportedCalendarComponentSet(),
)
DISCOVERY_PROPS = _propfind(dav.CurrentUserPrincipal(), cdav.CalendarHomeSet())
ETAGS = _propfind(dav.GetEtag())
XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8"}


def data_props() -> BaseElement:
    return node(dav.Prop(), dav.GetEtag(), cdav.CalendarData())


def collection_of(url: str, found: Member) -> Collection:
    kinds = found.props.get(dav.ResourceType.tag)
    components_prop = found.props.get(cdav.SupportedCalendarComponentSet.tag)
    components = (
        [c.get("name") for c in components_prop if c.get("name")]
        if components_prop is not None
        else []
    )
    # A calendar that does not say which components it holds may hold any (RFC 4791 5.2.3).
    has_events = not components or "VEVENT" in components
    name = found.text(dav.DisplayName.tag)
    return Collection(
        url=url,
        name=name or urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1],
        is_calendar=kinds is not None and any(k.tag == CALENDAR for k in kinds),
        has_events=has_events,
        sync_token=found.text(dav.SyncToken.tag),
        ctag=found.text(GetCTag.tag),
    )


def calendar_data(member: Member) -> str | None:
    found = member.props.get(cdav.CalendarData.tag)
    return found.text if found is not None and found.text else None


def status_code(status_line: str | None) -> int | None:
    """200 from "HTTP/1.1 200 OK"."""
    parts = (status_line or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def preconditions(body: bytes) -> list[str]:
    """The DAV:error preconditions of an error answer (RFC 4918 16), e.g. valid-sync-token."""
    try:
        root = etree.fromstring(body, parser=PARSER) if body.strip() else None
    except etree.LxmlError:
        return []
    if root is None or root.tag != f"{DAV_NS}error":
        return []
    return [str(child.tag) for child in root if isinstance(child.tag, str)]


def too_large(where: str, max_bytes: int) -> CalDavError:
    return CalDavError(where, f"the answer is larger than {max_bytes / MEGABYTE:g} MB")


def seconds_of(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
