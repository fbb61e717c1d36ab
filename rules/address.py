"""One plain email address: what a rule file, the command line and the settings mean by one.

`boss@example.org, spy@evil.example` is two addresses, `Boss <boss@example.org>` carries a
name, and a CR or LF would end a mail header early: none of them is one plain address. Imports
only the rules' own error (the settings and the command line use it too).
"""

from __future__ import annotations

import re

from rules.errors import RuleValueError

# No white space, quotes, brackets, commas or semicolons: nothing that lists or names.
_LOCAL = r"[^\s@,;:<>()\[\]\"\\]+"
_DOMAIN = r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*"
_PLAIN = re.compile(rf"{_LOCAL}@{_DOMAIN}")
NOT_PLAIN = "%(value)r is not one plain email address (no names, lists or control characters)"


def plain_address(text: str) -> str | None:
    """The address without surrounding spaces when `text` is exactly one plain address, else
    None. Control characters anywhere (a CR or LF inside included) make it None."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return None
    stripped = text.strip()
    return stripped if _PLAIN.fullmatch(stripped) else None


def one_address(value: str | None) -> str | None:
    """Exactly one plain address (no display name, list or control character), or None."""
    if value is None:
        return None
    address = plain_address(value)
    if address is None:
        raise RuleValueError(NOT_PLAIN, value=value)
    return address
