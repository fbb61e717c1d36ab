"""The console's tables: its users, whom an assistant looks after, sign-in sessions, organisation
sign-ins on their way, and the failed sign-ins that rate limits count.

A user's password is kept only as an argon2id hash and a TOTP secret only as Fernet ciphertext
(`assistant.store.crypto.SecretBox`); a session only as the SHA-256 of its random id, so a copy of
the database signs no one in. Imported by `assistant.store.models`, which owns the metadata.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.models import LANGUAGES, Base, _one_of

# A coach sees only what leaders share with them (assistant.store.place_models.CoachGrant).
CONSOLE_ROLES = ("admin", "assistant", "leader", "coach")


class ConsoleUser(Base):
    """Someone who signs in to the console: an admin, an assistant or a leader."""

    __tablename__ = "console_users"
    __table_args__ = (
        CheckConstraint(_one_of("role", CONSOLE_ROLES), name="role"),
        CheckConstraint(f"language IS NULL OR {_one_of('language', LANGUAGES)}", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    # argon2id (argon2-cffi's encoded form); None: signs in only through the organisation.
    password_hash: Mapped[str | None] = mapped_column(Text)
    totp_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The last TOTP time step used to sign in: a code is good once (no replay in its window).
    totp_last_step: Mapped[int | None]
    # None: the browser's language.
    language: Mapped[str | None] = mapped_column(String(8))
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]


console_assignments = Table(
    "console_assignments",
    Base.metadata,
    Column("user_id", ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True),
    Column("leader_id", ForeignKey("leaders.id", ondelete="CASCADE"), primary_key=True),
)


class ConsoleSession(Base):
    """A signed-in browser. `token_hash` is the SHA-256 of the cookie's random value."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"))
    # The form token of this session (CSRF): every form carries it, every POST must match it.
    form_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class SignInFailure(Base):
    """One failed sign-in, counted by account and by client for the rate limits."""

    __tablename__ = "console_sign_in_failures"
    __table_args__ = (Index(None, "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime]


class PendingSignIn(Base):
    """An organisation sign-in on its way: what the provider needs back when the browser
    returns (state, nonce, PKCE verifier), found by the SHA-256 of a short-lived cookie, used
    once."""

    __tablename__ = "console_pending_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    pending: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime]


from assistant.store import place_models  # noqa: E402, F401  (its tables join the metadata)
