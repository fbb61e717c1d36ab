"""Signing in to the console and staying signed in: local accounts (argon2id password and an
optional TOTP code), the organisation's OpenID Connect sign-in (a `VerifiedIdentity` of an
existing, enabled console user), server-side sessions, and the sign-in rate limits.

The cookie carries a random value; the store keeps only its SHA-256, so a copy of the database
signs no one in. Failed sign-ins are counted per account and per client in the store, within a
window read from the caller's clock, so a test moves the clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.app.console.credentials import password_matches, totp_step
from assistant.store.console_models import ConsoleUser
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, Session, session_scope
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.console_sessions import (
    close_console_session,
    close_every_console_session,
    forget_sign_in_failures,
    keep_pending_sign_in,
    live_console_session,
    open_console_session,
    record_sign_in_failure,
    sign_in_failures_since,
    take_pending_sign_in,
)
from assistant.store.repositories.console_users import find_console_user
from connectors.identity.base import VerifiedIdentity

SESSION_LIFETIME = timedelta(hours=12)
LIMIT_WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # failed sign-ins of one address in the window
CLIENT_LIMIT = 20  # failed sign-ins from one client in the window
SIGNED_OUT_EVERYWHERE = "console.signed_out_everywhere"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a request: who, with which role and language, and the form token
    every POST of this session must carry."""

    user_id: int
    email: str
    role: str
    language: str | None
    form_token: str


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's value, and who it is."""

    cookie: str
    viewer: Viewer


@dataclass(frozen=True)
class Refused:
    """A sign-in that did not succeed: `limited` when the rate limit stopped it (nothing was
    checked), else the address, password or code was not right (one reason for all three)."""

    limited: bool


def token_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def _keys(email: str, client: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()}", f"client:{client}"


def sign_in_with_password(
    engine: Engine,
    box: SecretBox,
    *,
    email: str,
    password: str,
    code: str,
    client: str,
    now: datetime,
) -> SignedIn | Refused:
    account_key, client_key = _keys(email, client)
    since = now - LIMIT_WINDOW
    with session_scope(engine) as session:
        if (
            sign_in_failures_since(session, account_key, since) >= ACCOUNT_LIMIT
            or sign_in_failures_since(session, client_key, since) >= CLIENT_LIMIT
        ):
            return Refused(limited=True)
        user = find_console_user(session, email)
        good = password_matches(None if user is None else user.password_hash, password)
        if user is not None and good and user.totp_ciphertext is not None:
            secret = box.decrypt(user.totp_ciphertext).decode()
            step = totp_step(secret, code, now, user.totp_last_step)
            good = step is not None
            if step is not None:
                user.totp_last_step = step
        if user is None or not good or user.disabled:
            record_sign_in_failure(session, [account_key, client_key], now=now)
            return Refused(limited=False)
        forget_sign_in_failures(session, account_key)
        return _open(session, user, now)


def sign_in_verified(engine: Engine, identity: VerifiedIdentity, now: datetime) -> SignedIn | None:
    """A session for the console user with the identity's (verified) address; None when there
    is no such user or they are disabled."""
    with session_scope(engine) as session:
        user = find_console_user(session, identity.email)
        if user is None or user.disabled or not identity.email:
            return None
        return _open(session, user, now)


def _open(
    session: Session, user: ConsoleUser, now: datetime, lifetime: timedelta = SESSION_LIFETIME
) -> SignedIn:
    cookie = secrets.token_urlsafe(32)
    form = secrets.token_urlsafe(32)
    open_console_session(
        session,
        user,
        token_hash=token_hash(cookie),
        form_token=form,
        now=now,
        lifetime=lifetime,
    )
    return SignedIn(cookie, _viewer(user, form))


def open_session(
    session: Session, user: ConsoleUser, now: datetime, lifetime: timedelta = SESSION_LIFETIME
) -> SignedIn:
    """A session for a user whose address a signed link or an invitation proved; the caller
    checked that the user is enabled."""
    return _open(session, user, now, lifetime)


def _viewer(user: ConsoleUser, form: str) -> Viewer:
    return Viewer(user.id, user.email, user.role, user.language, form)


def current_viewer(engine: Engine, cookie: str, now: datetime) -> Viewer | None:
    """The signed-in user of this cookie, or None (no session, expired, user disabled)."""
    if not cookie or len(cookie) > 200:
        return None
    with session_scope(engine) as session:
        found = live_console_session(session, token_hash(cookie), now=now)
        if found is None:
            return None
        row, user = found
        return _viewer(user, row.form_token)


def sign_out(engine: Engine, cookie: str) -> None:
    with session_scope(engine) as session:
        close_console_session(session, token_hash(cookie))


def sign_out_everywhere(engine: Engine, viewer: Viewer, now: datetime) -> int:
    """End every session of this user, on every device; audited."""
    with session_scope(engine) as session:
        ended = close_every_console_session(session, viewer.user_id)
        add_audit(
            session,
            actor=viewer.email,
            action=SIGNED_OUT_EVERYWHERE,
            subject=viewer.email,
            now=now,
            detail={"sessions": ended},
        )
        return ended


def keep_pending(
    engine: Engine, provider: str, pending: dict[str, object], expires_at: datetime
) -> str:
    """Keep what an organisation sign-in needs back; the cookie value that finds it."""
    cookie = secrets.token_urlsafe(32)
    with session_scope(engine) as session:
        keep_pending_sign_in(
            session, token_hash(cookie), provider, dict(pending), expires_at=expires_at
        )
    return cookie


def forget_pending(
    engine: Engine, cookie: str, now: datetime
) -> tuple[str, dict[str, object]] | None:
    """What was kept for this cookie (provider, pending), once; None when unknown or expired."""
    if not cookie or len(cookie) > 200:
        return None
    with session_scope(engine) as session:
        return take_pending_sign_in(session, token_hash(cookie), now=now)
