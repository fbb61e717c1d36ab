"""Sync and write-back for any calendar account, whatever its provider (a shell).

A provider is an `Account`: it reads and writes its connection state (JSON in
`connections.sync_state`), opens one `Use` of a stored authorisation (the provider's client with
its credentials), and words the re-authorisation advice. Everything else is the same for every
provider and lives here once: load the connection and its token, skip a connection that needs
re-authorising, call the provider with no transaction open, store the title-free result and a
refreshed token, and flag a refused authorisation once, so nothing loops.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo

from assistant.accounts.cache import SyncOutcome, apply_sync_result
from assistant.accounts.classification import classify_options, fingerprint
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.models import Connection
from assistant.store.repositories.connections import (
    connection_with_leader,
    load_connection_token,
    provider_connection_ids,
    save_connection_token,
)
from assistant.store.repositories.rules import leader_rules
from connectors import ClassifyOptions, ConnectorError, TimeWindow

T = TypeVar("T")

NEEDS_REAUTHORISATION = "needs_reauthorisation"


class Use(Protocol):
    """One use of a connection's stored authorisation: the provider's client, and the token to
    store again when the provider refreshed it."""

    def source(
        self, state: Any, zone: ZoneInfo, options: ClassifyOptions | None, retrier: Any
    ) -> Any:
        """The connection's incremental source (`sync(state, window)`)."""
        ...

    def changed_token(self) -> bytes | None: ...

    def close(self) -> None: ...


class Account(Protocol):
    """What sync and write-back need to know of one provider."""

    @property
    def provider(self) -> str:
        """The `connections.provider` value: "google", "microsoft"."""
        ...

    @property
    def name(self) -> str:
        """What people call it: "Google", "Microsoft 365"."""
        ...

    @property
    def no_token_problem(self) -> str:
        """The problem when a connection has no stored authorisation."""
        ...

    @property
    def needs_reauthorisation(self) -> type[Any]:
        """The connector's error for an authorisation refused for good (`where`, `problem`)."""
        ...

    def load_state(self, text: str | None, address: str) -> Any: ...

    def cursor(self, state: Any) -> Any:
        """The connector's sync state (token or delta link and its window), or None: list all."""
        ...

    def without_cursor(self, state: Any) -> str:
        """The stored state after a flagged sync: no cursor, so the next sync lists again."""
        ...

    def with_cursor(self, state: Any, cursor: Any) -> str:
        """The stored state after a sync that was applied."""
        ...

    def open(self, token: bytes, address: str) -> Use: ...

    def retrier(self) -> Any: ...

    def reauthorise_message(self, address: str, token: bytes | None) -> str: ...


class SyncedAccount(ABC):
    """What every provider's account does the same way: its sync (mixed into the adapters)."""

    @abstractmethod
    def retrier(self, connection_id: int | None = None) -> Any:
        """A fresh retrier for one call on the connection (its wait budget is per call)."""

    # The connection states keep their cursor (a sync token, a delta link) in the field the
    # state class names as `CURSOR`, with the window it covers (`window_start`, `window_end`).
    def cursor(self, state: Any) -> Any:
        return state.sync_state()

    def without_cursor(self, state: Any) -> str:
        text: str = replace(state, **{state.CURSOR: None}).dumps()
        return text

    def with_cursor(self, state: Any, cursor: Any) -> str:
        text: str = replace(
            state,
            **{state.CURSOR: getattr(cursor, state.CURSOR)},
            window_start=cursor.window.start,
            window_end=cursor.window.end,
        ).dumps()
        return text

    def sync(
        self,
        engine: Engine,
        connection_id: int,
        *,
        cipher: SecretBox,
        now: datetime,
        options: ClassifyOptions | None = None,
    ) -> SyncOutcome:
        """Bring the connection's event cache up to date (`sync_connection`)."""
        account = cast(Account, self)  # every adapter mixing this in is an Account
        return sync_connection(
            engine,
            account,
            connection_id,
            cipher=cipher,
            now=now,
            options=options,
            retrier=self.retrier(connection_id),
        )


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


