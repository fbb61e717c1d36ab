"""An iCalendar feed (or file) as a calendar account: synced into the event cache, read only.

The connection keeps the feed's address encrypted (a published calendar's address is its
password) and, in `connections.sync_state`, the validators of the last answer (ETag,
Last-Modified, or a file's stamp), the window the cache covers, counters of what each sync cost,
and since when the feed fails. A sync asks the feed conditionally: `304 Not Modified` (or the
same file stamp) costs one request and no parse; a changed feed is parsed once and its events in
the window replace the cache, like the other providers' full listings (an empty answer for a
calendar with history is flagged, not applied). Once a week the window moves, and the feed is
read in full. A feed whose address answers 401, 403, 404 or 410 no longer publishes there: the
connection needs a new address (re-authorisation). Accepted blocks reach an iCalendar leader as
an `.ics` to import; nothing is written to the feed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from assistant.accounts.cache import SyncOutcome, apply_sync_result, state_moment
from assistant.accounts.classification import classify_options, fingerprint
from assistant.accounts.sync import NEEDS_REAUTHORISATION, sync_window
from assistant.i18n.operator import tr
from assistant.settings import feed_allowed_hosts
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.base import DEFAULT_TIMEZONE
from assistant.store.repositories.connections import (
    connection_with_leader,
    load_connection_token,
    save_connection_token,
    upsert_connection,
)
from assistant.store.repositories.leaders import find_leader, upsert_leader
from assistant.store.repositories.rules import leader_rules
from connectors import ClassifyOptions, ConnectorError, SkippedEvent
from connectors.ics import IcsSource
from connectors.ics.conditional import GONE_STATUSES, Validators, fetch_if_changed
from connectors.ics.fetch import MEGABYTE, FeedError, Limits, Location
from connectors.model import Block, CalendarEvent

if TYPE_CHECKING:
    import httpx

    from rules.model import FocusTime

PROVIDER = "ics"
NAME = "iCalendar feed"
LIMITS = Limits(max_bytes=50 * MEGABYTE, timeout_seconds=15.0)

# What the command line and `status` say (one place, to be worded with the other messages).
FAILING_SINCE = "has failed since {since:%Y-%m-%d %H:%M} UTC ({problem})"
GONE = (
    "{where} answers HTTP {status}: the calendar is no longer published at this address; "
    "connect the new one with `agenda-regie connect ics URL --leader {address}`"
)
UNCHANGED = "feed unchanged ({how}), not parsed"
# `status`'s line for a feed, in the operator's language (a catalogue msgid).
DESCRIBE = "feed checks %(checks)s: unchanged %(unchanged)s (not parsed), parsed %(parses)s"
READ_ONLY = "an iCalendar feed is read only: accepted blocks reach the leader as an .ics file"


@dataclass(frozen=True)
class FeedState:
    """What `connections.sync_state` holds for an iCalendar connection (JSON)."""

    validators: Validators = field(default_factory=Validators)
    window_start: datetime | None = None
    window_end: datetime | None = None
    checks: int = 0  # conditional requests (or file stamps compared)
    unchanged: int = 0  # answered 304 (or the same stamp): not parsed
    parses: int = 0
    failing_since: datetime | None = None

    @classmethod
    def loads(cls, text: str | None) -> FeedState:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            validators=Validators(
                etag=data.get("etag"),
                last_modified=data.get("last_modified"),
                file_stamp=data.get("file_stamp"),
            ),
            window_start=state_moment(data.get("window_start")),
            window_end=state_moment(data.get("window_end")),
            checks=int(data.get("checks", 0)),
            unchanged=int(data.get("unchanged", 0)),
            parses=int(data.get("parses", 0)),
            failing_since=state_moment(data.get("failing_since")),
        )

    def dumps(self) -> str:
        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return json.dumps(
            {
                "etag": self.validators.etag,
                "last_modified": self.validators.last_modified,
                "file_stamp": self.validators.file_stamp,
                "window_start": moment(self.window_start),
                "window_end": moment(self.window_end),
                "checks": self.checks,
                "unchanged": self.unchanged,
                "parses": self.parses,
                "failing_since": moment(self.failing_since),
            },
            sort_keys=True,
        )


def describe(sync_state: str | None) -> str:
    """What the feed's syncs cost, for `status`."""
    state = FeedState.loads(sync_state)
    return tr(DESCRIBE, checks=state.checks, unchanged=state.unchanged, parses=state.parses)


