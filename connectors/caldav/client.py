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
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import httpx
from caldav.elements import cdav, dav
from lxml import etree

from connectors.caldav.dav import (
    COLLECTION_PROPS,
    DAV_NS,
    DISCOVERY_PROPS,
    ETAGS,
    MEGABYTE,
    PARSER,
    XML_HEADERS,
    Answer,
    Changes,
    Collection,
    Found,
    Member,
    calendar_data,
    collection_of,
    data_props,
    node,
    preconditions,
    seconds_of,
    shown,
    status_code,
    too_large,
    valid_url,
    xml_bytes,
)
from connectors.caldav.errors import (
    NotACalendarError,
    ServerFaultError,
    map_http_error,
)
from connectors.caldav.throttle import PROCESS_LIMITER, Retrier, ServerSlots, server_of


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
                    raise too_large(where, limit)
                chunks: list[bytes] = []
                received = 0
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > limit:
                        raise too_large(where, limit)
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
                preconditions=preconditions(answer.body),
                retry_after_seconds=seconds_of(answer.headers.get("retry-after")),
            )
        return answer

    def propfind(
        self, retrier: Retrier, what: str, url: str, body: bytes, depth: int
    ) -> list[Member]:
        headers = {"Depth": str(depth), **XML_HEADERS}
        answer = self.request(retrier, what, "PROPFIND", url, body, headers)
        if answer.status != 207:
            raise NotACalendarError(
                self.where, f"the server answered {answer.status} instead of a CalDAV listing"
            )
        return self._multistatus(answer.body)[0]

    def report(self, retrier: Retrier, what: str, body: bytes) -> tuple[list[Member], str | None]:
        headers = {"Depth": "1", **XML_HEADERS}
        answer = self.request(retrier, what, "REPORT", self.url, body, headers)
        return self._multistatus(answer.body)

    def _multistatus(self, body: bytes) -> tuple[list[Member], str | None]:
        """The members of a multistatus answer, and its sync token (RFC 6578) when it has one."""
        try:
            root = etree.fromstring(body, parser=PARSER)
        except etree.LxmlError:
            root = None
        if root is None or root.tag != f"{DAV_NS}multistatus":
            raise NotACalendarError(self.where, "the answer is no CalDAV answer (no multistatus)")
        members: list[Member] = []
        for response in root.iterfind(f"{DAV_NS}response"):
            href = (response.findtext(f"{DAV_NS}href") or "").strip()
            if not href:
                continue
            member = Member(
                self.path(href), status_code(response.findtext(f"{DAV_NS}status")) or 200
            )
            for propstat in response.iterfind(f"{DAV_NS}propstat"):
                prop = propstat.find(f"{DAV_NS}prop")
                if prop is None or status_code(propstat.findtext(f"{DAV_NS}status")) not in (
                    None,
                    200,
                ):
                    continue
                member.props.update((child.tag, child) for child in prop)
            members.append(member)
        token = (root.findtext(f"{DAV_NS}sync-token") or "").strip() or None
        return members, token

    # --- what the source and the writer ask -------------------------------------------------

    def collection(self, retrier: Retrier, url: str | None = None) -> Collection:
        """What the collection at `url` (default: ours) says of itself."""
        target = self.absolute(url or self.url)
        found = self.propfind(retrier, "propfind collection", target, COLLECTION_PROPS, 0)
        if not found:
            raise NotACalendarError(self.where, "the server said nothing about this address")
        return collection_of(target, found[0])

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
        found = self.propfind(retrier, "propfind principal", self.url, DISCOVERY_PROPS, 0)
        homes = found[0].hrefs(cdav.CalendarHomeSet.tag) if found else []
        principals = found[0].hrefs(dav.CurrentUserPrincipal.tag) if found else []
        base = self.url
        if not homes and principals:
            # Every href is read against the address that gave it: iCloud answers on
            # caldav.icloud.com with a home on the account's own server (pNN-caldav.icloud.com).
            base = self.absolute(principals[0])
            at_principal = self.propfind(
                retrier, "propfind calendar home", base, DISCOVERY_PROPS, 0
            )
            homes = at_principal[0].hrefs(cdav.CalendarHomeSet.tag) if at_principal else []
        if not homes:
            raise NotACalendarError(
                self.where, "no calendar home found here; give the address of the CalDAV server"
            )
        home = urljoin(base, homes[0])
        listed = self.propfind(retrier, "propfind calendars", home, COLLECTION_PROPS, 1)
        calendars = [collection_of(urljoin(home, item.href), item) for item in listed]
        return [c for c in calendars if c.is_calendar and c.has_events]

    def etags(self, retrier: Retrier) -> dict[str, str]:
        """Every member of the collection by href, with its etag (a PROPFIND, depth 1)."""
        listed = self.propfind(retrier, "propfind etags", self.url, ETAGS, 1)
        own = self.path(self.url)
        return {
            item.href: item.text(dav.GetEtag.tag) or ""
            for item in listed
            if item.href != own and item.status == 200
        }

    def query(self, retrier: Retrier, start: datetime, end: datetime) -> list[Found]:
        """Every event resource with an occurrence in [start, end), with its data and etag."""
        events = node(cdav.CompFilter("VEVENT"), cdav.TimeRange(start, end))
        body = xml_bytes(
            node(
                cdav.CalendarQuery(),
                data_props(),
                node(cdav.Filter(), node(cdav.CompFilter("VCALENDAR"), events)),
            )
        )
        return self._found(self.report(retrier, "calendar-query", body)[0])

    def multiget(self, retrier: Retrier, hrefs: Iterable[str]) -> list[Found]:
        wanted = list(hrefs)
        if not wanted:
            return []
        members = [dav.Href(value=h) for h in wanted]
        body = xml_bytes(node(cdav.CalendarMultiGet(), data_props(), *members))
        return self._found(self.report(retrier, "calendar-multiget", body)[0])

    def changes(self, retrier: Retrier, token: str) -> Changes:
        """What changed since `token` (RFC 6578); `SyncTokenGoneError` when it is not known."""
        body = xml_bytes(
            node(
                dav.SyncCollection(),
                dav.SyncToken(value=token),
                dav.SyncLevel(value="1"),
                data_props(),
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
            Found(m.href, m.text(dav.GetEtag.tag), calendar_data(m), m.status)
            for m in members
            if m.href != own
        ]
