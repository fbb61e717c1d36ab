"""The checks of single values: database URLs, Microsoft cloud addresses, Fernet keys.

Each raises ValueError with a sentence (or returns the problems) that never repeats a password
or a key. Must not import cryptography, SQLAlchemy or httpx: reading settings stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from collections import Counter
from urllib.parse import SplitResult, urlsplit

from assistant.settings.names import (
    DATABASE_URL_VARIABLE,
    LINK_SECRET_MIN_BYTES,
    LINK_SECRET_WEAK,
    MICROSOFT_TENANT_VARIABLE,
    SECRET_KEYS_VARIABLE,
    SECRET_MIN_BITS_PER_BYTE,
)

# Checks ------------------------------------------------------------------------------------------


def normalise_database_url(url: str) -> str:
    """The URL SQLAlchemy should use: PostgreSQL through psycopg 3, SQLite as given.

    Raises ValueError with a sentence naming `DATABASE_URL` when the URL cannot be used. The URL
    itself is not repeated in the message, because it may hold a password.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or not rest:
        raise ValueError(
            f"{DATABASE_URL_VARIABLE} is not a database URL; expected sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DATABASE"
        )
    scheme = scheme.lower()
    if scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        parts = urlsplit(f"postgresql://{rest}")
        if not parts.path.strip("/"):
            raise ValueError(
                f"{DATABASE_URL_VARIABLE} names no database; expected "
                "postgresql://USER@HOST:PORT/DATABASE"
            )
        return f"postgresql+psycopg://{rest}"
    if scheme in {"sqlite", "sqlite+pysqlite"}:
        return f"sqlite://{rest}"
    raise ValueError(
        f"{DATABASE_URL_VARIABLE} uses {scheme!r}, which agenda-regie does not support; use "
        "sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE (psycopg 3 is used as the driver)"
    )


def normalise_authority_host(value: str) -> str:
    """`https://HOST[:PORT]` of Entra ID, without a trailing slash; ValueError saying what is wrong.

    msal accepts only an https authority (it refuses http even on 127.0.0.1), and appends the
    tenant itself, so a path here would be a tenant in the wrong place.
    """
    parts = _url_parts(value)
    if parts.scheme != "https":
        raise ValueError(
            "must start with https:// (msal refuses any other authority), e.g. "
            "https://login.microsoftonline.us"
        )
    if parts.path.strip("/"):
        raise ValueError(
            f"must be the host only, without a path such as {parts.path!r}; the tenant goes in "
            f"{MICROSOFT_TENANT_VARIABLE}"
        )
    return f"https://{parts.netloc}"


def normalise_graph_url(value: str) -> str:
    """The Graph service root with its version, e.g. `https://graph.microsoft.us/v1.0`.

    https, except on a loopback host (a local test double): a bearer token is sent there.
    """
    parts = _url_parts(value)
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
        raise ValueError(
            "must start with https:// (plain http only for a server on this machine), e.g. "
            "https://graph.microsoft.us/v1.0"
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/v1.0"):
        raise ValueError(
            "must end in the API version /v1.0, e.g. https://graph.microsoft.us/v1.0 "
            "(agenda-regie uses Graph v1.0 only)"
        )
    return f"{parts.scheme}://{parts.netloc}{path}"


def _url_parts(value: str) -> SplitResult:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("is not a URL") from None
    if not parts.hostname or parts.scheme not in {"http", "https"}:
        raise ValueError("is not an http(s) URL with a host name")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?...) or fragment (#...)")
    return parts


def _loopback(hostname: str | None) -> bool:
    if hostname is None:
        return False
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def key_problems(keys: tuple[str, ...]) -> list[str]:
    # Checked without cryptography so that reading settings stays cheap; the key is never echoed.
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            decoded = b""
        if len(decoded) != 32 or bits_per_byte(decoded) < SECRET_MIN_BITS_PER_BYTE:
            problems.append(
                f"{SECRET_KEYS_VARIABLE}: key {position} of {len(keys)} is not a Fernet key "
                "(44 characters of url-safe base64 holding 32 random bytes); generate one with "
                '`python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            )
    if len(set(keys)) != len(keys):
        problems.append(f"{SECRET_KEYS_VARIABLE} lists the same key more than once")
    return problems


def bits_per_byte(data: bytes) -> float:
    """The Shannon entropy of the bytes' distribution: about 5 for 32 random bytes, 0 for
    "aaaa..."; a floor against made-up secrets, not a measure of how they were made."""
    if not data:
        return 0.0
    counts = Counter(data).values()
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts)


_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"[A-Za-z0-9_+/-]+=*")


def random_bytes(secret: str) -> int:
    """How many random bytes a secret is judged to carry.

    Hex or base64 (what generators print) counts its decoded bytes, when their variety is at
    least SECRET_MIN_BITS_PER_BYTE; other text counts its characters times their variety in
    bits, over 8 (about 64 random letters and digits make 32 bytes)."""
    decoded: bytes | None = None
    if _HEX.fullmatch(secret):
        decoded = bytes.fromhex(secret)
    elif _BASE64.fullmatch(secret) and len(secret.rstrip("=")) % 4 != 1:
        text = secret.rstrip("=").replace("+", "-").replace("/", "_")
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if decoded is not None:
        return len(decoded) if bits_per_byte(decoded) >= SECRET_MIN_BITS_PER_BYTE else 0
    text_bytes = secret.encode("utf-8")
    return int(len(text_bytes) * bits_per_byte(text_bytes) / 8)


def link_secret_problem(secret: str) -> str | None:
    """Why the link secret is too weak, or None (the secret is never echoed)."""
    carried = random_bytes(secret)
    if carried >= LINK_SECRET_MIN_BYTES:
        return None
    return LINK_SECRET_WEAK.format(length=len(secret), found=f"about {carried} random bytes")
