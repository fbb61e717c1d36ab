"""One CalDAV calendar collection over HTTP: the caldav library's XML elements for what we ask,
httpx for the conversation, and a strict reading of the multistatus answers.

Every request goes through `CalDavClient.request`: it waits for a slot of the server's in-flight
limit, counts itself, reads at most `max_bytes` within the timeout, and turns every failure into
the connector's own error (`map_http_error`), so a wrong address, a refused password, a server
fault or something that is no calendar each read as one clear sentence. The answers' XML is
parsed without entities or network access; vendor XML goes no further than this module.

Why not the caldav library's own client: from 2.0 it requires niquests, whose urllib3-future
replaces the `urllib3` package of the whole environment at start-up (a `.pth` hook), under the
requests that msal and Google's client use. The library's request elements are used as they are.

Discovery (`calendars`) goes from any address of the account to its calendars: the address
itself when it is a calendar, else the current user's principal, its calendar home and the
calendars in it (RFC 4791 section 6, RFC 5397).

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
from caldav.elements import cdav, dav
from caldav.elements.base import BaseElement
from lxml import etree

from connectors.caldav.errors import (
    CalDavError,
    NotACalendarError,
    ServerFaultError,
    map_http_error,
)
from connectors.caldav.throttle import PROCESS_LIMITER, Retrier, ServerSlots, server_of

T = TypeVar("T")
MEGABYTE = 1024 * 1024
CALENDAR = cdav.Calendar.tag
_DAV = "{DAV:}"
# Untrusted XML: no entities, no network, no huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


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
        return [h.text.strip() for h in found.iter(f"{_DAV}href") if h.text and h.text.strip()]


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


def _xml(element: BaseElement) -> bytes:
    return bytes(etree.tostring(element.xmlelement(), encoding="utf-8", xml_declaration=True))


def _node(element: BaseElement, *children: BaseElement) -> BaseElement:
    """`element` with `children` under it (the library's elements nest by appending)."""
    return element.append(list(children))


def _propfind(*props: BaseElement) -> bytes:
    return _xml(_node(dav.Propfind(), _node(dav.Prop(), *props)))


_COLLECTION_PROPS = _propfind(
    dav.ResourceType(),
    dav.DisplayName(),
    dav.SyncToken(),
    GetCTag(),
    cdav.SupportedCalendarComponentSet(),
)
_DISCOVERY_PROPS = _propfind(dav.CurrentUserPrincipal(), cdav.CalendarHomeSet())
_ETAGS = _propfind(dav.GetEtag())
_XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8"}


def _data_props() -> BaseElement:
    return _node(dav.Prop(), dav.GetEtag(), cdav.CalendarData())


class CalDavClient:
    """One account's requests to one server; `requests` counts every request sent."""

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        timeout_seconds: float = 30.0,
        max_bytes: int = 50 * MEGABYTE,
        slots: ServerSlots | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        valid_url(url)
        self.url = url if url.endswith("/") else f"{url}/"
        self.where = f"CalDAV calendar {shown(self.url)}"
        self.server = server_of(self.url)
        self.requests = 0
        self._slots = slots or PROCESS_LIMITER
        self._max_bytes, self._timeout_seconds = max_bytes, timeout_seconds
        # Basic authentication from the first request (no 401 round trip).
        self._auth = httpx.BasicAuth(username, password)
        self._own_client = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout_seconds, follow_redirects=True)

    def close(self) -> None:
        if self._own_client:
            self._http.close()

    def absolute(self, href: str) -> str:
        return urljoin(self.url, href)

    def path(self, href: str) -> str:
        """A member's href as one spelling: its path on the server (the cursor's key)."""
        return urlsplit(self.absolute(href)).path

    # --- requests ---------------------------------------------------------------------------

    def request(
        self,
        retrier: Retrier,
        what: str,
        method: str,
        url: str,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """One request with retries of passing faults; our error for every failure."""
        target = self.absolute(url)
        content = body.encode("utf-8") if isinstance(body, str) else body

        def attempt() -> Answer:
            with self._slots.slot(self.server):
                self.requests += 1
                return self._send(method, target, content, dict(headers or {}))

        return retrier.call(what, attempt)

    def _send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        where, limit = self.where, self._max_bytes
        timed_out = ServerFaultError(
            where, f"no whole answer within {self._timeout_seconds:g} seconds (timeout)"
        )
        deadline = time.monotonic() + self._timeout_seconds
        try:
            with self._http.stream(
                method, url, content=body or None, headers=headers, auth=self._auth
            ) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _too_large(where, limit)
                chunks: list[bytes] = []
                received = 0
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > limit:
                        raise _too_large(where, limit)
                    if time.monotonic() > deadline:
                        raise timed_out
                    chunks.append(chunk)
                answer = Answer(response.status_code, b"".join(chunks), dict(response.headers))
                reason = response.reason_phrase
        except httpx.TimeoutException:
            raise timed_out from None
        # Not chained, never the library's message: it may carry the address with credentials.
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise ServerFaultError(where, f"no answer ({type(error).__name__})") from None
        if answer.status >= 400:
            raise map_http_error(
                answer.status,
                reason,
                where=where,
                preconditions=_preconditions(answer.body),
                retry_after_seconds=_seconds(answer.headers.get("retry-after")),
            )
        return answer

    def propfind(
        self, retrier: Retrier, what: str, url: str, body: bytes, depth: int
    ) -> list[Member]:
        headers = {"Depth": str(depth), **_XML_HEADERS}
        answer = self.request(retrier, what, "PROPFIND", url, body, headers)
        if answer.status != 207:
            raise NotACalendarError(
                self.where, f"the server answered {answer.status} instead of a CalDAV listing"
            )
        return self._multistatus(answer.body)[0]

    def report(self, retrier: Retrier, what: str, body: bytes) -> tuple[list[Member], str | None]:
        headers = {"Depth": "1", **_XML_HEADERS}
        answer = self.request(retrier, what, "REPORT", self.url, body, headers)
        return self._multistatus(answer.body)

    def _multistatus(self, body: bytes) -> tuple[list[Member], str | None]:
        """The members of a multistatus answer, and its sync token (RFC 6578) when it has one."""
        try:
            root = etree.fromstring(body, parser=_PARSER)
        except etree.LxmlError:
            root = None
        if root is None or root.tag != f"{_DAV}multistatus":
            raise NotACalendarError(self.where, "the answer is no CalDAV answer (no multistatus)")
        members: list[Member] = []
        for response in root.iterfind(f"{_DAV}response"):
            href = (response.findtext(f"{_DAV}href") or "").strip()
            if not href:
                continue
            member = Member(self.path(href), _code(response.findtext(f"{_DAV}status")) or 200)
            for propstat in response.iterfind(f"{_DAV}propstat"):
                prop = propstat.find(f"{_DAV}prop")
                if prop is None or _code(propstat.findtext(f"{_DAV}status")) not in (None, 200):
                    continue
                member.props.update((child.tag, child) for child in prop)
            members.append(member)
        token = (root.findtext(f"{_DAV}sync-token") or "").strip() or None
        return members, token

    # --- what the source and the writer ask -------------------------------------------------

    def collection(self, retrier: Retrier, url: str | None = None) -> Collection:
        """What the collection at `url` (default: ours) says of itself."""
        target = self.absolute(url or self.url)
        found = self.propfind(retrier, "propfind collection", target, _COLLECTION_PROPS, 0)
        if not found:
            raise NotACalendarError(self.where, "the server said nothing about this address")
        return _collection(target, found[0])

    def calendar(self, retrier: Retrier) -> Collection:
        """Our collection, refused when it is no calendar of events."""
        found = self.collection(retrier)
        if not found.is_calendar:
            raise NotACalendarError(
                self.where, "this address is no calendar (is it the server or a folder?)"
            )
        if not found.has_events:
            raise NotACalendarError(self.where, "this calendar holds no events (a task list?)")
        return found

    def calendars(self, retrier: Retrier) -> list[Collection]:
        """The account's calendars of events: the address itself when it is one, else those
        in the current user's calendar home."""
        here = self.collection(retrier)
        if here.is_calendar:
            return [here] if here.has_events else []
        found = self.propfind(retrier, "propfind principal", self.url, _DISCOVERY_PROPS, 0)
        homes = found[0].hrefs(cdav.CalendarHomeSet.tag) if found else []
        principals = found[0].hrefs(dav.CurrentUserPrincipal.tag) if found else []
        base = self.url
        if not homes and principals:
            # Every href is read against the address that gave it: iCloud answers on
            # caldav.icloud.com with a home on the account's own server (pNN-caldav.icloud.com).
            base = self.absolute(principals[0])
            at_principal = self.propfind(
                retrier, "propfind calendar home", base, _DISCOVERY_PROPS, 0
            )
            homes = at_principal[0].hrefs(cdav.CalendarHomeSet.tag) if at_principal else []
        if not homes:
            raise NotACalendarError(
                self.where, "no calendar home found here; give the address of the CalDAV server"
            )
        home = urljoin(base, homes[0])
        listed = self.propfind(retrier, "propfind calendars", home, _COLLECTION_PROPS, 1)
        calendars = [_collection(urljoin(home, item.href), item) for item in listed]
        return [c for c in calendars if c.is_calendar and c.has_events]

    def etags(self, retrier: Retrier) -> dict[str, str]:
        """Every member of the collection by href, with its etag (a PROPFIND, depth 1)."""
        listed = self.propfind(retrier, "propfind etags", self.url, _ETAGS, 1)
        own = self.path(self.url)
        return {
            item.href: item.text(dav.GetEtag.tag) or ""
            for item in listed
            if item.href != own and item.status == 200
        }

    def query(self, retrier: Retrier, start: datetime, end: datetime) -> list[Found]:
        """Every event resource with an occurrence in [start, end), with its data and etag."""
        events = _node(cdav.CompFilter("VEVENT"), cdav.TimeRange(start, end))
        body = _xml(
            _node(
                cdav.CalendarQuery(),
                _data_props(),
                _node(cdav.Filter(), _node(cdav.CompFilter("VCALENDAR"), events)),
            )
        )
        return self._found(self.report(retrier, "calendar-query", body)[0])

    def multiget(self, retrier: Retrier, hrefs: Iterable[str]) -> list[Found]:
        wanted = list(hrefs)
        if not wanted:
            return []
        members = [dav.Href(value=h) for h in wanted]
        body = _xml(_node(cdav.CalendarMultiGet(), _data_props(), *members))
        return self._found(self.report(retrier, "calendar-multiget", body)[0])

    def changes(self, retrier: Retrier, token: str) -> Changes:
        """What changed since `token` (RFC 6578); `SyncTokenGoneError` when it is not known."""
        body = _xml(
            _node(
                dav.SyncCollection(),
                dav.SyncToken(value=token),
                dav.SyncLevel(value="1"),
                _data_props(),
            )
        )
        members, next_token = self.report(retrier, "sync-collection", body)
        own = self.path(self.url)
        # A 507 on the collection itself: the server cut the list short (RFC 6578 3.6).
        truncated = any(m.href == own and m.status == 507 for m in members)
        deleted = [m.href for m in members if m.status == 404 and m.href != own]
        changed = self._found([m for m in members if m.status != 404])
        return Changes(changed, deleted, next_token, truncated)

    def _found(self, members: list[Member]) -> list[Found]:
        """The collection's members (not the collection itself) as event resources."""
        own = self.path(self.url)
        return [
            Found(m.href, m.text(dav.GetEtag.tag), _data(m), m.status)
            for m in members
            if m.href != own
        ]


def _collection(url: str, found: Member) -> Collection:
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


def _data(member: Member) -> str | None:
    found = member.props.get(cdav.CalendarData.tag)
    return found.text if found is not None and found.text else None


def _code(status_line: str | None) -> int | None:
    """200 from "HTTP/1.1 200 OK"."""
    parts = (status_line or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _preconditions(body: bytes) -> list[str]:
    """The DAV:error preconditions of an error answer (RFC 4918 16), e.g. valid-sync-token."""
    try:
        root = etree.fromstring(body, parser=_PARSER) if body.strip() else None
    except etree.LxmlError:
        return []
    if root is None or root.tag != f"{_DAV}error":
        return []
    return [str(child.tag) for child in root if isinstance(child.tag, str)]


def _too_large(where: str, max_bytes: int) -> CalDavError:
    return CalDavError(where, f"the answer is larger than {max_bytes / MEGABYTE:g} MB")


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
