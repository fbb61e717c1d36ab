"""Passwords as argon2id hashes (argon2-cffi) and time-based one-time codes (pyotp).

Neither a password nor a TOTP secret is ever logged or said in a message; the secret is kept
encrypted with the store's keys (`SecretBox`).
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.errors import UserError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
ISSUER = "agenda-regie"
_HASHER = PasswordHasher()  # argon2id with RFC 9106's low-memory parameters
# Verified when the address is unknown, so a wrong address costs the same time as a wrong password.
_NOBODY = _HASHER.hash("no one has this password")


class PasswordError(UserError):
    """A password that cannot be used; the message says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(
            "the password must be at least %(length)s characters long", length=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(
            "the password may be at most %(length)s characters long", length=MAX_PASSWORD_LENGTH
        )
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; always takes an argon2 verification's time."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash or _NOBODY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def totp_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step whose code `code` is, near `now` (one step either side for clock drift)
    and later than `after` (a code is good once); None when it is no such code."""
    digits = code.replace(" ", "")
    if not digits.isdigit() or len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def totp_code(secret: str, now: datetime) -> str:
    """The code at `now` (what an authenticator app shows)."""
    return pyotp.TOTP(secret).at(now)
