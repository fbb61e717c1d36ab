"""A Google leader's calendar is classified with the leader's own rules when the workers sync
it, and classified again, in full, when those rules change their keywords."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from tests.accounts.reclassify import (
    DENKTIJD,
    WITH_STILTE,
    apply,
    reflection_minutes_after_sync,
    services,
)
from tests.connectors.google.conftest import LEADER, Shell
from tests.connectors.google.events import meeting
from tests.contracts.source import AMSTERDAM
from tests.fakes.google_calendar import FakeGoogleCalendar


def block(event_id: str, title: str, start: datetime, minutes: int = 90) -> dict[str, Any]:
    """A block the leader put in their own calendar: busy, no one else invited."""
    end = start + timedelta(minutes=minutes)
    return {
        "id": event_id,
        "summary": title,
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": end.isoformat()},
    }


def test_a_denktijd_block_counts_as_reflection_and_a_new_keyword_reclassifies_the_cache(
    shell: Shell, fake: FakeGoogleCalendar, store: Engine
) -> None:
    fake.put(block("denktijd1", "Denktijd", datetime(2026, 5, 26, 9, 0, tzinfo=AMSTERDAM)))
    fake.put(block("stilte1", "Stilte", datetime(2026, 5, 28, 9, 0, tzinfo=AMSTERDAM)))
    fake.put(meeting(1, datetime(2026, 5, 27, 14, 0, tzinfo=AMSTERDAM), minutes=60))
    apply(store, LEADER, DENKTIJD)
    connection_id = shell.connect()
    workers = services(store, shell.cipher, google_api_endpoint=fake.url)

    assert reflection_minutes_after_sync(workers, LEADER, connection_id) == ("synced", 90)
    cache = shell.cache(connection_id)
    assert (cache["denktijd1"].kind, cache["stilte1"].kind) == ("protected", "solo")

    # Nothing changed in the calendar: only the rules. The next sync lists the window again.
    apply(store, LEADER, WITH_STILTE)
    assert reflection_minutes_after_sync(workers, LEADER, connection_id) == ("synced", 180)
    assert shell.cache(connection_id)["stilte1"].kind == "protected"

    # The sync after that asks only for changes again (one request, no listing).
    fake.reset_counts()
    assert reflection_minutes_after_sync(workers, LEADER, connection_id) == ("synced", 180)
    assert fake.count(path_part="/events") == 1
