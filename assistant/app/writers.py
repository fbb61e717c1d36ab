"""How accepted blocks reach the leader's calendar, and withdrawn ones leave it.

Which calendar is written is decided per leader by their connection with status `ok`, through
the accounts registry (Google with the leader's focus-time rules, Microsoft 365). Only a leader
with no calendar connection we write to (other than `disabled`) gets the `.ics`; a connection in
`error` or `needs_reauthorisation` keeps the write waiting in the outbox until it works again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.accounts.registry import (
    WRITABLE_PROVIDERS,
    AccountNotSetUpError,
    CalendarAccount,
    ProviderAccess,
    account_for,
)
from assistant.errors import Fault
from assistant.store.database import Engine, Session, session_scope
from assistant.store.models import Leader
from assistant.store.repositories.connections import enabled_connections_of
from assistant.store.repositories.rules import leader_rules
from connectors.backoff import RetryPolicy
from connectors.model import Block
from rules import load_rules
from rules.model import FocusTime

if TYPE_CHECKING:
    from assistant.accounts.graph_access import GraphAccess


# The confirm page writes while the leader waits for it: two attempts and 10 s of waiting at
# most; a write still throttled after that is left to the outbox and the workers.
WEB_RETRY_POLICY = RetryPolicy(max_attempts_per_call=2, max_total_wait_seconds=10.0)


# Writes one block for the leader (by id); the provider's event id, or None when the leader has
# no calendar we can write to (iCalendar only).
WriteBack = Callable[[Engine, int, Block], str | None]


# Deletes a withdrawn block (leader id, key, generation): True deleted, False it was not there,
# None when the leader has no calendar we can write to (they imported the .ics themselves).
Withdraw = Callable[[Engine, int, str, int], bool | None]


class WriteBackUnavailableError(Fault):
    """The leader's calendar is connected but this process cannot reach its provider."""


class ConnectionNotWorkingError(WriteBackUnavailableError):
    """The leader's calendar connection is in `error` or `needs_reauthorisation`: the block
    waits in the outbox (it is not handed over as an .ics) until the connection works again."""

    def __init__(self, provider: str, status: str) -> None:
        self.provider = provider
        self.status = status
        super().__init__(
            "the %(provider)s connection is in status %(status)s; the write waits",
            provider=provider,
            status=status,
        )


@dataclass(frozen=True)
class CalendarWriters:
    """How accepted blocks reach the leader's calendar, and how withdrawn ones leave it."""

    write: WriteBack
    withdraw: Withdraw


def no_write_back(_engine: Engine, _leader_id: int, _block: Block) -> str | None:
    return None


def no_withdraw(_engine: Engine, _leader_id: int, _key: str, _generation: int) -> bool | None:
    return None


def provider_writers(
    cipher: Any,
    *,
    google_service_factory: Callable[[Any], Any] | None = None,
    microsoft_access: GraphAccess | None = None,
    retry_policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CalendarWriters:
    """Writes and withdraws through the leader's connection with status `ok`, whatever its
    provider (the accounts registry: Google with the leader's focus-time rules, Microsoft 365
    when `microsoft_access` is given), or none (.ics) when the leader has no calendar we write
    to. A write for a connection in `error` or `needs_reauthorisation` raises
    `ConnectionNotWorkingError`, so it waits in the outbox.

    A withdraw also finds a connection that needs re-authorising, so its delete waits in the
    outbox (and fails loudly) instead of being forgotten.

    `retry_policy`: the retries of each call (None: each connector's own, Google and CalDAV 300 s
    and Graph 600 s of waiting, for the workers; `WEB_RETRY_POLICY` for the confirm page).
    `sleep` takes the pauses between attempts (tests hand in a fake).
    """
    access = ProviderAccess(
        google_retry=retry_policy,
        google_service_factory=google_service_factory,
        microsoft=microsoft_access,
        microsoft_retry=retry_policy,
        caldav_retry=retry_policy,
        sleep=sleep,
    )

    def account(provider: str) -> CalendarAccount:
        try:
            return account_for(provider, access)
        except AccountNotSetUpError as error:
            raise WriteBackUnavailableError(str(error)) from None

    def write(engine: Engine, leader_id: int, block: Block) -> str | None:
        with session_scope(engine) as session:
            found = _writable_connection(session, leader_id, withdrawing=False)
            focus = _leaders_focus_time(session, leader_id)
        if found is None:
            return None
        connection_id, provider = found
        return account(provider).write(
            engine, connection_id, block, cipher=cipher, focus_time=focus
        )

    def withdraw(engine: Engine, leader_id: int, key: str, generation: int) -> bool | None:
        with session_scope(engine) as session:
            found = _writable_connection(session, leader_id, withdrawing=True)
        if found is None:
            return None
        connection_id, provider = found
        return account(provider).withdraw(engine, connection_id, key, generation, cipher=cipher)

    return CalendarWriters(write, withdraw)


def google_write_back(cipher: Any, **options: Any) -> WriteBack:
    """Writes through the leader's connection (kept for callers of the Google-only days;
    `provider_writers` decides by the leader's connection)."""
    factory = options.get("service_factory")
    return provider_writers(cipher, google_service_factory=factory).write


def _writable_connection(
    session: Session, leader_id: int, *, withdrawing: bool
) -> tuple[int, str] | None:
    """The leader's connection with status ok (the first connected); for a withdraw, else one
    that is not working (its delete waits in the outbox); None when the leader has no calendar
    connection we write to, other than `disabled` (iCalendar only).

    A write for a leader whose every connection is in `error` or `needs_reauthorisation` raises
    `ConnectionNotWorkingError`: an outage is no reason to hand a connected leader an .ics and
    forget the block.
    """
    rows = enabled_connections_of(session, leader_id, WRITABLE_PROVIDERS)
    usable = [row for row in rows if row[2] == "ok"] or (rows if withdrawing else [])
    if usable:
        return usable[0][0], usable[0][1]
    if rows:
        raise ConnectionNotWorkingError(rows[0][1], rows[0][2])
    return None


def _leaders_focus_time(session: Session, leader_id: int) -> FocusTime:
    """The leader's google.focus_time rules as last stored (else the defaults)."""
    leader = session.get(Leader, leader_id)
    if leader is None:
        return load_rules(None).google.focus_time
    return leader_rules(session, leader).google.focus_time
