"""A small Microsoft Graph and Entra ID server on 127.0.0.1 for tests, driven through httpx and
the real msal.

Graph part: `calendarView` (paging by `Prefer: odata.maxpagesize`), `calendarView/delta` (paging,
delta links, changes since a token, `@removed` for deleted events, tokens that expire with 400
`syncStateNotFound` or 410), `POST /users/{id}/events` (de-duplicated by `transactionId`),
`$filter` on our single-value extended property, `DELETE`, 401 for rejected tokens, 403 for
mailboxes an access policy excludes, failures injected per request number with `Retry-After`.

It CHECKS the per-mailbox concurrency limit: every request counts as in flight for `delay_seconds`
and `violations` records each moment more than 4 were in flight for one mailbox.

Entra ID part (for msal through a rewriting `requests.Session`, or, with `tls`, as the
authority itself at https://127.0.0.1:PORT): OpenID discovery; the authorize page, which answers
the browser as Entra ID does (a self-submitting form to the redirect URI for
`response_mode=form_post`, a redirect otherwise) as `signs_in_as`, or with `access_denied` when
`consent_denied`; and the token endpoint for client credentials (AADSTS65001 without
`admin_consent`), authorisation codes (single use, PKCE and redirect URI checked) and refresh
tokens (`invalid_grant` once revoked). It counts requests.
"""

from __future__ import annotations

import itertools
import json
import re
import ssl
import time
from collections import defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from tests.fakes.entra_id import LOGIN_HOST, FakeEntraId, IssuedCode
from tests.fakes.http import FakeHttpServer, Request

LIMIT = 4


