"""The proposals as an iCalendar file (METHOD:PUBLISH), for leaders without write-back.

Importing it adds the blocks; the UIDs come from the proposal keys, so importing twice updates
the same events instead of doubling them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from icalendar import Calendar, Event

from assistant.i18n.labels import kind_label

PRODID = "-//agenda-regie//weekly review//EN"


def proposal_uid(key: str, generation: int = 0) -> str:
    digest = hashlib.sha256(f"{key}\x00{generation}".encode()).hexdigest()[:32]
    return f"{digest}@agenda-regie"


class Block(Protocol):
    """A proposed block as the file needs it (a review's Proposal, a stored proposal's view)."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


def proposals_ics(proposals: Sequence[tuple[Block, str]], language: str, now: datetime) -> bytes:
    """The blocks, each with its description (the proposal's reason in the leader's words)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for proposal, description in sorted(proposals, key=lambda p: (p[0].start, p[0].key)):
        event = Event()
        event.add("uid", proposal_uid(proposal.key))
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", proposal.start.astimezone(UTC))
        event.add("dtend", proposal.end.astimezone(UTC))
        event.add("summary", kind_label(proposal.kind, language))
        event.add("description", description)
        event.add("transp", "OPAQUE")
        event.add("x-agenda-regie-key", proposal.key)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
