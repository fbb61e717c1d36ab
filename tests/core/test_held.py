"""Whether an accepted protected block held: which events take its time, and when it is judged.

The assistant's page shows each accepted block as held, taken or ahead; a block counted as taken
by a declined meeting, or as held while it is still to come, tells the leader something false.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from assistant.core.held import held, takes_protected_time
from connectors import CalendarEvent, EventKind, EventStatus, Response
from tests.core.builders import at, event, meeting

TUESDAY = date(2026, 3, 3)
START, END = at(TUESDAY, "09:00"), at(TUESDAY, "11:00")
AFTER = at(TUESDAY, "12:00")


def test_a_meeting_the_leader_will_attend_takes_protected_time() -> None:
    assert takes_protected_time(meeting(TUESDAY, "09:30", "10:00"))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"busy": False}, "shown as free"),
        ({"ours": True}, "a block agenda-regie wrote"),
        ({"all_day": True}, "an all-day entry"),
        ({"kind": EventKind.SOLO}, "a solo hold, no meeting"),
        ({"kind": EventKind.PROTECTED}, "another protected block"),
        ({"status": EventStatus.CANCELLED}, "cancelled"),
        ({"my_response": Response.DECLINED}, "declined by the leader"),
    ],
)
def test_what_does_not_take_protected_time(change: dict[str, object], why: str) -> None:
    taking = meeting(TUESDAY, "09:30", "10:00")
    assert not takes_protected_time(replace(taking, **change)), why  # type: ignore[arg-type]


@pytest.mark.parametrize("response", [Response.ACCEPTED, Response.TENTATIVE, Response.NEEDS_ACTION])
def test_a_meeting_not_declined_takes_protected_time(response: Response) -> None:
    assert takes_protected_time(meeting(TUESDAY, "09:30", "10:00", response=response))


def test_a_tentative_meeting_takes_protected_time() -> None:
    tentative = meeting(TUESDAY, "09:30", "10:00", status=EventStatus.TENTATIVE)
    assert takes_protected_time(tentative)


@pytest.mark.parametrize(
    ("start", "end", "outcome"),
    [
        ("08:00", "09:00", "held"),  # ends where the block begins
        ("11:00", "12:00", "held"),  # begins where the block ends
        ("08:00", "09:01", "taken"),  # a minute into the block
        ("10:59", "12:00", "taken"),  # the block's last minute
        ("09:30", "10:00", "taken"),  # inside
        ("08:00", "12:00", "taken"),  # around it
    ],
)
def test_a_block_is_taken_only_by_a_meeting_that_overlaps_it(
    start: str, end: str, outcome: str
) -> None:
    assert held(START, END, [meeting(TUESDAY, start, end)], AFTER) == outcome


def test_a_declined_meeting_in_the_block_leaves_it_held() -> None:
    declined = meeting(TUESDAY, "09:30", "10:00", response=Response.DECLINED)
    assert held(START, END, [declined], AFTER) == "held"


def test_one_taking_meeting_among_others_is_enough() -> None:
    events: list[CalendarEvent] = [
        meeting(TUESDAY, "09:30", "10:00", response=Response.DECLINED),
        event(TUESDAY, "09:00", "11:00", EventKind.PROTECTED),
        meeting(TUESDAY, "10:30", "10:45"),
    ]
    assert held(START, END, events, AFTER) == "taken"


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        (at(TUESDAY, "08:00"), "ahead"),
        (at(TUESDAY, "10:59"), "ahead"),  # under way: not yet held
        (at(TUESDAY, "11:00"), "held"),  # its end is the moment it held
        (AFTER, "held"),
    ],
)
def test_an_untouched_block_is_ahead_until_its_end(now: object, outcome: str) -> None:
    assert held(START, END, [], now) == outcome  # type: ignore[arg-type]


def test_a_block_taken_before_it_begins_is_taken_not_ahead() -> None:
    """A meeting already planned in the block's time is news before the block comes."""
    early = at(TUESDAY, "07:00")
    assert held(START, END, [meeting(TUESDAY, "10:00", "10:30")], early) == "taken"
