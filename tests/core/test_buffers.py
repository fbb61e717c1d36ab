"""Indicator statuses at their thresholds, buffer statuses (worst of) and their reasons: as
data from the core, and as the sentences the shells make of them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from assistant.core.buffers import indicator_results, rule_values
from assistant.core.catalogue import INDICATORS
from assistant.core.reasons import Quantity, Threshold, reason
from assistant.core.review import Buffer, IsoWeek, Status, WeeklyReview
from assistant.i18n.wording import quantity, word
from connectors import CalendarEvent
from rules import load_rules
from tests.core.builders import at, meeting, protected, review, rules

WEEK = "2026-W10"
MON, TUE, WED, THU, FRI, SAT, SUN = IsoWeek.parse(WEEK).days()


def buffer(week: WeeklyReview, which: Buffer) -> tuple[Status, tuple[str, ...]]:
    """The buffer's status and its reasons in the review's language."""
    found = next(b for b in week.buffers if b.buffer is which)
    return found.status, tuple(word(r, week.language) for r in found.reasons)


# meeting_share at its boundaries, from a calendar ----------------------------------------------


def full_days(*days: object) -> list:  # type: ignore[type-arg]
    return [meeting(day, "08:30", "17:30") for day in days]  # type: ignore[arg-type]


def test_meeting_share_of_exactly_sixty_percent_needs_attention() -> None:
    # Three full days: 27 h of 45 h = 0.60.
    week = review(full_days(MON, TUE, WED), WEEK)
    result = week.indicator("meeting_share")
    assert (result.value, result.status) == (0.6, Status.ATTENTION)
    status, reasons = buffer(week, Buffer.AGENDA_REGIE)
    assert status is Status.ATTENTION
    assert reasons == ("Meetings took 60% of your working time (attention from 60%).",)


def test_a_reason_is_data_an_id_and_its_values() -> None:
    week = review(full_days(MON, TUE, WED), WEEK)
    found = next(b for b in week.buffers if b.buffer is Buffer.AGENDA_REGIE)
    assert found.reasons == (
        reason(
            "reason.meeting_share",
            value=Quantity(0.6, "share"),
            level=reason("level.attention"),
            limit=Threshold(">=", Quantity(0.6, "share")),
        ),
    )


def test_meeting_share_just_below_sixty_percent_is_ok() -> None:
    # Wednesday ends at 17:15: 26.75 h of 45 h = 0.59444.
    events = [*full_days(MON, TUE), meeting(WED, "08:30", "17:15")]
    week = review(events, WEEK)
    result = week.indicator("meeting_share")
    assert (result.value, result.status) == (0.5944, Status.OK)
    assert buffer(week, Buffer.AGENDA_REGIE) == (
        Status.OK,
        ("All indicators of this buffer are within your rules.",),
    )


def test_meeting_share_of_exactly_seventy_five_percent_is_an_alert() -> None:
    # 27 h + Thursday 08:30-15:15 (6.75 h) = 33.75 h of 45 h = 0.75.
    week = review([*full_days(MON, TUE, WED), meeting(THU, "08:30", "15:15")], WEEK)
    result = week.indicator("meeting_share")
    assert (result.value, result.status) == (0.75, Status.ALERT)
    status, reasons = buffer(week, Buffer.AGENDA_REGIE)
    assert status is Status.ALERT
    assert reasons[0] == "Meetings took 75% of your working time (alert from 75%)."


# every threshold at its boundary -----------------------------------------------------------------

QUIET_WEEK: dict[str, float | int | None] = {
    "meeting_hours": 10.0,
    "meeting_share": 0.3,
    "focus_hours": 20.0,
    "fragmented_hours": 0.5,
    "meeting_free_half_days": 4,
    "short_notice_share": 0.1,
    "longest_back_to_back_minutes": 60,
    "back_to_back_chains": 0,
    "days_without_midday_break": 0,
    "longest_workday_span_hours": 9.0,
    "short_rest_nights": 0,
    "after_hours_meeting_hours": 1.0,
    "reflection_minutes": 180,
    "reflection_target_minutes": 180,
    "missing_reflection_minutes": 0,
    "days_since_mini_retreat": 10,
}

BOUNDARIES = [
    # (indicator, value, status under the default rules)
    ("meeting_share", 0.5999, Status.OK),
    ("meeting_share", 0.60, Status.ATTENTION),
    ("meeting_share", 0.7499, Status.ATTENTION),
    ("meeting_share", 0.75, Status.ALERT),
    ("focus_hours", 10.0, Status.OK),
    ("focus_hours", 9.99, Status.ATTENTION),
    ("focus_hours", 4.0, Status.ATTENTION),
    ("focus_hours", 3.99, Status.ALERT),
    ("meeting_free_half_days", 2, Status.OK),
    ("meeting_free_half_days", 1, Status.ATTENTION),
    ("meeting_free_half_days", 0, Status.ALERT),
    ("short_notice_share", 0.25, Status.OK),
    ("short_notice_share", 0.2501, Status.ATTENTION),
    ("short_notice_share", 0.40, Status.ATTENTION),
    ("short_notice_share", 0.4001, Status.ALERT),
    ("short_notice_share", None, None),  # no creation times: shown empty, no status
    ("longest_back_to_back_minutes", 119, Status.OK),
    ("longest_back_to_back_minutes", 120, Status.ATTENTION),
    ("longest_back_to_back_minutes", 179, Status.ATTENTION),
    ("longest_back_to_back_minutes", 180, Status.ALERT),
    ("days_without_midday_break", 2, Status.OK),
    ("days_without_midday_break", 3, Status.ATTENTION),
    ("days_without_midday_break", 4, Status.ALERT),
    ("longest_workday_span_hours", 11.0, Status.OK),
    ("longest_workday_span_hours", 11.01, Status.ATTENTION),
    ("longest_workday_span_hours", 12.99, Status.ATTENTION),
    ("longest_workday_span_hours", 13.0, Status.ALERT),
    ("short_rest_nights", 0, Status.OK),
    ("short_rest_nights", 1, Status.ATTENTION),
    ("short_rest_nights", 2, Status.ALERT),
    ("after_hours_meeting_hours", 2.0, Status.OK),
    ("after_hours_meeting_hours", 2.01, Status.ATTENTION),
    ("after_hours_meeting_hours", 5.0, Status.ATTENTION),
    ("after_hours_meeting_hours", 5.01, Status.ALERT),
    ("missing_reflection_minutes", 0, Status.OK),
    ("missing_reflection_minutes", 1, Status.ATTENTION),
    ("missing_reflection_minutes", 179, Status.ATTENTION),
    ("missing_reflection_minutes", 180, Status.ALERT),  # ">= target", the target is 2 x 90
    ("days_since_mini_retreat", 28, Status.OK),
    ("days_since_mini_retreat", 29, Status.ATTENTION),
    ("days_since_mini_retreat", 42, Status.ATTENTION),
    ("days_since_mini_retreat", 43, Status.ALERT),
    ("days_since_mini_retreat", None, Status.ATTENTION),  # none in the history read
]


@pytest.mark.parametrize(("indicator", "value", "expected"), BOUNDARIES)
def test_status_at_threshold_boundary(
    indicator: str, value: float | None, expected: Status | None
) -> None:
    results = indicator_results({**QUIET_WEEK, indicator: value}, load_rules())
    statuses = {r.id: r.status for r in results}
    assert statuses[indicator] == expected
    # Nothing else moved.
    others = {k: v for k, v in statuses.items() if k != indicator}
    assert set(others.values()) <= {Status.OK, None}


def test_shown_indicators_never_get_a_status() -> None:
    extreme = {**QUIET_WEEK, "meeting_hours": 80.0, "fragmented_hours": 30.0}
    results = indicator_results({**extreme, "back_to_back_chains": 20}, load_rules())
    shown = {r.id for r in results if r.status is None}
    assert shown == {
        "meeting_hours",
        "fragmented_hours",
        "back_to_back_chains",
        "reflection_minutes",
        "reflection_target_minutes",
    }
    assert [r.id for r in results] == [d.id for d in INDICATORS]


# worst of, with reasons in English and Dutch -----------------------------------------------------


def strained_week(language: str) -> WeeklyReview:
    return review(
        [
            meeting(MON, "09:00", "12:00"),  # a 180-min chain: alert
            # Saturday 3.5 h of meetings with pauses: after hours, attention.
            meeting(SAT, "10:00", "11:00"),
            meeting(SAT, "11:30", "12:30"),
            meeting(SAT, "13:00", "14:30"),
        ],
        WEEK,
        rules=rules(leader={"language": language}),
    )


def test_a_buffer_takes_the_worst_status_of_its_indicators_english() -> None:
    week = strained_week("en")
    assert week.indicator("longest_back_to_back_minutes").status is Status.ALERT
    assert week.indicator("after_hours_meeting_hours").status is Status.ATTENTION
    assert buffer(week, Buffer.ENERGIE) == (
        Status.ALERT,
        (
            "Your longest run of meetings without a pause of 10 min lasted 3 h (alert from 3 h).",
            # 1 + 1 + 1.5 = 3.5 h.
            "3.5 h of meetings fell outside your working time (attention above 2 h).",
        ),
    )
    # Monday 3 h in 45 h = 0.0667, 41.5 h of focus, 9 free half-days: all ok.
    assert buffer(week, Buffer.AGENDA_REGIE) == (
        Status.OK,
        ("All indicators of this buffer are within your rules.",),
    )
    # No protected time at all: 0 of 180 min missing is an alert; no mini-retreat is attention.
    assert buffer(week, Buffer.MINI_RETRAITES) == (
        Status.ALERT,
        (
            "You protected 0 min for reflection against a target of 3 h.",
            "No mini-retreat (a protected block of 3 h or more) in the 13 weeks read.",
        ),
    )


def test_reasons_in_dutch_carry_the_numbers() -> None:
    week = strained_week("nl")
    assert buffer(week, Buffer.ENERGIE) == (
        Status.ALERT,
        (
            "Je langste reeks overleg zonder pauze van 10 min duurde 3 u (alarm vanaf 3 u).",
            "3,5 u overleg viel buiten je werktijd (aandacht boven 2 u).",
        ),
    )
    assert buffer(week, Buffer.MINI_RETRAITES)[1] == (
        "Je beschermde 0 min voor reflectie, bij een doel van 3 u.",
        "Geen mini-retraite (een beschermd blok van 3 u of langer) in de 13 gelezen weken.",
    )
    assert buffer(week, Buffer.AGENDA_REGIE)[1] == (
        "Alle indicatoren van deze buffer vallen binnen je regels.",
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Your last mini-retreat (a protected block of 3 h or more) was 47 days ago "
            "(alert above 42 days).",
        ),
        (
            "nl",
            "Je laatste mini-retraite (een beschermd blok van 3 u of langer) was 47 dagen "
            "geleden (alarm boven 42 dagen).",
        ),
    ],
)
def test_days_since_mini_retreat_reason_gives_the_days(language: str, expected: str) -> None:
    week = review(
        # Tuesday 20 January -> Sunday 8 March = 47 days; this week 2 x 90 min of reflection,
        # neither long enough for a mini-retreat.
        [
            protected(date(2026, 1, 20), "13:00", "16:00"),
            protected(TUE, "09:00", "10:30"),
            protected(THU, "09:00", "10:30"),
        ],
        WEEK,
        rules=rules(leader={"language": language}),
    )
    status, reasons = buffer(week, Buffer.MINI_RETRAITES)
    assert status is Status.ALERT
    assert reasons == (expected,)


def test_dutch_share_reason() -> None:
    week = review(full_days(MON, TUE, WED), WEEK, rules=rules(leader={"language": "nl"}))
    reasons = buffer(week, Buffer.AGENDA_REGIE)[1]
    assert reasons == ("Overleg nam 60% van je werktijd in beslag (aandacht vanaf 60%).",)


# a leader's rules file changes statuses --------------------------------------------------------


def test_a_rules_file_with_a_lower_threshold_turns_ok_into_attention(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text(
        "thresholds:\n  meeting_share: {attention: '>= 0.50', alert: '>= 0.70'}\n",
        encoding="utf-8",
    )
    events = [*full_days(MON, TUE), meeting(WED, "08:30", "17:15")]  # 0.5944, ok by default
    assert review(events, WEEK).indicator("meeting_share").status is Status.OK
    week = review(events, WEEK, rules=load_rules(path))
    assert week.indicator("meeting_share").status is Status.ATTENTION
    # 0.5944 shows as 59%.
    assert buffer(week, Buffer.AGENDA_REGIE)[1] == (
        "Meetings took 59% of your working time (attention from 50%).",
    )


def test_a_rules_file_can_switch_off_an_alert_level(tmp_path: Path) -> None:
    path = tmp_path / "no_alert.yaml"
    path.write_text(
        "thresholds:\n  longest_back_to_back_minutes: {alert: null}\n", encoding="utf-8"
    )
    week = review([meeting(MON, "09:00", "12:00")], WEEK, rules=load_rules(path))
    # The 180-min chain keeps the default attention level (">= 120") but no longer alerts.
    assert week.indicator("longest_back_to_back_minutes").status is Status.ATTENTION
    assert buffer(week, Buffer.ENERGIE) == (
        Status.ATTENTION,
        (
            "Your longest run of meetings without a pause of 10 min lasted 3 h "
            "(attention from 2 h).",
        ),
    )


def test_reasons_name_the_leaders_own_rule_values() -> None:
    # A 6-minute gap ends a chain when the gap rule is 5 min, so Monday 09:00-10:00 stands
    # alone and 10:06-12:30 + 12:30-13:30 is one chain: 10:06-13:30 = 204 min = 3 h 24 min.
    # Lunch is 45 min in 12:00-14:00; Monday (12:00-13:30 taken; 13:30-14:00 is only
    # 30 min) and Tuesday and Wednesday (12:00-14:00 taken) have none: 3 days.
    events = [
        meeting(MON, "09:00", "10:00"),
        meeting(MON, "10:06", "12:30"),
        *(meeting(day, "12:00", "14:00") for day in (TUE, WED)),
        meeting(MON, "12:30", "13:30"),
    ]
    week = review(
        events,
        WEEK,
        rules=rules(
            measurement={"back_to_back_gap_minutes": 5},
            lunch={"window": "12:00-14:00", "minutes": 45},
        ),
    )
    _, reasons = buffer(week, Buffer.ENERGIE)
    assert (
        "Your longest run of meetings without a pause of 5 min lasted 3 h 24 min "
        "(alert from 3 h)." in reasons
    )
    assert (
        "On 3 days there were no 45 min free between 12:00–14:00 (attention from 3 days)."
        in reasons
    )


# weeks without data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "now", "why"),
    [
        ([], None, "no_data.no_events"),
        # The calendar starts the week after: an account connected later, a new export.
        ([meeting(date(2026, 3, 10), "09:00", "10:00")], None, "no_data.before_first"),
        # The calendar ends the week before (Outlook's export range ended early).
        ([meeting(date(2026, 2, 24), "09:00", "10:00")], None, "no_data.after_last"),
        (
            [
                meeting(date(2026, 2, 24), "09:00", "10:00"),
                meeting(date(2026, 3, 10), "09:00", "10:00"),
            ],
            None,
            "no_data.empty_week",
        ),
        # Reviewed on Saturday 28 February, before the week has begun.
        ([meeting(MON, "09:00", "10:00")], at(date(2026, 2, 28), "12:00"), "no_data.future"),
        # The only event begins the moment the week has ended, or ends the moment it begins.
        ([meeting(date(2026, 3, 9), "00:00", "01:00")], None, "no_data.before_first"),
        ([meeting(date(2026, 3, 1), "23:00", "24:00")], None, "no_data.after_last"),
    ],
)
def test_a_week_without_data_is_never_ok(
    events: list[CalendarEvent], now: datetime | None, why: str
) -> None:
    week = review(events, WEEK, now=now)
    assert [(b.status, [r.id for r in b.reasons]) for b in week.buffers] == [
        (Status.NO_DATA, [why])
    ] * len(Buffer)
    assert {r.status for r in week.indicators if r.status is not None} == {Status.NO_DATA}
    # An indicator without thresholds has no status to replace, with or without data.
    unjudged = {r.id for r in week.indicators if r.status is None}
    measured = review([meeting(MON, "09:00", "10:00")], WEEK)
    assert unjudged == {r.id for r in measured.indicators if r.status is None}
    assert "meeting_hours" in unjudged
    english = word(week.buffers[0].reasons[0], "en")
    assert "nothing" in english
    assert "niets" in word(week.buffers[0].reasons[0], "nl")


@pytest.mark.parametrize(
    ("event", "now"),
    [
        (meeting(MON, "09:00", "10:00"), None),
        (meeting(SUN, "10:00", "11:00"), None),  # the week's last day counts
        (meeting(MON, "09:00", "10:00"), at(MON, "00:00")),  # reviewed as the week begins
    ],
)
def test_a_week_with_one_event_is_measured(event: CalendarEvent, now: datetime | None) -> None:
    week = review([event], WEEK, now=now)
    assert Status.NO_DATA not in {b.status for b in week.buffers}
    assert Status.NO_DATA not in {r.status for r in week.indicators}


def test_a_week_not_yet_begun_is_named_by_its_number() -> None:
    week = review([meeting(MON, "09:00", "10:00")], WEEK, now=at(date(2026, 3, 1), "23:59"))
    assert week.buffers[0].reasons == (reason("no_data.future", week=10),)


def test_the_reflection_reason_says_what_was_protected_and_the_target() -> None:
    week = review([protected(TUE, "09:00", "10:30")], WEEK)
    assert buffer(week, Buffer.MINI_RETRAITES)[1][0] == (
        "You protected 90 min for reflection against a target of 3 h."
    )


def test_target_in_another_indicators_threshold_is_the_reflection_target() -> None:
    # A rule file may write "target" for any threshold: here 3 h (2 blocks of 90 min).
    own = rules(
        thresholds={"longest_back_to_back_minutes": {"attention": ">= target", "alert": None}}
    )
    week = review([meeting(TUE, "09:00", "12:00")], WEEK, rules=own)
    assert buffer(week, Buffer.ENERGIE) == (
        Status.ATTENTION,
        (
            "Your longest run of meetings without a pause of 10 min lasted 3 h "
            "(attention from 3 h).",
        ),
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"focus": "75 min", "notice": "36 h", "rest": "10 h"}),
        ("nl", {"focus": "75 min", "notice": "36 u", "rest": "10 u"}),
    ],
)
def test_the_rule_values_a_reason_names_carry_their_units(
    language: str, expected: dict[str, str]
) -> None:
    own = rules(measurement={"focus_block_minutes": 75, "short_notice_hours": 36, "rest_hours": 10})
    named = {
        name: quantity(value, language)
        for indicator in ("focus_hours", "short_notice_share", "short_rest_nights")
        for name, value in rule_values(own, indicator).items()
        if isinstance(value, Quantity)
    }
    assert named == expected


def test_without_a_reflection_target_nothing_is_missing_and_the_rest_is_judged() -> None:
    no_blocks = rules(reflection={"blocks_per_week": 0})
    week = review([meeting(TUE, "09:00", "12:00")], WEEK, rules=no_blocks)
    statuses = {result.id: result.status for result in week.indicators}
    assert statuses["missing_reflection_minutes"] is None
    assert statuses["longest_back_to_back_minutes"] is Status.ALERT
    assert statuses["meeting_share"] is Status.OK
