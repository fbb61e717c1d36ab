"""`MicrosoftSource`: a `CalendarSource` over Graph `calendarView`, plus delta sync.

`fetch(window)` lists the window afresh (the `CalendarSource` contract), in slices fetched side
by side (never more than 4 requests in flight per mailbox: `GraphClient`'s limiter). `sync(state,
window)` is what a stored cache uses: `calendarView/delta` over the window, following
`@odata.nextLink` to the `@odata.deltaLink`, which the caller keeps; later rounds GET that link
verbatim and return only changes. A full listing happens the first time, whenever the window
moves (a delta token is bound to its window), and when Graph no longer knows the token
(`syncStateNotFound`, 410): the caller then reconciles by id. The caller keeps the cache and the
`SyncState`; this module keeps nothing.

A leader's own calendar, or another one's for an assistant with delegate rights or an app with
application permissions, is read at `/users/{mailbox}/...`; without a mailbox, at `/me/...`.
Vendor JSON goes through `mapping` only.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from connectors.classify import ClassifyOptions
from connectors.incremental import FullKind, IncrementalProvider, Listed
from connectors.microsoft import mapping
from connectors.microsoft.errors import GraphError, SyncStateGoneError
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.throttle import Retrier
from connectors.model import (
    CalendarEvent,
    FetchResult,
    IncrementalSync,
    SkippedEvent,
    TimeWindow,
    overlaps,
)

log = logging.getLogger("connectors.microsoft")

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 500
# All-day events are dates: list a day more on each side and cut exactly here, so zero-length and
# all-day events follow the contract's half-open rule.
_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class SyncState:
    """What a caller stores between syncs: the delta link, and the window it was made for."""

    delta_link: str
    window: TimeWindow


SyncResult = IncrementalSync[SyncState]


@dataclass
class _Listing:
    items: dict[str, mapping.Mapped] = field(default_factory=dict)  # last one of an id wins
    skipped: list[SkippedEvent] = field(default_factory=list)
    delta_link: str | None = None


class MicrosoftSource(IncrementalProvider[SyncState, tuple[Retrier, int]]):
    gone = SyncStateGoneError

    def __init__(
        self,
        client: GraphClient,
        *,
        zone: ZoneInfo,
        mailbox: str | None = None,
        options: ClassifyOptions | None = None,
        name: str = "microsoft",
        retrier: Retrier | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        slice_days: int = 28,
        parallel: int = 4,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
        if slice_days < 1 or parallel < 1:
            raise ValueError("slice_days and parallel must be at least 1")
        self._client = client
        self._zone = zone
        self._mailbox = mailbox.strip().lower() if mailbox else None
        self._options = options or ClassifyOptions()
        self._name = name
        self._retrier = retrier
        self._page_size = page_size
        self._slice = timedelta(days=slice_days)
        self._parallel = parallel

    @property
    def name(self) -> str:
        return self._name

    @property
    def where(self) -> str:
        return f"Microsoft 365 calendar of {self._mailbox or 'the signed-in user'}"

    def fetch(self, window: TimeWindow) -> FetchResult:
        retrier = self._retrier or Retrier()
        low, high = window.start - _MARGIN, window.end + _MARGIN
        slices: list[tuple[datetime, datetime]] = []
        while low < high:
            slices.append((low, min(low + self._slice, high)))
            low += self._slice
        path = self._root() + "/calendar/calendarView"
        with ThreadPoolExecutor(max_workers=min(self._parallel, len(slices))) as pool:
            listings = list(
                pool.map(
                    lambda span: self._pages(
                        self._client.url(path), retrier, _window_params(*span)
                    ),
                    slices,
                )
            )
        events: dict[str, CalendarEvent] = {}
        skipped: list[SkippedEvent] = []
        for listing in listings:  # an event spanning two slices comes twice: once is kept
            skipped += listing.skipped
            for mapped in listing.items.values():
                if mapped.event is not None and overlaps(mapped.event, window):
                    events[mapped.provider_id] = mapped.event
        ordered = sorted(events.values(), key=lambda e: (e.start, e.end, e.id))
        return FetchResult(events=tuple(ordered), skipped=tuple(skipped))

    # --- the hooks of IncrementalProvider.sync ----------------------------------------------

    def _state(self, token: str, window: TimeWindow) -> SyncState:
        return SyncState(token, window)

    def _session(self) -> tuple[Retrier, int]:
        """The retrier, and the client's request count when the sync began."""
        return self._retrier or Retrier(), self._client.requests

    def _forgotten(self, error: Exception) -> None:
        log.info("graph %s: delta token no longer valid (%s), full resync", self.where, error)

    def _list_changes(self, session: tuple[Retrier, int], state: SyncState) -> Listed:
        retrier, before = session
        listing = self._pages(state.delta_link, retrier, None)
        link = listing.delta_link or state.delta_link
        requests = self._client.requests - before
        return Listed(listing.items.values(), tuple(listing.skipped), link, requests)

    def _list_window(
        self, session: tuple[Retrier, int], window: TimeWindow, kind: FullKind
    ) -> Listed:
        retrier, before = session
        url = self._client.url(self._root() + "/calendarView/delta")
        params = _window_params(window.start - _MARGIN, window.end + _MARGIN)
        try:
            listing = self._pages(url, retrier, params)
        except SyncStateGoneError:  # a paging token expired mid-round: once more from the start
            log.info("graph %s: paging token expired during a full listing, restarting", self.where)
            listing = self._pages(url, retrier, params)
        if listing.delta_link is None:
            raise GraphError(self.where, "Graph gave no @odata.deltaLink on the last page")
        requests = self._client.requests - before
        return Listed(listing.items.values(), tuple(listing.skipped), listing.delta_link, requests)

    def _root(self) -> str:
        return f"users/{quote(self._mailbox, safe='@')}" if self._mailbox else "me"

    def _pages(self, url: str, retrier: Retrier, params: dict[str, str] | None) -> _Listing:
        listing = _Listing()
        prefer = (f"odata.maxpagesize={self._page_size}", 'outlook.timezone="UTC"')
        next_url: str | None = url
        while next_url is not None:
            _, page = self._client.request(
                "GET",
                next_url,
                mailbox=self._mailbox or "me",
                retrier=retrier,
                what="calendarView",
                where=self.where,
                params=params,
                prefer=prefer,
            )
            params = None  # the links carry every parameter of the first request
            for item in (page or {}).get("value") or []:
                self._add(listing, item)
            next_url = (page or {}).get("@odata.nextLink")
            if next_url is None:
                listing.delta_link = (page or {}).get("@odata.deltaLink")
        return listing

    def _add(self, listing: _Listing, item: Any) -> None:
        try:
            mapped = mapping.to_mapped(
                item,
                zone=self._zone,
                options=self._options,
                source=self._name,
                mailbox=self._mailbox,
            )
        except mapping.UnreadableEvent as error:
            listing.skipped.append(SkippedEvent(where=self.where, reason=str(error)))
            provider_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(provider_id, str) and provider_id:
                listing.items[provider_id] = mapping.Mapped(provider_id, None)
            return
        listing.items.pop(mapped.provider_id, None)  # keep the order of the last appearance
        listing.items[mapped.provider_id] = mapped


def _window_params(start: datetime, end: datetime) -> dict[str, str]:
    return {"startDateTime": _utc(start), "endDateTime": _utc(end)}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
