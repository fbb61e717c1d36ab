"""Onboarding a leader's calendar from the console: the state of their connections, and a feed
entered by the assistant. The feed's address is kept encrypted, like `connect ics` keeps it, but
not read here: the console makes no request to a calendar; the workers' next sync reads it and
the connection's state says how that went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assistant.app.console.signin import Viewer
from assistant.errors import UserError
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.models import PROVIDERS
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.connections import (
    leader_calendar_connections,
    save_connection_token,
    upsert_connection,
)
from assistant.store.repositories.console_users import find_console_user, visible_leader
from connectors.ics.fetch import Location

FEED_CONNECTED = "console.feed_connected"


class FeedAddressError(UserError):
    """Not an http(s) or webcal address of a calendar feed."""


@dataclass(frozen=True)
class ConnectionState:
    provider: str
    account: str
    status: str
    last_sync_at: datetime | None
    last_error: str | None


def connections(
    engine: Engine, viewer: Viewer, leader_id: int
) -> tuple[str, list[ConnectionState]] | None:
    """The leader's address and calendar connections; None when out of sight."""
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return None
        found = leader_calendar_connections(session, [leader.id], PROVIDERS)[leader.id]
        return leader.email, [
            ConnectionState(c.provider, c.account, c.status, c.last_sync_at, c.last_error)
            for c in found
        ]


def connect_feed(
    engine: Engine, box: SecretBox, viewer: Viewer, leader_id: int, address: str, now: datetime
) -> bool:
    """Keep the feed's address (encrypted) as the leader's iCalendar connection; audited.
    False when the leader is out of sight."""
    text = address.strip()
    location = Location.of(text) if text else None
    if location is None or location.url is None or len(text) > 2000:
        raise FeedAddressError("not the address of a calendar feed (https:// or webcal://)")
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return False
        connection = upsert_connection(session, leader, "ics", location.where)
        save_connection_token(session, connection, text.encode(), box)
        connection.status = "ok"
        connection.last_error = None
        add_audit(
            session,
            actor=viewer.email,
            action=FEED_CONNECTED,
            subject=leader.email,
            now=now,
            leader_id=leader.id,
            after={"provider": "ics", "account": location.where},
        )
        return True
