"""Google connections in the store (a shell): sync into the event cache, write accepted blocks.

The connector (connectors.google) does the HTTP; this module loads a connection, decrypts its
credentials, runs one use case, and stores the outcome: the title-free event cache, the sync
state (JSON in `connections.sync_state`), refreshed credentials (encrypted again), and the
connection's status. No transaction is held open while Google is being called.

A connection stores one of two kinds of token (both encrypted): a leader's own sign-in, or a
service account key with domain-wide delegation and the leader it acts as (`Delegation`).
`stored_authorisation` turns either into credentials; everything after that is the same.

A refresh Google refuses for good (a revoked sign-in, a deleted OAuth client, or delegation not
granted in the Admin console) marks the connection `needs_reauthorisation` once, with a message
saying what to do; later runs skip it without calling Google, so nothing loops. A passing fault
(the token endpoint's 5xx, a network error) is retried and then raised as a `ConnectorError`,
recorded as the connection's `last_error`; the connection stays usable. Connecting again also
forgets a remembered focus-time refusal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from assistant.accounts.cache import (
    SyncOutcome,
    apply_sync_result,
    load_connection,
    provider_connections,
    state_moment,
)
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.models import Connection, Leader
from assistant.store.repositories.connections import (
    load_connection_token,
    save_connection_token,
    upsert_connection,
)
from assistant.store.repositories.leaders import upsert_leader
from connectors import ClassifyOptions, ConnectorError, TimeWindow
from connectors.google.auth import (
    Delegation,
    GoogleAuthError,
    StoredAuthorisation,
    authorisation_to_json,
    build_service,
    stored_authorisation,
)
from connectors.google.errors import NeedsReauthorisationError
from connectors.google.retry import Retrier
from connectors.google.source import GoogleSource, SyncState
from connectors.google.writer import Block, FocusTimeOptions, GoogleWriter, WriteResult

T = TypeVar("T")
log = logging.getLogger("assistant.accounts.google")

NEEDS_REAUTHORISATION = "needs_reauthorisation"
ServiceFactory = Callable[[Any], Any]


@dataclass(frozen=True)
class ConnectionState:
    """What `connections.sync_state` holds for a Google connection (JSON)."""

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


def sync_window(
    now: datetime, zone: ZoneInfo, weeks_back: int = 26, weeks_ahead: int = 2
) -> TimeWindow:
    """From the Monday `weeks_back` weeks before this week to the end of `weeks_ahead` weeks ahead.

    Whole local weeks, so the window (and with it a full listing) moves once a week.
    """
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday - timedelta(weeks=weeks_back), time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(weeks=weeks_ahead + 1), time(), tzinfo=zone)
    return TimeWindow(start, end)


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
    cipher: SecretBox,
    now: datetime,
    options: ClassifyOptions | None = None,
    service_factory: ServiceFactory = build_service,
    retrier: Retrier | None = None,
    weeks_back: int = 26,
    weeks_ahead: int = 2,
) -> SyncOutcome:
    """Bring the connection's event cache up to date; never raises for a revoked authorisation."""
    with session_scope(engine) as session:
        connection, leader = _load(session, connection_id)
        address, zone = leader.email, ZoneInfo(leader.timezone)
        token = load_connection_token(connection, cipher)
        if connection.status == NEEDS_REAUTHORISATION:
            message = _reauthorise_message(address, _delegation_of(token))
            log.warning("google sync of connection %d skipped: %s", connection_id, message)
            return SyncOutcome(connection_id, address, "skipped", message)
        state = ConnectionState.loads(connection.sync_state)
    if token is None:
        return _mark_reauthorisation(engine, connection_id, address, "no credentials are stored")
    stored = stored_authorisation(token)
    window = sync_window(now, zone, weeks_back, weeks_ahead)
    retrier = retrier or Retrier()
    service = service_factory(stored.credentials)
    try:
        source = GoogleSource(
            service, zone=zone, options=options, calendar_id=state.calendar_id, retrier=retrier
        )
        result = source.sync(state.sync_state(), window)
    except NeedsReauthorisationError as error:
        return _mark_reauthorisation(
            engine, connection_id, address, error.problem, stored.delegation
        )
    except ConnectorError as error:
        with session_scope(engine) as session:
            connection, _ = _load(session, connection_id)
            connection.last_error = str(error)
        raise
    finally:
        service.close()

    with session_scope(engine) as session:
        connection, _ = _load(session, connection_id)
        refreshed = stored.changed_token(token)
        if refreshed is not None:
            save_connection_token(session, connection, refreshed, cipher)
        return apply_sync_result(
            session,
            connection,
            result,
            provider="Google",
            address=address,
            flagged_state=replace(state, sync_token=None).dumps(),
            synced_state=replace(
                state,
                sync_token=result.state.sync_token,
                window_start=result.state.window.start,
                window_end=result.state.window.end,
            ).dumps(),
            now=now,
            waited_seconds=retrier.total_wait_seconds,
        )


