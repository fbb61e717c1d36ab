"""Google Calendar as a calendar account: its adapter for `assistant.accounts.sync` (a shell).

A connection stores one of two kinds of token (both encrypted): a leader's own sign-in, or a
service account key with domain-wide delegation and the leader it acts as (`Delegation`).
`stored_authorisation` turns either into credentials; everything after that is the same. A
refresh Google refuses for good (a revoked sign-in, a deleted OAuth client, delegation not
granted in the Admin console) flags the connection once, with what to do. Connecting again
forgets a remembered focus-time refusal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from assistant.accounts.cache import SyncOutcome, state_moment
from assistant.accounts.sync import (
    SyncedAccount,
    sync_all,
    sync_connection,
    sync_window,
    update_state,
    with_use,
)
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.connections import (
    save_connection_token,
    upsert_connection,
)
from assistant.store.repositories.leaders import upsert_leader
from connectors import ClassifyOptions, TimeWindow
from connectors.google.auth import (
    Delegation,
    GoogleAuthError,
    StoredAuthorisation,
    authorisation_to_json,
    build_service,
    stored_authorisation,
)
from connectors.google.errors import NeedsReauthorisationError
from connectors.google.retry import Retrier, RetryPolicy
from connectors.google.source import GoogleSource, SyncState
from connectors.google.writer import Block, FocusTimeOptions, GoogleWriter, WriteResult
from rules.model import FocusTime

PROVIDER = "google"
T = TypeVar("T")
ServiceFactory = Callable[[Any], Any]
__all__ = ["GoogleAccount", "sync_window"]


@dataclass(frozen=True)
class ConnectionState:
    """What `connections.sync_state` holds for a Google connection (JSON)."""

    CURSOR: ClassVar[str] = "sync_token"

    sync_token: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    calendar_id: str = "primary"
    focus_time_refused: bool = False

    @classmethod
    def loads(cls, text: str | None) -> ConnectionState:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            sync_token=data.get("sync_token"),
            window_start=state_moment(data.get("window_start")),
            window_end=state_moment(data.get("window_end")),
            calendar_id=data.get("calendar_id", "primary"),
            focus_time_refused=bool(data.get("focus_time_refused", False)),
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "sync_token": self.sync_token,
                "window_start": self.window_start.isoformat() if self.window_start else None,
                "window_end": self.window_end.isoformat() if self.window_end else None,
                "calendar_id": self.calendar_id,
                "focus_time_refused": self.focus_time_refused,
            },
            sort_keys=True,
        )

    def sync_state(self) -> SyncState | None:
        if self.sync_token and self.window_start and self.window_end:
            return SyncState(self.sync_token, TimeWindow(self.window_start, self.window_end))
        return None


class _GoogleUse:
    """One use of a stored Google authorisation: the API client with its credentials."""

    def __init__(self, token: bytes, service_factory: ServiceFactory) -> None:
        self._token = token
        self._stored = stored_authorisation(token)
        self.service = service_factory(self._stored.credentials)

    def source(
        self, state: ConnectionState, zone: ZoneInfo, options: ClassifyOptions | None, retrier: Any
    ) -> GoogleSource:
        return GoogleSource(
            self.service, zone=zone, options=options, calendar_id=state.calendar_id, retrier=retrier
        )

    def changed_token(self) -> bytes | None:
        changed: bytes | None = self._stored.changed_token(self._token)
        return changed

    def close(self) -> None:
        self.service.close()


@dataclass(frozen=True)
class GoogleAccount(SyncedAccount):
    """Google Calendar as an `Account` (assistant.accounts.sync)."""

    service_factory: ServiceFactory = build_service
    retry_policy: RetryPolicy | None = None
    # Wraps every HTTP attempt for a connection (the workers' shared Google request budget).
    gate: Callable[[int], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    provider: str = PROVIDER
    name: str = "Google"
    no_token_problem: str = "no credentials are stored"
    needs_reauthorisation: type[NeedsReauthorisationError] = NeedsReauthorisationError

    def load_state(self, text: str | None, address: str) -> ConnectionState:
        return ConnectionState.loads(text)

    def open(self, token: bytes, address: str) -> _GoogleUse:
        return _GoogleUse(token, self.service_factory)

    def retrier(self, connection_id: int | None = None) -> Retrier:
        """A fresh retrier (its wait budget is spent per call), gated for the connection."""
        policy = self.retry_policy or RetryPolicy()
        gate = self.gate
        if gate is None or connection_id is None:
            return Retrier(policy=policy, sleep=self.sleep)
        return _GatedRetrier(policy=policy, sleep=self.sleep, gate=lambda: gate(connection_id))

    def reauthorise_message(self, address: str, token: bytes | None) -> str:
        delegation = _delegation_of(token)
        if delegation is not None:
            return (
                f"the Google connection of {address} needs re-authorisation: Google refused to "
                f"let the service account {delegation.service_account_email} act as {address}; "
                f"{delegation.advice()}. Until then it is skipped"
            )
        return (
            f"the Google connection of {address} needs re-authorisation; it is skipped until "
            f"someone runs `agenda-regie connect google --leader {address}`"
        )

    def write(
        self,
        engine: Engine,
        connection_id: int,
        block: Block,
        *,
        cipher: SecretBox,
        focus_time: FocusTime,
    ) -> str:
        """Write one accepted block, as focus time where the account has it (the leader's
        auto-decline rules)."""
        options = FocusTimeOptions(
            auto_decline=focus_time.auto_decline, decline_message=focus_time.decline_message
        )
        retrier = self.retrier(connection_id)
        return self.write_block(engine, connection_id, block, cipher, options, retrier).event_id

    def write_block(
        self,
        engine: Engine,
        connection_id: int,
        block: Block,
        cipher: SecretBox,
        focus_time: FocusTimeOptions,
        retrier: Retrier | None,
    ) -> WriteResult:
        """Write one block; remembers when the account refuses focus time."""
        result = with_use(
            engine,
            self,
            connection_id,
            cipher,
            lambda state, use: GoogleWriter(
                use.service,
                calendar_id=state.calendar_id,
                focus_time=focus_time,
                use_focus_time=not state.focus_time_refused,
                retrier=retrier,
            ).create_block(block),
        )
        if result.focus_time_refused:
            update_state(
                engine,
                self,
                connection_id,
                lambda state: replace(state, focus_time_refused=True).dumps(),
            )
        return result

    def withdraw(
        self, engine: Engine, connection_id: int, key: str, generation: int, *, cipher: SecretBox
    ) -> bool:
        """Delete the block of a withdrawn accept; False when it was not there."""
        return self.delete_block(
            engine, connection_id, key, generation, cipher, self.retrier(connection_id)
        )

    def delete_block(
        self,
        engine: Engine,
        connection_id: int,
        key: str,
        generation: int,
        cipher: SecretBox,
        retrier: Retrier | None,
    ) -> bool:
        return with_use(
            engine,
            self,
            connection_id,
            cipher,
            lambda state, use: GoogleWriter(
                use.service, calendar_id=state.calendar_id, retrier=retrier
            ).delete_block(key, generation),
        )


def connect_google(
    engine: Engine,
    leader_email: str,
    account: str,
    credentials: Any,
    cipher: SecretBox,
    *,
    calendar_id: str = "primary",
    now: datetime,
) -> int:
    """Store (or renew) the leader's Google connection with encrypted credentials; its id.

    `credentials` are the leader's own (a sign-in) or a `Delegation` (a service account key and
    the leader it acts as). A focus-time refusal remembered from before is forgotten.
    """
    with session_scope(engine) as session:
        leader = upsert_leader(session, leader_email, now=now)
        connection = upsert_connection(session, leader, "google", account)
        save_connection_token(session, connection, authorisation_to_json(credentials), cipher)
        state = ConnectionState.loads(connection.sync_state)
        if state.calendar_id != calendar_id:
            state = ConnectionState(calendar_id=calendar_id)
        # A new sign-in may bring focus time (an upgraded Workspace edition): ask again.
        connection.sync_state = replace(state, focus_time_refused=False).dumps()
        connection.status = "ok"
        connection.last_error = None
        return connection.id


def sync_google_connection(
    engine: Engine,
    connection_id: int,
    *,
    service_factory: ServiceFactory = build_service,
    **options: Any,
) -> SyncOutcome:
    """Bring the connection's event cache up to date (`accounts.sync.sync_connection`)."""
    return sync_connection(engine, GoogleAccount(service_factory), connection_id, **options)


