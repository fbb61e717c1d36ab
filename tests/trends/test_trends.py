"""The signals of narrowing on constructed weekly histories (assistant.core.trends, DESIGN 6).

Each history is a list of weeks, oldest first; `judge(history, index)` reviews the week at
`index` with the weeks before it as stored history. Indices in the comments are those list
positions; "t-3..t" is a recent window of 4 weeks, "t-15..t-4" the 12 baseline weeks before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from assistant.core.review import IsoWeek, SignalResult, TrendReport, WeekMetrics
from assistant.core.trends import SIGNAL_IDS, SPARKLINE_INDICATORS, trend_report
from assistant.i18n.wording import word, words
from rules import Rules, RulesError, load_rules

START = IsoWeek(2026, 2)
# An ordinary week of the constructed leader: every trend input and key indicator.
STEADY: dict[str, float | int | None] = {
    "meeting_share": 0.6,
    "focus_hours": 10.0,
    "longest_back_to_back_minutes": 120,
    "reflection_minutes": 180,
    "short_notice_share": 0.3,
    "days_without_midday_break": 1,
    "median_meeting_minutes": 50.0,
    "organised_meeting_share": 0.3,
    "protected_overrun_minutes": 0,
}
MISSING = "missing"  # a week that is not in the stored history at all

DEFAULTS = load_rules()


def said(found: SignalResult | TrendReport, language: str = "en") -> str:
    """What a signal or the report says, in words (the core hands reasons as data)."""
    if isinstance(found, SignalResult):
        return words(found.reasons, language)
    return word(found.message, language)


def rules(language: str = "en", **trends: Any) -> Rules:
    overrides: dict[str, Any] = {"leader": {"language": language}}
    if trends:
        overrides["trends"] = trends
    return load_rules(overrides=overrides)


def history(metric: str, values: Sequence[float | int | str | None]) -> list[WeekMetrics | None]:
    """One week per value of `metric`, the rest steady; MISSING leaves the week out."""
    weeks: list[WeekMetrics | None] = []
    for offset, value in enumerate(values):
        if value == MISSING:
            weeks.append(None)
        else:
            assert not isinstance(value, str)
            weeks.append(WeekMetrics(START.shifted(offset), {**STEADY, metric: value}))
    return weeks


def judge(
    weeks: Sequence[WeekMetrics | None], index: int, settings: Rules = DEFAULTS
) -> TrendReport:
    current = weeks[index]
    assert current is not None
    stored = [week for week in weeks[:index] if week is not None]
    return trend_report(current, stored, settings)


def signal(report: TrendReport, signal_id: str) -> SignalResult:
    """A signal of narrowing, or a trend of the energy buffer (rising_density), by its id."""
    return next(s for s in (*report.signals, *report.energy_trends) if s.id == signal_id)


def fired(report: TrendReport) -> list[str]:
    return [s.id for s in (*report.signals, *report.energy_trends) if s.fired]


# A slow erosion: 12 weeks of 180 min, then 18 min (10% of 180) less every week for 8 weeks.
ERODING = [180] * 12 + [162, 144, 126, 108, 90, 72, 54, 36]


def test_a_slow_erosion_fires_in_exactly_the_right_week_and_not_before() -> None:
    weeks = history("reflection_minutes", ERODING)
    # Recent mean of t-3..t against the median of t-15..t-4 (all 180 until t=16, and still
    # 180 after, because fewer than half of those baseline weeks have eroded):
    #   t=12: (180+180+180+162)/4 = 175.5  -> -2.5%
    #   t=13: (180+180+162+144)/4 = 166.5  -> -7.5%
    #   t=14: (180+162+144+126)/4 = 153    -> -15%
    #   t=15: (162+144+126+108)/4 = 135    -> -25%  holds (1 week)
    #   t=16: (144+126+108+90)/4  = 117    -> -35%  holds (2 weeks)
    #   t=17: (126+108+90+72)/4   = 99     -> -45%  holds (3 weeks): fires, the 6th eroded week
    held = [signal(judge(weeks, t), "reflection_erosion").weeks_held for t in range(12, 20)]
    assert held == [0, 0, 0, 1, 2, 3, 4, 5]
    for t in range(5, 17):
        assert fired(judge(weeks, t)) == [], t
    report = judge(weeks, 17)
    assert fired(report) == ["reflection_erosion"]
    erosion = signal(report, "reflection_erosion")
    assert (erosion.recent, erosion.baseline, erosion.shift) == (99.0, 180.0, -0.45)
    assert (erosion.metric, erosion.direction, erosion.unit) == (
        "reflection_minutes",
        "down",
        "minutes",
    )
    assert said(erosion) == (
        "Reflection time has been lower for 3 weeks: 99 min a week on average over the last "
        "4 weeks, against 3 h a week before (−45%)."
    )
    assert said(report) == (
        "Against your own baseline, one of the 5 signals of narrowing has held for 3 weeks or "
        "more. A pattern to notice, not a verdict."
    )


# Every input wobbles up to 15% around its steady value, in a fixed irregular pattern.
WOBBLE = (1.0, 0.85, 1.15, 0.9, 1.1, 0.95, 1.05, 0.88, 1.12, 0.92, 1.08, 0.87, 1.13)


def test_a_noisy_but_flat_history_fires_nothing() -> None:
    weeks: list[WeekMetrics | None] = [
        WeekMetrics(
            START.shifted(offset),
            {
                metric: (
                    round(value * WOBBLE[(offset + shift) % len(WOBBLE)], 4)
                    if metric != "protected_overrun_minutes"
                    else [0, 15, 0, 0, 20, 0][offset % 6]
                )
                for shift, (metric, value) in enumerate(STEADY.items())
                if value is not None
            },
        )
        for offset in range(30)
    ]
    for t in range(5, 30):
        report = judge(weeks, t)
        assert report.enough_history
        assert fired(report) == [], (t, [(s.id, s.shift, s.weeks_held) for s in report.signals])
    assert said(judge(weeks, 29)) == (
        "Against your own baseline, no signal of narrowing has held for 3 weeks or more "
        "(16 weeks of history read)."
    )


@pytest.mark.parametrize(
    ("metric", "bad", "signal_id"),
    [
        ("reflection_minutes", 0, "reflection_erosion"),
        ("longest_back_to_back_minutes", 600, "rising_density"),
        ("median_meeting_minutes", 5.0, "shorter_conversations"),
    ],
)
def test_a_single_bad_week_fires_nothing(metric: str, bad: float, signal_id: str) -> None:
    steady = STEADY[metric]
    assert steady is not None
    weeks = history(metric, [steady] * 14 + [bad] + [steady] * 6)
    after = signal(judge(weeks, 16), signal_id)
    # The bad week alone moves the four-week mean past 20% for four weeks (t=14..17), e.g.
    # reflection (0+180+180+180)/4 = 135, -25%; but the weeks after it are not worse than the
    # baseline themselves, so the run stops at them.
    assert after.shift is not None
    assert abs(after.shift) >= 0.2
    assert after.weeks_held == 0
    for t in range(14, 21):
        assert fired(judge(weeks, t)) == [], t


# Each signal on its own: 12 steady weeks, then 4 weeks of the changed value. The k-th changed
# week moves the recent mean by k/4 of the step; a step of 50% of the baseline (or of the floor)
# holds from k=2 (25% >= 20%), so the signal fires at k=4, with 3 weeks held, and not at k=3.
@pytest.mark.parametrize(
    ("signal_id", "metric", "steady", "changed", "shift", "words"),
    [
        (
            "reflection_erosion",
            "reflection_minutes",
            180,
            90,
            -0.5,
            "Reflection time has been lower for 3 weeks: 90 min a week on average over the "
            "last 4 weeks, against 3 h a week before (−50%).",
        ),
        (
            # A baseline of 0 against the floor of 60 min: 30/60 = +50%.
            "reflection_erosion",
            "protected_overrun_minutes",
            0,
            30,
            0.5,
            "Meetings have been taking more of your protected time for 3 weeks: 30 min a week "
            "on average over the last 4 weeks, against 0 min a week before (+30 min).",
        ),
        (
            "shorter_conversations",
            "median_meeting_minutes",
            50.0,
            25.0,
            -0.5,
            "Your meetings have been shorter for 3 weeks: a typical meeting lasted 25 min on "
            "average over the last 4 weeks, against 50 min before (−50%).",
        ),
        (
            "faster_agenda",
            "short_notice_share",
            0.3,
            0.45,
            0.5,
            "More of your meetings have been booked at short notice for 3 weeks: 45% of meeting "
            "time on average over the last 4 weeks, against 30% of meeting time before (+50%).",
        ),
        (
            "less_challenge",
            "distinct_people",
            20,
            10,
            -0.5,
            "You have been meeting fewer different people for 3 weeks: 10 people a week on "
            "average over the last 4 weeks, against 20 people a week before (−50%).",
        ),
        (
            "less_challenge",
            "counterforce_sessions",
            4,
            2,
            -0.5,
            "You have had fewer sessions with your counterforce (the people who challenge you) "
            "for 3 weeks: 2 sessions a week on average over the last 4 weeks, against 4 sessions "
            "a week before (−50%).",
        ),
        (
            "taking_over",
            "organised_meeting_share",
            0.3,
            0.45,
            0.5,
            "You have been organising more of your meetings yourself for 3 weeks: 45% of "
            "meeting time on average over the last 4 weeks, against 30% of meeting time before "
            "(+50%).",
        ),
        (
            "rising_density",
            "longest_back_to_back_minutes",
            120,
            180,
            0.5,
            "Your longest runs of back-to-back meetings have been longer for 3 weeks: 3 h on "
            "average over the last 4 weeks, against 2 h before (+50%).",
        ),
        (
            # A baseline of 1 day is below the floor of 2 days: (2 - 1) / 2 = +50%.
            "rising_density",
            "days_without_midday_break",
            1,
            2,
            0.5,
            "Midday breaks have been scarcer for 3 weeks: 2 days a week without one on average "
            "over the last 4 weeks, against 1 day a week before (+1 day).",
        ),
    ],
)
def test_each_signal_fires_on_its_own_history(
    signal_id: str, metric: str, steady: float, changed: float, shift: float, words: str
) -> None:
    weeks = history(metric, [steady] * 12 + [changed] * 4)
    assert fired(judge(weeks, 14)) == []
    report = judge(weeks, 15)
    assert fired(report) == [signal_id]
    result = signal(report, signal_id)
    assert (result.metric, result.recent, result.baseline) == (metric, changed, steady)
    assert result.shift == pytest.approx(shift)
    assert result.weeks_held == 3
    assert said(result) == words


def test_a_signal_with_two_inputs_fires_on_either_and_tells_both() -> None:
    weeks = [
        WeekMetrics(
            START.shifted(offset),
            {**STEADY, "longest_back_to_back_minutes": 180, "days_without_midday_break": 2}
            if offset >= 12
            else STEADY,
        )
        for offset in range(16)
    ]
    density = signal(judge(weeks, 15), "rising_density")
    assert density.fired
    assert density.metric == "longest_back_to_back_minutes"  # the first input that fired
    assert said(density).startswith("Your longest runs of back-to-back meetings")
    assert " Midday breaks have been scarcer for 3 weeks" in said(density)


def test_the_signals_are_the_whitepapers_five_and_density_is_an_energy_trend() -> None:
    weeks = history("longest_back_to_back_minutes", [120] * 12 + [180] * 4)
    report = judge(weeks, 15)
    assert [s.id for s in report.signals] == [
        "faster_agenda",
        "reflection_erosion",
        "shorter_conversations",
        "less_challenge",
        "taking_over",
    ]
    assert [t.id for t in report.energy_trends] == ["rising_density"]
    # Denser days are an energy trend: they do not count as a signal of narrowing.
    assert report.fired == ()
    assert said(report).startswith("Against your own baseline, no signal of narrowing has held")
    assert report.step is None


def test_one_counterforce_step_when_signals_hold_never_a_diagnosis() -> None:
    weeks = [
        WeekMetrics(
            START.shifted(offset),
            {**STEADY, "distinct_people": 10, "organised_meeting_share": 0.45}
            if offset >= 12
            else {**STEADY, "distinct_people": 20},
        )
        for offset in range(16)
    ]
    report = judge(weeks, 15)
    assert [s.id for s in report.fired] == ["less_challenge", "taking_over"]
    assert said(report).startswith(
        "Against your own baseline, 2 of the 5 signals of narrowing have held for 3 weeks"
    )
    assert report.step is not None
    assert word(report.step, "en") == (
        "A step that might help: plan a conversation with someone who challenges you, a peer, "
        "a board member or a coach. Who or what gives you counterforce?"
    )
    assert word(report.step, "nl").endswith("Wie of wat zorgt er bij jou voor tegenkracht?")
    named = judge(weeks, 15, load_rules(overrides={"counterforce": {"people": ["c@x.nl"]}}))
    assert named.step is not None
    assert word(named.step, "nl") == (
        "Een stap die kan helpen: plan een gesprek met een van de mensen die je als je "
        "tegenkracht noemde."
    )


def test_signals_that_do_not_fire_still_carry_their_numbers() -> None:
    report = judge(history("reflection_minutes", [180] * 12 + [150] * 4), 15)
    quiet = signal(report, "reflection_erosion")
    assert not quiet.fired
    assert (quiet.recent, quiet.baseline, quiet.shift) == (150.0, 180.0, -0.1667)
    assert said(quiet) == (
        "Reflection time: 2 h 30 min a week on average over the last 4 weeks, against 3 h a "
        "week before (−17%)."
    )
    assert [s.id for s in report.signals] == list(SIGNAL_IDS)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            "There is not enough history yet to compare you with your own baseline: 5 of "
            "the 6 weeks needed.",
        ),
        (
            "nl",
            "Er is nog niet genoeg geschiedenis om je met je eigen basislijn te vergelijken: "
            "5 van de 6 benodigde weken.",
        ),
    ],
)
def test_fewer_than_six_weeks_is_not_enough_history_yet(language: str, words: str) -> None:
    weeks = history("reflection_minutes", [180, 180, 0, 0, 0])
    report = judge(weeks, 4, rules(language))
    assert not report.enough_history
    assert (report.weeks_available, report.weeks_needed) == (5, 6)
    assert report.signals == ()
    assert said(report, language) == words


def test_only_weeks_with_working_time_inside_the_window_count_as_history() -> None:
    holiday = {**STEADY, "meeting_share": None, "reflection_minutes": 0, "focus_hours": 0.0}
    old = [WeekMetrics(START.shifted(offset), STEADY) for offset in range(10)]
    # 20 weeks later: ten old weeks, far outside the 16 weeks a comparison reads.
    recent_start = START.shifted(30)
    recent = [
        WeekMetrics(recent_start.shifted(0), STEADY),
        WeekMetrics(recent_start.shifted(1), holiday),
        WeekMetrics(recent_start.shifted(2), STEADY),
        WeekMetrics(recent_start.shifted(4), STEADY),  # the week before is not stored
        WeekMetrics(recent_start.shifted(5), STEADY),
    ]
    report = trend_report(WeekMetrics(recent_start.shifted(6), STEADY), [*old, *recent], DEFAULTS)
    assert (report.enough_history, report.weeks_available) == (False, 5)


def test_gaps_count_as_missing_neither_zero_nor_a_break_in_the_run() -> None:
    # Steady weeks 0..11 with 3 and 7 not stored; 90 min from week 12, with week 14 not stored.
    values: list[float | int | str | None] = [180] * 12 + [90] * 5
    values[3] = values[7] = values[14] = MISSING
    weeks = history("reflection_minutes", values)
    # t=12: (180+180+180+90)/4 = 157.5 -12.5%   t=13: (180+180+90+90)/4 = 135 -25% holds
    # t=15: weeks 12,13,15 (14 missing, not 0) = 90 -50% holds
    # t=16: weeks 13,15,16 = 90 -50% holds; the gap at 14 neither counts nor breaks the run
    report = judge(weeks, 16)
    erosion = signal(report, "reflection_erosion")
    assert (erosion.fired, erosion.weeks_held) == (True, 3)
    assert (erosion.recent, erosion.baseline) == (90.0, 180.0)
    reflection = next(s for s in report.sparklines if s.indicator == "reflection_minutes")
    # The last 12 weeks: 5..16, with 7 and 14 missing.
    assert reflection.values == (180, 180, None, 180, 180, 180, 180, 90, 90, None, 90, 90)


def test_a_week_without_working_time_is_missing_not_an_erosion() -> None:
    weeks: list[WeekMetrics | None] = list(history("reflection_minutes", [180] * 16))
    for offset in (12, 13):  # two weeks of holiday: no working time, no reflection
        weeks[offset] = WeekMetrics(
            START.shifted(offset), {**STEADY, "meeting_share": None, "reflection_minutes": 0}
        )
    report = judge(weeks, 15)
    erosion = signal(report, "reflection_erosion")
    assert (erosion.fired, erosion.recent, erosion.shift) == (False, 180.0, 0.0)
    sparkline = next(s for s in report.sparklines if s.indicator == "meeting_share")
    assert sparkline.values[-4:] == (None, None, 0.6, 0.6)


def test_a_zero_baseline_cannot_erode() -> None:
    weeks = history("reflection_minutes", [0] * 16)
    erosion = signal(judge(weeks, 15), "reflection_erosion")
    assert (erosion.fired, erosion.recent, erosion.baseline, erosion.shift) == (False, 0, 0, 0)
    assert said(erosion) == (
        "Reflection time: 0 min a week on average over the last 4 weeks, against 0 min a week "
        "before (unchanged)."
    )


def test_a_rise_from_zero_is_measured_against_the_floor() -> None:
    # No short-notice meetings before, 10% now: 0.10 / 0.25 (the floor) = +40%.
    weeks = history("short_notice_share", [0.0] * 12 + [0.1] * 4)
    faster = signal(judge(weeks, 15), "faster_agenda")
    assert faster.fired
    assert faster.shift == pytest.approx(0.4)
    assert "against 0% of meeting time before (+10 percentage points)" in said(faster)


def test_empty_values_are_skipped_for_their_own_input_only() -> None:
    weeks: list[WeekMetrics | None] = list(history("reflection_minutes", [180] * 12 + [90] * 4))
    weeks = [
        WeekMetrics(
            w.week,
            {
                **w.values,
                "short_notice_share": None,
                "median_meeting_minutes": None if i % 2 else 50.0,
            },
        )
        for i, w in enumerate(weeks)
        if w is not None
    ]
    report = judge(weeks, 15)
    assert fired(report) == ["reflection_erosion"]
    faster = signal(report, "faster_agenda")
    assert (faster.recent, faster.baseline, faster.shift) == (None, None, None)
    assert said(faster) == "Meeting time booked at short notice: not enough data to compare yet."
    shorter = signal(report, "shorter_conversations")
    assert (shorter.recent, shorter.baseline, shorter.fired) == (50.0, 50.0, False)
    assert "None" not in " ".join(said(s) for s in report.signals)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            (
                "Reflection time has been lower for 3 weeks",
                "99 min a week",
                "over the last 4 weeks",
                "3 h a week before",
                "(−45%)",
            ),
        ),
        (
            "nl",
            (
                "Je reflectietijd is al 3 weken lager",
                "gemiddeld 99 min per week",
                "in de laatste 4 weken",
                "tegenover 3 u per week daarvoor",
                "(−45%)",
            ),
        ),
    ],
)
def test_sentences_carry_the_numbers_in_the_leaders_language(
    language: str, expected: tuple[str, ...]
) -> None:
    report = judge(history("reflection_minutes", ERODING), 17, rules(language))
    message = said(signal(report, "reflection_erosion"), language)
    for phrase in expected:
        assert phrase in message
    assert "!" not in message
    assert "!" not in said(report, language)


def test_dutch_numbers_use_a_decimal_comma_and_dutch_units() -> None:
    weeks = history("days_without_midday_break", [0] * 12 + [1, 1, 2, 2])
    density = signal(judge(weeks, 15, rules("nl")), "rising_density")
    # Recent (1+1+2+2)/4 = 1.5 days against a baseline of 0 (floor 2): +75%.
    assert density.fired
    assert "gemiddeld 1,5 dagen per week zonder" in said(density, "nl")
    assert "tegenover 0 dagen per week daarvoor (+1,5 dagen)" in said(density, "nl")


def test_sparklines_show_the_last_weeks_oldest_first() -> None:
    report = judge(history("reflection_minutes", ERODING), 19)
    assert [s.indicator for s in report.sparklines] == list(SPARKLINE_INDICATORS)
    reflection = next(s for s in report.sparklines if s.indicator == "reflection_minutes")
    assert reflection.values == (180, 180, 180, 180, 162, 144, 126, 108, 90, 72, 54, 36)
    assert reflection.weeks[0] == START.shifted(8)
    assert reflection.weeks[-1] == START.shifted(19)
    assert reflection.latest == 36


def test_sparklines_of_a_short_history_start_with_empty_weeks() -> None:
    report = judge(history("reflection_minutes", [180, 170, 160]), 2)
    reflection = next(s for s in report.sparklines if s.indicator == "reflection_minutes")
    assert reflection.values == (*([None] * 9), 180, 170, 160)
    assert len(reflection.weeks) == 12


def test_weeks_from_the_reviewed_week_on_are_ignored() -> None:
    weeks = history("reflection_minutes", ERODING)
    current = weeks[17]
    assert current is not None
    everything = [w for w in weeks if w is not None]
    assert trend_report(current, everything, DEFAULTS) == judge(weeks, 17)


# --- Every setting of `trends` changes the outcome ---------------------------------------------


def test_recent_weeks_setting() -> None:
    # With 2 recent weeks the erosion shows sooner: t=14 (144+126)/2 = 135 -25%, t=15 117,
    # t=16 99: held 3 at t=16, the 5th eroded week, where 4 recent weeks hold only 2.
    weeks = history("reflection_minutes", ERODING)
    assert fired(judge(weeks, 16)) == []
    assert fired(judge(weeks, 16, rules(recent_weeks=2))) == ["reflection_erosion"]


def test_baseline_weeks_setting() -> None:
    # 14 weeks of 300 min long ago, then 12 weeks of 200. A 12-week baseline sees the new
    # level only (t=25: median of 10..21 = 200); 24 weeks remember the old one (median 300).
    weeks = history("reflection_minutes", [300] * 14 + [200] * 12)
    assert fired(judge(weeks, 25)) == []
    longer = signal(judge(weeks, 25, rules(baseline_weeks=24)), "reflection_erosion")
    assert (longer.fired, longer.baseline, longer.recent) == (True, 300, 200)


def test_min_history_weeks_setting() -> None:
    weeks = history("reflection_minutes", [180] * 6)
    assert judge(weeks, 5).enough_history
    stricter = judge(weeks, 5, rules(min_history_weeks=8))
    assert (stricter.enough_history, stricter.weeks_available, stricter.weeks_needed) == (
        False,
        6,
        8,
    )
    assert "6 of the 8 weeks needed" in said(stricter)


def test_shift_setting() -> None:
    # A lasting drop of 15% (180 -> 153) never reaches 20%; at 10% it holds from the 3rd
    # changed week ((180+3*153)/4 = 159.75, -11.25%) and fires at the 5th.
    weeks = history("reflection_minutes", [180] * 12 + [153] * 5)
    assert fired(judge(weeks, 16)) == []
    assert fired(judge(weeks, 16, rules(shift=0.10))) == ["reflection_erosion"]


def test_hold_weeks_setting() -> None:
    weeks = history("reflection_minutes", ERODING)
    assert fired(judge(weeks, 16)) == []  # held 2 weeks
    assert fired(judge(weeks, 16, rules(hold_weeks=2))) == ["reflection_erosion"]
    assert "for 3 weeks or more" in said(judge(weeks, 17))
    assert "for 2 weeks or more" in said(judge(weeks, 16, rules(hold_weeks=2)))


def test_sparkline_weeks_setting() -> None:
    weeks = history("reflection_minutes", ERODING)
    short = judge(weeks, 19, rules(sparkline_weeks=4))
    reflection = next(s for s in short.sparklines if s.indicator == "reflection_minutes")
    assert reflection.values == (90, 72, 54, 36)
    assert {len(s.values) for s in short.sparklines} == {4}


# Each floor: a small baseline where the default floor lets a change count and a larger floor
# does not. With the default, the 4th changed week fires (3 weeks held).
@pytest.mark.parametrize(
    ("metric", "signal_id", "steady", "changed", "larger_floor"),
    [
        ("reflection_minutes", "reflection_erosion", 20, 0, 200),  # -20/30; -20/200 = -10%
        ("protected_overrun_minutes", "reflection_erosion", 0, 30, 200),  # 30/60; 30/200
        ("median_meeting_minutes", "shorter_conversations", 10.0, 3.0, 100),  # -7/15; -7/100
        ("short_notice_share", "faster_agenda", 0.05, 0.2, 1.0),  # .15/.25; .15/1
        ("organised_meeting_share", "taking_over", 0.05, 0.2, 1.0),
        ("distinct_people", "less_challenge", 3, 1, 20),  # -2/5; -2/20
        ("counterforce_sessions", "less_challenge", 1, 0, 10),  # -1/1; -1/10
        ("longest_back_to_back_minutes", "rising_density", 30, 90, 400),  # 60/60; 60/400
        ("days_without_midday_break", "rising_density", 0, 1, 7),  # 1/2; 1/7
    ],
)
def test_floors_setting(
    metric: str, signal_id: str, steady: float, changed: float, larger_floor: float
) -> None:
    weeks = history(metric, [steady] * 12 + [changed] * 4)
    assert signal_id in fired(judge(weeks, 15))
    floors = {**DEFAULTS.trends.floors.model_dump(), metric: larger_floor}
    assert signal_id not in fired(judge(weeks, 15, rules(floors=floors)))


def test_windows_that_cannot_work_are_refused() -> None:
    with pytest.raises(RulesError, match="min_history_weeks"):
        rules(min_history_weeks=4)  # not more than recent_weeks: no baseline week left
    with pytest.raises(RulesError, match="min_history_weeks"):
        rules(recent_weeks=2, baseline_weeks=3)  # 6 weeks needed, only 5 ever read


def test_days_a_week_are_said_to_one_decimal_rounded_half_up() -> None:
    # Days without a midday break: 1 a week, then 2, 2, 3, 2 (a mean of 2.25 over 4 weeks).
    weeks = history("days_without_midday_break", [1] * 12 + [2, 2, 3, 2])
    density = signal(judge(weeks, 15), "rising_density")
    assert density.recent == 2.25
    assert "2.3 days a week without one on average over the last 4 weeks" in said(density)


def test_sparklines_hold_whole_counts_as_whole_numbers() -> None:
    report = judge(history("reflection_minutes", [180] * 12 + [150] * 4), 15)
    values = {s.indicator: s.values for s in report.sparklines}
    assert all(type(v) is int for v in values["days_without_midday_break"])  # 1, not 1.0
    assert all(type(v) is int for v in values["longest_back_to_back_minutes"])
    assert all(type(v) is float for v in values["meeting_share"])
    assert all(type(v) is float for v in values["focus_hours"])  # hours: 10.0 stays a float