def sync_all_google(engine: Engine, **kwargs: Any) -> list[SyncOutcome]:
    """Sync every Google connection; a flagged one is skipped and said so, the others go on."""
    ids = provider_connections(engine, "google")
    return [sync_google_connection(engine, connection_id, **kwargs) for connection_id in ids]


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
    result = _with_writer(
        engine,
        connection_id,
        cipher,
        service_factory,
        lambda state, service: GoogleWriter(
            service,
            calendar_id=state.calendar_id,
            focus_time=focus_time,
            use_focus_time=not state.focus_time_refused,
            retrier=retrier,
        ).create_block(block),
    )
    if result.focus_time_refused:
        with session_scope(engine) as session:
            connection, _ = _load(session, connection_id)
            fresh = ConnectionState.loads(connection.sync_state)
            connection.sync_state = replace(fresh, focus_time_refused=True).dumps()
    return result


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
    return _with_writer(
        engine,
        connection_id,
        cipher,
        service_factory,
        lambda state, service: GoogleWriter(
            service, calendar_id=state.calendar_id, retrier=retrier
        ).delete_block(key, generation),
    )


def _with_writer(
    engine: Engine,
    connection_id: int,
    cipher: SecretBox,
    service_factory: ServiceFactory,
    act: Callable[[ConnectionState, Any], T],
) -> T:
    with session_scope(engine) as session:
        connection, leader = _load(session, connection_id)
        address = leader.email
        token = load_connection_token(connection, cipher)
        if connection.status == NEEDS_REAUTHORISATION:
            raise NeedsReauthorisationError(
                f"Google calendar of {address}",
                _reauthorise_message(address, _delegation_of(token)),
            )
        state = ConnectionState.loads(connection.sync_state)
    if token is None:
        _mark_reauthorisation(engine, connection_id, address, "no credentials are stored")
        raise NeedsReauthorisationError(
            f"Google calendar of {address}", _reauthorise_message(address)
        )
    stored = stored_authorisation(token)
    service = service_factory(stored.credentials)
    try:
        return act(state, service)
    except NeedsReauthorisationError as error:
        outcome = _mark_reauthorisation(
            engine, connection_id, address, error.problem, stored.delegation
        )
        raise NeedsReauthorisationError(error.where, outcome.message) from None
    finally:
        service.close()


def _mark_reauthorisation(
    engine: Engine,
    connection_id: int,
    address: str,
    problem: str,
    delegation: Delegation | None = None,
) -> SyncOutcome:
    message = _reauthorise_message(address, delegation)
    with session_scope(engine) as session:
        connection, _ = _load(session, connection_id)
        connection.status = NEEDS_REAUTHORISATION
        connection.last_error = f"{problem}; {message}"
    log.warning("google connection %d needs re-authorisation: %s", connection_id, problem)
    return SyncOutcome(connection_id, address, "needs_reauthorisation", message)


def _reauthorise_message(address: str, delegation: Delegation | None = None) -> str:
    if delegation is not None:
        return (
            f"the Google connection of {address} needs re-authorisation: Google refused to let "
            f"the service account {delegation.service_account_email} act as {address}; "
            f"{delegation.advice()}. Until then it is skipped"
        )
    return (
        f"the Google connection of {address} needs re-authorisation; it is skipped until "
        f"someone runs `agenda-regie connect google --leader {address}`"
    )


def _delegation_of(token: bytes | None) -> Delegation | None:
    if token is None:
        return None
    try:
        stored: StoredAuthorisation = stored_authorisation(token)
    except GoogleAuthError:  # unreadable: the plain message applies
        return None
    return stored.delegation


def _load(session: Any, connection_id: int) -> tuple[Connection, Leader]:
    return load_connection(session, connection_id, "google")
