"""`GoogleSource`: a `CalendarSource` over Google Calendar v3 `events.list`, plus incremental sync.

`fetch(window)` lists the window afresh (the `CalendarSource` contract). `sync(state, window)` is
what a stored cache uses: a full listing of the window the first time (and whenever the window
moves or the sync token has expired: 410), then only the changes since the last `nextSyncToken`.
The caller keeps the cache and the `SyncState`; this module keeps nothing.

Recurring events are expanded by Google (`singleEvents=true`), so every item is one occurrence
with its own id. The service object (googleapiclient `Resource`) is injected; vendor JSON goes
through `mapping` only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.classify import ClassifyOptions
from connectors.google import mapping
from connectors.google.calls import execute
from connectors.google.errors import GoneError
from connectors.google.retry import Retrier
from connectors.incremental import FullKind, IncrementalProvider, Listed
from connectors.model import (
    FetchResult,
    IncrementalSync,
    SkippedEvent,
    TimeWindow,
    overlaps,
)

log = logging.getLogger("connectors.google")

MAX_PAGE_SIZE = 2500
# Google compares all-day events by date in the calendar's own zone; list a day more on each side
# and cut exactly here, so zero-length and all-day events follow the contract's half-open rule.
_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class SyncState:
    """What a caller stores between syncs: the token, and the window of the last full listing."""

    sync_token: str
    window: TimeWindow


SyncResult = IncrementalSync[SyncState]


@dataclass
class _Listing:
    items: list[mapping.Mapped] = field(default_factory=list)
    skipped: list[SkippedEvent] = field(default_factory=list)
    next_sync_token: str | None = None
    requests: int = 0


class GoogleSource(IncrementalProvider[SyncState, Retrier]):
    gone = GoneError

    def __init__(
        self,
        service: Any,
        *,
        zone: ZoneInfo,
        options: ClassifyOptions | None = None,
        calendar_id: str = "primary",
        name: str = "google",
        retrier: Retrier | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        self._service = service
        self._zone = zone
        self._options = options or ClassifyOptions()
        self._calendar_id = calendar_id
        self._name = name
        self._retrier = retrier
        self._page_size = page_size

    @property
    def name(self) -> str:
        return self._name

    @property
    def where(self) -> str:
        return f"Google calendar {self._calendar_id}"

    def fetch(self, window: TimeWindow) -> FetchResult:
        listing = self._list(self._window_params(window), self._retrier or Retrier())
        events = [m.event for m in listing.items if m.event and overlaps(m.event, window)]
        events.sort(key=lambda e: (e.start, e.end, e.id))
        return FetchResult(events=tuple(events), skipped=tuple(listing.skipped))

    # --- the hooks of IncrementalProvider.sync ----------------------------------------------

    def _session(self) -> Retrier:
        return self._retrier or Retrier()

    def _list_changes(self, session: Retrier, state: SyncState) -> Listed:
        listing = self._list({"syncToken": state.sync_token}, session)
        token = listing.next_sync_token or state.sync_token
        return Listed(listing.items, tuple(listing.skipped), token, listing.requests)

    def _forgotten(self, error: Exception) -> None:
        log.info("google %s: sync token expired (410), full resync", self._calendar_id)

    def _list_window(self, session: Retrier, window: TimeWindow, kind: FullKind) -> Listed:
        listing = self._list(self._window_params(window), session)
        if listing.next_sync_token is None:
            raise GoneError(self.where, "Google gave no nextSyncToken on the last page")
        # The listing that found the token expired was one request too.
        requests = listing.requests + (1 if kind == "token_expired" else 0)
        return Listed(listing.items, tuple(listing.skipped), listing.next_sync_token, requests)

    def _state(self, token: str, window: TimeWindow) -> SyncState:
        return SyncState(token, window)

    def _window_params(self, window: TimeWindow) -> dict[str, Any]:
        return {
            "timeMin": (window.start - _MARGIN).isoformat(),
            "timeMax": (window.end + _MARGIN).isoformat(),
        }

    def _lister(self, params: dict[str, Any]) -> Callable[[], Any]:
        return lambda: self._service.events().list(**params)

    def _list(self, extra: dict[str, Any], retrier: Retrier) -> _Listing:
        listing = _Listing()
        page_token: str | None = None
        # The same parameters on every full and incremental listing (Google's sync guide).
        params: dict[str, Any] = {
            "calendarId": self._calendar_id,
            "singleEvents": True,
            "maxResults": self._page_size,
            **extra,
        }
        while True:
            page_params = dict(params, pageToken=page_token) if page_token else params
            before = retrier.retries
            page = execute(retrier, "events.list", self.where, self._lister(page_params))
            listing.requests += 1 + retrier.retries - before
            for item in page.get("items") or []:
                try:
                    listing.items.append(
                        mapping.to_mapped(
                            item, zone=self._zone, options=self._options, source=self._name
                        )
                    )
                except mapping.UnreadableEvent as error:
                    listing.skipped.append(SkippedEvent(where=self.where, reason=str(error)))
                    provider_id = item.get("id") if isinstance(item, dict) else None
                    if isinstance(provider_id, str) and provider_id:
                        listing.items.append(mapping.Mapped(provider_id, None))
            page_token = page.get("nextPageToken")
            if not page_token:
                listing.next_sync_token = page.get("nextSyncToken")
                return listing