class FakeGraph(FakeEntraId, FakeHttpServer):
    methods = ("GET", "POST", "DELETE")

    def __init__(self, owner: str = "leader@example.org", *, tls: ssl.SSLContext | None = None):
        super().__init__(tls=tls)
        self.owner = owner
        self.events: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.properties: dict[tuple[str, str], dict[str, str]] = {}
        self.transactions: dict[tuple[str, str], str] = {}
        self.seq = 0
        self.changed_at: dict[tuple[str, str], int] = {}
        self.deleted: dict[tuple[str, str], int] = {}
        self.token_epoch = 0
        self.expiry_status = 400  # or 410
        self.pages: dict[str, tuple[list[dict[str, Any]], str | None]] = {}
        self.numbers = itertools.count(1)
        self.rejected_tokens: set[str] = set()
        self.forbidden_mailboxes: set[str] = set()
        self.delay_seconds = 0.0
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.violations: list[tuple[str, int]] = []
        # Entra ID
        self.revoked = False
        self.nonces: dict[str, str] = {}
        self.issued = itertools.count(1)
        self.codes: dict[str, IssuedCode] = {}
        self.refresh_owners: dict[str, str] = {}
        self.signs_in_as: str | None = None  # who signs in at the authorize page (the owner)
        self.consent_denied = False
        self.admin_consent = True
        # An Entra ID error answer to every client-credentials request (None: the usual checks).
        self.app_token_refusal: dict[str, Any] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def login_host(self) -> str:
        """The authority host msal is given: this server with TLS, else the public one (which
        the tests' rewriting session sends here)."""
        return self.url if self.tls else LOGIN_HOST

    @property
    def graph_url(self) -> str:
        return self.url + "/v1.0"

    # --- what tests do to the calendar ----------------------------------------------------

    def put(self, event: dict[str, Any], mailbox: str | None = None) -> str:
        """Add or replace an event as another client (the leader, a colleague) would."""
        with self.lock:
            self._store(mailbox or self.owner, {"showAs": "busy", **event})
            return str(event["id"])

    def change(self, event_id: str, mailbox: str | None = None, **fields: Any) -> None:
        with self.lock:
            box = mailbox or self.owner
            self._store(box, {**self.events[box][event_id], **fields})

    def delete(self, event_id: str, mailbox: str | None = None) -> None:
        with self.lock:
            box = mailbox or self.owner
            del self.events[box][event_id]
            self.seq += 1
            self.deleted[(box, event_id)] = self.seq
            self.changed_at.pop((box, event_id), None)

    def expire_delta_tokens(self) -> None:
        with self.lock:
            self.token_epoch += 1

    def live(self, mailbox: str | None = None) -> dict[str, dict[str, Any]]:
        with self.lock:
            return dict(self.events[mailbox or self.owner])

    def approve(self, auth_uri: str, code: str = "good-code") -> dict[str, str]:
        """What the browser brings back after the leader signs in at `auth_uri`."""
        query = parse_qs(urlsplit(auth_uri).query)
        with self.lock:
            self.nonces[code] = query["nonce"][0]
        return {"code": code, "state": query["state"][0]}

    # --- serving ----------------------------------------------------------------------------

    def _store(self, mailbox: str, event: dict[str, Any], *, stamp_created: bool = False) -> None:
        self.seq += 1
        if stamp_created:
            event.setdefault("createdDateTime", _stamp(datetime.now(UTC)))
        event["lastModifiedDateTime"] = _stamp(datetime.now(UTC))
        self.events[mailbox][event["id"]] = event
        self.changed_at[(mailbox, event["id"])] = self.seq
        self.deleted.pop((mailbox, event["id"]), None)

    def serve(self, request: Request, handler: BaseHTTPRequestHandler) -> None:
        method, query, headers, body = request.method, request.query, request.headers, request.body
        path = unquote(request.path)
        if not path.startswith("/v1.0/"):
            with self.lock:
                self.record(request, path)
            return self.send(handler, *self._login(method, path, query, body))
        segments = path.removeprefix("/v1.0/").split("/")
        mailbox = self.owner if segments[0] == "me" else segments[1].lower()
        with self.lock:
            number = self.record(request, path)
            self.in_flight[mailbox] += 1
            now_in_flight = self.in_flight[mailbox]
            self.max_in_flight[mailbox] = max(self.max_in_flight[mailbox], now_in_flight)
            if now_in_flight > LIMIT:
                self.violations.append((mailbox, now_in_flight))
        try:
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            with self.lock:
                answer = self._graph(number, method, path, segments, mailbox, query, headers, body)
        finally:
            with self.lock:
                self.in_flight[mailbox] -= 1
        self.send(handler, *answer)

    def _graph(
        self,
        number: int,
        method: str,
        path: str,
        segments: list[str],
        mailbox: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, Any, dict[str, str]]:
        failure = self.injected(number, method, path)
        if failure is not None:
            status, code = failure
            extra = {"Retry-After": self.retry_after} if self.retry_after and status == 429 else {}
            return status, _error(code, f"injected {code}"), extra
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if not bearer or bearer in self.rejected_tokens:
            return 401, _error("InvalidAuthenticationToken", "Access token has expired."), {}
        if 'IdType="ImmutableId"' not in headers.get("prefer", ""):
            return 400, _error("BadRequest", "this fake wants immutable ids"), {}
        if mailbox in self.forbidden_mailboxes:
            return 403, _error("ErrorAccessDenied", "Access to OData is disabled."), {}
        rest = segments[1:] if segments[0] == "me" else segments[2:]
        if rest == ["calendarView", "delta"] and method == "GET":
            return self._delta(mailbox, path, query, headers)
        if rest == ["calendar", "calendarView"] and method == "GET":
            return self._view(mailbox, path, query, headers)
        if rest == ["events"] and method == "POST":
            return self._create(mailbox, json.loads(body or b"{}"))
        if rest == ["events"] and method == "GET":
            return self._filter(mailbox, query)
        if len(rest) == 2 and rest[0] == "events" and method == "DELETE":
            if rest[1] not in self.events[mailbox]:
                return 404, _error("ErrorItemNotFound", "The specified object was not found."), {}
            self.delete(rest[1], mailbox)
            return 204, None, {}
        return 404, _error("ResourceNotFound", f"no such resource {path}"), {}

    def _page_size(self, headers: dict[str, str]) -> int:
        found = re.search(r"odata\.maxpagesize=(\d+)", headers.get("prefer", ""))
        return int(found.group(1)) if found else 10

    def _utc_wanted(self, headers: dict[str, str]) -> bool:
        return 'outlook.timezone="UTC"' in headers.get("prefer", "")

    def _paged(
        self, path: str, items: list[dict[str, Any]], final: str | None, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        size = self._page_size(headers)
        page, rest = items[:size], items[size:]
        answer: dict[str, Any] = {"value": page}
        if rest:
            token = f"skip{next(self.numbers)}"
            self.pages[token] = (rest, final)
            answer["@odata.nextLink"] = f"{self.graph_url}{path}?" + urlencode(
                {"$skiptoken": token}
            )
        elif final is not None:
            answer["@odata.deltaLink"] = final
        return 200, answer, {}

    def _view(
        self, mailbox: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if "$skiptoken" in query:
            items, final = self.pages.pop(query["$skiptoken"][0])
            return self._paged(path.removeprefix("/v1.0"), items, final, headers)
        low, high = _instant(query["startDateTime"][0]), _instant(query["endDateTime"][0])
        items = [
            self._shown(e, headers)
            for e in self.events[mailbox].values()
            if not e.get("isCancelled") and _overlaps(e, low, high)
        ]
        return self._paged(path.removeprefix("/v1.0"), items, None, headers)

    def _delta(
        self, mailbox: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        short = path.removeprefix("/v1.0")
        if "$skiptoken" in query:
            token = query["$skiptoken"][0]
            if token not in self.pages:
                return 400, _error("syncStateNotFound", "paging state not found"), {}
            items, final = self.pages.pop(token)
            return self._paged(short, items, final, headers)
        if "$deltatoken" in query:
            epoch, since, low_text, high_text = query["$deltatoken"][0].split("~")
            if int(epoch) != self.token_epoch:
                if self.expiry_status == 410:
                    return 410, _error("resyncRequired", "Resync required."), {}
                return 400, _error("syncStateNotFound", "The sync state was not found."), {}
            items = [
                self._shown(e, headers)
                for e in self.events[mailbox].values()
                if self.changed_at[(mailbox, e["id"])] > int(since)
            ]
            items += [
                {"id": event_id, "@removed": {"reason": "deleted"}}
                for (box, event_id), at in self.deleted.items()
                if box == mailbox and at > int(since)
            ]
            low, high = _instant(low_text), _instant(high_text)
        else:
            low, high = _instant(query["startDateTime"][0]), _instant(query["endDateTime"][0])
            items = [
                self._shown(e, headers)
                for e in self.events[mailbox].values()
                if not e.get("isCancelled") and _overlaps(e, low, high)
            ]
        final_token = "~".join([str(self.token_epoch), str(self.seq), _stamp(low), _stamp(high)])
        final = f"{self.graph_url}{short}?" + urlencode({"$deltatoken": final_token})
        return self._paged(short, items, final, headers)

    def _shown(self, event: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        if not self._utc_wanted(headers) or event.get("isAllDay"):
            return event
        shown = dict(event)
        for which in ("start", "end"):
            try:
                moment = _instant(event[which])
            except (KeyError, ValueError, TypeError):
                continue
            shown[which] = {"dateTime": _graph_time(moment), "timeZone": "UTC"}
        return shown

    def _create(self, mailbox: str, event: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        transaction = event.pop("transactionId", None)
        if transaction is not None:
            existing = self.transactions.get((mailbox, transaction))
            if existing is not None and existing in self.events[mailbox]:
                # What Graph does (calendar-apis.md B.3): 201 again, no second event.
                return 201, {**self.events[mailbox][existing], "transactionId": transaction}, {}
        properties = event.pop("singleValueExtendedProperties", [])
        event_id = f"AAMk{next(self.numbers):08d}="
        stored = {
            **event,
            "id": event_id,
            "isOrganizer": True,
            "type": "singleInstance",
            "responseStatus": {"response": "organizer"},
            "organizer": {"emailAddress": {"address": mailbox}},
        }
        self._store(mailbox, stored, stamp_created=True)
        self.properties[(mailbox, event_id)] = {p["id"]: p["value"] for p in properties}
        if transaction is not None:
            self.transactions[(mailbox, transaction)] = event_id
        return 201, {**stored, "transactionId": transaction}, {}

    def _filter(self, mailbox: str, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        text = query.get("$filter", [""])[0]
        found = re.fullmatch(
            r"singleValueExtendedProperties/Any\(ep: ep/id eq '(.+)' and ep/value eq '(.+)'\)",
            text,
        )
        if found is None:
            return 400, _error("BadRequest", f"this fake cannot filter on {text!r}"), {}
        wanted_id, wanted_value = found.group(1), found.group(2).replace("''", "'")
        matches = [
            {"id": event_id, "categories": self.events[mailbox][event_id].get("categories", [])}
            for (box, event_id), values in self.properties.items()
            if box == mailbox
            and event_id in self.events[mailbox]
            and values.get(wanted_id) == wanted_value
        ]
        return 200, {"value": matches}, {}


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(WINDOWS_TO_OLSON.get(name, name))


def _instant(value: Any) -> datetime:
    if isinstance(value, dict):
        text = str(value["dateTime"])[:19]
        return datetime.fromisoformat(text).replace(tzinfo=_zone(value.get("timeZone", "UTC")))
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _overlaps(event: dict[str, Any], low: datetime, high: datetime) -> bool:
    try:
        return _instant(event["end"]) > low and _instant(event["start"]) < high
    except (ValueError, KeyError, TypeError):  # a broken event is listed; the client must cope
        return True


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
