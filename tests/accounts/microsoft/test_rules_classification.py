"""A Microsoft 365 leader's calendar is classified with the leader's own rules when the workers
sync it, and classified again, in full, when those rules change their keywords."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tests.accounts.microsoft.test_sync import LEADER, Shell, shell, store
from tests.accounts.reclassify import (
    DENKTIJD,
    WITH_STILTE,
    apply,
    reflection_minutes_after_sync,
    services,
)
from tests.connectors.microsoft.events import meeting
from tests.contracts.source import AMSTERDAM
from tests.fakes.microsoft_graph import FakeGraph

__all__ = ["shell", "store"]


def block(number: int, title: str, start: datetime, minutes: int = 90) -> dict[str, Any]:
    """A block the leader put in their own calendar: busy, no one else invited."""
    return meeting(number, start, minutes, subject=title, isOrganizer=True, attendees=[])


def test_a_denktijd_block_counts_as_reflection_and_a_new_keyword_reclassifies_the_cache(
    shell: Shell, fake: FakeGraph, store: Engine
) -> None:
    fake.put(block(1, "Denktijd", datetime(2026, 5, 26, 9, 0, tzinfo=AMSTERDAM)))
    fake.put(block(2, "Stilte", datetime(2026, 5, 28, 9, 0, tzinfo=AMSTERDAM)))
    fake.put(meeting(3, datetime(2026, 5, 27, 14, 0, tzinfo=AMSTERDAM), minutes=60))
    apply(store, LEADER, DENKTIJD)
    connection_id = shell.connect()
    workers = services(store, shell.cipher, microsoft=shell.access)

    assert reflection_minutes_after_sync(workers, LEADER, connection_id) == ("synced", 90)
    cache = shell.cache(connection_id)
    assert (cache["AAMk0000001="].kind, cache["AAMk0000002="].kind) == ("protected", "solo")

    # Nothing changed in the calendar: only the rules. The next sync lists the window again.
    apply(store, LEADER, WITH_STILTE)
    assert reflection_minutes_after_sync(workers, LEADER, connection_id) == ("synced", 180)
    assert shell.cache(connection_id)["AAMk0000002="].kind == "protected"
