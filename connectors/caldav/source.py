"""`CalDavSource`: a CalDAV calendar collection as a `CalendarSource` with incremental sync.

`fetch(window)` asks the server for every event resource with an occurrence in the window
(calendar-query with a time range) and reads each through the iCalendar mapping of files and
feeds (`connectors.ics`: recurrence, time zones, the leader's PARTSTAT), so an event reads the
same from a file and from a server.

`sync(state, window)` keeps a cursor (`SyncState`): how the server tells changes and, for each
resource (href), its etag and the ids of the occurrences it gave. How changes are found, in the
order the server allows:
- "sync": `sync-collection` (RFC 6578) with the last token; an unchanged calendar costs one
  request, and a token the server no longer knows means a full listing, reconciled by id;
- "ctag": the collection's getctag (one PROPFIND); when it moved, every member's etag (one
  PROPFIND, depth 1) against the cursor's, and the changed resources fetched (calendar-multiget);
- "etag": neither offered: every member's etag, each sync.
A changed or deleted resource reports the ids its earlier version gave as removed, so a moved
instance of a series never stays behind.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.caldav.client import CalDavClient
from connectors.caldav.dav import Found
from connectors.caldav.errors import SyncTokenGoneError
from connectors.caldav.throttle import Retrier
from connectors.classify import ClassifyOptions
from connectors.errors import CalendarParseError
from connectors.ics.mapping import Reader, address
from connectors.ics.source import load_text, occurrences
from connectors.incremental import FullKind, IncrementalProvider, Listed
from connectors.memory import MemorySource
from connectors.model import CalendarEvent, FetchResult, SkippedEvent, TimeWindow

log = logging.getLogger("connectors.caldav")

# All-day events get their real start only after expansion; ask the server for a day more on
# each side and cut exactly here.
_MARGIN = timedelta(days=1)
# A server that keeps saying "there is more" (RFC 6578 truncation, 507) is asked this often.
MAX_SYNC_PAGES = 50


@dataclass(frozen=True)
class Resource:
    """One member of the collection as the last sync saw it."""

    etag: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncState:
    """The cursor a caller stores between syncs: how changes are found ("sync:<token>",
    "ctag:<ctag>" or "etag:"), the window of the last full listing, and every resource seen."""

    token: str
    window: TimeWindow
    resources: Mapping[str, Resource] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "resources": {h: [r.etag, list(r.ids)] for h, r in sorted(self.resources.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], window: TimeWindow) -> SyncState:
        resources = {
            str(href): Resource(str(etag), tuple(str(i) for i in ids))
            for href, (etag, ids) in dict(data.get("resources") or {}).items()
        }
        return cls(str(data["token"]), window, resources)


@dataclass(frozen=True)
class _Item:
    provider_id: str
    event: CalendarEvent | None


@dataclass
class _Session:
    retrier: Retrier
    started_at: int  # the client's request count when the sync began
    resources: dict[str, Resource] = field(default_factory=dict)


class CalDavSource(IncrementalProvider[SyncState, _Session]):
    gone = SyncTokenGoneError

    def __init__(
        self,
        client: CalDavClient,
        *,
        zone: ZoneInfo,
        me: Iterable[str] = (),
        options: ClassifyOptions | None = None,
        name: str = "caldav",
        retrier: Retrier | None = None,
        max_occurrences: int = 20_000,
    ) -> None:
        self._client = client
        self._zone = zone
        self._name = name
        self._retrier = retrier
        self._max_occurrences = max_occurrences
        self._reader = Reader(
            zone=zone,
            me=frozenset(filter(None, (address(m) for m in me))),
            options=options or ClassifyOptions(),
            source=name,
        )
        self._current: _Session | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def where(self) -> str:
        return self._client.where

    def fetch(self, window: TimeWindow) -> FetchResult:
        retrier = self._retrier or Retrier()
        self._client.calendar(retrier)  # a clear error when the address is no calendar
        found = self._client.query(retrier, window.start - _MARGIN, window.end + _MARGIN)
        events: list[CalendarEvent] = []
        skipped: list[SkippedEvent] = []
        for result in found:
            read, problems = self._read(result, window)
            events.extend(read)
            skipped.extend(problems)
        kept = MemorySource(_unique(events), name=self.name).fetch(window)
        return FetchResult(events=kept.events, skipped=tuple(skipped))

    # --- the hooks of IncrementalProvider.sync ----------------------------------------------

    def _session(self) -> _Session:
        self._current = _Session(self._retrier or Retrier(), self._client.requests)
        return self._current

    def _state(self, token: str, window: TimeWindow) -> SyncState:
        resources = self._current.resources if self._current is not None else {}
        return SyncState(token, window, dict(resources))

    def _forgotten(self, error: Exception) -> None:
        log.info("caldav %s: the sync token is no longer known, full resync", self.where)

    def _list_window(self, session: _Session, window: TimeWindow, kind: FullKind) -> Listed:
        collection = self._client.calendar(session.retrier)
        if collection.sync_token:
            token = f"sync:{collection.sync_token}"
        elif collection.ctag:
            token = f"ctag:{collection.ctag}"
        else:
            token = "etag:"
        found = self._client.query(session.retrier, window.start - _MARGIN, window.end + _MARGIN)
        if not token.startswith("sync:"):
            # Without sync-collection, changes are found by etag: every member is remembered,
            # also those with no occurrence in the window, so they are not fetched again.
            etags = self._client.etags(session.retrier)
            session.resources.update({h: Resource(e) for h, e in etags.items()})
        items: list[_Item] = []
        skipped: list[SkippedEvent] = []
        for result in found:
            events, problems = self._read(result, window)
            session.resources[result.href] = Resource(
                result.etag or "", tuple(e.id for e in events)
            )
            items.extend(_Item(e.id, e) for e in events)
            skipped.extend(problems)
        return Listed(items, tuple(skipped), token, self._client.requests - session.started_at)

    def _list_changes(self, session: _Session, state: SyncState) -> Listed:
        session.resources.update(state.resources)
        mode, _, value = state.token.partition(":")
        if mode == "sync":
            token, changed, deleted = self._sync_collection(session, value)
        else:
            token, changed, deleted = self._by_etag(session, state, mode, value)
        items: list[_Item] = []
        skipped: list[SkippedEvent] = []
        for href in deleted:
            gone = session.resources.pop(href, None)
            items.extend(_Item(i, None) for i in (gone.ids if gone else ()))
        missing = [r.href for r in changed if r.calendar_data is None]
        fetched = {r.href: r for r in self._client.multiget(session.retrier, missing)}
        for result in changed:
            result = fetched.get(result.href, result)
            if result.status == 404 or result.calendar_data is None:
                gone = session.resources.pop(result.href, None)
                items.extend(_Item(i, None) for i in (gone.ids if gone else ()))
                continue
            events, problems = self._read(result, state.window)
            before = session.resources.get(result.href)
            now_ids = {e.id for e in events}
            items.extend(_Item(i, None) for i in (before.ids if before else ()) if i not in now_ids)
            items.extend(_Item(e.id, e) for e in events)
            skipped.extend(problems)
            session.resources[result.href] = Resource(
                result.etag or "", tuple(e.id for e in events)
            )
        return Listed(items, tuple(skipped), token, self._client.requests - session.started_at)

    # --- finding changes --------------------------------------------------------------------

    def _sync_collection(self, session: _Session, token: str) -> tuple[str, list[Found], list[str]]:
        changed: dict[str, Found] = {}
        deleted: list[str] = []
        for _ in range(MAX_SYNC_PAGES):
            answer = self._client.changes(session.retrier, token)
            changed.update((r.href, r) for r in answer.changed)
            deleted.extend(answer.deleted)
            token = answer.sync_token or token
            if not answer.truncated:
                break
        for href in deleted:
            changed.pop(href, None)
        return f"sync:{token}", list(changed.values()), deleted

    def _by_etag(
        self, session: _Session, state: SyncState, mode: str, ctag: str
    ) -> tuple[str, list[Found], list[str]]:
        if mode == "ctag":
            collection = self._client.collection(session.retrier)
            if collection.ctag == ctag:
                return state.token, [], []
            token = f"ctag:{collection.ctag or ''}" if collection.ctag else "etag:"
        else:
            token = "etag:"
        etags = self._client.etags(session.retrier)
        known = state.resources
        changed = [
            Found(href=href, etag=etag)
            for href, etag in etags.items()
            if href not in known or known[href].etag != etag or not etag
        ]
        deleted = [href for href in known if href not in etags]
        return token, changed, deleted

    # --- reading one resource ---------------------------------------------------------------

    def _read(
        self, result: Found, window: TimeWindow
    ) -> tuple[list[CalendarEvent], list[SkippedEvent]]:
        """The occurrences of one resource (its iCalendar text) around the window."""
        # Named by a hash of its href: a resource's name often is its UID, an email address.
        where = f"{self.where}, resource {hashlib.sha256(result.href.encode()).hexdigest()[:8]}"
        try:
            loaded = load_text(result.calendar_data or "", where, where, self._zone)
        except CalendarParseError as error:
            return [], [SkippedEvent(where, error.problem)]
        events, skipped = occurrences(loaded, window, self._reader, self._max_occurrences)
        return events, [*loaded.skipped, *skipped]


def _unique(events: Iterable[CalendarEvent]) -> list[CalendarEvent]:
    """One event per id (a UID stored twice, by two clients, counts once)."""
    return list({e.id: e for e in events}.values())