def feed_location(text: str) -> str:
    """The feed's URL as given (webcal:// read as https://), or a file's absolute path;
    `CalendarFetchError` naming it when it is neither."""
    location = Location.of(text)
    if location.url is not None:
        return text.strip()
    path = Path(text).expanduser().resolve()
    if not path.is_file():
        from connectors.errors import CalendarFetchError

        raise CalendarFetchError(str(path), "is not a readable file, nor an http(s) feed URL")
    return str(path)


def connect_ics(
    engine: Engine,
    leader_email: str,
    location: str,
    cipher: SecretBox,
    *,
    now: datetime,
    timezone: str | None = None,
    http_client: httpx.Client | None = None,
) -> tuple[int, int]:
    """Read the feed once (it must be a calendar), then store its address encrypted as the
    leader's connection; (connection id, events in the sync window). Nothing is stored when it
    cannot be read."""
    where = feed_location(location)
    address = leader_email.strip().lower()
    if timezone is None:
        with session_scope(engine) as session:
            known = find_leader(session, address)
            timezone = known.timezone if known is not None else DEFAULT_TIMEZONE
    zone = ZoneInfo(timezone)
    source = IcsSource(
        where,
        zone=zone,
        me=[address],
        http_client=http_client,
        allowed_hosts=feed_allowed_hosts(),
    )
    found = source.fetch(sync_window(now, zone))  # raises the fetch or parse error, storing nothing
    with session_scope(engine) as session:
        leader = upsert_leader(session, address, timezone=timezone, now=now)
        connection = upsert_connection(session, leader, PROVIDER, Location.of(where).where)
        save_connection_token(session, connection, where.encode(), cipher)
        connection.sync_state = FeedState().dumps()
        connection.status = "ok"
        connection.last_error = None
        return connection.id, len(found.events)


@dataclass(frozen=True)
class _Listing:
    """A feed's events in the window as a full listing (`cache.SyncResultLike`)."""

    kept: tuple[CalendarEvent, ...]
    skipped: tuple[SkippedEvent, ...]
    requests: int
    kind: str = "full"
    removed: tuple[str, ...] = ()
    full: bool = True


