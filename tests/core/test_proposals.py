"""Proposals for the week after the reviewed one (DESIGN section 7), slot by slot.

The reviewed week is 2026-W10 unless a test says otherwise, so proposals are for 2026-W11:
Monday 9 March to Sunday 15 March, working time Monday to Friday 08:30-17:30. Each test names
the kinds it asks for (rules proposals.kinds) so that it shows one rule at a time.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from assistant.core.review import Buffer, IsoWeek, WeeklyReview
from assistant.i18n.wording import word
from rules import Rules
from tests.core.builders import at, away_day, hold, meeting, protected, review, rules

WEEK = "2026-W10"
MON, TUE, WED, THU, FRI, SAT, SUN = IsoWeek.parse(WEEK).days()
N_MON, N_TUE, N_WED, N_THU, N_FRI, N_SAT, N_SUN = IsoWeek.parse("2026-W11").days()


def slots(week: WeeklyReview) -> list[tuple[str, str, str]]:
    """(kind, 'Tue 10 08:30', '10:00'): the proposals as a leader reads them, in local time."""
    return [(p.kind, f"{p.start:%a %d %H:%M}", f"{p.end:%H:%M}") for p in week.proposals]


def only(*kinds: str, **more: object) -> Rules:
    return rules(proposals={"kinds": list(kinds)}, **more)


# everything together, in an empty calendar -------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "offset"),
    [
        ("Europe/Amsterdam", "+01:00"),
        ("America/New_York", "-04:00"),  # summer time began on Sunday 8 March
        ("Asia/Tokyo", "+09:00"),
    ],
)
def test_an_empty_calendar_gets_a_mini_retreat_and_two_reflection_blocks(
    zone: str, offset: str
) -> None:
    leader = {"timezone": zone, "holiday_country": None}
    week = review([], WEEK, rules=rules(leader=leader))
    # No mini-retreat in the 13 weeks read: one on the lightest day; all weekdays are equally
    # free (9 h), so the first, Monday, from 13:00. Reflection: Monday already has a block, so
    # Tuesday in the preferred window, then the day furthest from Tuesday: Friday.
    assert slots(week) == [
        ("mini_retreat", "Mon 09 13:00", "16:00"),
        ("reflection", "Tue 10 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    assert {p.start.isoformat()[-6:] for p in week.proposals} == {offset}
    assert [p.key for p in week.proposals] == [
        "leader:2026-W11:mini_retreat:0",
        "leader:2026-W11:reflection:0",
        "leader:2026-W11:reflection:1",
    ]
    assert {p.buffer for p in week.proposals} == {Buffer.MINI_RETRAITES}


def test_proposal_reasons_explain_the_choice() -> None:
    week = review([], WEEK, rules=rules(leader={"email": "anna@example.org"}))
    mini, first, second = week.proposals
    assert word(mini.reason, "en") == (
        "There was no mini-retreat in the weeks read (your cadence is 28 days); "
        "Monday 9 March is your lightest day."
    )
    assert word(first.reason, "en") == (
        "No reflection time is protected next week yet (your target is 3 h); "
        "Tuesday 10 March 08:30–10:00 is free in your preferred window."
    )
    assert second.key == "anna@example.org:2026-W11:reflection:1"


def test_proposal_reasons_in_dutch() -> None:
    week = review([], WEEK, rules=rules(leader={"language": "nl"}))
    mini, first, _ = week.proposals
    assert word(mini.reason, "nl") == (
        "In de gelezen weken was er geen mini-retraite (je ritme is 28 dagen); "
        "maandag 9 maart is je rustigste dag."
    )
    assert word(first.reason, "nl") == (
        "Voor volgende week is nog geen reflectietijd beschermd (je doel is 3 u); "
        "dinsdag 10 maart 08:30–10:00 is vrij binnen je voorkeursvenster."
    )


def test_a_leader_can_opt_out_of_a_kind() -> None:
    week = review([], WEEK, rules=only("reflection", "recovery", "lunch"))
    # No mini-retreat; without it on Monday, reflection starts Monday and spreads to Friday.
    assert slots(week) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    assert review([], WEEK, rules=only()).proposals == ()


# recovery ----------------------------------------------------------------------------------------


def test_recovery_break_after_each_chain_of_two_hours() -> None:
    events = [
        # Monday: a 120-min chain, then a hold until 12:15: the first free moment is 75 min
        # after the chain, beyond the 60-min search: no break.
        meeting(N_MON, "09:00", "10:00"),
        meeting(N_MON, "10:05", "11:00"),
        hold(N_MON, "11:00", "12:15"),
        meeting(N_MON, "14:00", "15:55"),  # 115 min: not a chain of two hours
        # Tuesday: 09:00-11:00 (5-min gap joins): the break right after, 11:00-11:15.
        meeting(N_TUE, "09:00", "10:00"),
        meeting(N_TUE, "10:05", "11:00"),
        # Wednesday: 13:00-15:00, a hold until 15:40: first grid slot after it, 15:45.
        meeting(N_WED, "13:00", "14:00"),
        meeting(N_WED, "14:05", "15:00"),
        hold(N_WED, "15:00", "15:40"),
        # Thursday: 09:10-11:20 (130 min) ends off the 15-min grid: 11:30-11:45.
        meeting(N_THU, "09:10", "10:00"),
        meeting(N_THU, "10:05", "11:20"),
        # Friday: 14:00-16:00, then 10 free minutes and a meeting until the end of the day.
        meeting(N_FRI, "14:00", "16:00"),
        meeting(N_FRI, "16:10", "17:30"),
        # Saturday: a chain outside working time gets no break.
        meeting(N_SAT, "09:00", "12:00"),
        # The reviewed week's chains are not next week's.
        meeting(TUE, "09:00", "12:00"),
    ]
    week = review(events, WEEK, rules=only("recovery"))
    assert slots(week) == [
        ("recovery", "Tue 10 11:00", "11:15"),
        ("recovery", "Wed 11 15:45", "16:00"),
        ("recovery", "Thu 12 11:30", "11:45"),
    ]
    assert word(week.proposals[0].reason, week.language) == (
        "Tuesday 10 March 09:00–11:00 is 2 h of meetings with no pause of 10 min; "
        "15 min right after helps you recover."
    )
    assert {p.buffer for p in week.proposals} == {Buffer.ENERGIE}
    assert [p.key for p in week.proposals] == [
        "leader:2026-W11:recovery:0",
        "leader:2026-W11:recovery:1",
        "leader:2026-W11:recovery:2",
    ]


# lunch -------------------------------------------------------------------------------------------


def test_lunch_on_the_weekdays_that_missed_a_midday_break() -> None:
    events = [
        # Reviewed week: no midday break on Monday to Thursday, a break on Friday.
        meeting(MON, "11:30", "14:00"),
        meeting(TUE, "11:30", "14:00"),
        meeting(WED, "11:00", "14:00"),
        meeting(THU, "11:30", "14:00"),
        # Next Tuesday only 13:45-14:00 is free in the window: nothing to protect.
        meeting(N_TUE, "11:30", "13:45"),
        # Next Wednesday: 11:30-12:00 and 13:15-14:00 are free.
        meeting(N_WED, "12:00", "13:15"),
        # Next Thursday already holds a protected block in the window.
        protected(N_THU, "13:30", "14:30"),
    ]
    week = review(events, WEEK, rules=only("lunch"))
    # Monday: the window's middle, 12:30-13:00 (window 11:30-14:00, middle 12:45).
    # Wednesday: starts 11:30, 13:15, 13:30 are 60, 45 and 60 min from the ideal 12:30.
    assert slots(week) == [
        ("lunch", "Mon 09 12:30", "13:00"),
        ("lunch", "Wed 11 13:15", "13:45"),
    ]
    assert word(week.proposals[0].reason, week.language) == (
        "Last Monday had no 30 min free between 11:30–14:00; next Monday 12:30–13:00 is still free."
    )


def test_lunch_can_be_switched_off_in_the_lunch_section() -> None:
    events = [meeting(MON, "11:30", "14:00")]
    assert slots(review(events, WEEK, rules=only("lunch"))) == [("lunch", "Mon 09 12:30", "13:00")]
    assert review(events, WEEK, rules=only("lunch", lunch={"enabled": False})).proposals == ()


# mini-retreat ------------------------------------------------------------------------------------


NEXT_WEEK_LOAD = [
    meeting(N_MON, "09:00", "12:00"),  # 6 h free
    meeting(N_TUE, "10:00", "11:00"),  # 8 h free
    meeting(N_WED, "13:00", "13:30"),  # 8.5 h free: the lightest day
    meeting(N_THU, "14:00", "15:00"),  # 8 h free
    meeting(N_FRI, "09:00", "10:00"),  # 8 h free
]


@pytest.mark.parametrize(
    ("last_retreat", "days_at_next_sunday", "proposed"),
    [
        (date(2026, 2, 13), 30, True),  # 15 days to 28 February + 15 = 30
        (date(2026, 2, 14), 29, True),
        (date(2026, 2, 15), 28, False),  # exactly the cadence: not exceeded
        (date(2026, 2, 16), 27, False),
    ],
)
def test_mini_retreat_when_the_cadence_would_be_exceeded(
    last_retreat: date, days_at_next_sunday: int, proposed: bool
) -> None:
    events = [protected(last_retreat, "13:00", "16:00"), *NEXT_WEEK_LOAD]
    week = review(events, WEEK, rules=only("mini_retreat"))
    if not proposed:
        assert week.proposals == ()
        return
    # Wednesday is the lightest day; 13:00 is taken, so its earliest free stretch of 3 h.
    assert slots(week) == [("mini_retreat", "Wed 11 08:30", "11:30")]
    assert word(week.proposals[0].reason, week.language) == (
        f"Your last mini-retreat will be {days_at_next_sunday} days ago by the end of next "
        "week (your cadence is 28 days); Wednesday 11 March is your lightest day."
    )


def test_mini_retreat_from_one_oclock_when_that_is_free() -> None:
    # Thursday is the lightest day (9 h - 15 min free) and its afternoon is free.
    events = [
        meeting(N_MON, "09:00", "12:00"),
        meeting(N_TUE, "09:00", "12:00"),
        meeting(N_WED, "09:00", "12:00"),
        meeting(N_THU, "09:00", "09:15"),
        meeting(N_FRI, "09:00", "12:00"),
    ]
    week = review(events, WEEK, rules=only("mini_retreat"))
    assert slots(week) == [("mini_retreat", "Thu 12 13:00", "16:00")]


def test_a_mini_retreat_already_planned_next_week_is_enough() -> None:
    week = review([protected(N_THU, "13:00", "16:00")], WEEK, rules=only("mini_retreat"))
    assert week.proposals == ()


# reflection --------------------------------------------------------------------------------------


def test_existing_protected_time_next_week_reduces_reflection_proposals() -> None:
    week = review([protected(N_TUE, "09:00", "10:30")], WEEK, rules=only("reflection"))
    # 180 - 90 = 90 min missing: one block, on a day without a block yet, in the window.
    assert slots(week) == [("reflection", "Mon 09 08:30", "10:00")]
    assert word(week.proposals[0].reason, week.language) == (
        "90 min of reflection is protected next week against a target of 3 h; "
        "Monday 9 March 08:30–10:00 is free in your preferred window."
    )


def test_no_reflection_proposed_when_the_target_is_met() -> None:
    events = [protected(N_TUE, "09:00", "10:30"), protected(N_THU, "14:00", "15:30")]
    assert review(events, WEEK, rules=only("reflection")).proposals == ()


def test_reflection_outside_the_preferred_window_when_it_is_full() -> None:
    # Every weekday morning 09:00-11:00 is taken: no 90 min free inside 08:30-12:00.
    events = [meeting(day, "09:00", "11:00") for day in (N_MON, N_TUE, N_WED, N_THU, N_FRI)]
    week = review(events, WEEK, rules=only("reflection"))
    assert slots(week) == [
        ("reflection", "Mon 09 11:00", "12:30"),
        ("reflection", "Fri 13 11:00", "12:30"),
    ]
    assert word(week.proposals[0].reason, week.language) == (
        "No reflection time is protected next week yet (your target is 3 h); "
        "Monday 9 March 11:00–12:30 is free."
    )


def test_reflection_blocks_spread_over_different_days() -> None:
    week = review([], WEEK, rules=only("reflection", reflection={"blocks_per_week": 3}))
    # Monday first; Friday is furthest from Monday; Wednesday is furthest from both.
    assert slots(week) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Wed 11 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]


# never on holidays or days out of office -------------------------------------------------------


def test_no_proposals_on_easter_monday_or_a_day_out_of_office() -> None:
    # Reviewed 2026-W14; proposals for 2026-W15: Easter Monday 6 April, out of office Tuesday.
    monday, tuesday = date(2026, 3, 30), date(2026, 3, 31)
    easter_monday, next_tuesday = date(2026, 4, 6), date(2026, 4, 7)
    events = [
        meeting(monday, "11:30", "14:00"),  # no midday break last Monday ...
        meeting(tuesday, "11:30", "14:00"),  # ... nor last Tuesday
        meeting(easter_monday, "09:00", "12:00"),  # a 3-hour chain on the holiday
        away_day(next_tuesday),
        meeting(next_tuesday, "09:00", "12:00"),  # and one on the day out of office
    ]
    week = review(events, "2026-W14")
    assert week.proposals_week == IsoWeek(2026, 15)
    # No lunch or recovery on Monday or Tuesday; the mini-retreat on Wednesday (the first of the
    # three free days) and reflection on Thursday and Friday.
    assert slots(week) == [
        ("mini_retreat", "Wed 08 13:00", "16:00"),
        ("reflection", "Thu 09 08:30", "10:00"),
        ("reflection", "Fri 10 08:30", "10:00"),
    ]


def test_no_proposals_on_thanksgiving_for_a_leader_in_new_york() -> None:
    new_york = ZoneInfo("America/New_York")
    leader = {"timezone": "America/New_York", "holiday_country": "US"}
    # Reviewed 2026-W47 without a midday break on Thursday; Thursday 26 November is Thanksgiving.
    events = [meeting(date(2026, 11, 19), "11:30", "14:00", zone=new_york)]
    week = review(events, "2026-W47", rules=only("lunch", "reflection", leader=leader))
    assert slots(week) == [
        ("reflection", "Mon 23 08:30", "10:00"),
        ("reflection", "Fri 27 08:30", "10:00"),
    ]
    assert all(p.start.date() != date(2026, 11, 26) for p in week.proposals)


def test_recovery_breaks_are_capped_for_the_longest_chains() -> None:
    # Five chains next week of 120, 150, 180, 130 and 170 minutes; the cap of 2 keeps the
    # breaks after the two longest (Wednesday 180, Friday 170), in time order.
    events = [
        meeting(N_MON, "09:00", "11:00"),
        meeting(N_TUE, "09:00", "11:30"),
        meeting(N_WED, "09:00", "12:00"),
        meeting(N_THU, "09:00", "11:10"),
        meeting(N_FRI, "09:00", "11:50"),
    ]
    week = review(events, WEEK, rules=only("recovery", recovery={"max_per_week": 2}))
    assert slots(week) == [
        ("recovery", "Wed 11 12:00", "12:15"),
        ("recovery", "Fri 13 12:00", "12:15"),
    ]


def test_a_due_mini_retreat_without_room_is_explained_not_squeezed_in() -> None:
    # Every working day next week is full from 08:30 to 17:30 except 14:00-16:00: no stretch
    # of 180 minutes, so no proposal, and a note says why.
    events = [
        e
        for day in (N_MON, N_TUE, N_WED, N_THU, N_FRI)
        for e in (meeting(day, "08:30", "14:00"), meeting(day, "16:00", "17:30"))
    ]
    week = review(events, WEEK, rules=only("mini_retreat"))
    assert week.proposals == ()
    notes = [w for w in week.warnings if w.code == "no_room_for_mini_retreat"]
    assert len(notes) == 1
    assert "no free stretch of 3 h in working time" in word(notes[0].message, week.language)
    assert "none in the weeks read" in word(notes[0].message, week.language)


# the clock ------------------------------------------------------------------------------------


def test_a_week_that_is_over_gets_no_proposals_only_what_it_would_have_had() -> None:
    ahead = review([], WEEK, rules=only("reflection"))
    afterwards = review(
        [], WEEK, rules=only("reflection"), now=at(N_SUN, "24:00")
    )  # the first moment after the proposals week
    assert slots(ahead) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    assert not ahead.proposals_week_over
    assert ahead.hindsight == ()
    assert afterwards.proposals == ()
    assert afterwards.proposals_week_over
    assert afterwards.hindsight == ahead.proposals


def test_inside_the_proposals_week_nothing_starts_before_the_clock() -> None:
    now = at(N_WED, "09:10")
    week = review([], WEEK, rules=only("reflection"), now=now)
    assert not week.proposals_week_over
    assert week.proposals
    assert all(p.start >= now for p in week.proposals), slots(week)
    assert slots(week) == [
        ("reflection", "Wed 11 09:15", "10:45"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
