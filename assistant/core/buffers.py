"""Indicator statuses and buffer statuses with their reasons (pure core).

A buffer's status is the worst status of its indicators; every indicator that is not ok gives a
reason with its number and the threshold it crossed (DESIGN section 6), as data
(`assistant.core.reasons`): the shells put it into words.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.core.catalogue import INDICATORS, IndicatorDefinition
from assistant.core.reasons import ClockWindow, Indicator, Quantity, Reason, Threshold, reason
from assistant.core.review import Buffer, BufferStatus, IndicatorResult, Status
from rules import Comparison, Rules


def indicator_results(
    values: Mapping[str, float | int | None], rules: Rules
) -> tuple[IndicatorResult, ...]:
    target = rules.reflection_target_minutes
    results = []
    for definition in INDICATORS:
        value = values[definition.id]
        status, _ = _status(definition, value, rules, target)
        results.append(
            IndicatorResult(definition.id, definition.buffer, value, status, definition.unit)
        )
    return tuple(results)


def _status(
    definition: IndicatorDefinition,
    value: float | int | None,
    rules: Rules,
    target: float,
) -> tuple[Status | None, Comparison | None]:
    threshold = rules.thresholds.for_indicator(definition.id)
    if threshold is None:
        return None, None
    if value is None:
        return (Status(threshold.missing) if threshold.missing else None), None
    if definition.id == "missing_reflection_minutes" and target <= 0:
        return None, None  # no reflection target set: nothing can be missing
    if threshold.alert is not None and threshold.alert.holds(float(value), target):
        return Status.ALERT, threshold.alert
    if threshold.attention is not None and threshold.attention.holds(float(value), target):
        return Status.ATTENTION, threshold.attention
    return Status.OK, None


def buffer_statuses(
    results: tuple[IndicatorResult, ...], rules: Rules, weeks_read: int
) -> tuple[BufferStatus, ...]:
    target = rules.reflection_target_minutes
    values = {r.id: r.value for r in results}
    statuses = []
    for buffer in Buffer:
        worst = Status.OK
        reasons: list[Reason] = []
        for result in results:
            if result.buffer is not buffer or result.status in (None, Status.OK):
                continue
            assert result.status is not None
            worst = max(worst, result.status, key=lambda s: s.rank)
            definition = next(d for d in INDICATORS if d.id == result.id)
            _, fired = _status(definition, result.value, rules, target)
            reasons.append(_reason(result, fired, values, rules, weeks_read))
        if not reasons:
            reasons.append(reason("reason.ok"))
        statuses.append(BufferStatus(buffer, worst, tuple(reasons)))
    return tuple(statuses)


# The rule values each indicator's reason names, besides its value and the bound that fired.
_RULE_VALUES = {
    "focus_hours": ("focus",),
    "short_notice_share": ("notice",),
    "longest_back_to_back_minutes": ("gap",),
    "days_without_midday_break": ("lunch", "window"),
    "short_rest_nights": ("rest",),
}


def rule_values(rules: Rules, indicator_id: str) -> dict[str, Quantity | ClockWindow]:
    """The rule values the reason of `indicator_id` names (focus block, notice, gap, lunch and
    its window, rest)."""
    measurement = rules.measurement
    window = rules.lunch.window
    values: dict[str, Quantity | ClockWindow] = {
        "focus": Quantity(measurement.focus_block_minutes, "minutes"),
        "notice": Quantity(measurement.short_notice_hours, "hours"),
        "gap": Quantity(measurement.back_to_back_gap_minutes, "minutes"),
        "lunch": Quantity(rules.lunch.minutes, "minutes"),
        "window": ClockWindow(window.start_minute, window.end_minute),
        "rest": Quantity(measurement.rest_hours, "hours"),
    }
    return {name: values[name] for name in _RULE_VALUES.get(indicator_id, ())}


def _reason(
    result: IndicatorResult,
    fired: Comparison | None,
    values: Mapping[str, float | int | None],
    rules: Rules,
    weeks_read: int,
) -> Reason:
    assert result.status is not None
    level = reason(f"level.{result.status.value}")
    retreat = Quantity(rules.mini_retreat.minutes, "minutes")
    if result.id == "days_since_mini_retreat" and result.value is None:
        return reason("reason.days_since_mini_retreat.none", minutes=retreat, weeks=weeks_read)
    if result.value is None:
        return reason("reason.no_value", name=Indicator(result.id), level=level)
    if result.id == "missing_reflection_minutes":
        return reason(
            "reason.missing_reflection_minutes",
            reflection=Quantity(float(values["reflection_minutes"] or 0), "minutes"),
            target=Quantity(rules.reflection_target_minutes, "minutes"),
        )
    assert result.value is not None
    assert fired is not None
    bound = rules.reflection_target_minutes if fired.value == "target" else float(fired.value)
    if result.id == "days_since_mini_retreat":
        return reason(
            "reason.days_since_mini_retreat",
            value=int(result.value),
            minutes=retreat,
            level=level,
            limit=Threshold(fired.op, Quantity(bound, "days")),
        )
    return reason(
        f"reason.{result.id}",
        **rule_values(rules, result.id),
        value=Quantity(result.value, result.unit),
        level=level,
        limit=Threshold(fired.op, Quantity(bound, result.unit)),
    )
