"""Weekly reviews built by hand, as the review step would hand them to the renderers.

- `review_en`: a busy week in Amsterdam (2026-W48), English, with proposals and five warnings.
- `review_nl`: the week the clocks go forward (2026-W13), Dutch, proposals in summer time.
- `review_empty`: a week with no working time and no data: values are None, nothing proposed.

The first two have 12 weeks of history with a gap (week 4 of the 12) and fired signals of
narrowing; the empty week has not enough history yet.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from assistant.core.catalogue import INDICATORS
from assistant.core.reasons import (
    Change,
    ClockWindow,
    Quantity,
    Reason,
    Threshold,
    TimeRange,
    Weekday,
    reason,
)
from assistant.core.review import (
    SCHEMA_VERSION,
    Buffer,
    BufferStatus,
    DayRow,
    IndicatorResult,
    IsoWeek,
    Proposal,
    SignalResult,
    Sparkline,
    Status,
    TrendReport,
    Warning,
    WeeklyReview,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WORK_START, WORK_END = 8 * 60 + 30, 17 * 60 + 30  # 08:30-17:30, the default working time

Segment = tuple[int, int, str]


def minute(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def day_row(
    day: date,
    busy: list[tuple[str, str, str]],
    *,
    non_working_reason: str | None = None,
) -> DayRow:
    """A day row whose numbers follow from its busy segments ("09:00", "10:30", "meeting")."""
    working = non_working_reason is None
    taken = sorted((minute(start), minute(end), kind) for start, end, kind in busy)
    segments: list[Segment] = []
    cursor = WORK_START
    for start, end, kind in taken:
        if working and start > cursor and cursor < WORK_END:
            segments.append((cursor, min(start, WORK_END), "working"))
        segments.append((start, end, kind))
        cursor = max(cursor, end)
    if working and cursor < WORK_END:
        segments.append((cursor, WORK_END, "working"))

    meetings = [(s, e) for s, e, k in taken if k == "meeting"]
    load = [(s, e) for s, e, k in taken if k in ("meeting", "solo")]
    chains: list[tuple[int, int]] = []
    for start, end in meetings:
        if chains and start < chains[-1][1] + 10:
            chains[-1] = (chains[-1][0], max(end, chains[-1][1]))
        else:
            chains.append((start, end))

    def at(minutes: int) -> datetime:
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=AMSTERDAM)

    first = min((s for s, _ in load), default=None)
    last = max((e for _, e in load), default=None)
    free = [(s, e) for s, e, k in segments if k in ("working", "protected")]
    midday = any(min(e, 840) - max(s, 690) >= 30 for s, e in free) if working else None
    return DayRow(
        date=day,
        working=working,
        non_working_reason=non_working_reason,
        meeting_minutes=sum(e - s for s, e in meetings),
        meeting_count=len(meetings),
        longest_back_to_back_minutes=max((e - s for s, e in chains), default=0),
        first_start=at(first) if first is not None else None,
        last_end=at(last) if last is not None else None,
        span_hours=round((last - first) / 60, 2) if first is not None and last else None,
        midday_break=midday,
        focus_minutes=sum(e - s for s, e in free if e - s >= 120) if working else 0,
        protected_minutes=sum(e - s for s, e, k in taken if k == "protected"),
        after_hours_meeting_minutes=sum(
            max(0, min(e, WORK_START) - s) + max(0, e - max(s, WORK_END)) for s, e in meetings
        ),
        segments=tuple(segments),
    )


def indicators(
    values: dict[str, float | int | None], statuses: dict[str, Status]
) -> tuple[IndicatorResult, ...]:
    return tuple(
        IndicatorResult(
            id=d.id,
            buffer=d.buffer,
            value=values.get(d.id),
            status=statuses.get(d.id),
            unit=d.unit,
        )
        for d in INDICATORS
    )


def local(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=AMSTERDAM)


def busy_week_days(week: IsoWeek) -> tuple[DayRow, ...]:
    mon, tue, wed, thu, fri, sat, sun = week.days()
    return (
        day_row(
            mon,
            [
                ("09:00", "12:00", "meeting"),
                ("12:30", "14:00", "meeting"),
                ("14:00", "15:30", "solo"),
                ("15:30", "17:30", "meeting"),
                ("18:00", "19:00", "meeting"),
            ],
        ),
        day_row(
            tue,
            [
                ("08:30", "10:00", "protected"),
                ("10:00", "11:00", "meeting"),
                ("11:00", "12:30", "meeting"),
                ("13:00", "16:00", "meeting"),
            ],
        ),
        day_row(wed, [], non_working_reason="out_of_office"),
        day_row(
            thu,
            [
                ("07:30", "08:30", "meeting"),
                ("08:30", "11:30", "meeting"),
                ("11:30", "13:45", "meeting"),
                ("14:00", "17:00", "meeting"),
                ("19:30", "21:30", "meeting"),
            ],
        ),
        day_row(fri, [("09:00", "10:00", "meeting"), ("10:15", "10:45", "solo")]),
        day_row(sat, [], non_working_reason="weekend"),
        day_row(sun, [("20:00", "21:00", "meeting")], non_working_reason="weekend"),
    )


BUSY_VALUES: dict[str, float | int | None] = {
    "meeting_hours": 32.25,
    "meeting_share": 0.7416666,
    "focus_hours": 3.5,
    "fragmented_hours": 1.25,
    "meeting_free_half_days": 1,
    "short_notice_share": 0.3125,
    "longest_back_to_back_minutes": 375,
    "back_to_back_chains": 4,
    "days_without_midday_break": 2,
    "longest_workday_span_hours": 14.0,
    "short_rest_nights": 1,
    "after_hours_meeting_hours": 5.0,
    "reflection_minutes": 90,
    "reflection_target_minutes": 180,
    "missing_reflection_minutes": 90,
    "days_since_mini_retreat": 37,
}
BUSY_STATUSES: dict[str, Status] = {
    "meeting_share": Status.ATTENTION,
    "focus_hours": Status.ALERT,
    "meeting_free_half_days": Status.ATTENTION,
    "short_notice_share": Status.ATTENTION,
    "longest_back_to_back_minutes": Status.ALERT,
    "days_without_midday_break": Status.OK,
    "longest_workday_span_hours": Status.ALERT,
    "short_rest_nights": Status.ATTENTION,
    "after_hours_meeting_hours": Status.ATTENTION,
    "missing_reflection_minutes": Status.ATTENTION,
    "days_since_mini_retreat": Status.ATTENTION,
}


# Twelve weeks of the key indicators, oldest first; the fourth week is missing (not stored).
TREND_VALUES: dict[str, tuple[str, tuple[float | int | None, ...]]] = {
    "meeting_share": (
        "share",
        (0.6, 0.62, 0.61, None, 0.64, 0.66, 0.65, 0.68, 0.7, 0.72, 0.73, 0.74),
    ),
    "focus_hours": ("hours", (9.5, 9.0, 10.0, None, 8.0, 7.5, 7.0, 6.0, 5.5, 4.0, 4.5, 3.5)),
    "longest_back_to_back_minutes": (
        "minutes",
        (150, 165, 150, None, 180, 240, 210, 270, 300, 330, 345, 375),
    ),
    "reflection_minutes": ("minutes", (180, 180, 150, None, 180, 120, 90, 60, 90, 45, 0, 90)),
    "short_notice_share": (
        "share",
        (0.2, 0.22, 0.18, None, 0.2, 0.25, 0.24, 0.3, 0.28, 0.3, 0.3, 0.31),
    ),
    "days_without_midday_break": ("days", (1, 0, 1, None, 1, 2, 1, 2, 2, 3, 2, 2)),
}


def sparklines(week: IsoWeek) -> tuple[Sparkline, ...]:
    weeks = tuple(week.shifted(offset) for offset in range(-11, 1))
    return tuple(
        Sparkline(indicator, unit, weeks, values)
        for indicator, (unit, values) in TREND_VALUES.items()
    )


def signal(
    signal_id: str,
    metric: str,
    unit: str,
    numbers: tuple[float, float, float, int],
    said: Reason,
    *,
    direction: str = "up",
) -> SignalResult:
    recent, baseline, shift, held = numbers
    return SignalResult(
        id=signal_id,
        fired=held >= 3,
        metric=metric,
        unit=unit,
        direction=direction,
        recent=recent,
        baseline=baseline,
        shift=shift,
        weeks_held=held,
        reasons=(said,),
    )


def minutes(amount: float) -> Quantity:
    return Quantity(amount, "minutes")


def weeks(count: int) -> Quantity:
    return Quantity(count, "weeks")


def trend(
    metric: str, unit: str, recent: float, baseline: float, change: Change, held: int = 0
) -> Reason:
    """A trend input's sentence as the core gives it: fired when it held, else steady."""
    values = {
        "held": weeks(held),
        "span": weeks(4),
        "recent": reason(f"trend.value.{metric}", value=Quantity(recent, unit)),
        "baseline": reason(f"trend.value.{metric}", value=Quantity(baseline, unit)),
        "change": change,
    }
    if held >= 3:
        return reason(f"trend.fired.{metric}", **values)
    return reason("trend.steady", subject=reason(f"trend.subject.{metric}"), **values)


