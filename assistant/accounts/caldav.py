"""CalDAV calendars (Nextcloud, iCloud, Fastmail ...) as a calendar account: the adapter for
`assistant.accounts.sync` (a shell).

A connection stores the account's user name and app password encrypted (the connection's
token, `SecretBox` like every token), and in its state the calendar's address and the
connector's sync cursor. A password the server refuses flags the connection once, with what to
do. Every request waits for a slot of the server's in-flight limit (`ServerSlots`: this
process's own, or the workers' shared one).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.accounts.cache import state_moment
from assistant.accounts.sync import SyncedAccount, with_use
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.connections import save_connection_token, upsert_connection
from assistant.store.repositories.leaders import upsert_leader
from connectors import ClassifyOptions, TimeWindow
from connectors.backoff import RetryPolicy
from connectors.caldav import (
    CalDavClient,
    CalDavSource,
    CalDavWriter,
    Collection,
    Retrier,
    ServerSlots,
)
from connectors.caldav.errors import NeedsReauthorisationError
from connectors.caldav.source import SyncState
from connectors.model import Block
from rules.model import FocusTime

PROVIDER = "caldav"


@dataclass(frozen=True)
class Credentials:
    """What the connection's encrypted token holds: the user name and the (app) password."""

    username: str
    password: str

    def to_bytes(self) -> bytes:
        return json.dumps({"username": self.username, "password": self.password}).encode()

    @classmethod
    def from_bytes(cls, token: bytes) -> Credentials:
        data = json.loads(token)
        return cls(str(data["username"]), str(data["password"]))


@dataclass(frozen=True)
class ConnectionState:
    """What `connections.sync_state` holds for a CalDAV connection (JSON)."""

    calendar_url: str
    cursor: dict[str, Any] | None = None  # the connector's `SyncState`, as JSON
    window_start: datetime | None = None
    window_end: datetime | None = None

    @classmethod
    def loads(cls, text: str | None) -> ConnectionState:
        data = json.loads(text) if text else {}
        return cls(
            calendar_url=data.get("calendar_url", ""),
            cursor=data.get("cursor"),
            window_start=state_moment(data.get("window_start")),
            window_end=state_moment(data.get("window_end")),
        )

    def dumps(self) -> str:
        start, end = self.window_start, self.window_end
        return json.dumps(
            {
                "calendar_url": self.calendar_url,
                "cursor": self.cursor,
                "window_start": start.isoformat() if start else None,
                "window_end": end.isoformat() if end else None,
            },
            sort_keys=True,
        )


class _CalDavUse:
    """One use of a connection's credentials: a client on its calendar, closed afterwards."""

    def __init__(self, credentials: Credentials, slots: ServerSlots | None) -> None:
        self._credentials, self._slots = credentials, slots
        self._clients: list[CalDavClient] = []

    def client(self, state: ConnectionState) -> CalDavClient:
        made = CalDavClient(
            state.calendar_url,
            username=self._credentials.username,
            password=self._credentials.password,
            slots=self._slots,
        )
        self._clients.append(made)
        return made

    def source(
        self, state: ConnectionState, zone: ZoneInfo, options: ClassifyOptions | None, retrier: Any
    ) -> CalDavSource:
        return CalDavSource(self.client(state), zone=zone, options=options, retrier=retrier)

    def changed_token(self) -> bytes | None:
        return None  # an app password does not change by being used

    def close(self) -> None:
        for client in self._clients:
            client.close()


