"""Connection tokens encrypted at rest with Fernet, several keys for rotation (a shell).

`AGENDA_REGIE_SECRET_KEYS` lists Fernet keys, newest first. `SecretBox` encrypts with the first
and decrypts with any (MultiFernet). Rotation: put a new key in front, run `rotate` (`agenda-regie
secrets rotate`), then remove the old key. `check_keys` runs at start-up and stops the program
with one clear sentence when the stored tokens cannot be read with the keys given.

Neither a key nor a plaintext token ever appears in a message or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.errors import UserError
from assistant.settings import SECRET_KEYS_VARIABLE, Settings
from assistant.store.models import AuditEntry, Connection

_NO_KEY_FITS = "none of the keys in %(variable)s can decrypt this token; was a key removed?"


class SecretKeyError(UserError):
    """The secret keys cannot do what is needed; the message says what and what to do."""


class SecretBox:
    """Encrypts with the first key, decrypts with any of them."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        self._key_count = len(keys)
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None
        first = keys[0] if keys else b""
        self._newest = first.encode() if isinstance(first, str) else first

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        return cls(settings.secret_keys)

    @property
    def has_keys(self) -> bool:
        return self._fernet is not None

    @property
    def people_key(self) -> bytes:
        """The key of the people hashes (connectors.classify.people_hashes), derived from the
        newest key and never the key itself; empty without keys. Rotating the keys changes it,
        and the next sync then hashes the whole window again (accounts.classification)."""
        if not self._newest:
            return b""
        return hmac.new(self._newest, b"agenda-regie people v1", hashlib.sha256).digest()

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._require().encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return self._require().decrypt(ciphertext)
        except InvalidToken:
            raise SecretKeyError(_NO_KEY_FITS, variable=SECRET_KEYS_VARIABLE) from None

    def rotate(self, ciphertext: bytes) -> bytes:
        """The same secret, encrypted again with the first key."""
        try:
            return self._require().rotate(ciphertext)
        except InvalidToken:
            raise SecretKeyError(_NO_KEY_FITS, variable=SECRET_KEYS_VARIABLE) from None

    def can_decrypt(self, ciphertext: bytes) -> bool:
        if self._fernet is None:
            return False
        try:
            self._fernet.decrypt(ciphertext)
        except InvalidToken:
            return False
        return True

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise SecretKeyError(
                "%(variable)s is not set; it must hold at least one Fernet key to encrypt or "
                "decrypt connection tokens",
                variable=SECRET_KEYS_VARIABLE,
            )
        return self._fernet

    def __repr__(self) -> str:
        return f"SecretBox({self._key_count} keys)"


def encrypted_token_count(session: Session) -> int:
    statement = select(func.count()).where(Connection.token_ciphertext.is_not(None))
    return session.scalar(statement) or 0


def check_keys(session: Session, box: SecretBox) -> None:
    """At start-up: raise `SecretKeyError` when the stored tokens cannot be read with `box`."""
    count = encrypted_token_count(session)
    if count == 0:
        return
    if not box.has_keys:
        raise _keys_missing(count)
    rows = session.execute(
        select(Connection.id, Connection.token_ciphertext)
        .where(Connection.token_ciphertext.is_not(None))
        .order_by(Connection.id)
    ).all()
    unreadable = [
        connection_id
        for connection_id, ciphertext in rows
        if ciphertext is not None and not box.can_decrypt(ciphertext)
    ]
    if len(unreadable) == len(rows):
        raise SecretKeyError(
            "none of the keys in %(variable)s can decrypt the stored connection tokens; was a "
            "key removed?",
            variable=SECRET_KEYS_VARIABLE,
        )
    if unreadable:
        listed = ", ".join(str(connection_id) for connection_id in unreadable)
        raise SecretKeyError(
            "the keys in %(variable)s cannot decrypt %(count)s of the %(total)s encrypted "
            "connection tokens (connections %(listed)s); was a key removed before "
            "`agenda-regie secrets rotate` ran?",
            variable=SECRET_KEYS_VARIABLE,
            count=len(unreadable),
            total=len(rows),
            listed=listed,
        )


def rotate(
    session: Session,
    box: SecretBox,
    *,
    actor: str = "agenda-regie secrets rotate",
    now: datetime | None = None,
) -> int:
    """Re-encrypt every stored connection token with the first key; returns how many.

    Every token is decrypted before any is changed, so a token no key can read stops the
    rotation with `SecretKeyError` and nothing is written. Rows are locked (PostgreSQL) so a
    worker saving a token at the same moment waits rather than being overwritten.
    """
    connections = session.scalars(
        select(Connection)
        .where(Connection.token_ciphertext.is_not(None))
        .order_by(Connection.id)
        .with_for_update()
    ).all()
    if connections and not box.has_keys:
        raise _keys_missing(len(connections))
    rotated: list[tuple[Connection, bytes]] = []
    for connection in connections:
        assert connection.token_ciphertext is not None  # selected for that
        try:
            rotated.append((connection, box.rotate(connection.token_ciphertext)))
        except SecretKeyError:
            raise SecretKeyError(
                "none of the keys in %(variable)s can decrypt the token of connection %(id)s; "
                "nothing was rotated. Was a key removed?",
                variable=SECRET_KEYS_VARIABLE,
                id=connection.id,
            ) from None
    for connection, ciphertext in rotated:
        connection.token_ciphertext = ciphertext
    session.add(
        AuditEntry(
            at=now if now is not None else datetime.now(UTC),
            actor=actor,
            action="secrets.rotate",
            subject="connections",
            detail={"tokens": len(rotated)},
        )
    )
    session.flush()
    return len(rotated)


def _keys_missing(count: int) -> SecretKeyError:
    if count == 1:
        return SecretKeyError(
            "%(variable)s is not set, but the database holds 1 encrypted connection token",
            variable=SECRET_KEYS_VARIABLE,
        )
    return SecretKeyError(
        "%(variable)s is not set, but the database holds %(count)s encrypted connection tokens",
        variable=SECRET_KEYS_VARIABLE,
        count=count,
    )
