"""The tests every IncrementalSource passes: sync state in, changes out (STYLE 2).

A test class subclasses `IncrementalSourceContract` and implements how its calendar changes
(`put`, `remove`, `forget_states`) and `make_source`. Checked through `sync` only, as the
cache that stores the result sees it: a caller that upserts `kept`, drops `removed`, and on a
full result keeps exactly `kept`, always holds what `fetch` would return.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any

from connectors import EventStatus, IncrementalSource, IncrementalSync, TimeWindow
from tests.contracts.source import AMSTERDAM, MONDAY, SECRET, EventSpec, at, local_week

WEEK = local_week(MONDAY, AMSTERDAM)
NEXT_WEEK = local_week(MONDAY + timedelta(days=7), AMSTERDAM)


def meeting(day: int, hour: int, hours: int = 1, **fields: Any) -> EventSpec:
    """A meeting with two others on MONDAY + `day` at `hour`, Amsterdam time."""
    start = at(MONDAY + timedelta(days=day), hour)
    return EventSpec(start, start + timedelta(hours=hours), other_attendees=2, **fields)


class IncrementalSourceContract(ABC):
    """What an IncrementalSource promises (connectors/protocols.py)."""

    @abstractmethod
    def make_source(self) -> IncrementalSource[Any]:
        """A source on the calendar this test changes, reading the leader in Amsterdam."""

    @abstractmethod
    def put(self, index: int, spec: EventSpec) -> None:
        """Add event number `index`, or replace it, as the leader's calendar app would."""

    @abstractmethod
    def remove(self, index: int) -> None:
        """Delete event number `index`, as the leader would."""

    @abstractmethod
    def forget_states(self) -> None:
        """The provider forgets every sync state it handed out (an expired token)."""

    # --- helpers ----------------------------------------------------------------------------

    def cache_after(self, cache: dict[str, Any], result: IncrementalSync[Any]) -> dict[str, Any]:
        """What a caller holds after applying `result`, by id."""
        if result.full:
            return {e.id: e for e in result.kept}
        kept = {**cache, **{e.id: e for e in result.kept}}
        return {k: v for k, v in kept.items() if k not in result.removed}

    def hours(self, result: IncrementalSync[Any]) -> list[tuple[int, int]]:
        return sorted((e.start.day, e.start.astimezone(AMSTERDAM).hour) for e in result.kept)

    def first(self, window: TimeWindow = WEEK) -> tuple[IncrementalSource[Any], Any]:
        source = self.make_source()
        result = source.sync(None, window)
        return source, result

    # --- the contract -----------------------------------------------------------------------

    def test_a_first_sync_lists_the_window_as_fetch_does(self) -> None:
        self.put(0, meeting(0, 9))
        self.put(1, meeting(2, 14))
        self.put(2, meeting(8, 10))  # next week
        self.put(3, meeting(1, 11, status=EventStatus.CANCELLED))

        source, result = self.first()

        assert (result.kind, result.full, result.removed) == ("first", True, ())
        assert self.hours(result) == [(2, 9), (4, 14)]
        assert {e.id for e in result.kept} == {e.id for e in source.fetch(WEEK)}
        assert result.requests >= 1

    def test_no_change_gives_an_empty_increment(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()

        again = source.sync(first.state, WEEK)

        assert (again.kind, again.full, again.kept, again.removed) == (
            "incremental",
            False,
            (),
            (),
        )

    def test_an_added_event_comes_as_a_change(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()

        self.put(1, meeting(3, 15))
        result = source.sync(first.state, WEEK)

        assert result.kind == "incremental"
        assert self.hours(result) == [(5, 15)]
        assert self.cache_after(self.cache_after({}, first), result).keys() == {
            e.id for e in source.fetch(WEEK)
        }

    def test_a_moved_event_keeps_its_id_and_comes_with_its_new_times(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()
        (before,) = first.kept

        self.put(0, meeting(1, 13))
        result = source.sync(first.state, WEEK)

        assert [e.id for e in result.kept] == [before.id]
        assert self.hours(result) == [(3, 13)]

    def test_a_deleted_event_comes_as_removed_by_its_id(self) -> None:
        self.put(0, meeting(0, 9))
        self.put(1, meeting(0, 11))
        source, first = self.first()
        gone = next(e.id for e in first.kept if e.start.hour == 9)

        self.remove(0)
        result = source.sync(first.state, WEEK)

        assert (result.kept, result.removed) == ((), (gone,))
        cache = self.cache_after(self.cache_after({}, first), result)
        assert cache.keys() == {e.id for e in source.fetch(WEEK)}
        assert gone not in cache

    def test_a_cancelled_event_comes_as_removed(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()

        self.put(0, meeting(0, 9, status=EventStatus.CANCELLED))
        result = source.sync(first.state, WEEK)

        assert result.kept == ()
        assert result.removed == (first.kept[0].id,)

    def test_an_event_moved_out_of_the_window_comes_as_removed(self) -> None:
        self.put(0, meeting(0, 9))
        source, first = self.first()

        self.put(0, meeting(9, 9))  # the week after
        result = source.sync(first.state, WEEK)

        assert result.kept == ()
        assert result.removed == (first.kept[0].id,)

    def test_another_window_is_listed_in_full(self) -> None:
        self.put(0, meeting(0, 9))
        self.put(1, meeting(8, 10))
        source, first = self.first()

        result = source.sync(first.state, NEXT_WEEK)

        assert (result.kind, result.full) == ("window_moved", True)
        assert self.hours(result) == [(10, 10)]

    def test_a_forgotten_state_gives_a_full_resync_that_reconciles_deletions(self) -> None:
        self.put(0, meeting(0, 9))
        self.put(1, meeting(1, 10))
        source, first = self.first()
        cache = self.cache_after({}, first)

        self.remove(0)
        self.put(2, meeting(2, 11))
        self.forget_states()
        resync = source.sync(first.state, WEEK)
        cache = self.cache_after(cache, resync)

        assert (resync.kind, resync.full) == ("token_expired", True)
        assert self.hours(resync) == [(3, 10), (4, 11)]
        assert cache.keys() == {e.id for e in source.fetch(WEEK)}
        # The state it hands out works again.
        after = source.sync(resync.state, WEEK)
        assert (after.kind, after.kept, after.removed) == ("incremental", (), ())

    def test_no_title_text_comes_out(self) -> None:
        self.put(0, meeting(0, 9, title=f"{SECRET}, private"))
        source, first = self.first()
        self.put(0, meeting(0, 10, title=f"{SECRET}, moved"))

        result = source.sync(first.state, WEEK)

        assert SECRET not in repr(first)
        assert SECRET not in repr(result)
