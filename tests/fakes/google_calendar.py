"""A small Google Calendar v3 server on 127.0.0.1 for tests, driven through the real client.

It speaks the part we use: `events.list` (paging, `syncToken` with 410 once expired, cancelled
events in increments, `eventTypes`), `events.insert/get/patch/delete` (409 on a duplicate id,
also for a deleted one; modes that refuse focus time or quietly store a default event instead),
and failures injected per request number. It counts requests.

It is also Google's OAuth server, enough for the real google-auth and google-auth-oauthlib:
- `/auth`, the consent page of the installed-app flow: it "allows" at once and redirects to the
  client's local redirect URI with a code and the state (or with `error=access_denied`);
- `/token`: the authorization code (client secret and PKCE verifier checked), a refresh token
  (`invalid_grant` once revoked), and a service account's signed JWT for domain-wide delegation
  (signature checked with the key's public half, then `sub` and `scope` against the grants an
  administrator made; `unauthorized_client` otherwise, as Google answers). `token_answers`
  queues answers for the next token requests (a 503, an HTML error page, `invalid_client` ...);
- `/revoke`: a token posted to be revoked, kept in `revocations`; the grant ends.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.google_oauth import FakeGoogleOAuth
from tests.fakes.http import FakeHttpServer, Request

__all__ = ["FOCUS_TIME_REFUSAL", "FakeGoogleCalendar"]

# No Google document gives the answer to a focus-time insert on an account without focus time;
# `eventTypeRestriction` is the reason Google gives when an event type forbids an operation.
FOCUS_TIME_REFUSAL = (400, "eventTypeRestriction", "Focus time is not available for this calendar.")


class FakeGoogleCalendar(FakeGoogleOAuth, FakeHttpServer):
    json_type = "application/json; charset=UTF-8"

    def __init__(self, owner: str = "leader@example.org") -> None:
        super().__init__()
        self.owner = owner
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        self.seq = 0
        self.changed_at: dict[tuple[str, str], int] = {}
        self.token_epoch = 0
        self.pages: dict[str, tuple[list[dict[str, Any]], str]] = {}
        self.page_numbers = itertools.count(1)
        self.refuse_focus_time = False
        self.focus_time_refusal: tuple[int, str, str] = FOCUS_TIME_REFUSAL
        self.downgrade_focus_time = False  # accept, but store a default event
        self.revoked = False
        # (status, body) for the next token requests, in order; bytes are sent as they are.
        self.token_answers: list[tuple[int, Any]] = []
        self.rejected_tokens: set[str] = set()
        self.issued_tokens = itertools.count(1)
        # The installed-app flow: the OAuth client, its pending codes, and the leader's answer.
        self.client_id = "client-1.apps.googleusercontent.com"
        self.client_secret = "client-secret-1"
        self.deny_consent = False
        self.codes: dict[str, dict[str, str]] = {}
        # Domain-wide delegation: service account email -> its public key and granted scopes.
        self.domain = owner.split("@")[1]
        self.service_account_keys: dict[str, rsa.RSAPublicKey] = {}
        self.delegated_scopes: dict[str, set[str]] = {}
        self.assertions: list[dict[str, Any]] = []
        self.token_subjects: dict[str, str] = {}
        self.revocations: list[str] = []  # tokens posted to /revoke, in order

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.base_url + "/"

    @property
    def token_uri(self) -> str:
        return self.url + "token"

    @property
    def auth_uri(self) -> str:
        return self.url + "auth"

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

    # --- internals --------------------------------------------------------------------------

    def _store(self, calendar: str, event: dict[str, Any], *, stamp_created: bool = True) -> None:
        self.seq += 1
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        if stamp_created:
            event.setdefault("created", now)
        event["updated"] = now
        self.events.setdefault(calendar, {})[event["id"]] = event
        self.changed_at[(calendar, event["id"])] = self.seq

    def serve(self, request: Request, handler: BaseHTTPRequestHandler) -> None:
        method, path, query, body = request.method, request.path, request.query, request.body
        with self.lock:
            number = self.record(request)
            authorization = request.headers.get("authorization", "")
            failure = self.injected(number, method, path)
            if failure is not None:
                status, reason = failure
                answer = _error(status, reason, f"injected {reason}")
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return self.send(handler, *answer, headers)
            if path == "/token":
                return self.send(handler, *self._token(body, authorization))
            if path == "/revoke" and method == "POST":
                return self.send(handler, *self._revoke(body))
            if path == "/auth":
                status, location = self._consent(query)
                return self.send(
                    handler, status, None, {"Location": location} if location else None
                )
            bearer = authorization.removeprefix("Bearer ")
            if not bearer or bearer in self.rejected_tokens:
                return self.send(handler, *_error(401, "authError", "Invalid Credentials"))
            return self.send(handler, *self._calendar(method, path, query, body))

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
            return _error(*self.focus_time_refusal)
        if event.get("eventType") == "focusTime" and self.downgrade_focus_time:
            event = {k: v for k, v in event.items() if k != "focusTimeProperties"}
            event["eventType"] = "default"
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
    domain = (
        "usageLimits"
        if "Limit" in reason
        else "calendar"
        if reason in {"eventTypeRestriction", "timeRangeEmpty"}
        else "global"
    )
    return status, {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": domain, "reason": reason, "message": message}],
        }
    }