def sync_all_google(
    engine: Engine, *, service_factory: ServiceFactory = build_service, **options: Any
) -> list[SyncOutcome]:
    """Sync every Google connection; a flagged one is skipped and said so, the others go on."""
    return sync_all(engine, GoogleAccount(service_factory), **options)


def write_google_block(
    engine: Engine,
    connection_id: int,
    block: Block,
    *,
    cipher: SecretBox,
    focus_time: FocusTimeOptions,
    service_factory: ServiceFactory = build_service,
    retrier: Retrier | None = None,
) -> WriteResult:
    """Write one accepted block; remembers when the account refuses focus time."""
    account = GoogleAccount(service_factory)
    return account.write_block(engine, connection_id, block, cipher, focus_time, retrier)


def withdraw_google_block(
    engine: Engine,
    connection_id: int,
    key: str,
    generation: int,
    *,
    cipher: SecretBox,
    service_factory: ServiceFactory = build_service,
    retrier: Retrier | None = None,
) -> bool:
    """Delete the block of a withdrawn accept; False when it was not there."""
    account = GoogleAccount(service_factory)
    return account.delete_block(engine, connection_id, key, generation, cipher, retrier)


def service_factory(api_endpoint: str | None) -> ServiceFactory:
    """Google's API client for credentials, at `api_endpoint` (None: Google itself)."""
    if api_endpoint is None:
        return build_service

    def factory(credentials: Any) -> Any:
        return build_service(credentials, api_endpoint=api_endpoint)

    return factory


@dataclass
class _GatedRetrier(Retrier):
    """A Retrier that passes every attempt through `gate` first (a shared request budget)."""

    gate: Callable[[], None] = lambda: None

    def call(self, what: str, action: Callable[[], T]) -> T:
        def gated() -> T:
            self.gate()
            return action()

        return super().call(what, gated)


def _delegation_of(token: bytes | None) -> Delegation | None:
    if token is None:
        return None
    try:
        stored: StoredAuthorisation = stored_authorisation(token)
    except GoogleAuthError:  # unreadable: the plain message applies
        return None
    return stored.delegation