@dataclass(frozen=True)
class CalDavAccount(SyncedAccount):
    """CalDAV as an `Account` (assistant.accounts.sync)."""

    slots: ServerSlots | None = None
    retry_policy: RetryPolicy | None = None
    sleep: Callable[[float], None] = time.sleep
    provider: str = PROVIDER
    name: str = "CalDAV"
    no_token_problem: str = "no user name and password are stored"
    needs_reauthorisation: type[NeedsReauthorisationError] = NeedsReauthorisationError

    def load_state(self, text: str | None, address: str) -> ConnectionState:
        return ConnectionState.loads(text)

    def open(self, token: bytes, address: str) -> _CalDavUse:
        return _CalDavUse(Credentials.from_bytes(token), self.slots)

    def retrier(self, connection_id: int | None = None) -> Retrier:
        return Retrier(policy=self.retry_policy or RetryPolicy(), sleep=self.sleep)

    # The cursor is the connector's whole `SyncState` (token and resources), kept as JSON.
    def cursor(self, state: ConnectionState) -> SyncState | None:
        """The stored cursor; none (list the window again) when there is none or it is unusable."""
        if not (state.cursor and state.window_start and state.window_end):
            return None
        window = TimeWindow(state.window_start, state.window_end)
        try:
            return SyncState.from_json(state.cursor, window)
        except (KeyError, TypeError, ValueError):
            return None

    def without_cursor(self, state: ConnectionState) -> str:
        return replace(state, cursor=None).dumps()

    def with_cursor(self, state: ConnectionState, cursor: SyncState) -> str:
        start, end = cursor.window.start, cursor.window.end
        return replace(state, cursor=cursor.to_json(), window_start=start, window_end=end).dumps()

    def write(
        self, engine: Engine, connection_id: int, block: Block, *, cipher: SecretBox,
        focus_time: FocusTime,
    ) -> str:  # fmt: skip
        """Write one accepted block (one event per proposal key and generation)."""
        retrier = self.retrier(connection_id)
        written = with_use(
            engine,
            self,
            connection_id,
            cipher,
            lambda state, use: CalDavWriter(use.client(state), retrier=retrier).create_block(block),
        )
        return written.event_id

    def withdraw(
        self, engine: Engine, connection_id: int, key: str, generation: int, *, cipher: SecretBox
    ) -> bool:
        """Delete the block of a withdrawn accept; False when it was not there."""
        retrier = self.retrier(connection_id)
        return with_use(
            engine,
            self,
            connection_id,
            cipher,
            lambda state, use: CalDavWriter(use.client(state), retrier=retrier).delete_block(
                key, generation
            ),
        )

    def reauthorise_message(self, address: str, token: bytes | None) -> str:
        return (
            f"the CalDAV connection of {address} needs a new password (an app-specific password "
            f"that was revoked?); it is skipped until someone runs `agenda-regie connect caldav "
            f"URL --leader {address} --username USER`"
        )


def connect_caldav(
    engine: Engine,
    leader_email: str,
    calendar_url: str,
    credentials: Credentials,
    cipher: SecretBox,
    *,
    now: datetime,
) -> int:
    """Store (or renew) the leader's CalDAV connection, its password encrypted; its id.

    Another calendar than before starts its sync afresh."""
    with session_scope(engine) as session:
        leader = upsert_leader(session, leader_email, now=now)
        connection = upsert_connection(session, leader, PROVIDER, credentials.username)
        save_connection_token(session, connection, credentials.to_bytes(), cipher)
        state = ConnectionState.loads(connection.sync_state)
        if state.calendar_url != calendar_url:
            state = ConnectionState(calendar_url)
        connection.sync_state = state.dumps()
        connection.status = "ok"
        connection.last_error = None
        return connection.id


def review_source(
    url: str,
    credentials: Credentials,
    *,
    zone: ZoneInfo,
    me: list[str],
    options: ClassifyOptions,
    name: str,
) -> CalDavSource:
    """One calendar collection read once, for a review (nothing is stored); someone waits for
    it, so a failing server gets two attempts."""
    client = CalDavClient(url, username=credentials.username, password=credentials.password)
    retrier = Retrier(policy=_CONNECT_RETRIES)
    return CalDavSource(client, zone=zone, me=me, options=options, name=name, retrier=retrier)


def calendars_of(url: str, credentials: Credentials) -> list[Collection]:
    """The account's calendars of events at `url` (the address itself when it is one)."""
    client = CalDavClient(url, username=credentials.username, password=credentials.password)
    try:
        return client.calendars(Retrier(policy=_CONNECT_RETRIES))
    finally:
        client.close()


# `connect` and a review ask while someone waits: two attempts, ten seconds of waiting at most.
_CONNECT_RETRIES = RetryPolicy(max_attempts_per_call=2, max_total_wait_seconds=10.0)
