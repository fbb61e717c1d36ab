"""Where iCalendar feeds may come from: the hosts an operator allows on a private network.

Feeds are fetched only from public addresses (docs/security.md); an intranet calendar server is
reached once the operator names its host here. Imports nothing of agenda-regie beyond settings.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from assistant.settings.groups import Group

FEED_ALLOWED_HOSTS_VARIABLE = "AGENDA_REGIE_FEED_ALLOWED_HOSTS"


class FeedSettings(Group):
    """`allowed_hosts`: host names or addresses whose feeds may be on a private network."""

    allowed_hosts: tuple[str, ...] = Field((), validation_alias=FEED_ALLOWED_HOSTS_VARIABLE)

    @classmethod
    def check(cls, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        hosts = []
        for item in raw.get("allowed_hosts", "").split(","):
            host = item.strip().lower()
            if not host:
                continue
            if any(c in host for c in "/@?# ") or any(ord(c) < 32 for c in host):
                problems.append(
                    f"{FEED_ALLOWED_HOSTS_VARIABLE} lists host names or addresses separated by "
                    f"commas, not URLs ({host!r})"
                )
                continue
            hosts.append(host)
        return {"allowed_hosts": tuple(hosts)}


def feed_allowed_hosts() -> frozenset[str]:
    """The allowed hosts from the environment (read when a feed is fetched)."""
    return frozenset(FeedSettings.from_environ().allowed_hosts)
