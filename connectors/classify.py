"""Deciding an event's `kind` once, at ingestion (DESIGN section 5).

Every connector maps its vendor payload into a `RawEvent` (which still has the title) and calls
`classify`; the title goes no further than this function.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from connectors.model import EventKind, EventStatus, Response


@dataclass(frozen=True)
class ClassifyOptions:
    """The parts of the protection rules that classification needs (handed in, never imported)."""

    reflection_keywords: tuple[str, ...] = ()
    out_of_office_keywords: tuple[str, ...] = ()
    personal_keywords: tuple[str, ...] = ()
    tentative_counts_as_meeting: bool = True
    # Organisers (lower-case addresses) whose meetings may take the place of a protected block.
    exception_organisers: frozenset[str] = frozenset()
    # Counterforce (the whitepaper's "tegenkracht"): sessions with these people (lower-case
    # addresses) or with a title holding one of these keywords (coach, mentor, board ...).
    counterforce_keywords: tuple[str, ...] = ()
    counterforce_people: frozenset[str] = frozenset()
    # The key of the people hashes (`people_hashes`); empty: people are not counted.
    people_key: bytes = b""

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str] | None]:
        return {
            "reflection": _keyword_pattern(self.reflection_keywords),
            "out_of_office": _keyword_pattern(self.out_of_office_keywords),
            "personal": _keyword_pattern(self.personal_keywords),
            "counterforce": _keyword_pattern(self.counterforce_keywords),
        }

    def matches(self, group: str, title: str) -> bool:
        pattern = self._patterns[group]
        return bool(title) and pattern is not None and pattern.search(title) is not None


def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    words = [k.strip() for k in keywords if k.strip()]
    if not words:
        return None
    # Whole words only, so "focus" matches "Focus time" but "ooo" does not match "Zoo".
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class RawEvent:
    """A vendor-neutral event just before classification. Lives only inside a connector."""

    title: str
    status: EventStatus
    my_response: Response
    busy: bool
    all_day: bool
    other_attendees: int
    ours: bool = False
    provider_kind: str | None = None  # "focus_time", "out_of_office", "working_location"
    busy_status: str | None = None  # "free", "tentative", "busy", "oof", "working_elsewhere"


def classify(raw: RawEvent, options: ClassifyOptions) -> EventKind | None:
    """Return the event's kind, or None when the event is dropped (cancelled or declined)."""
    if raw.status is EventStatus.CANCELLED or raw.my_response is Response.DECLINED:
        return None
    if raw.ours or raw.provider_kind == "focus_time" or options.matches("reflection", raw.title):
        return EventKind.PROTECTED
    if (
        raw.provider_kind == "out_of_office"
        or raw.busy_status == "oof"
        or (raw.busy and options.matches("out_of_office", raw.title))
        or (raw.all_day and raw.busy)
    ):
        return EventKind.OUT_OF_OFFICE
    if raw.provider_kind == "working_location" or not raw.busy:
        return EventKind.OTHER
    tentative = raw.status is EventStatus.TENTATIVE or raw.my_response is Response.TENTATIVE
    if tentative and not options.tentative_counts_as_meeting:
        return EventKind.OTHER
    if raw.other_attendees > 0 and not options.matches("personal", raw.title):
        return EventKind.MEETING
    return EventKind.SOLO


# 16 bytes of HMAC-SHA256: enough to tell a calendar's people apart, useless without the key.
PERSON_HASH_CHARACTERS = 32


def people_hashes(addresses: Iterable[str], options: ClassifyOptions) -> tuple[str, ...]:
    """The other people of an event as keyed hashes of their lower-case addresses (sorted, each
    once). No key, no hashes: an address never leaves the connector in clear."""
    if not options.people_key:
        return ()
    found = {a.strip().lower().removeprefix("mailto:") for a in addresses}
    return tuple(
        sorted(
            hmac.new(options.people_key, address.encode(), hashlib.sha256).hexdigest()[
                :PERSON_HASH_CHARACTERS
            ]
            for address in found
            if address
        )
    )


def is_counterforce(title: str, addresses: Iterable[str], options: ClassifyOptions) -> bool:
    """Whether a meeting is with counterforce: a person the rules name, or a title keyword."""
    named = options.counterforce_people
    if named and any(a.strip().lower().removeprefix("mailto:") in named for a in addresses):
        return True
    return options.matches("counterforce", title)
