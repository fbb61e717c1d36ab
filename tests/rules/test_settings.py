"""Every rule setting, one at a time: changing it changes the review or the proposals as
docs/indicators.md and rules/defaults.yaml say.

Each test names the settings it shows with `@covers(...)`; the last test checks that together
with the settings tested in another suite (ELSEWHERE: `trends.*` in tests/trends) they are every
leaf setting of the rule file's JSON Schema, so a new setting without a test fails.

Unless a test says otherwise the reviewed week is 2026-W10 (Monday 2 to Sunday 8 March 2026) and
the proposals are for 2026-W11 (Monday 9 to Sunday 15 March), in Europe/Amsterdam, working time
Monday to Friday 08:30-17:30 (45 h a week), no public holidays in either week.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from assistant.app.review import open_ics, review_week
from assistant.cli import rules as rules_commands
from assistant.core.analysis import measure_weeks
from assistant.core.review import IsoWeek, Status, WeeklyReview
from assistant.i18n.wording import word
from connectors import EventKind, EventStatus, Response, TimeWindow
from rules import RulesError, load_rules
from rules.schema import rules_json_schema
from tests.connectors.ics_writer import write_ics
from tests.contracts.source import EventSpec
from tests.core.builders import (
    NOW,
    at,
    away_day,
    event,
    hold,
    meeting,
    protected,
    review,
    rules,
)

F = TypeVar("F", bound=Callable[..., Any])

COVERED: set[str] = set()


def covers(*settings: str) -> Callable[[F], F]:
    """Record that the decorated test shows the effect of these settings."""

    def mark(test: F) -> F:
        COVERED.update(settings)
        return test

    return mark


WEEK = "2026-W10"
MON, TUE, WED, THU, FRI, SAT, SUN = IsoWeek.parse(WEEK).days()
# A free event on the Saturday: the week has data (an empty calendar is "no data"), and nothing
# in it counts as load.
QUIET = [event(SAT, "10:00", "10:30", EventKind.OTHER)]
N_MON, N_TUE, N_WED, N_THU, N_FRI, N_SAT, N_SUN = IsoWeek.parse("2026-W11").days()
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CALENDARS = Path(__file__).parent / "calendars"
LEADER = "anna@example.org"

# Thursday 12 February 2026: a three-hour protected block, the last mini-retreat before W10.
# It is 24 days before Sunday 8 March and 31 days before Sunday 15 March.
RETREAT = protected(date(2026, 2, 12), "13:00", "16:00")

# A week with a number on every indicator (hand-computed in BUSY_VALUES).
BUSY = [
    meeting(MON, "09:00", "11:00", created=at(date(2026, 2, 1), "10:00")),  # booked long ahead
    meeting(MON, "11:05", "12:00"),  # joins the 09:00 chain: 09:00-12:00, 180 min
    meeting(TUE, "11:30", "14:00", created=at(MON, "20:00")),  # booked 15.5 h ahead
    protected(WED, "08:30", "10:00"),
    meeting(WED, "11:45", "13:45"),
    meeting(THU, "07:00", "08:00"),  # before working time
    meeting(THU, "19:00", "21:00"),  # after working time: Thursday spans 07:00-21:00
    meeting(FRI, "06:00", "07:00"),  # 9 h after Thursday's last meeting
    RETREAT,
]

BUSY_VALUES: dict[str, float | int | None] = {
    # 120 + 55 + 150 + 120 + 60 + 120 + 60 = 685 min
    "meeting_hours": 11.42,
    # inside working time: 175 + 150 + 120 = 445 of 2700 min
    "meeting_share": 0.1648,
    # meeting-free stretches >= 120 min: Mon 12:00-17:30 (330), Tue 08:30-11:30 (180) and
    # 14:00-17:30 (210), Wed 08:30-11:45 (195) and 13:45-17:30 (225), Thu and Fri 540 each
    "focus_hours": 37.0,
    # stretches < 30 min: Mon 11:00-11:05 (Mon 08:30-09:00 is exactly 30)
    "fragmented_hours": 0.08,
    # Mon afternoon, Thu and Fri both halves
    "meeting_free_half_days": 5,
    # known creation times: Mon 120 min (ahead), Tue 150 min (short notice): 150 / 270
    "short_notice_share": 0.5556,
    "longest_back_to_back_minutes": 180,
    # chains >= 120 min: Mon 180, Tue 150, Wed 120, Thu 19:00-21:00 120
    "back_to_back_chains": 4,
    # no 30 free minutes in 11:30-14:00 on Tue (meeting) and Wed (15 + 15 min)
    "days_without_midday_break": 2,
    "longest_workday_span_hours": 14.0,
    # Thursday 21:00 to Friday 06:00 is 9 h
    "short_rest_nights": 1,
    # Thu 60 + 120, Fri 60 min
    "after_hours_meeting_hours": 4.0,
    "reflection_minutes": 90,
    "reflection_target_minutes": 180,
    "missing_reflection_minutes": 90,
    "days_since_mini_retreat": 24,
}


def busy(**overrides: Any) -> WeeklyReview:
    return review(BUSY, WEEK, rules=rules(**overrides))


def value(week: WeeklyReview, indicator: str) -> float | int | None:
    return week.indicator(indicator).value


def status(week: WeeklyReview, indicator: str) -> Status | None:
    return week.indicator(indicator).status


def slots(week: WeeklyReview) -> list[tuple[str, str, str]]:
    """(kind, 'Mon 09 08:30', '10:00'): the proposals as a leader reads them, in local time."""
    return [(p.kind, f"{p.start:%a %d %H:%M}", f"{p.end:%H:%M}") for p in week.proposals]


def only(*kinds: str, **more: Any) -> dict[str, Any]:
    """Rule overrides asking for the given proposal kinds only."""
    return {"proposals": {"kinds": list(kinds)}, **more}


def day(week: WeeklyReview, current: date) -> Any:
    return next(row for row in week.days if row.date == current)


def reasons(week: WeeklyReview) -> list[str]:
    """The buffers' reasons in the review's language."""
    return [word(reason, week.language) for buffer in week.buffers for reason in buffer.reasons]


def buffer_reasons(week: WeeklyReview, index: int) -> tuple[str, ...]:
    """The reasons of the week's buffer `index`, in the review's language."""
    return tuple(word(reason, week.language) for reason in week.buffers[index].reasons)


def warnings(week: WeeklyReview, code: str) -> list[str]:
    return [word(w.message, week.language) for w in week.warnings if w.code == code]


def proposal_reason(week: WeeklyReview, index: int = 0) -> str:
    """The reason of the week's proposal `index`, in the review's language."""
    return word(week.proposals[index].reason, week.language)


def ics_review(
    tmp_path: Path, specs: Iterable[EventSpec], *, week: str = WEEK, **overrides: Any
) -> WeeklyReview:
    """Write `specs` as an .ics file (the leader is LEADER in it) and review it as the CLI does:
    titles are classified with the rules' keywords, the leader's answers read by address."""
    path = tmp_path / "calendar.ics"
    path.write_text(write_ics(specs, LEADER), encoding="utf-8")
    return ics_file_review(path, week=week, **overrides)


def ics_file_review(path: Path, *, week: str = WEEK, **overrides: Any) -> WeeklyReview:
    effective = rules(**overrides)
    return review_week(open_ics(path, effective), effective, IsoWeek.parse(week), NOW)


def local(current: date, hour: int, minute: int = 0) -> datetime:
    return datetime(current.year, current.month, current.day, hour, minute, tzinfo=AMSTERDAM)


def preview_text(tmp_path: Path, rule_text: str) -> str:
    """`rules preview` of a rule file over an empty calendar, reviewing W10."""
    rule_file = tmp_path / "leader.yaml"
    rule_file.write_text(rule_text, encoding="utf-8")
    calendar = tmp_path / "empty.ics"
    calendar.write_text(write_ics([], LEADER), encoding="utf-8")
    return rules_commands.preview(
        rule_file, str(calendar), week=IsoWeek.parse(WEEK), me=[], today=None, now=NOW
    )


def test_the_busy_week_gives_the_hand_computed_numbers() -> None:
    week = busy()
    assert week.values == BUSY_VALUES
    # The statuses the threshold tests change, with the bundled defaults.
    assert {r.id: r.status for r in week.indicators if r.status is not None} == {
        "meeting_share": Status.OK,
        "focus_hours": Status.OK,
        "meeting_free_half_days": Status.OK,
        "short_notice_share": Status.ALERT,
        "longest_back_to_back_minutes": Status.ALERT,
        "days_without_midday_break": Status.OK,
        "longest_workday_span_hours": Status.ALERT,
        "short_rest_nights": Status.ATTENTION,
        "after_hours_meeting_hours": Status.ATTENTION,
        "missing_reflection_minutes": Status.ATTENTION,
        "days_since_mini_retreat": Status.OK,
    }


# version and extends ----------------------------------------------------------------------------


@covers("version")
@pytest.mark.parametrize("version", [2, 0, "one"])
def test_only_version_1_is_accepted(tmp_path: Path, version: object) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"version: {version}\n", encoding="utf-8")

    assert load_rules(good).version == 1
    with pytest.raises(RulesError) as caught:
        load_rules(bad)
    assert [str(p) for p in caught.value.problems] == [f"{bad}:1:1: version: Input should be 1"]


@covers("extends")
def test_extends_brings_in_the_settings_of_the_file_below(tmp_path: Path) -> None:
    (tmp_path / "organisation.yaml").write_text("leader:\n  language: nl\n", encoding="utf-8")
    leader = tmp_path / "leader.yaml"
    leader.write_text("version: 1\nextends: organisation.yaml\n", encoding="utf-8")

    alone = tmp_path / "alone.yaml"
    alone.write_text("version: 1\n", encoding="utf-8")
    assert load_rules(alone).leader.language == "en"

    effective = load_rules(leader)
    week = review(QUIET, WEEK, rules=effective)
    assert effective.leader.language == "nl"
    assert "Je beschermde 0 min voor reflectie, bij een doel van 3 u." in reasons(week)


# leader ----------------------------------------------------------------------------------------


@covers("leader.name")
def test_leader_name_heads_the_preview(tmp_path: Path) -> None:
    title = "Preview of {path} for {who}: week 2026-W10 reviewed, proposals for week 2026-W11"
    path = tmp_path / "leader.yaml"

    named = preview_text(tmp_path, f"version: 1\nleader:\n  name: Anna Jansen\n  email: {LEADER}\n")
    unnamed = preview_text(tmp_path, f"version: 1\nleader:\n  email: {LEADER}\n")
    anonymous = preview_text(tmp_path, "version: 1\n")

    assert named.splitlines()[0] == title.format(path=path, who="Anna Jansen")
    assert unnamed.splitlines()[0] == title.format(path=path, who=LEADER)
    assert anonymous.splitlines()[0] == title.format(path=path, who="—")


@covers("leader.email")
def test_leader_email_makes_the_proposal_keys() -> None:
    anonymous = review(QUIET, WEEK, rules=rules(**only("reflection")))
    named = review(QUIET, WEEK, rules=rules(**only("reflection", leader={"email": LEADER})))

    assert [p.key for p in anonymous.proposals] == [
        "leader:2026-W11:reflection:0",
        "leader:2026-W11:reflection:1",
    ]
    assert [p.key for p in named.proposals] == [
        f"{LEADER}:2026-W11:reflection:0",
        f"{LEADER}:2026-W11:reflection:1",
    ]
    assert named.leader == LEADER


@covers("leader.email")
def test_leader_email_reads_the_leaders_own_answer(tmp_path: Path) -> None:
    specs = [
        EventSpec(local(TUE, 10), local(TUE, 11), title="Kwartaalcijfers", other_attendees=2),
        EventSpec(
            local(WED, 10),
            local(WED, 12),
            title="Leveranciersdag",
            other_attendees=2,
            my_response=Response.DECLINED,
        ),
    ]
    # Without the leader's address the declined invitation is just another two-hour meeting.
    stranger = ics_review(tmp_path, specs)
    me = ics_review(tmp_path, specs, leader={"email": LEADER})

    assert value(stranger, "meeting_hours") == 3.0
    assert day(stranger, WED).meeting_minutes == 120
    assert value(me, "meeting_hours") == 1.0
    assert day(me, WED).meeting_minutes == 0


@covers("leader.language")
def test_leader_language_writes_reasons_and_proposals_in_dutch() -> None:
    english = review(QUIET, WEEK, rules=rules(**only("reflection")))
    dutch = review(QUIET, WEEK, rules=rules(**only("reflection", leader={"language": "nl"})))

    assert english.language == "en"
    assert dutch.language == "nl"
    assert reasons(english)[-2:] == [
        "You protected 0 min for reflection against a target of 3 h.",
        "No mini-retreat (a protected block of 3 h or more) in the 13 weeks read.",
    ]
    assert reasons(dutch)[-2:] == [
        "Je beschermde 0 min voor reflectie, bij een doel van 3 u.",
        "Geen mini-retraite (een beschermd blok van 3 u of langer) in de 13 gelezen weken.",
    ]
    assert proposal_reason(dutch) == (
        "Voor volgende week is nog geen reflectietijd beschermd (je doel is 3 u); "
        "maandag 9 maart 08:30–10:00 is vrij binnen je voorkeursvenster."
    )


@covers("leader.timezone")
def test_leader_timezone_sets_day_boundaries() -> None:
    # Wednesday 4 March 02:00-03:00 UTC: 03:00 on Wednesday in Amsterdam, but 21:00 on Tuesday
    # in New York (UTC-5 until 8 March).
    late = [meeting(WED, "02:00", "03:00", zone=ZoneInfo("UTC"))]
    amsterdam = review(late, WEEK)
    new_york = review(late, WEEK, rules=rules(leader={"timezone": "America/New_York"}))

    assert (day(amsterdam, TUE).meeting_minutes, day(amsterdam, WED).meeting_minutes) == (0, 60)
    assert (day(new_york, TUE).meeting_minutes, day(new_york, WED).meeting_minutes) == (60, 0)
    assert day(new_york, TUE).first_start == datetime(
        2026, 3, 3, 21, 0, tzinfo=ZoneInfo("America/New_York")
    )
    assert new_york.timezone == "America/New_York"


@covers("leader.timezone")
def test_leader_timezone_sets_proposal_offsets() -> None:
    def starts(zone: str) -> list[str]:
        week = review(QUIET, WEEK, rules=rules(**only("reflection", leader={"timezone": zone})))
        return [p.start.isoformat() for p in week.proposals]

    assert starts("Europe/Amsterdam") == ["2026-03-09T08:30:00+01:00", "2026-03-13T08:30:00+01:00"]
    # New York's summer time began on Sunday 8 March.
    assert starts("America/New_York") == ["2026-03-09T08:30:00-04:00", "2026-03-13T08:30:00-04:00"]


@covers("leader.holiday_country")
@pytest.mark.parametrize(
    ("country", "monday", "friday"),
    [
        ("NL", "holiday", None),  # Monday 27 April: King's Day
        ("DE", None, "holiday"),  # Friday 1 May: Tag der Arbeit
        (None, None, None),
    ],
)
def test_holiday_country_makes_its_public_holidays_non_working(
    country: str | None, monday: str | None, friday: str | None
) -> None:
    week = review([], "2026-W18", rules=rules(leader={"holiday_country": country}))
    first, *_, fifth = week.days[:5]

    assert (first.non_working_reason, fifth.non_working_reason) == (monday, friday)
    holidays = [monday, friday].count("holiday")
    assert value(week, "focus_hours") == 9 * (5 - holidays)
    assert value(week, "meeting_free_half_days") == 2 * (5 - holidays)


@covers("leader.holiday_subdivision")
@pytest.mark.parametrize(
    ("subdivision", "thursday"),
    [("BY", "holiday"), ("by", "holiday"), ("BE", None), (None, None)],
)
def test_holiday_subdivision_adds_regional_holidays(
    subdivision: str | None, thursday: str | None
) -> None:
    # Thursday 4 June 2026 is Corpus Christi: a public holiday in Bavaria, not in Berlin.
    leader = {"holiday_country": "DE", "holiday_subdivision": subdivision}
    week = review([], "2026-W23", rules=rules(leader=leader))

    assert day(week, date(2026, 6, 4)).non_working_reason == thursday
    assert day(week, date(2026, 6, 4)).working is (thursday is None)


@covers("leader.holiday_subdivision")
def test_an_unknown_holiday_subdivision_is_a_rule_problem(tmp_path: Path) -> None:
    path = tmp_path / "leader.yaml"
    path.write_text(
        "version: 1\nleader:\n  holiday_country: DE\n  holiday_subdivision: XX\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:4:3: leader.holiday_subdivision: 'XX' is not a subdivision of DE the holidays "
        "package knows (BB, BE, BW, BY, HB, HE, HH, MV, …)"
    ]


# working hours ---------------------------------------------------------------------------------

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@covers(*(f"working_hours.{name}" for name in WEEKDAY_NAMES))
@pytest.mark.parametrize("index", range(7), ids=WEEKDAY_NAMES)
def test_each_weekday_has_its_own_working_hours(index: int) -> None:
    name = WEEKDAY_NAMES[index]
    current = MON + timedelta(days=index)
    default = review(QUIET, WEEK)
    if index < 5:
        # A weekday off: 9 h less focus time, two half-days less, no proposal that day.
        changed = review(QUIET, WEEK, rules=rules(working_hours={name: []}))
        assert day(default, current).working
        assert not day(changed, current).working
        assert day(changed, current).non_working_reason == "weekend"
        assert value(changed, "focus_hours") == 36.0
        assert value(changed, "meeting_free_half_days") == 8
    else:
        # A weekend morning becomes working time: 4 h of focus, one half-day (before 13:00).
        changed = review(QUIET, WEEK, rules=rules(working_hours={name: ["09:00-13:00"]}))
        assert not day(default, current).working
        assert day(changed, current).working
        assert value(changed, "focus_hours") == 49.0
        assert value(changed, "meeting_free_half_days") == 11
    assert value(default, "focus_hours") == 45.0


@covers("working_hours.monday")
def test_a_day_may_have_several_working_ranges() -> None:
    lunch_meeting = [meeting(MON, "12:30", "13:30")]
    split = rules(working_hours={"monday": ["08:30-12:30", "13:30-18:00"]})
    default = review(lunch_meeting, WEEK)
    changed = review(lunch_meeting, WEEK, rules=split)

    assert value(default, "after_hours_meeting_hours") == 0.0
    assert value(default, "meeting_share") == round(60 / 2700, 4)
    # 12:30-13:30 lies between Monday's two ranges: outside working time.
    assert value(changed, "after_hours_meeting_hours") == 1.0
    assert value(changed, "meeting_share") == 0.0
    # Monday 08:30-12:30 (240) and 13:30-18:00 (270) are both focus stretches.
    assert day(changed, MON).focus_minutes == 510


# classification (titles read from an .ics file) ------------------------------------------------


@covers("classification.tentative_counts_as_meeting")
@pytest.mark.parametrize(
    ("how", "spec"),
    [
        (
            "tentative event",
            EventSpec(
                local(TUE, 10),
                local(TUE, 11),
                title="Misschien",
                status=EventStatus.TENTATIVE,
                other_attendees=2,
            ),
        ),
        (
            "tentative answer",
            EventSpec(
                local(TUE, 10),
                local(TUE, 11),
                title="Misschien",
                my_response=Response.TENTATIVE,
                other_attendees=2,
            ),
        ),
    ],
)
def test_tentative_meetings_count_unless_the_rules_say_otherwise(
    tmp_path: Path, how: str, spec: EventSpec
) -> None:
    leader = {"email": LEADER}
    counted = ics_review(tmp_path, [spec], leader=leader)
    ignored = ics_review(
        tmp_path,
        [spec],
        leader=leader,
        classification={"tentative_counts_as_meeting": False},
    )
    assert value(counted, "meeting_hours") == 1.0
    assert day(counted, TUE).meeting_count == 1
    assert value(ignored, "meeting_hours") == 0.0
    assert day(ignored, TUE).first_start is None  # not even a solo hold


@covers("classification.reflection_keywords")
def test_reflection_keywords_make_protected_blocks(tmp_path: Path) -> None:
    specs = [
        EventSpec(local(TUE, 9), local(TUE, 10), title="Strategie-uur"),
        EventSpec(local(WED, 9), local(WED, 10), title="Focus"),
    ]
    default = ics_review(tmp_path, specs)
    # The list replaces the default list: "Focus" is no longer a reflection keyword.
    changed = ics_review(tmp_path, specs, classification={"reflection_keywords": ["strategie-uur"]})

    assert (day(default, TUE).protected_minutes, day(default, WED).protected_minutes) == (0, 60)
    assert (day(changed, TUE).protected_minutes, day(changed, WED).protected_minutes) == (60, 0)
    assert value(default, "reflection_minutes") == value(changed, "reflection_minutes") == 60
    # The one that is no longer protected is a solo hold: it fills Wednesday.
    assert day(changed, WED).span_hours == 1.0


@covers("classification.out_of_office_keywords")
def test_out_of_office_keywords_make_a_day_non_working(tmp_path: Path) -> None:
    specs = [EventSpec(local(THU, 8), local(THU, 18), title="Zeilen met de kinderen")]
    default = ics_review(tmp_path, specs)
    changed = ics_review(tmp_path, specs, classification={"out_of_office_keywords": ["zeilen"]})

    assert day(default, THU).working
    assert day(default, THU).span_hours == 10.0  # a ten-hour solo hold
    assert not day(changed, THU).working
    assert day(changed, THU).non_working_reason == "out_of_office"
    assert value(changed, "focus_hours") == 36.0


@covers("classification.personal_keywords")
def test_personal_keywords_keep_an_appointment_out_of_meeting_time(tmp_path: Path) -> None:
    specs = [
        EventSpec(local(TUE, 10), local(TUE, 11), title="Fysiotherapie", other_attendees=1),
    ]
    default = ics_review(tmp_path, specs)
    changed = ics_review(tmp_path, specs, classification={"personal_keywords": ["fysiotherapie"]})

    assert value(default, "meeting_hours") == 1.0
    assert value(changed, "meeting_hours") == 0.0
    assert day(changed, TUE).span_hours == 1.0  # still a hold that fills the day


# measurement -----------------------------------------------------------------------------------


@covers("measurement.focus_block_minutes")
def test_focus_block_minutes() -> None:
    # Stretches of at least 200 min: Mon 330, Tue 210, Wed 225, Thu 540, Fri 540 = 1845 min.
    week = busy(measurement={"focus_block_minutes": 200})
    assert value(week, "focus_hours") == 30.75
    assert day(week, TUE).focus_minutes == 210


@covers("measurement.fragment_max_minutes")
def test_fragment_max_minutes() -> None:
    # Below 31 min: Mon 11:00-11:05 and Mon 08:30-09:00, 35 min.
    assert value(busy(measurement={"fragment_max_minutes": 31}), "fragmented_hours") == 0.58


@covers("measurement.half_day_split")
def test_half_day_split_counts_meeting_free_half_days() -> None:
    # Split at 11:00: Monday loses its free afternoon (11:05 meeting) but Tuesday and Wednesday
    # gain a free morning: 0 + 1 + 1 + 2 + 2.
    assert value(busy(measurement={"half_day_split": "11:00"}), "meeting_free_half_days") == 6


@covers("measurement.half_day_split")
def test_half_day_split_starts_the_mini_retreat() -> None:
    default = review(QUIET, WEEK, rules=rules(**only("mini_retreat")))
    later = review(
        [], WEEK, rules=rules(**only("mini_retreat", measurement={"half_day_split": "14:00"}))
    )
    assert slots(default) == [("mini_retreat", "Mon 09 13:00", "16:00")]
    assert slots(later) == [("mini_retreat", "Mon 09 14:00", "17:00")]


@covers("measurement.half_day_split", "delivery.time")
@pytest.mark.parametrize("setting", ["measurement.half_day_split", "delivery.time"])
def test_an_unquoted_clock_time_is_a_rule_problem(tmp_path: Path, setting: str) -> None:
    # YAML reads 13:00 without quotes as the number 780; it must not become 00:13.
    section, key = setting.split(".")
    path = tmp_path / "leader.yaml"
    path.write_text(f"version: 1\n{section}:\n  {key}: 13:00\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert [str(p) for p in caught.value.problems] == [
        f'{path}:3:3: {setting}: 780 is not a time of day; write it in quotes, like "13:00"'
    ]


@covers("measurement.short_notice_hours")
def test_short_notice_hours() -> None:
    # Tuesday's meeting was booked 15.5 h ahead: short notice at 24 h, not at 12 h.
    week = busy(measurement={"short_notice_hours": 12})
    assert value(week, "short_notice_share") == 0.0
    assert status(week, "short_notice_share") is Status.OK


@covers("measurement.back_to_back_gap_minutes")
def test_back_to_back_gap_minutes() -> None:
    # With a 5-minute gap the 5 minutes after Monday 11:00 break the chain: 120 and 55 min.
    week = busy(measurement={"back_to_back_gap_minutes": 5})
    assert value(week, "longest_back_to_back_minutes") == 150  # Tuesday
    assert day(week, MON).longest_back_to_back_minutes == 120
    assert value(week, "back_to_back_chains") == 4  # Mon 120, Tue 150, Wed 120, Thu 120
    assert status(week, "longest_back_to_back_minutes") is Status.ATTENTION


@covers("measurement.rest_hours")
def test_rest_hours() -> None:
    # Thursday 21:00 to Friday 06:00 is 9 h: not less than 9.
    week = busy(measurement={"rest_hours": 9})
    assert value(week, "short_rest_nights") == 0
    assert status(week, "short_rest_nights") is Status.OK
    assert value(busy(measurement={"rest_hours": 9.5}), "short_rest_nights") == 1


@covers("measurement.context_weeks")
@pytest.mark.parametrize(("weeks", "days"), [(12, 24), (3, 24), (2, None)])
def test_context_weeks_limit_how_far_back_a_mini_retreat_is_found(
    weeks: int, days: int | None
) -> None:
    # The retreat of 12 February lies in the 3 weeks before W10 (from 9 February), not in 2.
    week = busy(measurement={"context_weeks": weeks})
    assert value(week, "days_since_mini_retreat") == days
    expected = Status.OK if days is not None else Status.ATTENTION
    assert status(week, "days_since_mini_retreat") is expected


# thresholds ------------------------------------------------------------------------------------

THRESHOLDS = (
    "meeting_share",
    "focus_hours",
    "meeting_free_half_days",
    "short_notice_share",
    "longest_back_to_back_minutes",
    "days_without_midday_break",
    "longest_workday_span_hours",
    "short_rest_nights",
    "after_hours_meeting_hours",
    "missing_reflection_minutes",
    "days_since_mini_retreat",
)


def _bound(indicator: str) -> str:
    number = BUSY_VALUES[indicator]
    assert number is not None
    return f"{number:g}"


@covers(*(f"thresholds.{i}.attention" for i in THRESHOLDS))
@pytest.mark.parametrize("indicator", THRESHOLDS)
def test_attention_threshold(indicator: str) -> None:
    bound = _bound(indicator)
    fires = busy(thresholds={indicator: {"attention": f">= {bound}", "alert": None}})
    quiet = busy(thresholds={indicator: {"attention": f"> {bound}", "alert": None}})

    assert status(fires, indicator) is Status.ATTENTION
    assert status(quiet, indicator) is Status.OK


@covers(*(f"thresholds.{i}.alert" for i in THRESHOLDS))
@pytest.mark.parametrize("indicator", THRESHOLDS)
def test_alert_threshold(indicator: str) -> None:
    bound = _bound(indicator)
    fires = busy(thresholds={indicator: {"attention": None, "alert": f"<= {bound}"}})
    quiet = busy(thresholds={indicator: {"attention": None, "alert": f"< {bound}"}})

    assert status(fires, indicator) is Status.ALERT
    assert status(quiet, indicator) is Status.OK


@covers("thresholds.meeting_share.attention", "thresholds.meeting_share.alert")
def test_a_threshold_shows_in_the_buffer_reason() -> None:
    week = busy(thresholds={"meeting_share": {"attention": ">= 0.15", "alert": ">= 0.16"}})
    agenda = week.buffers[0]
    assert agenda.status is Status.ALERT
    assert buffer_reasons(week, 0)[0] == "Meetings took 16% of your working time (alert from 16%)."


@covers("thresholds.missing_reflection_minutes.alert")
def test_target_in_a_threshold_is_the_reflection_target() -> None:
    # 90 missing minutes of a 180-minute target: ">= target" does not fire, "< target" does.
    assert status(busy(), "missing_reflection_minutes") is Status.ATTENTION
    halved = busy(thresholds={"missing_reflection_minutes": {"alert": "< target"}})
    assert status(halved, "missing_reflection_minutes") is Status.ALERT
    lower_target = busy(reflection={"blocks_per_week": 1})  # target 90: all 90 present
    assert value(lower_target, "missing_reflection_minutes") == 0
    assert status(lower_target, "missing_reflection_minutes") is Status.OK


# `missing`: the status when an indicator has no value.
AWAY_WEEK = [away_day(current) for current in (MON, TUE, WED, THU, FRI)]


@covers("thresholds.meeting_share.missing")
def test_missing_for_meeting_share_in_a_week_without_working_time() -> None:
    default = review(AWAY_WEEK, WEEK)
    changed = review(
        AWAY_WEEK, WEEK, rules=rules(thresholds={"meeting_share": {"missing": "alert"}})
    )
    assert value(default, "meeting_share") is None
    assert status(default, "meeting_share") is None
    assert status(changed, "meeting_share") is Status.ALERT
    assert changed.buffers[0].status is Status.ALERT
    assert buffer_reasons(changed, 0)[0] == (
        "Share of working time in meetings: no value this week (alert when there is none)."
    )


@covers("thresholds.short_notice_share.missing")
def test_missing_for_short_notice_share_without_creation_times() -> None:
    changed = rules(thresholds={"short_notice_share": {"missing": "attention"}})
    assert value(review(QUIET, WEEK), "short_notice_share") is None
    assert status(review(QUIET, WEEK), "short_notice_share") is None
    week = review(QUIET, WEEK, rules=changed)
    assert status(week, "short_notice_share") is Status.ATTENTION
    assert week.buffers[0].status is Status.ATTENTION
    assert buffer_reasons(week, 0) == (
        "Meeting time booked at short notice: no value this week (attention when there is none).",
    )


@covers("thresholds.days_since_mini_retreat.missing")
@pytest.mark.parametrize(
    ("missing", "expected"),
    [("attention", Status.ATTENTION), ("alert", Status.ALERT), (None, None)],
)
def test_missing_for_days_since_mini_retreat(missing: str | None, expected: Status | None) -> None:
    week = review(
        QUIET, WEEK, rules=rules(thresholds={"days_since_mini_retreat": {"missing": missing}})
    )
    assert value(week, "days_since_mini_retreat") is None
    assert status(week, "days_since_mini_retreat") is expected
    retreat_reason = "No mini-retreat (a protected block of 3 h or more) in the 13 weeks read."
    assert (retreat_reason in buffer_reasons(week, 2)) is (expected is not None)


ALWAYS_MEASURED = tuple(
    i
    for i in THRESHOLDS
    if i not in {"meeting_share", "short_notice_share", "days_since_mini_retreat"}
)


@covers(*(f"thresholds.{i}.missing" for i in ALWAYS_MEASURED))
@pytest.mark.parametrize("indicator", ALWAYS_MEASURED)
def test_missing_does_not_apply_to_an_indicator_that_always_has_a_value(indicator: str) -> None:
    # Even in an empty week and in a week without working time these indicators have a number,
    # so `missing` never decides their status: only attention and alert do.
    for events in ([], AWAY_WEEK):
        default = review(events, WEEK)
        changed = review(events, WEEK, rules=rules(thresholds={indicator: {"missing": "alert"}}))
        assert value(default, indicator) is not None
        assert status(changed, indicator) is status(default, indicator)


# reflection ------------------------------------------------------------------------------------


@covers("reflection.blocks_per_week")
def test_reflection_blocks_per_week() -> None:
    three = review(
        QUIET, WEEK, rules=rules(**only("reflection", reflection={"blocks_per_week": 3}))
    )
    # Monday first, then the day furthest away (Friday), then the day furthest from both.
    assert slots(three) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Wed 11 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    assert value(three, "reflection_target_minutes") == 270
    assert value(three, "missing_reflection_minutes") == 270


@covers("reflection.minutes")
def test_reflection_minutes() -> None:
    week = review(QUIET, WEEK, rules=rules(**only("reflection", reflection={"minutes": 60})))
    assert slots(week) == [
        ("reflection", "Mon 09 08:30", "09:30"),
        ("reflection", "Fri 13 08:30", "09:30"),
    ]
    assert value(week, "reflection_target_minutes") == 120
    # One protected hour in W10 meets half the target; with 90-minute blocks 90 of 180 lack.
    hour = [protected(TUE, "09:00", "10:00")]
    assert (
        value(
            review(hour, WEEK, rules=rules(reflection={"minutes": 60})),
            "missing_reflection_minutes",
        )
        == 60
    )
    assert value(review(hour, WEEK), "missing_reflection_minutes") == 120


@covers("reflection.preferred_windows")
def test_reflection_preferred_windows() -> None:
    afternoon = rules(**only("reflection", reflection={"preferred_windows": ["13:00-17:00"]}))
    assert slots(review(QUIET, WEEK, rules=afternoon)) == [
        ("reflection", "Mon 09 13:00", "14:30"),
        ("reflection", "Fri 13 13:00", "14:30"),
    ]


@covers("reflection.preferred_windows")
def test_reflection_preferred_windows_are_tried_in_order() -> None:
    # Monday afternoon is booked, so Monday falls back to the second window; Friday gets the first.
    booked = [meeting(N_MON, "14:00", "17:00")]
    afternoon_first = rules(
        **only("reflection", reflection={"preferred_windows": ["14:00-17:00", "08:30-12:00"]})
    )
    morning_first = rules(
        **only("reflection", reflection={"preferred_windows": ["08:30-12:00", "14:00-17:00"]})
    )
    assert slots(review(booked, WEEK, rules=afternoon_first)) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Fri 13 14:00", "15:30"),
    ]
    assert slots(review(booked, WEEK, rules=morning_first)) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Fri 13 08:30", "10:00"),
    ]
    assert proposal_reason(review(booked, WEEK, rules=afternoon_first), 1).endswith(
        "Friday 13 March 14:00–15:30 is free in your preferred window."
    )


@covers("reflection.different_days")
def test_reflection_different_days() -> None:
    # Only Monday of the coming week has room.
    full = [meeting(d, "08:30", "17:30") for d in (N_TUE, N_WED, N_THU, N_FRI)]
    same_day = rules(**only("reflection", reflection={"different_days": False}))
    assert slots(review(full, WEEK, rules=rules(**only("reflection")))) == [
        ("reflection", "Mon 09 08:30", "10:00"),
    ]
    assert slots(review(full, WEEK, rules=same_day)) == [
        ("reflection", "Mon 09 08:30", "10:00"),
        ("reflection", "Mon 09 10:00", "11:30"),
    ]


# recovery --------------------------------------------------------------------------------------

CHAIN = [meeting(MON, "09:00", "11:00"), meeting(N_MON, "09:00", "11:00")]


@covers("recovery.chain_minutes")
def test_recovery_chain_minutes() -> None:
    default = review(CHAIN, WEEK, rules=rules(**only("recovery")))
    longer = review(CHAIN, WEEK, rules=rules(**only("recovery", recovery={"chain_minutes": 150})))

    assert slots(default) == [("recovery", "Mon 09 11:00", "11:15")]
    assert value(default, "back_to_back_chains") == 1
    assert slots(longer) == []
    assert value(longer, "back_to_back_chains") == 0


@covers("recovery.break_minutes")
def test_recovery_break_minutes() -> None:
    week = review(CHAIN, WEEK, rules=rules(**only("recovery", recovery={"break_minutes": 30})))
    assert slots(week) == [("recovery", "Mon 09 11:00", "11:30")]
    assert proposal_reason(week) == (
        "Monday 9 March 09:00–11:00 is 2 h of meetings with no pause of 10 min; 30 min right "
        "after helps you recover."
    )


@covers("recovery.search_minutes")
@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (60, [("recovery", "Mon 09 11:30", "11:45")]),
        (30, [("recovery", "Mon 09 11:30", "11:45")]),
        (15, []),
    ],
)
def test_recovery_search_minutes(minutes: int, expected: list[tuple[str, str, str]]) -> None:
    # A solo hold takes 11:00-11:30 right after the chain: the first free moment is 30 min on.
    taken = [meeting(N_MON, "09:00", "11:00"), hold(N_MON, "11:00", "11:30")]
    week = review(
        taken, WEEK, rules=rules(**only("recovery", recovery={"search_minutes": minutes}))
    )
    assert slots(week) == expected


@covers("recovery.max_per_week")
@pytest.mark.parametrize(
    ("most", "expected"),
    [
        (3, ["Mon 09 11:00", "Tue 10 11:30", "Wed 11 12:00"]),
        (2, ["Tue 10 11:30", "Wed 11 12:00"]),  # the longest chains: 180 and 150 min
        (1, ["Wed 11 12:00"]),
        (0, []),
    ],
)
def test_recovery_max_per_week(most: int, expected: list[str]) -> None:
    chains = [
        meeting(N_MON, "09:00", "11:00"),
        meeting(N_TUE, "09:00", "11:30"),
        meeting(N_WED, "09:00", "12:00"),
    ]
    week = review(chains, WEEK, rules=rules(**only("recovery", recovery={"max_per_week": most})))
    assert [start for _, start, _ in slots(week)] == expected


# lunch -----------------------------------------------------------------------------------------

NO_LUNCH_TUESDAY = [meeting(TUE, "11:30", "14:00")]


@covers("lunch.enabled")
def test_lunch_enabled() -> None:
    default = review(NO_LUNCH_TUESDAY, WEEK, rules=rules(**only("lunch")))
    off = review(NO_LUNCH_TUESDAY, WEEK, rules=rules(**only("lunch", lunch={"enabled": False})))

    # The middle of 11:30-14:00 for 30 minutes: 12:30.
    assert slots(default) == [("lunch", "Tue 10 12:30", "13:00")]
    assert proposal_reason(default) == (
        "Last Tuesday had no 30 min free between 11:30–14:00; next Tuesday 12:30–13:00 is "
        "still free."
    )
    assert slots(off) == []


@covers("lunch.window")
def test_lunch_window() -> None:
    # Tuesday 12:00-13:30 leaves 11:30-12:00 free: a break in the default window, none in
    # 12:00-13:30.
    late = [meeting(TUE, "12:00", "13:30")]
    default = review(late, WEEK, rules=rules(**only("lunch")))
    narrow = review(late, WEEK, rules=rules(**only("lunch", lunch={"window": "12:00-13:30"})))

    assert value(default, "days_without_midday_break") == 0
    assert slots(default) == []
    assert value(narrow, "days_without_midday_break") == 1
    assert day(narrow, TUE).midday_break is False
    assert slots(narrow) == [("lunch", "Tue 10 12:30", "13:00")]


@covers("lunch.minutes")
def test_lunch_minutes() -> None:
    # Tuesday 12:00-13:30 leaves two free half-hours in 11:30-14:00: enough for 30, not for 45.
    late = [meeting(TUE, "12:00", "13:30")]
    longer = review(late, WEEK, rules=rules(**only("lunch", lunch={"minutes": 45})))

    assert value(longer, "days_without_midday_break") == 1
    # Nearest the middle (12:22:30) on the 15-minute grid: 12:15 and 12:30 tie, the earlier wins.
    assert slots(longer) == [("lunch", "Tue 10 12:15", "13:00")]
    assert "45 min" in proposal_reason(longer)


# mini-retreat ----------------------------------------------------------------------------------


@covers("mini_retreat.cadence_days")
@pytest.mark.parametrize(
    ("cadence", "expected"),
    [(28, [("mini_retreat", "Mon 09 13:00", "16:00")]), (31, [])],
)
def test_mini_retreat_cadence_days(cadence: int, expected: list[tuple[str, str, str]]) -> None:
    # By Sunday 15 March the retreat of 12 February is 31 days ago.
    week = review(
        [RETREAT], WEEK, rules=rules(**only("mini_retreat", mini_retreat={"cadence_days": cadence}))
    )
    assert slots(week) == expected
    if expected:
        assert proposal_reason(week) == (
            f"Your last mini-retreat will be 31 days ago by the end of next week (your cadence is "
            f"{cadence} days); Monday 9 March is your lightest day."
        )


@covers("mini_retreat.minutes")
def test_mini_retreat_minutes() -> None:
    default = review([RETREAT, *QUIET], WEEK, rules=rules(**only("mini_retreat")))
    longer = review(
        [RETREAT, *QUIET],
        WEEK,
        rules=rules(**only("mini_retreat", mini_retreat={"minutes": 240})),
    )

    assert value(default, "days_since_mini_retreat") == 24
    assert slots(default) == [("mini_retreat", "Mon 09 13:00", "16:00")]
    # The three-hour block of 12 February is no mini-retreat of four hours.
    assert value(longer, "days_since_mini_retreat") is None
    assert status(longer, "days_since_mini_retreat") is Status.ATTENTION
    assert slots(longer) == [("mini_retreat", "Mon 09 13:00", "17:00")]


# proposals -------------------------------------------------------------------------------------

KINDS = ("reflection", "recovery", "lunch", "mini_retreat")


@covers("proposals.kinds")
@pytest.mark.parametrize("left_out", KINDS)
def test_leaving_a_kind_out_opts_out_of_it(left_out: str) -> None:
    # Tuesday had no lunch break, next Monday has a two-hour chain, no reflection, no retreat.
    events = [*NO_LUNCH_TUESDAY, meeting(N_MON, "09:00", "11:00")]
    everything = review(events, WEEK)
    fewer = review(
        events, WEEK, rules=rules(proposals={"kinds": [k for k in KINDS if k != left_out]})
    )

    assert {p.kind for p in everything.proposals} == set(KINDS)
    assert {p.kind for p in fewer.proposals} == set(KINDS) - {left_out}


@covers("proposals.grid_minutes")
@pytest.mark.parametrize(("grid", "start", "end"), [(15, "11:15", "11:30"), (5, "11:05", "11:20")])
def test_grid_minutes(grid: int, start: str, end: str) -> None:
    # The chain ends at 11:05; the break starts on the next grid line.
    chain = [meeting(N_MON, "09:00", "11:05")]
    week = review(chain, WEEK, rules=rules(proposals={"kinds": ["recovery"], "grid_minutes": grid}))
    assert slots(week) == [("recovery", f"Mon 09 {start}", end)]


# exceptions ------------------------------------------------------------------------------------


@covers("exceptions.organisers")
def test_exception_organisers_may_take_a_protected_block() -> None:
    # Tuesday: chair@example.org's board meeting 09:30-10:30 over Focus 09:00-11:00.
    # Thursday: a colleague's meeting 10:00-10:30 over Focus 09:00-11:00.
    calendar = CALENDARS / "chair_over_focus.ics"
    default = ics_file_review(calendar, leader={"email": LEADER})
    excepted = ics_file_review(
        calendar, leader={"email": LEADER}, exceptions={"organisers": ["Chair@Example.org"]}
    )

    assert warnings(default, "protected_block_overrun") == [
        "On Tuesday 3 March meetings took 60 min of a protected block.",
        "On Thursday 5 March meetings took 30 min of a protected block.",
    ]
    assert warnings(excepted, "protected_block_overrun") == [
        "On Thursday 5 March meetings took 30 min of a protected block.",
    ]
    # The meeting still counts as a meeting.
    assert value(excepted, "meeting_hours") == value(default, "meeting_hours") == 1.5


@covers("exceptions.organisers")
def test_exception_organisers_show_in_the_preview(tmp_path: Path) -> None:
    text = preview_text(tmp_path, "version: 1\nexceptions:\n  organisers: [chair@example.org]\n")
    assert "  Meetings of chair@example.org may take a protected block.\n" in text
    assert "may take a protected block" not in preview_text(tmp_path, "version: 1\n")


# counterforce ----------------------------------------------------------------------------------


def circle(**overrides: Any) -> dict[str, Any]:
    """W10 of circle_week.ics as the less_challenge signal measures it: the different people met
    and the sessions with counterforce. Tuesday: board meeting with chair@ and bert@; Wednesday:
    "Coaching" with coach@; Thursday: "Afstemming" with chair@ again."""
    effective = rules(leader={"email": LEADER}, **overrides)
    source = open_ics(CALENDARS / "circle_week.ics", effective)
    events = source.fetch(TimeWindow(local(MON, 0), local(MON + timedelta(days=7), 0))).events
    # No address leaves the connector: only keyed hashes of them.
    assert all(len(person) == 32 and "@" not in person for e in events for person in e.people)
    [measured] = measure_weeks(events, rules=effective, weeks=[IsoWeek.parse(WEEK)])
    return measured.values


@covers("counterforce.keywords")
def test_counterforce_keywords_mark_sessions_with_counterforce() -> None:
    default = circle()
    assert (default["distinct_people"], default["counterforce_sessions"]) == (3, 1)  # Coaching
    assert circle(counterforce={"keywords": []})["counterforce_sessions"] == 0
    assert circle(counterforce={"keywords": ["afstemming"]})["counterforce_sessions"] == 1


@covers("counterforce.people")
def test_counterforce_people_mark_every_meeting_with_them() -> None:
    named = circle(counterforce={"people": ["Chair@Example.org"]})
    # Both of chair@'s meetings, and the coaching session by its keyword; the people stay 3.
    assert (named["distinct_people"], named["counterforce_sessions"]) == (3, 3)


@covers("counterforce.people")
def test_counterforce_people_show_in_the_preview(tmp_path: Path) -> None:
    text = preview_text(tmp_path, "version: 1\ncounterforce:\n  people: [Coach@Example.net]\n")
    assert (
        "  Meetings with coach@example.net count as sessions with counterforce (the "
        "less_challenge signal).\n" in text
    )
    assert "sessions with counterforce" not in preview_text(tmp_path, "version: 1\n")


# google and delivery: what `rules preview` says about writing and sending ----------------------


@covers("google.focus_time.auto_decline")
@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("none", "declines no invitations"),
        ("all_conflicting", "declines every conflicting invitation"),
        ("only_new_conflicting", "declines new conflicting invitations only"),
    ],
)
def test_focus_time_auto_decline_in_the_preview(tmp_path: Path, mode: str, words: str) -> None:
    text = preview_text(tmp_path, f"version: 1\ngoogle:\n  focus_time:\n    auto_decline: {mode}\n")
    assert f"  Google: as Focus Time; {words}; message: the standard message\n" in text


@covers("google.focus_time.decline_message")
def test_focus_time_decline_message_in_the_preview(tmp_path: Path) -> None:
    rule_text = (
        "version: 1\nleader:\n  language: nl\ngoogle:\n  focus_time:\n"
        "    decline_message: Ik zit in denktijd; ik bel je terug.\n"
    )
    text = preview_text(tmp_path, rule_text)
    assert (
        "  Google: als focustijd; weigert alleen nieuwe uitnodigingen die overlappen; "
        "bericht: Ik zit in denktijd; ik bel je terug.\n"
    ) in text
    standard = preview_text(tmp_path, "version: 1\nleader:\n  language: nl\n")
    assert "bericht: het standaardbericht\n" in standard


DELIVERY_DEFAULT = "  The weekly review goes out on Monday at 07:00 to the leader's address.\n"


@covers("delivery.weekday", "delivery.time", "delivery.to", "delivery.assistant_cc")
@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("weekday: friday", "on Friday at 07:00 to the leader's address."),
        ('time: "16:30"', "on Monday at 16:30 to the leader's address."),
        ("to: office@example.org", "on Monday at 07:00 to office@example.org."),
        (
            "assistant_cc: [pa@example.org, ea@example.org]",
            "on Monday at 07:00 to the leader's address, with a copy to pa@example.org, "
            "ea@example.org.",
        ),
    ],
    ids=["weekday", "time", "to", "assistant_cc"],
)
def test_delivery_in_the_preview(tmp_path: Path, setting: str, line: str) -> None:
    assert DELIVERY_DEFAULT in preview_text(tmp_path, "version: 1\n")
    text = preview_text(tmp_path, f"version: 1\ndelivery:\n  {setting}\n")
    assert f"  The weekly review goes out {line}\n" in text
    assert DELIVERY_DEFAULT not in text


@covers("delivery.to", "leader.email")
def test_delivery_goes_to_the_leader_email_unless_to_is_set(tmp_path: Path) -> None:
    leader = f"version: 1\nleader:\n  email: {LEADER}\n"
    assert f"goes out on Monday at 07:00 to {LEADER}.\n" in preview_text(tmp_path, leader)
    office = leader + "delivery:\n  to: office@example.org\n"
    assert "goes out on Monday at 07:00 to office@example.org.\n" in preview_text(tmp_path, office)


@covers("delivery.weekday")
def test_delivery_weekday_in_dutch(tmp_path: Path) -> None:
    text = preview_text(
        tmp_path, "version: 1\nleader:\n  language: nl\ndelivery:\n  weekday: sunday\n"
    )
    assert "  Het weekoverzicht gaat op zondag om 07:00 naar het adres van de leider.\n" in text


# every setting has a test ----------------------------------------------------------------------


def schema_leaves() -> set[str]:
    """Every leaf setting of the rule file's JSON Schema, as dotted paths."""
    schema = rules_json_schema()
    definitions = schema["$defs"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = definitions[node["$ref"].removeprefix("#/$defs/")]
        objects = [resolve(option) for option in node.get("anyOf", [])]
        objects = [option for option in objects if "properties" in option]
        return objects[0] if objects else node

    def walk(node: dict[str, Any], prefix: tuple[str, ...]) -> set[str]:
        node = resolve(node)
        if "properties" not in node:
            return {".".join(prefix)}
        return {
            leaf
            for name, child in node["properties"].items()
            for leaf in walk(child, (*prefix, name))
        }

    return walk(schema, ())


# Settings whose per-setting test lives in another suite: "module::test" or, for one case of a
# parametrised test, "module::test[first parameter]".
TRENDS = "tests.trends.test_trends"
ELSEWHERE: dict[str, str] = {
    "trends.recent_weeks": f"{TRENDS}::test_recent_weeks_setting",
    "trends.baseline_weeks": f"{TRENDS}::test_baseline_weeks_setting",
    "trends.min_history_weeks": f"{TRENDS}::test_min_history_weeks_setting",
    "trends.shift": f"{TRENDS}::test_shift_setting",
    "trends.hold_weeks": f"{TRENDS}::test_hold_weeks_setting",
    "trends.sparkline_weeks": f"{TRENDS}::test_sparkline_weeks_setting",
    **{
        f"trends.floors.{name}": f"{TRENDS}::test_floors_setting[{name}]"
        for name in (
            "reflection_minutes",
            "protected_overrun_minutes",
            "median_meeting_minutes",
            "short_notice_share",
            "organised_meeting_share",
            "distinct_people",
            "counterforce_sessions",
            "longest_back_to_back_minutes",
            "days_without_midday_break",
        )
    },
}


def _exists(where: str) -> bool:
    """Whether the test named by an ELSEWHERE entry exists (with that case, if one is named)."""
    module_name, _, name = where.partition("::")
    name, _, case = name.partition("[")
    test = getattr(importlib.import_module(module_name), name, None)
    if not callable(test):
        return False
    if not case:
        return True
    firsts = [
        values[0] if isinstance(values, tuple | list) else values
        for mark in getattr(test, "pytestmark", [])
        if mark.name == "parametrize"
        for values in mark.args[1]
    ]
    return case.removesuffix("]") in firsts


def test_every_leaf_setting_has_a_test() -> None:
    leaves = schema_leaves()
    assert [where for where in ELSEWHERE.values() if not _exists(where)] == []
    covered = COVERED | ELSEWHERE.keys()
    # The walk reaches into nested sections and into every threshold.
    assert {
        "google.focus_time.auto_decline",
        "thresholds.days_since_mini_retreat.missing",
    } <= leaves
    untested = sorted(leaves - covered)
    assert untested == [], (
        "these settings have no test showing their effect; add one here, marked @covers(<setting>)"
    )
    assert sorted(covered - leaves) == [], "tests of settings that do not exist"
