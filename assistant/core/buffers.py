"""Indicator statuses and buffer statuses with their reasons (pure core).

A buffer's status is the worst status of its indicators; every indicator that is not ok gives a
sentence with its number and the threshold it crossed (DESIGN section 6).
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.core.catalogue import INDICATORS, IndicatorDefinition
from assistant.core.review import Buffer, BufferStatus, IndicatorResult, Status
from assistant.i18n import texts
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
    language = rules.leader.language
    target = rules.reflection_target_minutes
    values = {r.id: r.value for r in results}
    statuses = []
    for buffer in Buffer:
        worst = Status.OK
        reasons: list[str] = []
        for result in results:
            if result.buffer is not buffer or result.status in (None, Status.OK):
                continue
            assert result.status is not None
            worst = max(worst, result.status, key=lambda s: s.rank)
            definition = next(d for d in INDICATORS if d.id == result.id)
            _, fired = _status(definition, result.value, rules, target)
            reasons.append(_reason(result, fired, values, rules, language, weeks_read))
        if not reasons:
            reasons.append(texts.text("reason.ok", language))
        statuses.append(BufferStatus(buffer, worst, tuple(reasons)))
    return tuple(statuses)


def rule_words(rules: Rules, language: str) -> dict[str, str]:
    """The rule values that reason sentences name, in words ("2 h", "10 min", "11:30–14:00")."""
    measurement = rules.measurement
    return {
        "focus": texts.minutes(measurement.focus_block_minutes, language),
        "notice": texts.hours(measurement.short_notice_hours, language),
        "gap": texts.minutes(measurement.back_to_back_gap_minutes, language),
        "lunch": texts.minutes(rules.lunch.minutes, language),
        "window": str(rules.lunch.window).replace("-", "–"),
        "rest": texts.hours(measurement.rest_hours, language),
    }


def _reason(
    result: IndicatorResult,
    fired: Comparison | None,
    values: Mapping[str, float | int | None],
    rules: Rules,
    language: str,
    weeks_read: int,
) -> str:
    assert result.status is not None
    level = texts.text(f"level.{result.status.value}", language)
    if result.id == "days_since_mini_retreat" and result.value is None:
        return texts.text(
            "reason.days_since_mini_retreat.none",
            language,
            minutes=texts.minutes(rules.mini_retreat.minutes, language),
            weeks=weeks_read,
        )
    if result.value is None:
        definition = next(d for d in INDICATORS if d.id == result.id)
        return texts.text("reason.no_value", language, name=definition.name(language), level=level)
    if result.id == "missing_reflection_minutes":
        return texts.text(
            "reason.missing_reflection_minutes",
            language,
            reflection=texts.minutes(float(values["reflection_minutes"] or 0), language),
            target=texts.minutes(rules.reflection_target_minutes, language),
        )
    assert result.value is not None
    assert fired is not None
    bound = rules.reflection_target_minutes if fired.value == "target" else float(fired.value)
    if result.id == "days_since_mini_retreat":
        return texts.text(
            "reason.days_since_mini_retreat",
            language,
            value=int(result.value),
            minutes=texts.minutes(rules.mini_retreat.minutes, language),
            level=level,
            limit=texts.comparison(fired.op, texts.days(bound, language), language),
        )
    return texts.text(
        f"reason.{result.id}",
        language,
        **rule_words(rules, language),
        value=texts.format_value(result.value, result.unit, language),
        level=level,
        limit=texts.comparison(
            fired.op, texts.format_value(bound, result.unit, language), language
        ),
    )
