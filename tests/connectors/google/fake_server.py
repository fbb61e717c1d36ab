"""A small Google Calendar v3 server on 127.0.0.1 for tests, driven through the real client.

It speaks the part we use: `events.list` (paging, `syncToken` with 410 once expired, cancelled
events in increments, `eventTypes`), `events.insert/get/patch/delete` (409 on a duplicate id,
also for a deleted one; a mode that refuses focus time), the OAuth token endpoint (refresh, and
`invalid_grant` once revoked), and failures injected per request number. It counts requests.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# (status, reason) to answer instead of the real thing, or None; given the request number (1..).
Failure = Callable[[int, str, str], tuple[int, str] | None]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str


class FakeGoogleCalendar:
    def __init__(self, owner: str = "leader@example.org") -> None:
        self.owner = owner
        self.lock = threading.RLock()
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        self.seq = 0
        self.changed_at: dict[tuple[str, str], int] = {}
        self.token_epoch = 0
        self.pages: dict[str, tuple[list[dict[str, Any]], str]] = {}
        self.page_numbers = itertools.count(1)
        self.requests: list[Seen] = []
        self.failure: Failure | None = None
        self.retry_after: str | None = None
        self.refuse_focus_time = False
        self.revoked = False
        self.rejected_tokens: set[str] = set()
        self.issued_tokens = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def token_uri(self) -> str:
        return self.url + "token"

    def start(self) -> FakeGoogleCalendar:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests do to the calendar ----------------------------------------------------

    def put(self, event: dict[str, Any], calendar: str = "primary") -> str:
        """Add or replace an event as another client (the leader, a colleague) would."""
        with self.lock:
            stored = {"status": "confirmed", "kind": "calendar#event", **event}
            self._store(calendar, stored, stamp_created=False)
            return str(stored["id"])

    def change(self, event_id: str, calendar: str = "primary", **fields: Any) -> None:
        with self.lock:
            stored = dict(self.events[calendar][event_id], **fields)
            self._store(calendar, stored)

    def cancel(self, event_id: str, calendar: str = "primary") -> None:
        self.change(event_id, calendar, status="cancelled")

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.token_epoch += 1

    def live(self, calendar: str = "primary") -> dict[str, dict[str, Any]]:
        with self.lock:
            return {
                k: v for k, v in self.events.get(calendar, {}).items() if v["status"] != "cancelled"
            }

    def count(self, method: str | None = None, path_part: str = "") -> int:
        with self.lock:
            return sum(
                1
                for seen in self.requests
                if (method is None or seen.method == method) and path_part in seen.path
            )

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()

    @contextmanager
    def failing(self, failure: Failure) -> Iterator[None]:
        self.failure = failure
        try:
            yield
        finally:
            self.failure = None

    # --- internals --------------------------------------------------------------------------

    def _store(self, calendar: str, event: dict[str, Any], *, stamp_created: bool = True) -> None:
        self.seq += 1
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        if stamp_created:
            event.setdefault("created", now)
        event["updated"] = now
        self.events.setdefault(calendar, {})[event["id"]] = event
        self.changed_at[(calendar, event["id"])] = self.seq

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def do_PATCH(self) -> None:
                fake._serve(self, "PATCH")

            def do_DELETE(self) -> None:
                fake._serve(self, "DELETE")

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = parts.path
        with self.lock:
            seen = Seen(method, path, query, handler.headers.get("Authorization", ""))
            self.requests.append(seen)
            number = len(self.requests)
            failure = self.failure(number, method, path) if self.failure else None
            if failure is not None:
                status, reason = failure
                answer = _error(status, reason, f"injected {reason}")
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return _send(handler, *answer, headers)
            if path == "/token":
                return _send(handler, *self._token(body))
            bearer = seen.authorization.removeprefix("Bearer ")
            if not bearer or bearer in self.rejected_tokens:
                return _send(handler, *_error(401, "authError", "Invalid Credentials"))
            return _send(handler, *self._calendar(method, path, query, body))

    def _token(self, body: bytes) -> tuple[int, Any]:
        form = parse_qs(body.decode())
        if self.revoked or form.get("grant_type") != ["refresh_token"]:
            return 400, {"error": "invalid_grant", "error_description": "Token has been revoked."}
        return 200, {
            "access_token": f"fresh-{next(self.issued_tokens)}",
            "expires_in": 3600,
            "token_type": "Bearer",
        }

    def _calendar(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, Any]:
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if segments[:1] == ["calendar"]:  # tolerate the full service path too
            segments = segments[2:]
        if len(segments) < 3 or segments[0] != "calendars" or segments[2] != "events":
            return _error(404, "notFound", "Not Found")
        calendar = segments[1]
        if calendar != "primary":
            return _error(404, "notFound", "Not Found")
        if len(segments) == 3 and method == "GET":
            return self._list(calendar, query)
        if len(segments) == 3 and method == "POST":
            return self._insert(calendar, json.loads(body or b"{}"))
        if len(segments) != 4:
            return _error(404, "notFound", "Not Found")
        event = self.events.get(calendar, {}).get(segments[3])
        if event is None:
            return _error(404, "notFound", "Not Found")
        if method == "GET":
            return 200, event
        if method == "PATCH":
            self._store(calendar, {**event, **json.loads(body or b"{}")})
            return 200, self.events[calendar][segments[3]]
        if method == "DELETE":
            if event["status"] == "cancelled":
                return _error(410, "deleted", "Resource has been deleted")
            self._store(calendar, {**event, "status": "cancelled"})
            return 204, None
        return _error(405, "methodNotAllowed", "Method not allowed")

    def _insert(self, calendar: str, event: dict[str, Any]) -> tuple[int, Any]:
        event_id = event.get("id") or f"gen{self.seq + 1:08d}"
        if event_id in self.events.get(calendar, {}):
            return _error(409, "duplicate", "The requested identifier already exists.")
        if event.get("eventType") == "focusTime" and self.refuse_focus_time:
            return _error(400, "invalid", "Focus time is not available for this calendar.")
        stored = {
            **event,
            "id": event_id,
            "status": "confirmed",
            "organizer": {"email": self.owner, "self": True},
        }
        self._store(calendar, stored)
        return 200, stored

    def _list(self, calendar: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        size = min(int(query.get("maxResults", ["250"])[0]), 2500)
        if "pageToken" in query:
            remaining, sync_token = self.pages.pop(query["pageToken"][0])
        else:
            remaining, sync_token = self._select(calendar, query)
            if isinstance(remaining, int):
                return remaining, sync_token
        page, rest = remaining[:size], remaining[size:]
        answer: dict[str, Any] = {"kind": "calendar#events", "items": page}
        if rest:
            token = f"page{next(self.page_numbers)}"
            self.pages[token] = (rest, sync_token)
            answer["nextPageToken"] = token
        else:
            answer["nextSyncToken"] = sync_token
        return 200, answer

    def _select(self, calendar: str, query: dict[str, list[str]]) -> tuple[Any, Any]:
        if query.get("singleEvents") != ["true"]:
            return 400, _error(400, "invalid", "this fake expands series only")[1]
        events = list(self.events.get(calendar, {}).values())
        types = set(query.get("eventTypes", []))
        if types:
            events = [e for e in events if e.get("eventType", "default") in types]
        sync_token = f"sync{self.token_epoch}-{self.seq}"
        if "syncToken" in query:
            if any(p in query for p in ("timeMin", "timeMax", "orderBy", "updatedMin")):
                return 400, _error(400, "invalid", "syncToken with a time filter")[1]
            epoch, since = (int(n) for n in query["syncToken"][0].removeprefix("sync").split("-"))
            if epoch != self.token_epoch:
                return 410, _error(410, "fullSyncRequired", "Sync token is no longer valid")[1]
            changed = [e for e in events if self.changed_at[(calendar, e["id"])] > since]
            return [_as_listed(e) for e in changed], sync_token
        low = _instant(query["timeMin"][0]) if "timeMin" in query else None
        high = _instant(query["timeMax"][0]) if "timeMax" in query else None
        kept = [e for e in events if e["status"] != "cancelled" and _overlaps(e, low, high)]
        return kept, sync_token


def _overlaps(event: dict[str, Any], low: datetime | None, high: datetime | None) -> bool:
    try:
        return (low is None or _instant(event["end"]) > low) and (
            high is None or _instant(event["start"]) < high
        )
    except (ValueError, KeyError):  # a broken event is listed; the client must cope
        return True


def _as_listed(event: dict[str, Any]) -> dict[str, Any]:
    if event["status"] == "cancelled":  # deleted events are only guaranteed their id
        return {"kind": "calendar#event", "id": event["id"], "status": "cancelled"}
    return event


def _instant(value: Any) -> datetime:
    if isinstance(value, dict):
        if "dateTime" in value:
            return datetime.fromisoformat(value["dateTime"])
        day = date.fromisoformat(value["date"])
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _error(status: int, reason: str, message: str) -> tuple[int, Any]:
    domain = "usageLimits" if "Limit" in reason else "global"
    return status, {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": domain, "reason": reason, "message": message}],
        }
    }


def _send(
    handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=UTF-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