@dataclass(frozen=True)
class IcsAccount:
    """iCalendar feeds and files as a `CalendarAccount` (assistant.accounts.registry)."""

    http_client: Any = None  # an httpx.Client (tests); None: one per sync
    limits: Limits = LIMITS
    provider: str = PROVIDER

    def sync(
        self,
        engine: Engine,
        connection_id: int,
        *,
        cipher: SecretBox,
        now: datetime,
        options: ClassifyOptions | None = None,
    ) -> SyncOutcome:
        with session_scope(engine) as session:
            connection, leader = connection_with_leader(session, connection_id, PROVIDER)
            address, zone = leader.email, ZoneInfo(leader.timezone)
            token = load_connection_token(connection, cipher)
            if connection.status == NEEDS_REAUTHORISATION:
                return SyncOutcome(connection_id, address, "skipped", connection.last_error or "")
            state = FeedState.loads(connection.sync_state)
            if options is None:
                options = classify_options(leader_rules(session, leader), cipher.people_key)
            classified_with = fingerprint(options)
            reclassify = connection.classified_with != classified_with
        if token is None:
            problem = f"no feed address is stored; connect it again ({address})"
            return self._gone(engine, connection_id, address, problem)
        where = token.decode()
        window = sync_window(now, zone)
        # The window moves once a week: then the feed is read in full, to expand the new weeks.
        moved = (state.window_start, state.window_end) != (window.start, window.end)
        # So is it when the classification options changed: each event is classified anew.
        known = Validators() if moved or reclassify else state.validators
        checked = replace(state, checks=state.checks + 1)
        try:
            limits = replace(
                self.limits, allowed_hosts=self.limits.allowed_hosts | feed_allowed_hosts()
            )
            fetched = fetch_if_changed(Location.of(where), known, limits, self.http_client)
            if not fetched.changed:
                return self._unchanged(engine, connection_id, address, checked, fetched, now)
            source = IcsSource(
                where,
                zone=zone,
                me=[address],
                classify=options,
                text=fetched.text,
            )
            found = source.fetch(window)
        except FeedError as error:
            if error.status in GONE_STATUSES:
                problem = GONE.format(where=error.where, status=error.status, address=address)
                return self._gone(engine, connection_id, address, problem)
            raise self._failing(engine, connection_id, checked, error, now) from None
        except ConnectorError as error:
            raise self._failing(engine, connection_id, checked, error, now) from None
        listing = _Listing(found.events, found.skipped, fetched.requests)
        synced = replace(
            checked,
            validators=fetched.validators,
            window_start=window.start,
            window_end=window.end,
            parses=checked.parses + 1,
            failing_since=None,
        )
        with session_scope(engine) as session:
            connection, _ = connection_with_leader(session, connection_id, PROVIDER)
            outcome = apply_sync_result(
                session,
                connection,
                listing,
                provider=NAME,
                address=address,
                # Flagged (an empty answer for a calendar with history): read in full next time.
                flagged_state=replace(synced, validators=Validators()).dumps(),
                synced_state=synced.dumps(),
                now=now,
                waited_seconds=0.0,
            )
            if outcome.status == "synced":
                connection.classified_with = classified_with
            return outcome

    def _unchanged(
        self,
        engine: Engine,
        connection_id: int,
        address: str,
        state: FeedState,
        fetched: Any,
        now: datetime,
    ) -> SyncOutcome:
        how = "HTTP 304" if fetched.requests else "same file"
        with session_scope(engine) as session:
            connection, _ = connection_with_leader(session, connection_id, PROVIDER)
            connection.sync_state = replace(
                state, unchanged=state.unchanged + 1, failing_since=None
            ).dumps()
            connection.last_sync_at = now
            connection.last_error = None
        message = UNCHANGED.format(how=how)
        return SyncOutcome(
            connection_id, address, "synced", message, kind="unchanged", requests=fetched.requests
        )

    def _failing(
        self,
        engine: Engine,
        connection_id: int,
        state: FeedState,
        error: ConnectorError,
        now: datetime,
    ) -> ConnectorError:
        """Remember since when the feed fails; the error to raise says so (and is what `status`
        and the failure record show once the retries are spent)."""
        since = state.failing_since or now
        problem = FAILING_SINCE.format(since=since.astimezone(UTC), problem=error.problem)
        failing = FeedError(error.where, problem, status=getattr(error, "status", None))
        with session_scope(engine) as session:
            connection, _ = connection_with_leader(session, connection_id, PROVIDER)
            connection.sync_state = replace(state, failing_since=since).dumps()
            connection.last_error = str(failing)
        return failing

    def _gone(self, engine: Engine, connection_id: int, address: str, problem: str) -> SyncOutcome:
        with session_scope(engine) as session:
            connection, _ = connection_with_leader(session, connection_id, PROVIDER)
            connection.status = NEEDS_REAUTHORISATION
            connection.last_error = problem
        return SyncOutcome(connection_id, address, "needs_reauthorisation", problem)

    def write(
        self,
        engine: Engine,
        connection_id: int,
        block: Block,
        *,
        cipher: SecretBox,
        focus_time: FocusTime,
    ) -> str:
        from assistant.accounts.registry import AccountNotSetUpError

        raise AccountNotSetUpError(READ_ONLY)

    def withdraw(
        self, engine: Engine, connection_id: int, key: str, generation: int, *, cipher: SecretBox
    ) -> bool:
        from assistant.accounts.registry import AccountNotSetUpError

        raise AccountNotSetUpError(READ_ONLY)
