"""The signals of narrowing: a leader against their own baseline, over weeks (pure core).

DESIGN section 6. Takes the reviewed week's `WeekMetrics` and the stored weeks before it, and the
`trends` rule settings; returns a `TrendReport`. No I/O, no SQL: the shell hands the history in.
It imports only the review values, the catalogue, the reasons and the rules; never a shell
(store, service, render) and no wording: its messages are reasons as data.

For each week t (each with its own windows):

- *recent*: the mean of the `recent_weeks` weeks ending at t;
- *baseline*: the median of the `baseline_weeks` weeks before those, using the weeks that exist,
  at least `min_history_weeks - recent_weeks` of them;
- *shift*: (recent - baseline) / max(|baseline|, floor), with the input's floor from
  `trends.floors`, so that a rise from (almost) nothing is measured against the floor and a
  baseline of 0 cannot erode;
- the week *holds* when the adverse shift is at least `shift` and the week's own value is itself
  on the adverse side of its baseline. The second condition keeps one exceptional week from
  carrying the recent mean, and so the signal, through the next weeks on its own.

A trend input fires when its weeks held in a row, ending at the reviewed week, reach
`hold_weeks`. A signal with two inputs fires when either does. Weeks missing from the history
and weeks without working time (no `meeting_share`) are missing, never zero: they neither count
nor break a run; a None value of one input is skipped for that input only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Literal

from assistant.core.catalogue import BY_ID
from assistant.core.reasons import Change, Quantity, Reason, reason
from assistant.core.review import IsoWeek, SignalResult, Sparkline, TrendReport, WeekMetrics
from rules import Rules
from rules.model import Trends

Direction = Literal["down", "up"]

# The whitepaper's five signals of narrowing ("Signalen van versmalling"), in its order, each with
# its trend inputs and the way that is adverse for each (DESIGN section 6, docs/indicators.md).
SIGNALS: tuple[tuple[str, tuple[tuple[str, Direction], ...]], ...] = (
    ("faster_agenda", (("short_notice_share", "up"),)),
    ("reflection_erosion", (("reflection_minutes", "down"), ("protected_overrun_minutes", "up"))),
    ("shorter_conversations", (("median_meeting_minutes", "down"),)),
    ("less_challenge", (("distinct_people", "down"), ("counterforce_sessions", "down"))),
    ("taking_over", (("organised_meeting_share", "up"),)),
)
# Trends of the energy buffer, measured the same way but not signals of narrowing.
ENERGY_TRENDS: tuple[tuple[str, tuple[tuple[str, Direction], ...]], ...] = (
    (
        "rising_density",
        (("longest_back_to_back_minutes", "up"), ("days_without_midday_break", "up")),
    ),
)
SIGNAL_IDS: tuple[str, ...] = tuple(signal_id for signal_id, _ in SIGNALS)

# The key indicators the review draws as sparklines, in this order.
SPARKLINE_INDICATORS: tuple[str, ...] = (
    "meeting_share",
    "focus_hours",
    "longest_back_to_back_minutes",
    "reflection_minutes",
    "short_notice_share",
    "days_without_midday_break",
)

# Units of the trend inputs that are not catalogue indicators (catalogue.TREND_INPUT_IDS).
_INPUT_UNITS = {
    "median_meeting_minutes": "minutes",
    "organised_meeting_share": "share",
    "protected_overrun_minutes": "minutes",
    "distinct_people": "count",
    "counterforce_sessions": "count",
}
# A week without working time has no meeting_share: it holds no comparable numbers.
_WORKING_TIME = "meeting_share"


def unit_of(metric: str) -> str:
    return _INPUT_UNITS.get(metric) or BY_ID[metric].unit


@dataclass(frozen=True, slots=True)
class InputTrend:
    """One trend input evaluated at the reviewed week."""

    metric: str
    direction: Direction
    recent: float | None
    baseline: float | None
    shift: float | None
    weeks_held: int
    against_floor: bool  # the baseline was below the input's floor

    @property
    def has_numbers(self) -> bool:
        return self.recent is not None and self.baseline is not None


def trend_report(current: WeekMetrics, history: Sequence[WeekMetrics], rules: Rules) -> TrendReport:
    """The reviewed week (`current`) against the weeks before it (`history`, any order, gaps
    allowed; weeks from `current.week` on are ignored)."""
    settings = rules.trends
    weeks, frame = weekly_series(current, history)
    read = settings.recent_weeks + settings.baseline_weeks
    available = sum(1 for value in frame[_WORKING_TIME][-read:] if not math.isnan(value))
    needed = settings.min_history_weeks
    sparklines = _sparklines(weeks, frame, settings)
    if available < needed:
        return TrendReport(
            enough_history=False,
            weeks_available=available,
            weeks_needed=needed,
            message=reason("trend.not_enough_history", available=available, needed=needed),
            signals=(),
            sparklines=sparklines,
        )
    signals = tuple(_signal(signal_id, inputs, frame, settings) for signal_id, inputs in SIGNALS)
    energy = tuple(_signal(trend, inputs, frame, settings) for trend, inputs in ENERGY_TRENDS)
    return TrendReport(
        enough_history=True,
        weeks_available=available,
        weeks_needed=needed,
        message=_summary(signals, available, settings),
        signals=signals,
        sparklines=sparklines,
        energy_trends=energy,
        step=counterforce_step(signals, named=bool(rules.counterforce.people)),
    )


Series = dict[str, list[float]]


def weekly_series(
    current: WeekMetrics, history: Sequence[WeekMetrics]
) -> tuple[list[IsoWeek], Series]:
    """Every calendar week from the oldest one given to `current` (oldest first), and per metric
    its value in each of those weeks; NaN for a missing week, a week without working time, or a
    None. Plain lists: a dozen weeks are read faster without a table library."""
    by_week = {m.week: m for m in history if m.week < current.week}
    by_week[current.week] = current
    first = min(by_week)
    count = (current.week.monday - first.monday).days // 7 + 1
    weeks = [first.shifted(offset) for offset in range(count)]
    metrics = sorted({_WORKING_TIME, *SPARKLINE_INDICATORS, *_inputs()})
    series: Series = {metric: [] for metric in metrics}
    for week in weeks:
        found = by_week.get(week)
        values = found.values if found is not None else {}
        comparable = values.get(_WORKING_TIME) is not None
        for metric in metrics:
            series[metric].append(_number(values.get(metric)) if comparable else math.nan)
    return weeks, series


def _inputs() -> list[str]:
    return [metric for _, inputs in (*SIGNALS, *ENERGY_TRENDS) for metric, _ in inputs]


def _number(value: float | int | None) -> float:
    return math.nan if value is None else float(value)


def evaluate(
    metric: str, values: Sequence[float], direction: Direction, floor: float, settings: Trends
) -> InputTrend:
    """One trend input over its weekly values (last: the reviewed week)."""
    recent_weeks, baseline_weeks = settings.recent_weeks, settings.baseline_weeks
    least = max(1, settings.min_history_weeks - recent_weeks)
    recent = [
        _known_mean(values[max(0, at - recent_weeks + 1) : at + 1]) for at in range(len(values))
    ]
    before = [
        values[at - recent_weeks] if at >= recent_weeks else math.nan for at in range(len(values))
    ]
    baseline = [
        _known_median(before[max(0, at - baseline_weeks + 1) : at + 1], least)
        for at in range(len(values))
    ]
    change = [_shift(r, b, floor) for r, b in zip(recent, baseline, strict=True)]
    held = 0
    for position in reversed(range(len(values))):
        value, base, shift = values[position], baseline[position], change[position]
        if math.isnan(value):
            continue  # a missing week neither counts nor breaks the run
        adverse = shift if direction == "up" else -shift
        worse = value > base if direction == "up" else value < base
        # NaN compares False: a week without a baseline does not hold.
        if not (_rounded(adverse, 9) >= settings.shift and worse):
            break
        held += 1
    last_baseline = _value(baseline[-1])
    return InputTrend(
        metric=metric,
        direction=direction,
        recent=_value(recent[-1]),
        baseline=last_baseline,
        shift=_value(change[-1]),
        weeks_held=held,
        against_floor=last_baseline is not None and abs(last_baseline) < floor,
    )


def _known_mean(window: Sequence[float]) -> float:
    known = [value for value in window if not math.isnan(value)]
    return math.fsum(known) / len(known) if known else math.nan


def _known_median(window: Sequence[float], least: int) -> float:
    known = [value for value in window if not math.isnan(value)]
    return float(median(known)) if len(known) >= least else math.nan


def _shift(recent: float, baseline: float, floor: float) -> float:
    """(recent - baseline) / max(|baseline|, floor); NaN when either is missing."""
    if math.isnan(recent) or math.isnan(baseline):
        return math.nan
    scale = max(abs(baseline), floor)
    difference = recent - baseline
    if scale == 0:
        return math.nan if difference == 0 else math.copysign(math.inf, difference)
    return difference / scale


def _rounded(number: float, decimals: int) -> float:
    """Rounded as numpy rounds (scaled, half to even, scaled back), so a shift that is exactly
    the threshold in decimal holds whatever the float noise."""
    if math.isnan(number) or math.isinf(number):
        return number
    scale = 10.0**decimals
    return round(number * scale) / scale


def _value(number: float) -> float | None:
    return None if math.isnan(number) else round(float(number), 4)


def _signal(
    signal_id: str,
    inputs: tuple[tuple[str, Direction], ...],
    frame: Series,
    settings: Trends,
) -> SignalResult:
    trends = [
        evaluate(metric, frame[metric], direction, getattr(settings.floors, metric), settings)
        for metric, direction in inputs
    ]
    fired = [trend for trend in trends if trend.weeks_held >= settings.hold_weeks]
    if fired:
        chosen = fired[0]
        reasons = tuple(_sentence(trend, settings, fired=True) for trend in fired)
    else:
        chosen = next((trend for trend in trends if trend.has_numbers), trends[0])
        reasons = (_sentence(chosen, settings, fired=False),)
    return SignalResult(
        id=signal_id,
        fired=bool(fired),
        metric=chosen.metric,
        unit=unit_of(chosen.metric),
        direction=chosen.direction,
        recent=chosen.recent,
        baseline=chosen.baseline,
        shift=chosen.shift,
        weeks_held=chosen.weeks_held,
        reasons=reasons,
    )


def _sentence(trend: InputTrend, settings: Trends, *, fired: bool) -> Reason:
    subject = reason(f"trend.subject.{trend.metric}")
    if trend.recent is None or trend.baseline is None or trend.shift is None:
        return reason("trend.no_data", subject=subject)
    unit = unit_of(trend.metric)
    if trend.against_floor:
        change = Change(trend.recent - trend.baseline, unit)
    else:
        change = Change(trend.shift)
    key = f"trend.fired.{trend.metric}" if fired else "trend.steady"
    return reason(
        key,
        subject=subject,
        held=Quantity(trend.weeks_held, "weeks"),
        span=Quantity(settings.recent_weeks, "weeks"),
        recent=_phrase(trend.metric, trend.recent, unit),
        baseline=_phrase(trend.metric, trend.baseline, unit),
        change=change,
    )


def _phrase(metric: str, value: float, unit: str) -> Reason:
    """A value as the sentences say it: "45 min a week", "30% of meeting time"."""
    if unit == "days":  # days a week: one decimal, rounded half up
        value = float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return reason(f"trend.value.{metric}", value=Quantity(value, unit))


# One counterforce step per fired signal, in the whitepaper's spirit: room for reflection, the
# people who challenge, a coach. The first fired signal (in the whitepaper's order) chooses.
_STEPS = {
    "faster_agenda": "step.deliberation_block",
    "reflection_erosion": "step.reflection_block",
    "shorter_conversations": "step.longer_conversation",
    "less_challenge": "step.counterforce_conversation",
    "taking_over": "step.coach",
}


def counterforce_step(signals: Sequence[SignalResult], *, named: bool = False) -> Reason | None:
    """One concrete, optional step when a signal holds: never a diagnosis, never more than one.
    `named`: the rules name counterforce people, so the step can point to them."""
    fired = [signal.id for signal in signals if signal.fired]
    if not fired:
        return None
    step = _STEPS[fired[0]]
    if step == "step.counterforce_conversation" and named:
        step = "step.counterforce_conversation.named"
    return reason(step)


def _summary(signals: Sequence[SignalResult], available: int, settings: Trends) -> Reason:
    hold = Quantity(settings.hold_weeks, "weeks")
    count = sum(1 for signal in signals if signal.fired)
    if not count:
        return reason("trend.none_fired", hold=hold, weeks=Quantity(available, "weeks"))
    return reason("trend.some_fired", count=count, total=len(signals), hold=hold)


def _sparklines(weeks: Sequence[IsoWeek], frame: Series, settings: Trends) -> tuple[Sparkline, ...]:
    shown = settings.sparkline_weeks
    last = weeks[-1]
    shown_weeks = tuple(last.shifted(offset) for offset in range(1 - shown, 1))
    padding = max(0, shown - len(weeks))
    lines = []
    for indicator in SPARKLINE_INDICATORS:
        known = [_plain(v, BY_ID[indicator].unit) for v in frame[indicator][-shown:]]
        lines.append(
            Sparkline(
                indicator=indicator,
                unit=BY_ID[indicator].unit,
                weeks=shown_weeks,
                values=(*([None] * padding), *known),
            )
        )
    return tuple(lines)


def _plain(value: float, unit: str) -> float | int | None:
    """A frame value back as the review holds it: None for missing, whole counts as int."""
    if math.isnan(value):
        return None
    if unit in ("minutes", "days", "count") and float(value).is_integer():
        return int(value)
    return float(value)