def sync_connection(
    engine: Engine,
    account: Account,
    connection_id: int,
    *,
    cipher: SecretBox,
    now: datetime,
    options: ClassifyOptions | None = None,
    retrier: Any = None,
    weeks_back: int = 26,
    weeks_ahead: int = 2,
) -> SyncOutcome:
    """Bring the connection's event cache up to date; never raises for a refused authorisation.

    Events are classified with the leader's effective classification options (`options` only
    overrides them); when those differ from the ones the cache was made with, the whole window
    is listed again, so every cached event is classified anew.
    A passing fault (retries spent, the network) is recorded as the connection's `last_error`
    and raised as the connector's error; the connection stays usable."""
    with session_scope(engine) as session:
        connection, leader = connection_with_leader(session, connection_id, account.provider)
        address, zone = leader.email, ZoneInfo(leader.timezone)
        if options is None:
            options = classify_options(leader_rules(session, leader), cipher.people_key)
        classified_with = fingerprint(options)
        reclassify = connection.classified_with != classified_with
        token = load_connection_token(connection, cipher)
        if connection.status == NEEDS_REAUTHORISATION:
            message = account.reauthorise_message(address, token)
            _log(account).warning(
                "%s sync of connection %d skipped: %s", account.provider, connection_id, message
            )
            return SyncOutcome(connection_id, address, "skipped", message)
        state = account.load_state(connection.sync_state, address)
    if token is None:
        return mark_reauthorisation(
            engine, account, connection_id, address, account.no_token_problem, None
        )
    window = sync_window(now, zone, weeks_back, weeks_ahead)
    retrier = retrier or account.retrier()
    use = account.open(token, address)
    try:
        cursor = None if reclassify else account.cursor(state)
        result = use.source(state, zone, options, retrier).sync(cursor, window)
    except account.needs_reauthorisation as error:
        return mark_reauthorisation(engine, account, connection_id, address, error.problem, token)
    except ConnectorError as error:
        with session_scope(engine) as session:
            connection, _ = connection_with_leader(session, connection_id, account.provider)
            connection.last_error = str(error)
            _store_changed_token(session, connection, use, cipher)
        raise
    finally:
        use.close()

    with session_scope(engine) as session:
        connection, _ = connection_with_leader(session, connection_id, account.provider)
        _store_changed_token(session, connection, use, cipher)
        outcome = apply_sync_result(
            session,
            connection,
            result,
            provider=account.name,
            address=address,
            flagged_state=account.without_cursor(state),
            synced_state=account.with_cursor(state, result.state),
            now=now,
            waited_seconds=retrier.total_wait_seconds,
        )
        if outcome.status == "synced" and result.full:
            connection.classified_with = classified_with
        return outcome


def sync_all(engine: Engine, account: Account, **options: Any) -> list[SyncOutcome]:
    """Sync every connection of the account's provider; a flagged one is skipped and said so,
    the others go on."""
    with session_scope(engine) as session:
        ids = provider_connection_ids(session, account.provider)
    return [sync_connection(engine, account, connection_id, **options) for connection_id in ids]


def with_use(
    engine: Engine,
    account: Account,
    connection_id: int,
    cipher: SecretBox,
    act: Callable[[Any, Any], T],
) -> T:
    """Run `act(state, use)` with the connection's authorisation (a calendar write), storing a
    refreshed token afterwards. A connection that needs re-authorising is not called: the
    connector's re-authorisation error says what to do; a refusal now flags the connection."""
    with session_scope(engine) as session:
        connection, leader = connection_with_leader(session, connection_id, account.provider)
        address = leader.email
        token = load_connection_token(connection, cipher)
        if connection.status == NEEDS_REAUTHORISATION:
            raise account.needs_reauthorisation(
                _calendar_of(account, address), account.reauthorise_message(address, token)
            )
        state = account.load_state(connection.sync_state, address)
    if token is None:
        mark_reauthorisation(engine, account, connection_id, address, account.no_token_problem)
        raise account.needs_reauthorisation(
            _calendar_of(account, address), account.reauthorise_message(address, None)
        )
    use = account.open(token, address)
    try:
        return act(state, use)
    except account.needs_reauthorisation as error:
        outcome = mark_reauthorisation(
            engine, account, connection_id, address, error.problem, token
        )
        raise account.needs_reauthorisation(error.where, outcome.message) from None
    finally:
        try:
            with session_scope(engine) as session:
                connection, _ = connection_with_leader(session, connection_id, account.provider)
                _store_changed_token(session, connection, use, cipher)
        finally:
            use.close()


def mark_reauthorisation(
    engine: Engine,
    account: Account,
    connection_id: int,
    address: str,
    problem: str,
    token: bytes | None = None,
) -> SyncOutcome:
    """Flag the connection `needs_reauthorisation` with what to do; later runs skip it."""
    message = account.reauthorise_message(address, token)
    with session_scope(engine) as session:
        connection, _ = connection_with_leader(session, connection_id, account.provider)
        connection.status = NEEDS_REAUTHORISATION
        connection.last_error = f"{problem}; {message}"
    _log(account).warning(
        "%s connection %d needs re-authorisation: %s", account.provider, connection_id, problem
    )
    return SyncOutcome(connection_id, address, "needs_reauthorisation", message)


def update_state(
    engine: Engine, account: Account, connection_id: int, change: Callable[[Any], str]
) -> None:
    """Store `change(state)` as the connection's state (read fresh, in one transaction)."""
    with session_scope(engine) as session:
        connection, leader = connection_with_leader(session, connection_id, account.provider)
        connection.sync_state = change(account.load_state(connection.sync_state, leader.email))


def _store_changed_token(session: Any, connection: Connection, use: Use, cipher: SecretBox) -> None:
    changed = use.changed_token()
    if changed is not None:
        save_connection_token(session, connection, changed, cipher)


def _log(account: Account) -> logging.Logger:
    return logging.getLogger(f"assistant.accounts.{account.provider}")


def _calendar_of(account: Account, address: str) -> str:
    return f"{account.name} calendar of {address}"
