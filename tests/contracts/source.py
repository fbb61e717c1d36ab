"""The tests every CalendarSource passes (STYLE 2: one interface, one contract suite).

Each class of tests/contracts/test_source.py subclasses `CalendarSourceContract` and implements
`make_source`, turning `EventSpec`s into its native input (an .ics file, a fake Google or Graph
server ...). `EventSpec` and the helpers here serve the other contracts and the provider tests.
The class name has no Test prefix, so pytest collects it only through its subclasses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import (
    CalendarSource,
    EventKind,
    EventStatus,
    FetchResult,
    Response,
    TimeWindow,
)

ME = "leader@example.org"
# Put in every title; it must never come out of a source.
SECRET = "Geheim-Overleg-7f3a"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class EventSpec:
    """One event as a test describes it; `date` start and end make an all-day event."""

    start: datetime | date
    end: datetime | date
    title: str = f"Overleg {SECRET}"
    status: EventStatus = EventStatus.CONFIRMED
    my_response: Response = Response.UNKNOWN  # ORGANIZER comes from organizer_is_me
    busy: bool = True
    other_attendees: int = 0
    organizer_is_me: bool = False
    created: datetime | None = None
    ours: bool = False  # written by agenda-regie (a protected block)
    uid: str | None = None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = AMSTERDAM) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def local_week(monday: date, zone: ZoneInfo) -> TimeWindow:
    return TimeWindow(at(monday, 0, zone=zone), at(monday + timedelta(days=7), 0, zone=zone))


def real_duration(start: datetime, end: datetime) -> timedelta:
    # Subtracting two times in one ZoneInfo gives wall-clock time; a DST day needs real time.
    return end.astimezone(UTC) - start.astimezone(UTC)


MONDAY = date(2026, 3, 2)
DAY = TimeWindow(at(MONDAY, 9), at(MONDAY, 17))


class CalendarSourceContract(ABC):
    """What a CalendarSource promises (connectors/protocols.py), checked through `fetch` only."""

    @abstractmethod
    def make_source(self, events: list[EventSpec], zone: ZoneInfo) -> CalendarSource:
        """A source holding `events`, reading the leader `ME` in `zone`."""

    def fetch(
        self, specs: list[EventSpec], window: TimeWindow, zone: ZoneInfo = AMSTERDAM
    ) -> FetchResult:
        return self.make_source(specs, zone).fetch(window)

    def only(self, spec: EventSpec, window: TimeWindow = DAY) -> FetchResult:
        result = self.fetch([spec], window)
        assert len(result.events) == 1, result
        return result

    def test_is_a_calendar_source_that_names_itself_on_its_events(self) -> None:
        source = self.make_source([EventSpec(at(MONDAY, 10), at(MONDAY, 11))], AMSTERDAM)

        assert isinstance(source, CalendarSource)
        assert source.name
        assert [e.source for e in source.fetch(DAY)] == [source.name]

    def test_returns_exactly_the_events_overlapping_the_half_open_window(self) -> None:
        spans = {
            "ends as the window starts": (at(MONDAY, 8), at(MONDAY, 9)),
            "straddles the start": (at(MONDAY, 8, 30), at(MONDAY, 9, 30)),
            "inside": (at(MONDAY, 10), at(MONDAY, 11)),
            "zero-length at the start": (at(MONDAY, 9), at(MONDAY, 9)),
            "zero-length at the end": (at(MONDAY, 17), at(MONDAY, 17)),
            "starts as the window ends": (at(MONDAY, 17), at(MONDAY, 18)),
            "straddles the end": (at(MONDAY, 16, 30), at(MONDAY, 17, 30)),
            "covers the window": (at(MONDAY, 7), at(MONDAY, 19)),
            "the day before": (at(MONDAY - timedelta(days=1), 10), at(MONDAY, 1)),
        }
        specs = [EventSpec(start, end) for start, end in spans.values()]

        result = self.fetch(specs, DAY)

        assert [(e.start, e.end) for e in result] == [
            spans["covers the window"],
            spans["straddles the start"],
            spans["zero-length at the start"],
            spans["inside"],
            spans["straddles the end"],
        ]
        assert result.skipped == ()

    def test_events_come_sorted_by_start_end_and_id(self) -> None:
        specs = [
            EventSpec(at(MONDAY, 14), at(MONDAY, 15)),
            EventSpec(at(MONDAY, 10), at(MONDAY, 12)),
            EventSpec(at(MONDAY, 10), at(MONDAY, 11)),
            EventSpec(at(MONDAY, 10), at(MONDAY, 11), other_attendees=2),
            EventSpec(at(MONDAY, 9), at(MONDAY, 16)),
        ]

        events = self.fetch(specs, DAY).events

        assert list(events) == sorted(events, key=lambda e: (e.start, e.end, e.id))
        assert [(e.start.hour, e.end.hour) for e in events] == [
            (9, 16),
            (10, 11),
            (10, 11),
            (10, 12),
            (14, 15),
        ]

    def test_times_are_aware_and_keep_their_instant_in_any_window_zone(self) -> None:
        spec = EventSpec(at(MONDAY, 10, 15), at(MONDAY, 11, 45))
        in_utc = TimeWindow(DAY.start.astimezone(UTC), DAY.end.astimezone(UTC))

        event = self.fetch([spec], in_utc).events[0]

        assert event.start.tzinfo is not None
        assert event.end.tzinfo is not None
        assert (event.start, event.end) == (spec.start, spec.end)
        assert event.start.astimezone(AMSTERDAM).hour == 10

    def test_ids_are_stable_across_fetches_and_distinct_per_occurrence(self) -> None:
        specs = [EventSpec(at(MONDAY, h), at(MONDAY, h + 1)) for h in (9, 11, 13)]
        source = self.make_source(specs, AMSTERDAM)

        first = [e.id for e in source.fetch(DAY)]
        second = [e.id for e in source.fetch(DAY)]

        assert first == second
        assert len(set(first)) == 3

    def test_cancelled_and_declined_events_are_left_out(self) -> None:
        specs = [
            EventSpec(at(MONDAY, 9), at(MONDAY, 10), status=EventStatus.CANCELLED),
            EventSpec(
                at(MONDAY, 10), at(MONDAY, 11), my_response=Response.DECLINED, other_attendees=2
            ),
            EventSpec(
                at(MONDAY, 11), at(MONDAY, 12), my_response=Response.ACCEPTED, other_attendees=2
            ),
        ]

        events = self.fetch(specs, DAY).events

        assert [(e.start.hour, e.my_response) for e in events] == [(11, Response.ACCEPTED)]
        assert events[0].kind is EventKind.MEETING

    def test_tentative_events_are_kept_and_marked(self) -> None:
        specs = [
            EventSpec(
                at(MONDAY, 9), at(MONDAY, 10), status=EventStatus.TENTATIVE, other_attendees=1
            ),
            EventSpec(
                at(MONDAY, 11), at(MONDAY, 12), my_response=Response.TENTATIVE, other_attendees=1
            ),
        ]

        events = self.fetch(specs, DAY).events

        assert [(e.status, e.my_response) for e in events] == [
            (EventStatus.TENTATIVE, Response.UNKNOWN),
            (EventStatus.CONFIRMED, Response.TENTATIVE),
        ]
        assert {e.kind for e in events} == {EventKind.MEETING}

    def test_a_transparent_event_is_not_busy_and_not_load(self) -> None:
        event = self.only(EventSpec(at(MONDAY, 10), at(MONDAY, 11), busy=False)).events[0]

        assert event.busy is False
        assert event.kind is EventKind.OTHER

    @pytest.mark.parametrize(
        ("others", "kind"), [(0, EventKind.SOLO), (1, EventKind.MEETING), (4, EventKind.MEETING)]
    )
    def test_other_attendees_are_counted(self, others: int, kind: EventKind) -> None:
        spec = EventSpec(
            at(MONDAY, 10), at(MONDAY, 11), my_response=Response.ACCEPTED, other_attendees=others
        )

        event = self.only(spec).events[0]

        assert (event.other_attendees, event.kind) == (others, kind)

    def test_the_leader_as_organizer_is_recognised(self) -> None:
        spec = EventSpec(at(MONDAY, 10), at(MONDAY, 11), organizer_is_me=True, other_attendees=2)

        event = self.only(spec).events[0]

        assert event.organized_by_me is True
        assert event.my_response is Response.ORGANIZER
        assert (event.other_attendees, event.kind) == (2, EventKind.MEETING)

    def test_an_unanswered_invitation_needs_action(self) -> None:
        spec = EventSpec(
            at(MONDAY, 10), at(MONDAY, 11), my_response=Response.NEEDS_ACTION, other_attendees=3
        )

        event = self.only(spec).events[0]

        assert (event.my_response, event.organized_by_me) == (Response.NEEDS_ACTION, False)

    @pytest.mark.parametrize("zone", [AMSTERDAM, NEW_YORK], ids=str)
    def test_an_all_day_event_runs_from_local_midnight_to_midnight(self, zone: ZoneInfo) -> None:
        day = MONDAY + timedelta(days=2)
        week = local_week(MONDAY, zone)

        events = self.fetch([EventSpec(day, day + timedelta(days=1))], week, zone).events

        assert len(events) == 1
        assert events[0].all_day is True
        assert events[0].start == at(day, 0, zone=zone)
        assert events[0].end == at(day + timedelta(days=1), 0, zone=zone)
        assert events[0].kind is EventKind.OUT_OF_OFFICE

    def test_an_all_day_event_on_the_spring_dst_sunday_lasts_23_hours(self) -> None:
        sunday = date(2026, 3, 29)
        week = local_week(date(2026, 3, 23), AMSTERDAM)

        event = self.fetch([EventSpec(sunday, sunday + timedelta(days=1))], week).events[0]

        assert event.start == at(sunday, 0)
        assert real_duration(event.start, event.end) == timedelta(hours=23)

    def test_a_free_all_day_event_is_not_a_day_off(self) -> None:
        day = MONDAY + timedelta(days=1)
        spec = EventSpec(day, day + timedelta(days=1), busy=False)

        event = self.fetch([spec], local_week(MONDAY, AMSTERDAM)).events[0]

        assert (event.all_day, event.busy, event.kind) == (True, False, EventKind.OTHER)

    def test_created_is_kept_when_known(self) -> None:
        created = datetime(2026, 2, 1, 8, 30, tzinfo=UTC)
        specs = [
            EventSpec(at(MONDAY, 10), at(MONDAY, 11), created=created),
            EventSpec(at(MONDAY, 12), at(MONDAY, 13)),
        ]

        events = self.fetch(specs, DAY).events

        assert [e.created for e in events] == [created, None]

    def test_our_own_blocks_are_recognised_as_protected(self) -> None:
        event = self.only(EventSpec(at(MONDAY, 13), at(MONDAY, 15), ours=True)).events[0]

        assert (event.ours, event.kind) == (True, EventKind.PROTECTED)

    def test_no_title_text_comes_out(self) -> None:
        day = MONDAY + timedelta(days=1)
        specs = [
            EventSpec(at(MONDAY, 9), at(MONDAY, 10), title=f"{SECRET}, with; odd\\ text"),
            EventSpec(at(MONDAY, 10), at(MONDAY, 11), organizer_is_me=True, other_attendees=2),
            EventSpec(day, day + timedelta(days=1)),
            EventSpec(at(MONDAY, 12), at(MONDAY, 13), status=EventStatus.CANCELLED),
        ]

        result = self.fetch(specs, local_week(MONDAY, AMSTERDAM))

        assert len(result.events) == 3
        assert SECRET not in repr(result)
        assert SECRET not in str(result)

    @pytest.mark.parametrize(
        ("monday", "offsets_in_hours"),
        [
            (date(2026, 3, 23), [1, 1, 1, 1, 1, 1, 2]),  # summer time starts Sunday 29 March
            (date(2026, 10, 19), [2, 2, 2, 2, 2, 2, 1]),  # and ends Sunday 25 October
        ],
        ids=["march", "october"],
    )
    def test_a_week_across_a_dst_change_in_amsterdam(
        self, monday: date, offsets_in_hours: list[int]
    ) -> None:
        days = [monday + timedelta(days=n) for n in range(7)]
        sunday = days[-1]
        specs = [EventSpec(at(day, 9), at(day, 10)) for day in days]
        specs.append(EventSpec(at(sunday, 1), at(sunday, 4), other_attendees=1))

        events = self.fetch(specs, local_week(monday, AMSTERDAM)).events

        standups = [e for e in events if e.other_attendees == 0]
        assert [e.start.astimezone(AMSTERDAM).hour for e in standups] == [9] * 7
        offsets = [e.start.utcoffset() for e in standups]
        assert offsets == [timedelta(hours=h) for h in offsets_in_hours]
        assert all(real_duration(e.start, e.end) == timedelta(hours=1) for e in standups)
        night = next(e for e in events if e.other_attendees == 1)
        lost_or_gained = offsets_in_hours[0] - offsets_in_hours[-1]
        assert real_duration(night.start, night.end) == timedelta(hours=3 + lost_or_gained)

    def test_an_empty_calendar_gives_an_empty_result(self) -> None:
        result = self.fetch([], DAY)

        assert (result.events, result.skipped) == ((), ())
