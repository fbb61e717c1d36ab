"""The tests every CalendarWriter passes: protected blocks, written once, removed for good.

A test class subclasses `CalendarWriterContract` and implements `make_writer` and `read`, the
leader's calendar as a source of the same provider sees it (what the next sync, and the leader,
see). Checked through `create_block`, `delete_block` and that reading only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, timedelta

from connectors import Block, CalendarWriter, EventKind, FetchResult, TimeWindow
from tests.contracts.source import AMSTERDAM, MONDAY, at, local_week

WEEK = local_week(MONDAY, AMSTERDAM)
KEY = "leader@example.org/2026-W10/focus/0"


def block(key: str = KEY, generation: int = 0, day: int = 1, hour: int = 9) -> Block:
    start = at(MONDAY + timedelta(days=day), hour)
    return Block(
        key=key,
        generation=generation,
        start=start,
        end=start + timedelta(hours=2),
        title="Focus time",
        zone=AMSTERDAM,
    )


class CalendarWriterContract(ABC):
    """What a CalendarWriter promises (connectors/protocols.py)."""

    @abstractmethod
    def make_writer(self) -> CalendarWriter:
        """A writer into the leader's calendar (Amsterdam)."""

    @abstractmethod
    def read(self, window: TimeWindow) -> FetchResult:
        """The leader's calendar as the provider's source reads it."""

    def ours(self, window: TimeWindow = WEEK) -> list[tuple[str, str]]:
        """Our blocks in the calendar, as (start, end) in UTC."""
        return [
            (f"{e.start.astimezone(UTC):%d %H:%M}", f"{e.end.astimezone(UTC):%d %H:%M}")
            for e in self.read(window)
            if e.ours
        ]

    def test_a_created_block_is_one_protected_busy_event_of_ours(self) -> None:
        writer = self.make_writer()

        written = writer.create_block(block())

        assert written.created is True
        assert written.event_id
        events = [e for e in self.read(WEEK) if e.ours]
        assert [(e.kind, e.busy, e.all_day) for e in events] == [(EventKind.PROTECTED, True, False)]
        assert (events[0].start, events[0].end) == (block().start, block().end)

    def test_writing_the_same_block_again_leaves_one_block(self) -> None:
        writer = self.make_writer()

        first = writer.create_block(block())
        again = writer.create_block(block())
        from_another_writer = self.make_writer().create_block(block())

        assert (first.created, again.created, from_another_writer.created) == (True, False, False)
        assert again.event_id == first.event_id == from_another_writer.event_id
        assert self.ours() == [("03 08:00", "03 10:00")]

    def test_each_key_and_generation_is_its_own_block(self) -> None:
        writer = self.make_writer()

        writer.create_block(block())
        writer.create_block(block(generation=1, day=2))
        writer.create_block(block(key=KEY.replace("/0", "/1"), day=3, hour=14))

        assert self.ours() == [
            ("03 08:00", "03 10:00"),
            ("04 08:00", "04 10:00"),
            ("05 13:00", "05 15:00"),
        ]

    def test_a_removed_block_is_gone(self) -> None:
        writer = self.make_writer()
        writer.create_block(block())
        writer.create_block(block(generation=1, day=2))

        assert writer.delete_block(KEY, 0) is True

        assert self.ours() == [("04 08:00", "04 10:00")]

    def test_removing_a_block_that_is_not_there_says_so(self) -> None:
        writer = self.make_writer()
        writer.create_block(block())

        assert writer.delete_block(KEY, 1) is False  # never written
        assert writer.delete_block(KEY, 0) is True
        assert writer.delete_block(KEY, 0) is False  # removed already
        assert self.ours() == []

    def test_the_writer_names_the_calendar_it_writes_to(self) -> None:
        assert self.make_writer().where