MISSING_REFLECTION = reason(
    "reason.missing_reflection_minutes", reflection=minutes(90), target=minutes(180)
)


def share_reason(level: str) -> Reason:
    return reason(
        "reason.meeting_share",
        value=Quantity(0.74, "share"),
        level=reason(f"level.{level}"),
        limit=Threshold(">=", Quantity(0.6, "share")),
    )


def reflection_reason(day: date) -> Reason:
    return reason(
        "proposal.reflection",
        existing=minutes(90),
        target=minutes(180),
        day=day,
        window=TimeRange(local(day, "08:30"), local(day, "10:00")),
        preferred=reason("proposal.reflection.preferred"),
    )


def lunch_reason(day: date) -> Reason:
    return reason(
        "proposal.lunch",
        weekday=Weekday(day),
        window=TimeRange(local(day, "12:30"), local(day, "13:00")),
        lunch=minutes(30),
        lunch_window=ClockWindow(690, 840),
    )


def trends_en(week: IsoWeek) -> TrendReport:
    return TrendReport(
        enough_history=True,
        weeks_available=11,
        weeks_needed=6,
        message=reason("trend.some_fired", count=2, total=5, hold=weeks(3)),
        signals=(
            signal(
                "faster_agenda",
                "short_notice_share",
                "share",
                (0.2975, 0.2, 0.39, 0),
                trend("short_notice_share", "share", 0.2975, 0.2, Change(0.0975, "share")),
            ),
            signal(
                "reflection_erosion",
                "reflection_minutes",
                "minutes",
                (56.25, 165.0, -0.6591, 4),
                trend("reflection_minutes", "minutes", 56.25, 165.0, Change(-0.6591), 4),
                direction="down",
            ),
            signal(
                "shorter_conversations",
                "median_meeting_minutes",
                "minutes",
                (52.5, 55.0, -0.0455, 0),
                trend("median_meeting_minutes", "minutes", 52.5, 55.0, Change(-0.0455)),
                direction="down",
            ),
            signal(
                "less_challenge",
                "distinct_people",
                "count",
                (9.0, 14.0, -0.3571, 4),
                trend("distinct_people", "count", 9.0, 14.0, Change(-0.3571), 4),
                direction="down",
            ),
            signal(
                "taking_over",
                "organised_meeting_share",
                "share",
                (0.3, 0.3, 0.0, 0),
                trend("organised_meeting_share", "share", 0.3, 0.3, Change(0.0)),
            ),
        ),
        sparklines=sparklines(week),
        energy_trends=(
            signal(
                "rising_density",
                "longest_back_to_back_minutes",
                "minutes",
                (337.5, 165.0, 1.0455, 5),
                trend("longest_back_to_back_minutes", "minutes", 337.5, 165.0, Change(1.0455), 5),
            ),
        ),
        step=reason("step.reflection_block"),
    )


