"""Calendar connections and their encrypted tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.crypto import SecretBox
from assistant.store.models import (
    PROVIDERS,
    Connection,
    Leader,
)

if TYPE_CHECKING:
    pass
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
