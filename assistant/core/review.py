"""The weekly review: everything one leader's week says, in one frozen value (pure core).

Renderers (text, JSON, HTML) read only this; the JSON schema in docs/review-schema.json
describes its serialised form (`assistant.render.json_out`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from assistant.core.reasons import Reason

if TYPE_CHECKING:
    from assistant.core.continua import Continua

SCHEMA_VERSION = "2.0"


class Status(StrEnum):
    OK = "ok"
    ATTENTION = "attention"
    ALERT = "alert"
    # The week cannot be measured: no events in it, or it lies outside what the calendar covers
    # (before its first event, after an export's end, in the future). Never "ok" on no data.
    NO_DATA = "no_data"

    @property
    def rank(self) -> int:
        return {"no_data": -1, "ok": 0, "attention": 1, "alert": 2}[self.value]


class Buffer(StrEnum):
    AGENDA_REGIE = "agenda_regie"
    ENERGIE = "energie"
    MINI_RETRAITES = "mini_retraites"


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse 'YYYY-Www' (e.g. 2026-W13); raises ValueError with a clear message."""
        try:
            year_text, week_text = text.strip().upper().split("-W")
            year, week = int(year_text), int(week_text)
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO week like 2026-W13") from None
        return cls(year, week)

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def days(self) -> tuple[date, ...]:
        from datetime import timedelta

        return tuple(self.monday + timedelta(days=i) for i in range(7))

    def shifted(self, weeks: int) -> IsoWeek:
        from datetime import timedelta

        return IsoWeek.containing(self.monday + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True, slots=True)
class WeekMetrics:
    """One week's measured values (catalogue indicators and trend inputs), as history."""

    week: IsoWeek
    values: dict[str, float | int | None]


@dataclass(frozen=True, slots=True)
class DayRow:
    """One local day of the reviewed week (DESIGN section 6, day rows)."""

    date: date
    working: bool
    non_working_reason: str | None  # "weekend", "holiday", "out_of_office", or None
    meeting_minutes: int
    meeting_count: int
    longest_back_to_back_minutes: int
    first_start: datetime | None
    last_end: datetime | None
    span_hours: float | None
    midday_break: bool | None  # None on a non-working day
    focus_minutes: int
    protected_minutes: int
    after_hours_meeting_minutes: int
    # The day as local (start_minute, end_minute, kind) segments for the picture of the week;
    # kind is "meeting", "solo", "protected" or "working" (free working time).
    segments: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    id: str
    buffer: Buffer
    value: float | int | None
    status: Status | None  # None: shown, no status
    unit: str


@dataclass(frozen=True, slots=True)
class BufferStatus:
    buffer: Buffer
    status: Status
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Proposal:
    key: str
    kind: str  # "reflection", "recovery", "lunch", "mini_retreat"
    buffer: Buffer
    start: datetime
    end: datetime
    reason: Reason


@dataclass(frozen=True, slots=True)
class Warning:
    """Something the reader should know: a skipped event, a week without working time."""

    code: str
    message: Reason


@dataclass(frozen=True, slots=True)
class SignalResult:
    """One signal of narrowing at the reviewed week (DESIGN section 6; assistant.core.trends).

    The numbers are those of `metric`, the trend input that fired (or, when none fired, the
    signal's first input that has data): `recent` is the average of the recent weeks, `baseline`
    the median of the weeks before them, `shift` the signed change as a fraction of the baseline
    (or of the input's floor when the baseline is smaller). `weeks_held` counts the weeks in a
    row, up to the reviewed week, in which the adverse shift held.
    """

    id: str  # faster_agenda, reflection_erosion, shorter_conversations, less_challenge, taking_over
    fired: bool
    metric: str
    unit: str  # the unit of `metric`: "minutes", "share", "days"
    direction: str  # "down" or "up": which way is adverse for `metric`
    recent: float | None
    baseline: float | None
    shift: float | None
    weeks_held: int
    reasons: tuple[Reason, ...]  # one sentence per input that fired, else the chosen one


@dataclass(frozen=True, slots=True)
class Sparkline:
    """One key indicator over the last weeks, oldest first; None for a week without data."""

    indicator: str
    unit: str
    weeks: tuple[IsoWeek, ...]
    values: tuple[float | int | None, ...]

    @property
    def latest(self) -> float | int | None:
        return self.values[-1] if self.values else None


@dataclass(frozen=True, slots=True)
class TrendReport:
    """The leader against their own baseline: the signals of narrowing and the sparklines."""

    enough_history: bool
    weeks_available: int  # weeks with data in the weeks a comparison reads, this one included
    weeks_needed: int
    message: Reason
    signals: tuple[SignalResult, ...]  # every signal, fired or not; empty without enough history
    sparklines: tuple[Sparkline, ...]
    # Trends of the energy buffer (rising density), measured like the signals, not counted in them.
    energy_trends: tuple[SignalResult, ...] = ()
    # One counterforce step the review suggests when a signal holds (trends.counterforce_step).
    step: Reason | None = None

    @property
    def fired(self) -> tuple[SignalResult, ...]:
        return tuple(signal for signal in self.signals if signal.fired)


@dataclass(frozen=True, slots=True)
class WeeklyReview:
    schema_version: str
    leader: str | None
    week: IsoWeek
    proposals_week: IsoWeek
    timezone: str
    language: str
    generated_at: datetime
    source: str
    indicators: tuple[IndicatorResult, ...]
    days: tuple[DayRow, ...]
    buffers: tuple[BufferStatus, ...]
    proposals: tuple[Proposal, ...]
    warnings: tuple[Warning, ...]
    question: Reason  # one question from the whitepaper's reflection guide
    trends: TrendReport
    # The proposals week lay wholly before `generated_at`: nothing is proposed for it (a block in
    # the past cannot be accepted); `hindsight` holds what it would have proposed, for reference.
    proposals_week_over: bool = False
    hindsight: tuple[Proposal, ...] = ()
    # The felt room beside the calendar load over the last weeks (assistant.core.continua);
    # None when the review was made without the leader's ratings (a file read on its own).
    continua: Continua | None = None

    def indicator(self, indicator_id: str) -> IndicatorResult:
        for result in self.indicators:
            if result.id == indicator_id:
                return result
        raise KeyError(indicator_id)

    @property
    def values(self) -> dict[str, float | int | None]:
        return {r.id: r.value for r in self.indicators}

    @property
    def no_data(self) -> Reason | None:
        """Why the week has no data (the calendar does not cover it), or None when measured."""
        for item in self.buffers:
            if item.status is Status.NO_DATA and item.reasons:
                return item.reasons[0]
        return None