def trends_nl(week: IsoWeek) -> TrendReport:
    return TrendReport(
        enough_history=True,
        weeks_available=11,
        weeks_needed=6,
        message=reason("trend.some_fired", count=1, total=5, hold=weeks(3)),
        signals=(
            signal(
                "faster_agenda",
                "short_notice_share",
                "share",
                (0.3, 0.2, 0.4, 3),
                trend("short_notice_share", "share", 0.3, 0.2, Change(0.1, "share"), 3),
            ),
        ),
        sparklines=sparklines(week),
    )


@pytest.fixture
def review_en() -> WeeklyReview:
    week = IsoWeek(2026, 48)
    next_week = week.shifted(1)
    mon, tue, _, thu, fri, *_ = next_week.days()
    return WeeklyReview(
        schema_version=SCHEMA_VERSION,
        leader="Anna de Vries",
        week=week,
        proposals_week=next_week,
        timezone="Europe/Amsterdam",
        language="en",
        generated_at=datetime(2026, 11, 30, 7, 0, tzinfo=AMSTERDAM),
        source="ics",
        indicators=indicators(BUSY_VALUES, BUSY_STATUSES),
        days=busy_week_days(week),
        buffers=(
            BufferStatus(
                Buffer.AGENDA_REGIE,
                Status.ALERT,
                (
                    share_reason("attention"),
                    reason(
                        "reason.focus_hours",
                        value=Quantity(3.5, "hours"),
                        focus=minutes(120),
                        level=reason("level.alert"),
                        limit=Threshold("<", Quantity(4, "hours")),
                    ),
                ),
            ),
            BufferStatus(
                Buffer.ENERGIE,
                Status.ALERT,
                (
                    reason(
                        "reason.longest_back_to_back_minutes",
                        value=minutes(375),
                        gap=minutes(10),
                        level=reason("level.alert"),
                        limit=Threshold(">=", minutes(180)),
                    ),
                ),
            ),
            BufferStatus(
                Buffer.MINI_RETRAITES,
                Status.ATTENTION,
                (MISSING_REFLECTION,),
            ),
        ),
        proposals=(
            Proposal(
                key="anna:2026-W49:reflection:0",
                kind="reflection",
                buffer=Buffer.MINI_RETRAITES,
                start=local(tue, "08:30"),
                end=local(tue, "10:00"),
                reason=reflection_reason(tue),
            ),
            Proposal(
                key="anna:2026-W49:recovery:0",
                kind="recovery",
                buffer=Buffer.ENERGIE,
                start=local(mon, "12:00"),
                end=local(mon, "12:15"),
                reason=reason(
                    "proposal.recovery",
                    day=mon,
                    chain=TimeRange(local(mon, "09:00"), local(mon, "12:00")),
                    length=minutes(180),
                    gap=minutes(10),
                    minutes=minutes(15),
                ),
            ),
            Proposal(
                key="anna:2026-W49:lunch:0",
                kind="lunch",
                buffer=Buffer.ENERGIE,
                start=local(thu, "12:30"),
                end=local(thu, "13:00"),
                reason=lunch_reason(thu),
            ),
            Proposal(
                key="anna:2026-W49:mini_retreat:0",
                kind="mini_retreat",
                buffer=Buffer.MINI_RETRAITES,
                start=local(fri, "13:00"),
                end=local(fri, "17:00"),
                reason=reason("proposal.mini_retreat.since", days=37, cadence=28, day=fri),
            ),
        ),
        warnings=tuple(
            Warning(
                "skipped_event",
                reason("warning.skipped", where=f"line {line}", reason="the event has no end"),
            )
            for line in (112, 340, 512, 790, 1024)
        ),
        question=reason("question.0"),
        trends=trends_en(week),
    )


