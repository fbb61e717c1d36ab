"""The 16 indicators of DESIGN section 6 and the day rows, on small hand-made calendars.

Unless a test says otherwise: the leader is in Europe/Amsterdam, works Monday to Friday
08:30-17:30 (9 h a day, 45 h a week), and the reviewed week is 2026-W10 (Monday 2 March to
Sunday 8 March, winter time, no Dutch public holiday).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.app.review import open_ics, review_week
from assistant.core.analysis import measure_weeks
from assistant.core.review import IsoWeek, WeeklyReview
from rules import Rules
from tests.core.builders import (
    AMSTERDAM,
    NEW_YORK,
    NOW,
    away,
    away_day,
    hold,
    meeting,
    protected,
    protected_day,
    review,
    rules,
)

WEEK = "2026-W10"
MON, TUE, WED, THU, FRI, SAT, SUN = IsoWeek.parse(WEEK).days()
PREVIOUS_SUNDAY = MON - timedelta(days=1)  # 2026-03-01
NEXT_MONDAY = SUN + timedelta(days=1)  # 2026-03-09


def local(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=AMSTERDAM)


# meeting_hours, meeting_share ------------------------------------------------------------------


def test_overlapping_meetings_count_once_in_meeting_hours_and_share() -> None:
    week = review(
        [
            meeting(MON, "09:00", "10:00"),
            meeting(MON, "09:30", "11:00"),  # overlaps the first: together 09:00-11:00
            meeting(SAT, "10:00", "11:00"),  # a weekend hour: meeting time, not working time
        ],
        WEEK,
    )
    # 2 h on Monday + 1 h on Saturday = 3 h (not 1 + 1.5 + 1 = 3.5 h).
    assert week.values["meeting_hours"] == 3.0
    # Inside working time only Monday's 2 h: 2 / 45 = 0.04444 -> 0.0444.
    assert week.values["meeting_share"] == 0.0444
    assert week.values["after_hours_meeting_hours"] == 1.0
    # The day row counts both Monday meetings but their time once.
    assert (week.days[0].meeting_count, week.days[0].meeting_minutes) == (2, 120)


def test_meeting_share_counts_only_meeting_time_inside_working_time() -> None:
    events = [meeting(day, "09:00", "12:00") for day in (MON, TUE, WED, THU, FRI)]
    # Tuesday also 07:00-09:00: joins 09:00-12:00, of which 08:30-12:00 is working time.
    events.append(meeting(TUE, "07:00", "09:00"))
    week = review(events, WEEK)
    # All hours: 5 x 3 h + 2 h = 17 h.
    assert week.values["meeting_hours"] == 17.0
    # Inside working time: 4 x 3 h + 3.5 h = 15.5 h; 15.5 / 45 = 0.34444 -> 0.3444.
    assert week.values["meeting_share"] == 0.3444
    # 07:00-08:30 on Tuesday lies before working time: 1.5 h.
    assert week.values["after_hours_meeting_hours"] == 1.5


def test_a_week_without_working_time_has_no_meeting_share() -> None:
    week = review(
        [away_day(day) for day in (MON, TUE, WED, THU, FRI)] + [meeting(SAT, "10:00", "12:00")],
        WEEK,
    )
    assert week.values["meeting_share"] is None
    assert week.values["meeting_hours"] == 2.0
    assert week.values["meeting_free_half_days"] == 0
    assert week.values["days_without_midday_break"] == 0
    assert [w.code for w in week.warnings] == ["no_working_time"]


# out of office ---------------------------------------------------------------------------------


def test_an_out_of_office_day_is_not_working_and_its_meetings_are_after_hours() -> None:
    week = review(
        [away_day(FRI), meeting(MON, "08:30", "17:30"), meeting(FRI, "09:00", "12:00")],
        WEEK,
    )
    # Working time is 4 x 9 h = 36 h; Monday's 9 h inside it: 9 / 36 = 0.25.
    assert week.values["meeting_share"] == 0.25
    # Friday's meeting falls on a day out of office: 3 h after hours.
    assert week.values["after_hours_meeting_hours"] == 3.0
    # Tuesday-Thursday are free: 3 x 9 h of focus, nothing on Friday.
    assert week.values["focus_hours"] == 27.0
    friday = week.days[4]
    assert (friday.working, friday.non_working_reason) == (False, "out_of_office")
    assert friday.after_hours_meeting_minutes == 180
    assert friday.midday_break is None
    assert friday.focus_minutes == 0


def test_a_timed_out_of_office_afternoon_shrinks_working_time() -> None:
    week = review(
        [
            away(MON, "13:00", "17:30"),  # Monday's working time is now 08:30-13:00 (4.5 h)
            meeting(MON, "09:00", "10:00"),
            meeting(MON, "14:00", "15:00"),
        ],
        WEEK,
    )
    # Working time 4.5 + 4 x 9 = 40.5 h; inside it only 09:00-10:00: 1 / 40.5 = 0.02469.
    assert week.values["meeting_share"] == 0.0247
    # 14:00-15:00 lies in Monday's time off.
    assert week.values["after_hours_meeting_hours"] == 1.0
    monday = week.days[0]
    assert (monday.working, monday.non_working_reason) == (True, None)
    # Monday's morning is not meeting-free, its afternoon has no working time left: no half.
    # Tuesday-Friday: 2 each = 8.
    assert week.values["meeting_free_half_days"] == 8


# focus_hours, fragmented_hours, meeting_free_half_days ---------------------------------------


def test_focus_hours_sum_meeting_free_stretches_of_two_hours() -> None:
    events = [
        meeting(MON, "10:30", "11:00"),
        meeting(MON, "13:00", "13:20"),
        meeting(MON, "15:20", "16:00"),
        hold(MON, "11:00", "12:00"),  # a solo hold does not break a stretch
        protected(MON, "08:30", "09:30"),  # neither does a protected block
    ]
    events += [meeting(day, "12:00", "12:20") for day in (TUE, WED, THU, FRI)]
    week = review(events, WEEK)
    # Monday: 08:30-10:30 (120), 11:00-13:00 (120), 13:20-15:20 (120) count; 16:00-17:30 (90)
    # does not: 360 min. Tuesday-Friday: 08:30-12:00 (210) + 12:20-17:30 (310) = 520 min.
    assert [row.focus_minutes for row in week.days] == [360, 520, 520, 520, 520, 0, 0]
    # 360 + 4 x 520 = 2440 min = 40.667 h.
    assert week.values["focus_hours"] == 40.67
    assert week.values["fragmented_hours"] == 0.0


def test_fragmented_hours_sum_meeting_free_gaps_under_thirty_minutes() -> None:
    week = review(
        [
            meeting(MON, "09:00", "10:00"),
            meeting(MON, "10:20", "11:00"),
            meeting(MON, "11:25", "12:00"),
            meeting(MON, "17:10", "17:30"),
            hold(MON, "12:00", "12:10"),  # holds do not cut the afternoon into fragments
            meeting(TUE, "09:00", "17:01"),
        ],
        WEEK,
    )
    # Monday: 08:30-09:00 is 30 min (not under 30), 10:00-10:20 (20) and 11:00-11:25 (25) are
    # fragments, 12:00-17:10 is not. Tuesday: 08:30-09:00 (30) no, 17:01-17:30 (29) yes.
    # 20 + 25 + 29 = 74 min = 1.2333 h.
    assert week.values["fragmented_hours"] == 1.23


def test_meeting_free_half_days_split_at_one_oclock() -> None:
    week = review(
        [
            meeting(MON, "09:00", "10:00"),  # morning taken, afternoon free
            meeting(TUE, "13:00", "13:30"),  # starts at the split: afternoon taken
            meeting(WED, "12:30", "13:30"),  # both halves taken
            meeting(THU, "12:00", "13:00"),  # ends at the split: only the morning taken
            meeting(FRI, "07:00", "08:30"),  # before working time: Friday morning stays free
            meeting(SAT, "10:00", "11:00"),  # weekend: no working half-days at all
        ],
        WEEK,
    )
    # Mon 1 + Tue 1 + Wed 0 + Thu 1 + Fri 2 = 5.
    assert week.values["meeting_free_half_days"] == 5


# short_notice_share ------------------------------------------------------------------------------


def test_short_notice_share_weighs_each_meeting_by_its_time_in_the_week() -> None:
    week = review(
        [
            # 60 min, created 23 h ahead: short notice.
            meeting(MON, "09:00", "10:00", created=local(PREVIOUS_SUNDAY, "10:00")),
            # 90 min overlapping the first (not merged here), booked weeks ahead.
            meeting(MON, "09:30", "11:00", created=local(date(2026, 2, 20), "09:00")),
            # 30 min created exactly 24 h ahead: not less than 24 h, so not short notice.
            meeting(TUE, "10:00", "10:30", created=local(MON, "10:00")),
            # No creation time: left out of both sides.
            meeting(WED, "10:00", "12:00"),
            # Sunday 23:00 to Monday 01:00, booked an hour ahead: its 60 min in the week count.
            meeting(
                PREVIOUS_SUNDAY,
                "23:00",
                "01:00",
                end_day=MON,
                created=local(PREVIOUS_SUNDAY, "22:00"),
            ),
            # Next week's meeting, booked at short notice, is not this week's.
            meeting(NEXT_MONDAY, "09:00", "10:00", created=local(NEXT_MONDAY, "08:00")),
        ],
        WEEK,
    )
    # Short: 60 + 60 = 120 min; known: 60 + 90 + 30 + 60 = 240 min; 120 / 240 = 0.5.
    assert week.values["short_notice_share"] == 0.5


def test_short_notice_share_is_empty_without_creation_times() -> None:
    week = review([meeting(MON, "09:00", "10:00")], WEEK)
    assert week.values["short_notice_share"] is None


# back-to-back chains -----------------------------------------------------------------------------


def test_back_to_back_chains_join_meetings_less_than_ten_minutes_apart() -> None:
    week = review(
        [
            # Monday: 5 and 9 minute gaps join (09:00-12:00, 180 min); a 10-minute gap does not.
            meeting(MON, "09:00", "10:00"),
            meeting(MON, "10:05", "11:00"),
            meeting(MON, "11:09", "12:00"),
            meeting(MON, "12:10", "13:00"),
            # Tuesday: an overlapping meeting inside the first joins: 09:00-11:30 (150 min).
            meeting(TUE, "09:00", "11:00"),
            meeting(TUE, "10:00", "10:30"),
            meeting(TUE, "10:55", "11:30"),
            # Wednesday: a single two-hour meeting is a chain of 120 min.
            meeting(WED, "14:00", "16:00"),
            # Thursday: 110 min, then 60 min after a 10-minute gap: two chains under 120.
            meeting(THU, "09:00", "10:50"),
            meeting(THU, "11:00", "12:00"),
            # Sunday 22:00 to Monday 01:30 (210 min) belongs to Sunday, the day it starts.
            meeting(SUN, "22:00", "23:30"),
            meeting(SUN, "23:35", "01:30", end_day=NEXT_MONDAY),
            # A chain starting on the Sunday before the week (240 min) is not this week's.
            meeting(PREVIOUS_SUNDAY, "21:00", "01:00", end_day=MON),
        ],
        WEEK,
    )
    assert week.values["longest_back_to_back_minutes"] == 210
    # Chains of 120 min or more: Mon 180, Tue 150, Wed 120, Sun 210 = 4.
    assert week.values["back_to_back_chains"] == 4
    assert [row.longest_back_to_back_minutes for row in week.days] == [
        180,
        150,
        120,
        110,
        0,
        0,
        210,
    ]
    # Monday counts the four meetings that start on it; its minutes include 00:00-01:00 of the
    # chain from Sunday: 60 + 60 + 55 + 51 + 50 = 276.
    assert (week.days[0].meeting_count, week.days[0].meeting_minutes) == (4, 276)
    # Sunday: 22:00-23:30 (90) + 23:35-24:00 (25) = 115.
    assert (week.days[6].meeting_count, week.days[6].meeting_minutes) == (2, 115)


def test_a_week_without_meetings_has_no_chain() -> None:
    week = review([hold(MON, "09:00", "12:00")], WEEK)
    assert week.values["longest_back_to_back_minutes"] == 0
    assert week.values["back_to_back_chains"] == 0


# days_without_midday_break -----------------------------------------------------------------------


def test_days_without_midday_break_look_for_thirty_free_minutes_between_1130_and_1400() -> None:
    week = review(
        [
            meeting(MON, "11:30", "13:40"),  # 13:40-14:00 is 20 min: no break
            meeting(TUE, "11:30", "12:30"),
            hold(TUE, "12:30", "13:31"),  # a solo hold takes the break too: 29 min left
            meeting(WED, "11:45", "13:30"),  # 13:30-14:00 is 30 min: a break
            protected(THU, "11:30", "12:00"),  # a protected block does not take the break
            meeting(THU, "12:00", "14:00"),
            away_day(FRI),
            meeting(FRI, "11:00", "15:00"),  # out of office: not a working day
            meeting(SAT, "11:00", "15:00"),  # weekend: not a working day
        ],
        WEEK,
    )
    assert [row.midday_break for row in week.days] == [
        False,
        False,
        True,
        True,
        None,
        None,
        None,
    ]
    assert week.values["days_without_midday_break"] == 2


# longest_workday_span_hours ----------------------------------------------------------------------


def test_workday_span_runs_from_first_start_to_last_end_of_meetings_and_holds() -> None:
    week = review(
        [
            hold(MON, "07:00", "08:00"),
            meeting(MON, "18:00", "20:30"),  # Monday: 07:00-20:30 = 13.5 h
            meeting(TUE, "09:00", "10:00"),  # 1 h
            protected(WED, "06:00", "23:00"),  # protected time is not load
            meeting(WED, "12:00", "13:00"),  # Wednesday: 1 h
            meeting(THU, "20:00", "02:00", end_day=FRI),  # Thursday: 20:00-24:00 = 4 h
            hold(FRI, "06:00", "07:00"),  # Friday: 00:00-07:00 = 7 h
        ],
        WEEK,
    )
    assert [row.span_hours for row in week.days] == [13.5, 1.0, 1.0, 4.0, 7.0, None, None]
    assert week.values["longest_workday_span_hours"] == 13.5
    monday, thursday, saturday = week.days[0], week.days[3], week.days[5]
    assert monday.first_start is not None
    assert monday.last_end is not None
    assert monday.first_start.isoformat() == "2026-03-02T07:00:00+01:00"
    assert monday.last_end.isoformat() == "2026-03-02T20:30:00+01:00"
    # Thursday's meeting is clipped at midnight.
    assert thursday.last_end == local(FRI, "00:00")
    assert (saturday.first_start, saturday.last_end) == (None, None)


def test_a_week_without_meetings_or_holds_has_a_zero_span() -> None:
    week = review([protected(MON, "09:00", "12:00")], WEEK)
    assert week.values["longest_workday_span_hours"] == 0.0


# short_rest_nights -------------------------------------------------------------------------------


def test_short_rest_nights_count_the_night_before_each_day_of_the_week() -> None:
    week = review(
        [
            # Sunday before the week ends 23:00, Monday starts 09:00: 10 h, counts for Monday.
            meeting(PREVIOUS_SUNDAY, "21:00", "23:00"),
            meeting(MON, "09:00", "10:00"),
            meeting(MON, "17:00", "18:00"),
            hold(TUE, "05:00", "06:00"),  # 18:00 -> 05:00 is exactly 11 h: enough
            hold(TUE, "22:00", "23:30"),  # a late hold ...
            meeting(WED, "10:00", "11:00"),  # ... 23:30 -> 10:00 is 10.5 h: short
            meeting(FRI, "20:00", "22:00"),
            meeting(SAT, "08:00", "09:00"),  # weekend nights count too: 10 h
            meeting(SUN, "20:00", "22:00"),
            meeting(NEXT_MONDAY, "07:00", "08:00"),  # 9 h, but that night is next week's
        ],
        WEEK,
    )
    # Sun->Mon, Tue->Wed, Fri->Sat = 3.
    assert week.values["short_rest_nights"] == 3


# after_hours_meeting_hours -----------------------------------------------------------------------


def test_after_hours_meeting_hours_include_weekends_and_days_out_of_office() -> None:
    week = review(
        [
            meeting(MON, "07:30", "09:00"),  # 07:30-08:30: 60 min
            meeting(TUE, "17:00", "18:30"),  # 17:30-18:30: 60 min
            away_day(WED),
            meeting(WED, "14:00", "15:00"),  # a day out of office: 60 min
            hold(THU, "18:00", "20:00"),  # a solo hold is not a meeting
            meeting(SAT, "10:00", "11:00"),
            meeting(SAT, "10:30", "11:00"),  # overlaps: Saturday 60 min
        ],
        WEEK,
    )
    assert [row.after_hours_meeting_minutes for row in week.days] == [60, 60, 60, 0, 0, 60, 0]
    # 4 x 60 min = 4 h.
    assert week.values["after_hours_meeting_hours"] == 4.0


# reflection and mini-retreats --------------------------------------------------------------------


def test_reflection_minutes_merge_protected_time_across_the_whole_week() -> None:
    week = review(
        [
            protected(MON, "09:00", "10:30"),
            protected(MON, "10:00", "11:00"),  # overlaps: Monday 09:00-11:00 = 120 min
            protected(SAT, "10:00", "10:30"),  # weekend protected time counts: 30 min
        ],
        WEEK,
    )
    assert [row.protected_minutes for row in week.days] == [120, 0, 0, 0, 0, 30, 0]
    assert week.values["reflection_minutes"] == 150
    assert week.values["reflection_target_minutes"] == 180  # 2 x 90
    assert week.values["missing_reflection_minutes"] == 30  # 180 - 150


def test_an_all_day_protected_event_counts_its_working_time() -> None:
    week = review([protected_day(WED)], WEEK)
    # 08:30-17:30 = 540 min, not 24 h.
    assert week.days[2].protected_minutes == 540
    assert week.values["reflection_minutes"] == 540
    assert week.values["missing_reflection_minutes"] == 0
    # A whole protected working day is a mini-retreat: Wednesday 4 March to Sunday 8 March.
    assert week.values["days_since_mini_retreat"] == 4


def test_no_protected_time_misses_the_whole_target() -> None:
    week = review([meeting(MON, "09:00", "10:00")], WEEK)
    assert week.values["reflection_minutes"] == 0
    assert week.values["missing_reflection_minutes"] == 180


def test_reflection_target_follows_the_rules() -> None:
    three_hours = rules(reflection={"blocks_per_week": 3, "minutes": 60})
    one_block = rules(reflection={"blocks_per_week": 1, "minutes": 120})
    events = [protected(TUE, "09:00", "10:30")]
    assert review(events, WEEK, rules=three_hours).values["reflection_target_minutes"] == 180
    week = review(events, WEEK, rules=one_block)
    assert week.values["reflection_target_minutes"] == 120
    assert week.values["missing_reflection_minutes"] == 30  # 120 - 90


def test_days_since_mini_retreat_counts_to_the_weeks_sunday() -> None:
    week = review([protected(date(2026, 1, 20), "13:00", "16:00")], WEEK)
    # Tuesday 20 January -> Sunday 8 March: 11 + 28 + 8 = 47 days.
    assert week.values["days_since_mini_retreat"] == 47


def test_days_since_mini_retreat_takes_the_last_merged_stretch_of_three_hours() -> None:
    week = review(
        [
            protected(date(2026, 1, 20), "13:00", "16:00"),
            # Two adjacent blocks on Tuesday 24 February merge into 180 min.
            protected(date(2026, 2, 24), "13:00", "14:30"),
            protected(date(2026, 2, 24), "14:30", "16:00"),
            protected(TUE, "13:00", "15:59"),  # 179 min: not a mini-retreat
            protected(date(2026, 3, 10), "09:00", "12:00"),  # next week: too late to count
        ],
        WEEK,
    )
    # Tuesday 24 February -> Sunday 8 March: 4 + 8 = 12 days.
    assert week.values["days_since_mini_retreat"] == 12


def test_a_mini_retreat_at_the_weekend_counts_from_its_own_day() -> None:
    week = review([protected(SAT, "09:00", "12:00")], WEEK)
    assert week.values["days_since_mini_retreat"] == 1
    week = review([protected(SUN, "09:00", "12:00")], WEEK)
    assert week.values["days_since_mini_retreat"] == 0


def test_days_since_mini_retreat_reads_twelve_weeks_of_context() -> None:
    # The context starts 12 weeks before Monday 2 March: Monday 8 December 2025.
    # (One meeting in the reviewed week makes it a week with data.)
    first_day = review(
        [protected(date(2025, 12, 8), "09:00", "12:00"), meeting(MON, "10:00", "11:00")], WEEK
    )
    # 8 December -> 8 March: 23 + 31 + 28 + 8 = 90 days.
    assert first_day.values["days_since_mini_retreat"] == 90
    before = review(
        [protected(date(2025, 12, 7), "09:00", "12:00"), meeting(MON, "10:00", "11:00")], WEEK
    )
    assert before.values["days_since_mini_retreat"] is None
    assert before.indicator("days_since_mini_retreat").status == "attention"


# day rows ----------------------------------------------------------------------------------------


def test_day_row_segments_show_meeting_over_hold_over_protected_time() -> None:
    week = review(
        [
            meeting(MON, "09:00", "10:00"),
            hold(MON, "09:30", "11:00"),
            protected(MON, "10:30", "12:00"),
            meeting(MON, "18:00", "19:00"),
            protected(SAT, "10:00", "11:00"),
        ],
        WEEK,
    )
    monday, saturday = week.days[0], week.days[5]
    assert monday.segments == (
        (510, 540, "working"),  # 08:30-09:00
        (540, 600, "meeting"),  # 09:00-10:00
        (600, 660, "solo"),  # 10:00-11:00 (the hold under the meeting is hidden)
        (660, 720, "protected"),  # 11:00-12:00
        (720, 1050, "working"),  # 12:00-17:30
        (1080, 1140, "meeting"),  # 18:00-19:00
    )
    assert saturday.segments == ((600, 660, "protected"),)
    assert (monday.date, monday.working, monday.non_working_reason) == (MON, True, None)
    assert (saturday.working, saturday.non_working_reason) == (False, "weekend")
    assert monday.meeting_count == 2
    assert monday.meeting_minutes == 120
    assert monday.longest_back_to_back_minutes == 60
    assert monday.span_hours == 10.0  # 09:00-19:00
    assert monday.midday_break is True
    # Meeting-free working time: 08:30-09:00 (30) and 10:00-17:30 (450); only 450 is focus.
    assert monday.focus_minutes == 450
    assert monday.protected_minutes == 90  # 10:30-12:00
    assert monday.after_hours_meeting_minutes == 60
    assert saturday.midday_break is None


# public holidays ---------------------------------------------------------------------------------


def test_kings_day_is_not_a_working_day() -> None:
    monday, tuesday = date(2026, 4, 27), date(2026, 4, 28)  # 2026-W18, King's Day on Monday
    week = review(
        [meeting(monday, "11:00", "14:00"), meeting(tuesday, "09:00", "18:00")],
        "2026-W18",
    )
    king = week.days[0]
    assert (king.working, king.non_working_reason, king.midday_break) == (False, "holiday", None)
    # Working time 4 x 9 = 36 h; inside it Tuesday 09:00-17:30 = 8.5 h: 8.5 / 36 = 0.23611.
    assert week.values["meeting_share"] == 0.2361
    # After hours: King's Day 3 h + Tuesday 17:30-18:00 0.5 h = 3.5 h.
    assert week.values["after_hours_meeting_hours"] == 3.5
    # Only Tuesday lacks a midday break; King's Day does not count.
    assert week.values["days_without_midday_break"] == 1
    # Wednesday-Friday, two halves each.
    assert week.values["meeting_free_half_days"] == 6
    assert week.values["focus_hours"] == 27.0


# daylight saving time in Europe/Amsterdam --------------------------------------------------------


def test_the_night_the_clocks_go_forward_is_an_hour_shorter() -> None:
    sunday = date(2026, 3, 29)  # 2026-W13: 02:00 becomes 03:00
    week = review([meeting(sunday, "01:00", "04:00")], "2026-W13")
    # 01:00 CET to 04:00 CEST is two real hours.
    assert week.values["meeting_hours"] == 2.0
    assert week.values["after_hours_meeting_hours"] == 2.0
    assert week.values["longest_back_to_back_minutes"] == 120
    row = week.days[6]
    assert row.meeting_minutes == 120
    assert row.span_hours == 2.0
    assert row.first_start is not None
    assert row.last_end is not None
    assert row.first_start.isoformat() == "2026-03-29T01:00:00+01:00"
    assert row.last_end.isoformat() == "2026-03-29T04:00:00+02:00"
    # Segments are wall-clock minutes.
    assert row.segments == ((60, 240, "meeting"),)


def test_the_day_the_clocks_go_forward_has_23_hours() -> None:
    sunday = date(2026, 3, 29)
    week = review([meeting(sunday, "00:00", "24:00")], "2026-W13")
    assert week.values["meeting_hours"] == 23.0
    assert week.values["longest_workday_span_hours"] == 23.0
    assert week.days[6].meeting_minutes == 23 * 60
    assert week.days[6].segments == ((0, 1440, "meeting"),)


def test_the_day_the_clocks_go_back_has_25_hours() -> None:
    sunday = date(2026, 10, 25)  # last day of 2026-W43: 03:00 becomes 02:00
    week = review([meeting(sunday, "00:00", "24:00")], "2026-W43")
    assert week.values["meeting_hours"] == 25.0
    assert week.values["after_hours_meeting_hours"] == 25.0
    assert week.values["longest_back_to_back_minutes"] == 25 * 60
    assert week.days[6].segments == ((0, 1440, "meeting"),)


def test_working_on_dst_sundays_counts_real_hours() -> None:
    sunday_worker = rules(working_hours={"sunday": ["00:00-24:00"]})
    spring = review([], "2026-W13", rules=sunday_worker)
    autumn = review(
        [meeting(date(2026, 10, 25), "09:00", "10:00")], "2026-W43", rules=sunday_worker
    )
    # 5 x 9 h + a 23-hour Sunday = 68 h, all meeting-free.
    assert spring.values["focus_hours"] == 68.0
    # 5 x 9 h + a 25-hour Sunday = 70 h; one hour of meetings: 1 / 70 = 0.014286.
    assert autumn.values["meeting_share"] == 0.0143
    assert autumn.values["after_hours_meeting_hours"] == 0.0
    # Sunday's meeting-free stretches: 00:00-09:00 (10 real hours) and 10:00-24:00 (14 h).
    assert autumn.days[6].focus_minutes == 24 * 60


def test_rest_nights_measure_real_hours_across_a_clock_change() -> None:
    spring = review(
        [
            meeting(date(2026, 3, 27), "20:00", "23:00"),  # Friday
            meeting(date(2026, 3, 28), "10:00", "11:00"),  # Saturday: 11 h after Friday
            meeting(date(2026, 3, 28), "21:00", "23:00"),
            meeting(date(2026, 3, 29), "10:00", "11:00"),  # 11 h on the clock, 10 h real
        ],
        "2026-W13",
    )
    assert spring.values["short_rest_nights"] == 1
    # Saturday 10:00-23:00.
    assert spring.values["longest_workday_span_hours"] == 13.0
    autumn = review(
        [
            meeting(date(2026, 10, 24), "21:00", "22:00"),  # Saturday, summer time
            meeting(date(2026, 10, 25), "08:30", "09:30"),  # 10.5 h on the clock, 11.5 h real
        ],
        "2026-W43",
    )
    assert autumn.values["short_rest_nights"] == 0


def test_the_night_after_the_clocks_go_back_counts_for_the_next_weeks_monday() -> None:
    sunday, monday = date(2026, 10, 25), date(2026, 10, 26)  # W43's Sunday, W44's Monday
    events = [
        meeting(sunday, "20:00", "22:00"),
        meeting(monday, "07:30", "09:00"),  # 9.5 h after Sunday's meeting
    ]
    week = review(events, "2026-W44")
    assert week.values["short_rest_nights"] == 1
    # 07:30-08:30 before working time.
    assert week.values["after_hours_meeting_hours"] == 1.0
    assert week.days[0].first_start is not None
    assert week.days[0].first_start.isoformat() == "2026-10-26T07:30:00+01:00"
    # The Sunday belongs to W43: its two hours are after hours there, and its night is not.
    previous = review(events, "2026-W43")
    assert previous.values["after_hours_meeting_hours"] == 2.0
    assert previous.values["short_rest_nights"] == 0


# a leader in New York ----------------------------------------------------------------------------


NEW_YORK_RULES = {"leader": {"timezone": "America/New_York", "holiday_country": "US"}}


def test_thanksgiving_is_a_day_off_for_a_leader_in_new_york() -> None:
    monday, thursday = date(2026, 11, 23), date(2026, 11, 26)  # 2026-W48
    events = [
        meeting(monday, "09:00", "17:00", zone=NEW_YORK),
        meeting(thursday, "10:00", "11:00", zone=NEW_YORK),
    ]
    week = review(events, "2026-W48", rules=rules(**NEW_YORK_RULES))
    thanksgiving = week.days[3]
    assert (thanksgiving.working, thanksgiving.non_working_reason) == (False, "holiday")
    # Working time 4 x 9 h = 36 h; Monday's 8 h inside it: 8 / 36 = 0.2222.
    assert week.values["meeting_share"] == 0.2222
    assert week.values["after_hours_meeting_hours"] == 1.0
    assert week.values["days_without_midday_break"] == 1
    assert week.days[0].first_start is not None
    assert week.days[0].first_start.isoformat() == "2026-11-23T09:00:00-05:00"
    # The same calendar read by a leader in Amsterdam: Monday 15:00-23:00, Thursday 16:00-17:00.
    amsterdam = review(events, "2026-W48")
    # Inside working time 2.5 h + 1 h = 3.5 h of 45 h: 0.07778.
    assert amsterdam.values["meeting_share"] == 0.0778
    # Monday 17:30-23:00 = 5.5 h after hours.
    assert amsterdam.values["after_hours_meeting_hours"] == 5.5
    assert amsterdam.days[3].working is True


# hand-made iCalendar files, read as the leader -------------------------------------------------


def review_file(path: Path, week: str, rules_: Rules, me: list[str]) -> WeeklyReview:
    source = open_ics(path, rules_, me=me)
    return review_week(source, rules_, IsoWeek.parse(week), NOW)


def test_declined_and_cancelled_occurrences_do_not_count(calendars: Path) -> None:
    week = review_file(
        calendars / "declined_and_cancelled.ics", WEEK, rules(), me=["leader@example.org"]
    )
    # Kept: Monday 09:00-10:00 and the stand-up 13:00-14:00 on Monday, Tuesday and Friday.
    # Left out: Monday's declined 10:00 and cancelled 11:00, Wednesday's cancelled and
    # Thursday's declined stand-up.
    assert [row.meeting_count for row in week.days] == [2, 1, 0, 0, 1, 0, 0]
    assert [row.meeting_minutes for row in week.days] == [120, 60, 0, 0, 60, 0, 0]
    assert week.values["meeting_hours"] == 4.0  # 1 + 3 x 1


def test_the_leaders_email_in_the_rules_identifies_the_leader(calendars: Path) -> None:
    with_email = rules(leader={"email": "Leader@Example.org"})
    week = review_file(calendars / "declined_and_cancelled.ics", WEEK, with_email, me=[])
    assert week.values["meeting_hours"] == 4.0


def test_without_knowing_the_leader_declines_cannot_be_recognised(calendars: Path) -> None:
    week = review_file(calendars / "declined_and_cancelled.ics", WEEK, rules(), me=[])
    # Cancelled occurrences still go; the two declined ones now count:
    # Monday 09:00-11:00 + 13:00-14:00 (3 h), Tuesday, Thursday, Friday 1 h each = 6 h.
    assert week.values["meeting_hours"] == 6.0
    assert [row.meeting_count for row in week.days] == [3, 1, 0, 1, 1, 0, 0]


def test_an_all_day_vacation_in_a_file_makes_the_day_non_working(calendars: Path) -> None:
    week = review_file(
        calendars / "out_of_office_day.ics", WEEK, rules(), me=["leader@example.org"]
    )
    wednesday = week.days[2]
    assert (wednesday.working, wednesday.non_working_reason) == (False, "out_of_office")
    assert wednesday.midday_break is None
    # The call on the vacation day is an hour after hours.
    assert week.values["after_hours_meeting_hours"] == 1.0
    # Working time 4 x 9 = 36 h, Tuesday's hour inside it: 1 / 36 = 0.02778.
    assert week.values["meeting_share"] == 0.0278


def test_a_file_across_the_spring_clock_change(calendars: Path) -> None:
    path = calendars / "dst_week_amsterdam_2026w13.ics"
    week = review_file(path, "2026-W13", rules(), me=["leader@example.org"])
    # Monday 1 h + Friday 1 h + Saturday 2 h + Sunday 1 h = 5 h, 3 h of them at the weekend.
    assert week.values["meeting_hours"] == 5.0
    assert week.values["after_hours_meeting_hours"] == 3.0
    # Saturday 23:00 -> Sunday 10:00 is 11 h on the clock but 10 h of rest.
    assert week.values["short_rest_nights"] == 1
    monday, friday = week.days[0], week.days[4]
    assert monday.first_start is not None
    assert friday.first_start is not None
    assert monday.first_start.isoformat() == "2026-03-23T09:00:00+01:00"
    # 08:00 UTC is 09:00 in Amsterdam winter time.
    assert friday.first_start.isoformat() == "2026-03-27T09:00:00+01:00"
    # The weekly series stays at 09:00 on the clock after the change.
    after = review_file(path, "2026-W14", rules(), me=["leader@example.org"])
    first = after.days[0].first_start
    assert first is not None
    assert first.isoformat() == "2026-03-30T09:00:00+02:00"
    assert after.values["meeting_hours"] == 1.0


def test_a_file_read_by_a_leader_in_new_york(calendars: Path) -> None:
    new_york = rules(**NEW_YORK_RULES)
    week = review_file(
        calendars / "new_york_leader.ics", "2026-W48", new_york, me=["leader@example.com"]
    )
    assert week.days[3].non_working_reason == "holiday"  # Thanksgiving
    # Monday 8 h + Tuesday's floating 09:00-10:00, read in New York: 9 h of 36 h = 0.25.
    assert week.values["meeting_share"] == 0.25
    assert week.values["after_hours_meeting_hours"] == 1.0
    tuesday = week.days[1].first_start
    assert tuesday is not None
    assert tuesday.isoformat() == "2026-11-24T09:00:00-05:00"


def test_the_night_before_monday_is_read_even_without_context_weeks() -> None:
    # Sunday 1 March ends at 23:00, Monday 2 March starts at 07:00: 8 h of rest < 11 h.
    events = [meeting(date(2026, 3, 1), "22:00", "23:00"), meeting(MON, "07:00", "08:00")]
    week = review(events, WEEK, rules=rules(measurement={"context_weeks": 0}))
    assert week.values["short_rest_nights"] == 1


def test_an_event_that_spans_days_counts_per_day_inside_working_time() -> None:
    # A 72-hour off-site from Wednesday 09:00 to Saturday 09:00 (it used to make one run of
    # meetings of 72 hours, and 72 meeting hours in a week of 45 working hours).
    week = review([meeting(WED, "09:00", "09:00", end_day=SAT)], WEEK)
    rows = {row.date: row for row in week.days}
    # Wednesday 09:00-17:30, Thursday and Friday 08:30-17:30: each day's working time.
    assert [rows[day].meeting_minutes for day in (WED, THU, FRI, SAT)] == [510, 540, 540, 0]
    assert week.values["longest_back_to_back_minutes"] == 540
    assert week.values["meeting_hours"] == 26.5
    # A late meeting past midnight stays what it is: it is not a day-spanning event.
    late = review([meeting(TUE, "21:00", "01:00", end_day=WED)], WEEK)
    assert late.values["longest_back_to_back_minutes"] == 240


def test_an_event_of_exactly_twelve_hours_past_midnight_is_one_run_of_meetings() -> None:
    # Tuesday 20:00 to Wednesday 08:00: twelve hours, the longest a late meeting may last and
    # still count as it is (a second longer and only its parts in working time would count).
    night = review([meeting(TUE, "20:00", "08:00", end_day=WED)], WEEK)
    assert night.values["longest_back_to_back_minutes"] == 720
    longer = review([meeting(TUE, "20:00", "08:00:01", end_day=WED)], WEEK)
    assert longer.values["longest_back_to_back_minutes"] == 0


def test_an_event_over_days_keeps_its_last_day_in_a_zone_far_from_utc() -> None:
    # Auckland is UTC+13 in March: Wednesday 12:00 there is Tuesday 23:00 in UTC, and the
    # off-site's Wednesday morning is still Wednesday's working time.
    auckland = ZoneInfo("Pacific/Auckland")
    offsite = meeting(MON, "09:00", "12:00", end_day=WED, zone=auckland)
    # A protected block on Wednesday morning that the off-site takes anyway.
    thinking = protected(WED, "09:00", "11:00", zone=auckland)
    there = rules(leader={"timezone": "Pacific/Auckland"})
    week = review([offsite, thinking], WEEK, rules=there)
    rows = {row.date: row for row in week.days}
    assert [rows[day].meeting_minutes for day in (MON, TUE, WED)] == [510, 540, 210]
    [measured] = measure_weeks([offsite, thinking], rules=there, weeks=[IsoWeek.parse(WEEK)])
    assert measured.values["protected_overrun_minutes"] == 120


def test_a_run_of_meetings_belongs_to_the_day_it_starts_at_midnight() -> None:
    week = review([meeting(TUE, "00:00", "02:00")], WEEK)
    rows = {row.date: row for row in week.days}
    assert [rows[day].longest_back_to_back_minutes for day in (MON, TUE)] == [0, 120]


def test_a_days_span_and_the_hours_after_work_keep_two_decimals() -> None:
    # Monday 08:00 to 18:20: 10 h 20 min = 10.33 h; after hours (work is 08:30-17:30) 08:00-08:30
    # and 17:30-18:20, 80 min = 1.33 h.
    week = review([meeting(MON, "08:00", "09:00"), meeting(MON, "17:00", "18:20")], WEEK)
    assert week.days[0].span_hours == 10.33
    assert week.values["after_hours_meeting_hours"] == 1.33


def test_a_half_day_split_at_half_past_twelve_puts_a_quarter_to_twelve_in_the_morning() -> None:
    # Monday's meetings at 08:30 and 11:45-12:15 both fall before a 12:30 split: the morning is
    # taken, the afternoon free; Tuesday to Friday have both halves free: 1 + 8 = 9.
    split = rules(measurement={"half_day_split": "12:30"})
    events = [meeting(MON, "08:30", "09:00"), meeting(MON, "11:45", "12:15")]
    assert review(events, WEEK, rules=split).values["meeting_free_half_days"] == 9
