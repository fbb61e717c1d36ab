"""One CalDAV calendar collection over HTTP, through the caldav library's client (a `DAVClient`).

Every request goes through `CalDavClient.request`: it waits for a slot of the server's in-flight
limit, counts itself, and turns every failure into the connector's own error (`map_http_error`),
so a wrong address, a refused password, a server fault or something that is no calendar each
read as one clear sentence. The request bodies are built from the library's XML elements and
its parsers read the answers; vendor XML goes no further than this module and `source`.

Discovery (`calendars`) goes from any address of the account to its calendars: the address
itself when it is a calendar, else the current user's principal, its calendar home and the
calendars in it (RFC 4791 section 6, RFC 5397).

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import urljoin, urlsplit

from caldav.davclient import DAVClient
from caldav.elements import cdav, dav
from caldav.elements.base import BaseElement
from caldav.lib import error as dav_error
from caldav.response import CalendarQueryResult, DAVResponse, PropfindResult, SyncCollectionResult
from lxml import etree

from connectors.caldav.errors import (
    CalDavError,
    NotACalendarError,
    RateLimitedError,
    ServerFaultError,
    map_http_error,
)
from connectors.caldav.throttle import PROCESS_LIMITER, Retrier, ServerSlots, server_of

T = TypeVar("T")
MEGABYTE = 1024 * 1024
CALENDAR = cdav.Calendar.tag
_NO_HEADERS: Mapping[str, str] = {}


class GetCTag(BaseElement):
    """The calendar server's collection tag (CalendarServer's `getctag`): changes on any change."""

    tag: ClassVar[str] = "{http://calendarserver.org/ns/}getctag"


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
        dav_client: DAVClient | None = None,
    ) -> None:
        valid_url(url)
        self.url = url if url.endswith("/") else f"{url}/"
        self.where = f"CalDAV calendar {shown(self.url)}"
        self.server = server_of(self.url)
        self.requests = 0
        self._slots = slots or PROCESS_LIMITER
        # Basic authentication from the first request (no 401 round trip); the address carries
        # no credentials, and DNS discovery is off: the address given is the one used.
        self._dav = dav_client or DAVClient(
            self.url,
            username=username,
            password=password,
            auth_type="basic",
            timeout=int(max(1.0, timeout_seconds)),
            enable_rfc6764=False,
        )
        self._limits = (max_bytes, timeout_seconds)
        self._dav.session.hooks["response"].append(self._bounded)

    def close(self) -> None:
        self._dav.close()

    def _bounded(self, response: Any, **_: Any) -> Any:
        """Read the answer's body here, at most `max_bytes` and within the timeout for the whole
        body (the client's timeout bounds each read only), so a huge or dripping answer ends
        in our error, not in memory or time without end."""
        max_bytes, timeout_seconds = self._limits
        declared = str(response.headers.get("Content-Length", ""))
        if declared.isdigit() and int(declared) > max_bytes:
            response.close()
            raise _too_large(self.where, max_bytes)
        deadline = time.monotonic() + timeout_seconds
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_content(65536):
            received += len(chunk)
            if received > max_bytes:
                response.close()
                raise _too_large(self.where, max_bytes)
            if time.monotonic() > deadline:
                response.close()
                raise ServerFaultError(
                    self.where, f"no whole answer within {timeout_seconds:g} seconds (timeout)"
                )
            chunks.append(chunk)
        response._content = b"".join(chunks)
        response._content_consumed = True
        return response

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
        body: bytes | str = "",
        headers: Mapping[str, str] | None = None,
    ) -> DAVResponse:
        """One request with retries of passing faults; our error for every failure."""
        target = self.absolute(url)
        text = body.decode("utf-8") if isinstance(body, bytes) else body

        def attempt() -> DAVResponse:
            with self._slots.slot(self.server):
                self.requests += 1
                return self._send(method, target, text, dict(headers or _NO_HEADERS))

        return retrier.call(what, attempt)

    def _send(self, method: str, url: str, body: str, headers: dict[str, str]) -> DAVResponse:
        where = self.where
        try:
            with _root_logger_left_alone():
                response = self._dav.request(url, method, body, headers)
        except dav_error.RateLimitError as error:
            raise RateLimitedError(
                where,
                f"the CalDAV server answered {error.status or 429}: slow down",
                status=error.status or 429,
                retry_after_seconds=error.retry_after_seconds,
            ) from None
        except dav_error.AuthorizationError as error:
            status = error.status or 401
            raise map_http_error(
                status, error.reason, where=where, preconditions=error.preconditions
            ) from None
        except dav_error.DAVError as error:
            raise CalDavError(
                where, f"the answer cannot be read ({type(error).__name__})"
            ) from None
        except (OSError, ValueError) as error:  # niquests' connection errors are OSErrors
            raise ServerFaultError(where, f"no answer ({_cause(error)})") from None
        if response.status >= 400:
            raise map_http_error(
                response.status,
                str(response.reason or ""),
                where=where,
                preconditions=dav_error.parse_preconditions(_body(response)),
                retry_after_seconds=_seconds(response.headers.get("Retry-After")),
            )
        return response

    def _parsed(self, action: Callable[[], T]) -> T:
        """A library parser's result; an answer it cannot read is no CalDAV answer."""
        try:
            return action()
        except (dav_error.DAVError, etree.LxmlError, AttributeError, TypeError) as error:
            raise NotACalendarError(
                self.where, f"the answer is no CalDAV answer ({type(error).__name__})"
            ) from None

    def propfind(
        self, retrier: Retrier, what: str, url: str, body: bytes, depth: int
    ) -> list[PropfindResult]:
        headers = {"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"}
        response = self.request(retrier, what, "PROPFIND", url, body, headers)
        if response.status != 207:
            raise NotACalendarError(
                self.where, f"the server answered {response.status} instead of a CalDAV listing"
            )
        return self._parsed(response.parse_propfind)

    def report(self, retrier: Retrier, what: str, body: bytes, depth: int = 1) -> DAVResponse:
        headers = {"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"}
        return self.request(retrier, what, "REPORT", self.url, body, headers)

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
        props = found[0].properties if found else {}
        principal = props.get(dav.CurrentUserPrincipal.tag)
        home, base = props.get(cdav.CalendarHomeSet.tag), self.url
        if not home and isinstance(principal, str):
            # Every href is read against the address that gave it: iCloud answers on
            # caldav.icloud.com with a home on the account's own server (pNN-caldav.icloud.com).
            base = self.absolute(principal)
            at_principal = self.propfind(
                retrier, "propfind calendar home", base, _DISCOVERY_PROPS, 0
            )
            home = (
                at_principal[0].properties.get(cdav.CalendarHomeSet.tag) if at_principal else None
            )
        if isinstance(home, list):
            home = home[0] if home else None
        if not isinstance(home, str):
            raise NotACalendarError(
                self.where, "no calendar home found here; give the address of the CalDAV server"
            )
        home = urljoin(base, home)
        listed = self.propfind(retrier, "propfind calendars", home, _COLLECTION_PROPS, 1)
        calendars = [_collection(urljoin(home, item.href), item) for item in listed]
        return [c for c in calendars if c.is_calendar and c.has_events]

    def etags(self, retrier: Retrier) -> dict[str, str]:
        """Every member of the collection by href, with its etag (a PROPFIND, depth 1)."""
        listed = self.propfind(retrier, "propfind etags", self.url, _ETAGS, 1)
        own = self.path(self.url)
        return {
            self.path(item.href): str(item.properties.get(dav.GetEtag.tag) or "")
            for item in listed
            if self.path(item.href) != own and item.status == 200
        }

    def query(self, retrier: Retrier, start: datetime, end: datetime) -> list[CalendarQueryResult]:
        """Every event resource with an occurrence in [start, end), with its data and etag."""
        events = _node(cdav.CompFilter("VEVENT"), cdav.TimeRange(start, end))
        body = _xml(
            _node(
                cdav.CalendarQuery(),
                _data_props(),
                _node(cdav.Filter(), _node(cdav.CompFilter("VCALENDAR"), events)),
            )
        )
        response = self.report(retrier, "calendar-query", body)
        return self._members(self._parsed(response.parse_calendar_query))

    def multiget(self, retrier: Retrier, hrefs: Iterable[str]) -> list[CalendarQueryResult]:
        wanted = list(hrefs)
        if not wanted:
            return []
        members = [dav.Href(value=h) for h in wanted]
        body = _xml(_node(cdav.CalendarMultiGet(), _data_props(), *members))
        response = self.report(retrier, "calendar-multiget", body)
        return self._members(self._parsed(response.parse_calendar_query))

    def changes(self, retrier: Retrier, token: str) -> SyncCollectionResult:
        """What changed since `token` (RFC 6578); `SyncTokenGoneError` when it is not known."""
        body = _xml(
            _node(
                dav.SyncCollection(),
                dav.SyncToken(value=token),
                dav.SyncLevel(value="1"),
                _data_props(),
            )
        )
        response = self.report(retrier, "sync-collection", body)
        answer = self._parsed(response.parse_sync_collection)
        answer.changed = self._members(answer.changed)
        own = self.path(self.url)
        answer.deleted = [p for p in map(self.path, answer.deleted) if p != own]
        return answer

    def _members(self, results: list[CalendarQueryResult]) -> list[CalendarQueryResult]:
        """The collection's members (not the collection itself), each href as its path."""
        own = self.path(self.url)
        for result in results:
            result.href = self.path(result.href)
        return [r for r in results if r.href != own]


def _collection(url: str, found: PropfindResult) -> Collection:
    props: dict[str, Any] = found.properties
    kinds = props.get(dav.ResourceType.tag) or []
    components = props.get(cdav.SupportedCalendarComponentSet.tag)
    # A calendar that does not say which components it holds may hold any (RFC 4791 5.2.3).
    has_events = not components or "VEVENT" in components
    name = props.get(dav.DisplayName.tag)
    return Collection(
        url=url,
        name=str(name) if name else urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1],
        is_calendar=CALENDAR in kinds,
        has_events=has_events,
        sync_token=_text(props.get(dav.SyncToken.tag)),
        ctag=_text(props.get(GetCTag.tag)),
    )


@contextmanager
def _root_logger_left_alone() -> Iterator[None]:
    """The caldav library logs some answers through the root logger's module functions
    (`logging.info`), which give the root logger a stderr handler when it has none: a command's
    one clear line would get log lines above it. Whatever such a call added is taken away; a
    process that set up its own logging (the workers) is not touched."""
    before = list(logging.root.handlers)
    try:
        yield
    finally:
        if not before:
            for handler in list(logging.root.handlers):
                logging.root.removeHandler(handler)


def _too_large(where: str, max_bytes: int) -> CalDavError:
    return CalDavError(where, f"the answer is larger than {max_bytes / MEGABYTE:g} MB")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _body(response: DAVResponse) -> bytes | None:
    raw = getattr(response, "_raw", None)
    return raw if isinstance(raw, bytes) else raw.encode() if isinstance(raw, str) else None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _cause(error: Exception) -> str:
    # Never the library's message: it may carry the address with its credentials.
    name = type(error).__name__
    return "timeout" if "timeout" in name.lower() else name
