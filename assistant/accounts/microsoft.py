"""Microsoft 365 connections in the store (a shell): sync into the event cache, write blocks.

The connector (connectors.microsoft) does the HTTP; this module loads a connection, decrypts its
stored authorisation (mode, account, msal's token cache), runs one use case, and stores the
outcome: the title-free event cache, the delta link (JSON in `connections.sync_state`), msal's
cache again when it changed (encrypted), and the connection's status. No transaction is held
open while Graph is being called.

How a process reaches Graph and Entra ID is in `graph_access`.

A refused sign-in marks the connection `needs_reauthorisation` once, with a message saying what
to do; later runs skip it without calling Graph, so nothing loops.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import msal

from assistant.accounts.cache import SyncOutcome, state_moment
from assistant.accounts.graph_access import GraphAccess
from assistant.accounts.sync import SyncedAccount, sync_all, sync_connection, with_use
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.connections import (
    save_connection_token,
    upsert_connection,
)
from assistant.store.repositories.leaders import upsert_leader
from connectors import ClassifyOptions, TimeWindow
from connectors.backoff import RetryPolicy as BaseRetryPolicy
from connectors.microsoft.auth import (
    StoredAuthorisation,
    load_cache,
    token_source,
)
from connectors.microsoft.errors import NeedsReauthorisationError
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.source import MicrosoftSource, SyncState
from connectors.microsoft.throttle import Retrier, RetryPolicy
from connectors.microsoft.writer import Block, MicrosoftWriter, WriteResult
from rules.model import FocusTime

log = logging.getLogger("assistant.accounts.microsoft")

PROVIDER = "microsoft"


@dataclass(frozen=True)
class ConnectionState:
    """What `connections.sync_state` holds for a Microsoft connection (JSON)."""

    CURSOR: ClassVar[str] = "delta_link"

    mailbox: str
    delta_link: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None

    @classmethod
    def loads(cls, text: str | None, mailbox: str) -> ConnectionState:
        if not text:
            return cls(mailbox)
        data = json.loads(text)
        return cls(
            mailbox=data.get("mailbox") or mailbox,
            delta_link=data.get("delta_link"),
            window_start=state_moment(data.get("window_start")),
            window_end=state_moment(data.get("window_end")),
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "mailbox": self.mailbox,
                "delta_link": self.delta_link,
                "window_start": self.window_start.isoformat() if self.window_start else None,
                "window_end": self.window_end.isoformat() if self.window_end else None,
            },
            sort_keys=True,
        )

    def sync_state(self) -> SyncState | None:
        if self.delta_link and self.window_start and self.window_end:
            return SyncState(self.delta_link, TimeWindow(self.window_start, self.window_end))
        return None


def connect_microsoft(
    engine: Engine,
    leader_email: str,
    stored: StoredAuthorisation,
    cipher: SecretBox,
    *,
    now: datetime,
    mailbox: str | None = None,
) -> int:
    """Store (or renew) the leader's Microsoft connection, its authorisation encrypted; its id.

    `mailbox`: the calendar read, the leader's own address unless given. The account is the one
    that signed in (the leader, or an assistant with delegate rights), or "application".
    """
    address = leader_email.strip().lower()
    account = stored.username or "application"
    with session_scope(engine) as session:
        leader = upsert_leader(session, address, now=now)
        connection = upsert_connection(session, leader, PROVIDER, account)
        save_connection_token(session, connection, stored.to_bytes(), cipher)
        wanted = (mailbox or address).strip().lower()
        state = ConnectionState.loads(connection.sync_state, wanted)
        if state.mailbox != wanted:
            state = ConnectionState(wanted)
        connection.sync_state = state.dumps()
        connection.status = "ok"
        connection.last_error = None
        return connection.id


class _GraphUse:
    """One use of a connection's authorisation: the Graph client and msal's cache to persist."""

    def __init__(self, stored: StoredAuthorisation, access: GraphAccess, leader: str) -> None:
        self.stored = stored
        self.cache: msal.SerializableTokenCache = load_cache(stored.cache_text)
        tokens = token_source(
            stored,
            access.registration,
            self.cache,
            leader=leader,
            http_client=access.login_http_client,
            http_cache=access.login_http_cache,
        )
        self.client = GraphClient(
            access.http, tokens, base_url=access.graph_url, limiter=access.limiter
        )

    def source(
        self, state: ConnectionState, zone: ZoneInfo, options: ClassifyOptions | None, retrier: Any
    ) -> MicrosoftSource:
        return MicrosoftSource(
            self.client, zone=zone, mailbox=state.mailbox, options=options, retrier=retrier
        )

    def changed_token(self) -> bytes | None:
        if not self.cache.has_state_changed:
            return None
        return replace(self.stored, cache_text=self.cache.serialize()).to_bytes()

    def close(self) -> None:
        """Nothing to close: the process's Graph client is shared (`GraphAccess.http`)."""