@pytest.fixture
def review_nl() -> WeeklyReview:
    week = IsoWeek(2026, 13)  # Sunday 29 March 2026: the clocks go forward in Amsterdam
    next_week = week.shifted(1)
    _, tue, wed, *_ = next_week.days()
    return WeeklyReview(
        schema_version=SCHEMA_VERSION,
        leader=None,
        week=week,
        proposals_week=next_week,
        timezone="Europe/Amsterdam",
        language="nl",
        generated_at=datetime(2026, 3, 30, 6, 30, tzinfo=AMSTERDAM),
        source="google",
        indicators=indicators(BUSY_VALUES, BUSY_STATUSES),
        days=busy_week_days(week),
        buffers=(
            BufferStatus(
                Buffer.AGENDA_REGIE,
                Status.ATTENTION,
                (share_reason("attention"),),
            ),
            BufferStatus(Buffer.ENERGIE, Status.OK, ()),
            BufferStatus(
                Buffer.MINI_RETRAITES,
                Status.ATTENTION,
                (MISSING_REFLECTION,),
            ),
        ),
        proposals=(
            Proposal(
                key="2026-W14:reflection:0",
                kind="reflection",
                buffer=Buffer.MINI_RETRAITES,
                start=local(tue, "08:30"),
                end=local(tue, "10:00"),
                reason=reflection_reason(tue),
            ),
            Proposal(
                key="2026-W14:lunch:0",
                kind="lunch",
                buffer=Buffer.ENERGIE,
                start=local(wed, "12:30"),
                end=local(wed, "13:00"),
                reason=lunch_reason(wed),
            ),
        ),
        warnings=(),
        question=reason("question.1"),
        trends=trends_nl(week),
    )


