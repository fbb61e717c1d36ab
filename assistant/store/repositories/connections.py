"""Calendar connections and their encrypted tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.crypto import SecretBox
from assistant.store.models import (
    PROVIDERS,
    Connection,
    Leader,
)
from assistant.store.repositories.base import _leader_id, _upsert


def upsert_connection(
    session: Session, leader: Leader | int, provider: str, account: str
) -> Connection:
    """The leader's connection to this provider account, created when new."""
    if provider not in PROVIDERS:
        raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    values = {"leader_id": _leader_id(leader), "provider": provider, "account": account}
    session.execute(_upsert(session, Connection, values, ["leader_id", "provider", "account"], {}))
    return session.scalars(
        select(Connection).where(
            Connection.leader_id == values["leader_id"],
            Connection.provider == provider,
            Connection.account == account,
        )
    ).one()


def save_connection_token(
    session: Session, connection: Connection, token_plaintext: bytes, cipher: SecretBox
) -> None:
    """Encrypt the token with the first key and store only the ciphertext."""
    connection.token_ciphertext = cipher.encrypt(token_plaintext)
    session.add(connection)
    session.flush()


def load_connection_token(connection: Connection, cipher: SecretBox) -> bytes | None:
    """The decrypted token, or None when none is stored; `SecretKeyError` when no key fits."""
    if connection.token_ciphertext is None:
        return None
    return cipher.decrypt(connection.token_ciphertext)


def connection_with_leader(
    session: Session, connection_id: int, provider: str | None = None
) -> tuple[Connection, Leader]:
    """The connection with this id (of `provider`, when given) and its leader; ValueError when
    there is none."""
    connection = session.get(Connection, connection_id)
    if connection is None or (provider is not None and connection.provider != provider):
        kind = f"{provider} connection" if provider is not None else "calendar connection"
        raise ValueError(f"no {kind} with id {connection_id}")
    leader = session.get(Leader, connection.leader_id)
    assert leader is not None
    return connection, leader


def connection_provider(session: Session, connection_id: int) -> str | None:
    """The provider of the connection with this id, or None when there is none."""
    return session.scalar(select(Connection.provider).where(Connection.id == connection_id))


def provider_connection_ids(session: Session, provider: str) -> list[int]:
    """Every connection of the provider, oldest first."""
    statement = select(Connection.id).where(Connection.provider == provider)
    return list(session.scalars(statement.order_by(Connection.id)))


def connections_of_leaders(
    session: Session, leader_ids: Sequence[int], providers: Sequence[str]
) -> dict[int, list[tuple[int, str]]]:
    """Each leader's connections to these providers as (id, provider), oldest first; one query."""
    found: dict[int, list[tuple[int, str]]] = {}
    if not leader_ids:
        return found
    rows = session.execute(
        select(Connection.leader_id, Connection.id, Connection.provider)
        .where(Connection.leader_id.in_(leader_ids), Connection.provider.in_(providers))
        .order_by(Connection.id)
    )
    for leader_id, connection_id, provider in rows:
        found.setdefault(leader_id, []).append((connection_id, provider))
    return found


def enabled_connection_ids(session: Session, providers: Sequence[str]) -> list[int]:
    """The connections to these providers that are not disabled, oldest first."""
    statement = select(Connection.id).where(
        Connection.provider.in_(providers), Connection.status != "disabled"
    )
    return list(session.scalars(statement.order_by(Connection.id)))


def enabled_connections_of(
    session: Session, leader_id: int, providers: Sequence[str]
) -> list[tuple[int, str, str]]:
    """The leader's connections to these providers that are not disabled: (id, provider,
    status), oldest first."""
    rows = session.execute(
        select(Connection.id, Connection.provider, Connection.status)
        .where(
            Connection.leader_id == leader_id,
            Connection.provider.in_(providers),
            Connection.status != "disabled",
        )
        .order_by(Connection.id)
    )
    return [(connection_id, provider, status) for connection_id, provider, status in rows]


def connections_with_leaders(session: Session) -> list[tuple[Connection, str]]:
    """Every connection with its leader's address, oldest first (for `status`)."""
    rows = session.execute(
        select(Connection, Leader.email)
        .join(Leader, Leader.id == Connection.leader_id)
        .order_by(Connection.id)
    )
    return [(connection, email) for connection, email in rows]


def mark_connection_failed(session: Session, connection_id: int, problem: str) -> str | None:
    """Retries are spent: the connection shows `error` (until a sync succeeds) with `problem`;
    its leader's address, or None when there is no such connection."""
    connection = session.get(Connection, connection_id)
    if connection is None:
        return None
    if connection.status == "ok":
        connection.status = "error"
    connection.last_error = problem[:2000]
    leader = session.get(Leader, connection.leader_id)
    return leader.email if leader is not None else str(connection_id)


def mark_connection_working(session: Session, connection_id: int) -> None:
    """A connection that was in `error` synced again: `ok`."""
    connection = session.get(Connection, connection_id)
    if connection is not None and connection.status == "error":
        connection.status = "ok"


def leader_calendar_connections(
    session: Session, leader_ids: Sequence[int], providers: Sequence[str]
) -> dict[int, list[Connection]]:
    """Each leader's connections to these providers that are not disabled, oldest first; one
    query (what decides whether their calendar covers a week)."""
    found: dict[int, list[Connection]] = {leader_id: [] for leader_id in leader_ids}
    if not leader_ids:
        return found
    rows = session.scalars(
        select(Connection)
        .where(
            Connection.leader_id.in_(leader_ids),
            Connection.provider.in_(providers),
            Connection.status != "disabled",
        )
        .order_by(Connection.id)
    )
    for connection in rows:
        found[connection.leader_id].append(connection)
    return found