@dataclass(frozen=True)
class MicrosoftAccount(SyncedAccount):
    """Microsoft 365 (Graph) as an `Account` (assistant.accounts.sync)."""

    access: GraphAccess
    retry_policy: BaseRetryPolicy | None = None
    sleep: Callable[[float], None] = time.sleep
    provider: str = PROVIDER
    name: str = "Microsoft 365"
    no_token_problem: str = "no authorisation is stored"
    needs_reauthorisation: type[NeedsReauthorisationError] = NeedsReauthorisationError

    def load_state(self, text: str | None, address: str) -> ConnectionState:
        return ConnectionState.loads(text, address)

    def open(self, token: bytes, address: str) -> _GraphUse:
        return _GraphUse(StoredAuthorisation.from_bytes(token), self.access, address)

    def retrier(self, connection_id: int | None = None) -> Retrier:
        """A fresh retrier: its wait budget is spent per call."""
        if self.retry_policy is None:
            return Retrier(sleep=self.sleep)
        return Retrier(policy=self.retry_policy, sleep=self.sleep)

    def write(
        self,
        engine: Engine,
        connection_id: int,
        block: Block,
        *,
        cipher: SecretBox,
        focus_time: FocusTime,
    ) -> str:
        """Write one accepted block (one event per proposal key and generation)."""
        retrier = self.retrier(connection_id)
        result = with_use(
            engine,
            self,
            connection_id,
            cipher,
            lambda state, use: _writer(state, use, retrier).create_block(block),
        )
        return result.event_id

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
            lambda state, use: _writer(state, use, retrier).delete_block(key, generation),
        )

    def reauthorise_message(self, address: str, token: bytes | None) -> str:
        return (
            f"the Microsoft 365 connection of {address} needs re-authorisation; it is skipped "
            f"until someone runs `agenda-regie connect microsoft --leader {address}`"
        )


def check_calendar_access(
    stored: StoredAuthorisation,
    access: GraphAccess,
    *,
    leader: str,
    mailbox: str,
    now: datetime,
) -> StoredAuthorisation:
    """Read one hour of the mailbox's calendar now, so that `connect` fails at once when Graph
    refuses (no admin consent behind an app-only token, an application access policy, no
    delegate access) instead of at the first sync. Returns the authorisation with msal's cache
    as it is afterwards (store that one). Raises the connector's error (`AccessDeniedError` ...).
    """
    use = _GraphUse(stored, access, leader)
    source = MicrosoftSource(
        use.client,
        zone=ZoneInfo("UTC"),
        mailbox=mailbox,
        retrier=Retrier(RetryPolicy(max_attempts_per_call=2, max_total_wait_seconds=10.0)),
    )
    source.fetch(TimeWindow(now, now + timedelta(hours=1)))
    changed = use.changed_token()
    return StoredAuthorisation.from_bytes(changed) if changed is not None else stored


def sync_microsoft_connection(
    engine: Engine, connection_id: int, *, access: GraphAccess, **options: Any
) -> SyncOutcome:
    """Bring the connection's event cache up to date (`accounts.sync.sync_connection`)."""
    return sync_connection(engine, MicrosoftAccount(access), connection_id, **options)


def sync_all_microsoft(engine: Engine, *, access: GraphAccess, **options: Any) -> list[SyncOutcome]:
    """Sync every Microsoft connection; a flagged one is skipped and said so, the others go on."""
    return sync_all(engine, MicrosoftAccount(access), **options)


def write_microsoft_block(
    engine: Engine,
    connection_id: int,
    block: Block,
    *,
    cipher: SecretBox,
    access: GraphAccess,
    retrier: Retrier | None = None,
) -> WriteResult:
    """Write one accepted block (one event per proposal key and generation, however often)."""
    return with_use(
        engine,
        MicrosoftAccount(access),
        connection_id,
        cipher,
        lambda state, use: _writer(state, use, retrier).create_block(block),
    )


def withdraw_microsoft_block(
    engine: Engine,
    connection_id: int,
    key: str,
    generation: int,
    *,
    cipher: SecretBox,
    access: GraphAccess,
    retrier: Retrier | None = None,
) -> bool:
    """Delete the block of a withdrawn accept; False when it was not there."""
    return with_use(
        engine,
        MicrosoftAccount(access),
        connection_id,
        cipher,
        lambda state, use: _writer(state, use, retrier).delete_block(key, generation),
    )


def _writer(state: ConnectionState, use: _GraphUse, retrier: Retrier | None) -> MicrosoftWriter:
    return MicrosoftWriter(use.client, mailbox=state.mailbox, retrier=retrier)
