"""The address of a one-off review of a CalDAV calendar: `caldav+https://USER@HOST/PATH`.

The user name travels in the address, the password never does (it would end up in shell
history and process lists); `caldav+http://` is taken only to a server on this machine
(loopback), so no password crosses a network unencrypted.

Imports nothing of agenda-regie outside connectors.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from connectors.errors import ConnectorError

SCHEMES = ("caldav+https", "caldav+http")
Problem = Literal["scheme", "no_user", "password_in_address", "plain_http", "no_host"]


class CalDavAddressError(ConnectorError):
    """The address is no usable CalDAV review address; `reason` says which rule it breaks."""

    def __init__(self, where: str, reason: Problem, problem: str) -> None:
        self.reason = reason
        super().__init__(where, problem)


@dataclass(frozen=True)
class CalDavAddress:
    """The calendar's http(s) URL and the user name to sign in with."""

    url: str
    username: str

    @staticmethod
    def is_one(location: str) -> bool:
        return location.split(":", 1)[0].lower() in SCHEMES

    @classmethod
    def parse(cls, location: str) -> CalDavAddress:
        parts = urlsplit(location)
        scheme = parts.scheme.lower()
        shown = f"{scheme}://{parts.hostname or ''}{parts.path}"
        if scheme not in SCHEMES:
            raise CalDavAddressError(
                shown, "scheme", "a CalDAV address starts with caldav+https://"
            )
        if not parts.hostname:
            raise CalDavAddressError(shown, "no_host", "the address names no server")
        if parts.password is not None:
            raise CalDavAddressError(
                shown,
                "password_in_address",
                "the password does not belong in the address; "
                "set AGENDA_REGIE_CALDAV_PASSWORD instead",
            )
        if not parts.username:
            raise CalDavAddressError(
                shown, "no_user", "name the user in the address: caldav+https://USER@HOST/PATH"
            )
        if scheme == "caldav+http" and not _loopback(parts.hostname):
            raise CalDavAddressError(
                shown,
                "plain_http",
                "caldav+http:// is only for a server on this machine; use caldav+https://",
            )
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        url = urlunsplit((scheme.removeprefix("caldav+"), netloc, parts.path or "/", "", ""))
        return cls(url=url, username=unquote(parts.username))


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