@pytest.fixture
def review_empty() -> WeeklyReview:
    week = IsoWeek(2026, 52)
    reasons = ["holiday", "holiday", "out_of_office", "out_of_office", "out_of_office"]
    days = tuple(
        day_row(day, [], non_working_reason=reason)
        for day, reason in zip(week.days(), [*reasons, "weekend", "weekend"], strict=True)
    )
    return WeeklyReview(
        schema_version=SCHEMA_VERSION,
        leader=None,
        week=week,
        proposals_week=week.shifted(1),
        timezone="Europe/Amsterdam",
        language="en",
        generated_at=datetime(2026, 12, 28, 7, 0, tzinfo=AMSTERDAM),
        source="ics",
        indicators=indicators({"reflection_target_minutes": 180}, {}),
        days=days,
        buffers=(
            BufferStatus(Buffer.AGENDA_REGIE, Status.OK, ()),
            BufferStatus(Buffer.ENERGIE, Status.OK, ()),
            BufferStatus(
                Buffer.MINI_RETRAITES,
                Status.ATTENTION,
                (reason("reason.days_since_mini_retreat.none", minutes=minutes(180), weeks=13),),
            ),
        ),
        proposals=(),
        warnings=(Warning("no_working_time", reason("warning.no_working_time")),),
        question=reason("question.2"),
        trends=TrendReport(
            enough_history=False,
            weeks_available=1,
            weeks_needed=6,
            message=reason("trend.not_enough_history", available=1, needed=6),
            signals=(),
            sparklines=tuple(
                Sparkline(
                    line.indicator,
                    line.unit,
                    line.weeks,
                    (None,) * 12,
                )
                for line in sparklines(week)
            ),
        ),
    )


@pytest.fixture(params=["review_en", "review_nl", "review_empty"])
def any_review(request: pytest.FixtureRequest) -> WeeklyReview:
    review: WeeklyReview = request.getfixturevalue(request.param)
    return review
