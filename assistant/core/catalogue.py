"""The indicator catalogue of DESIGN section 6: ids, buffers and units (pure core).

Their names, in Dutch and English, are messages of the gettext catalogue ("indicator.<id>").

Thresholds are not here: they are rule settings (rules/defaults.yaml, `thresholds`).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.review import Buffer


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    id: str
    buffer: Buffer
    unit: str  # "hours", "minutes", "share", "count", "days"


A, E, M = Buffer.AGENDA_REGIE, Buffer.ENERGIE, Buffer.MINI_RETRAITES

INDICATORS: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition("meeting_hours", A, "hours"),
    IndicatorDefinition("meeting_share", A, "share"),
    IndicatorDefinition("focus_hours", A, "hours"),
    IndicatorDefinition("fragmented_hours", A, "hours"),
    IndicatorDefinition("meeting_free_half_days", A, "count"),
    IndicatorDefinition("short_notice_share", A, "share"),
    IndicatorDefinition("longest_back_to_back_minutes", E, "minutes"),
    IndicatorDefinition("back_to_back_chains", E, "count"),
    IndicatorDefinition("days_without_midday_break", E, "days"),
    IndicatorDefinition("longest_workday_span_hours", E, "hours"),
    IndicatorDefinition("short_rest_nights", E, "count"),
    IndicatorDefinition("after_hours_meeting_hours", E, "hours"),
    IndicatorDefinition("reflection_minutes", M, "minutes"),
    IndicatorDefinition("reflection_target_minutes", M, "minutes"),
    IndicatorDefinition("missing_reflection_minutes", M, "minutes"),
    IndicatorDefinition("days_since_mini_retreat", M, "days"),
)

BY_ID: dict[str, IndicatorDefinition] = {d.id: d for d in INDICATORS}
INDICATOR_IDS: tuple[str, ...] = tuple(d.id for d in INDICATORS)

# Weekly measures stored with the indicators for the signals of narrowing (assistant.core.trends);
# not indicators of their own, so they carry no status.
TREND_INPUT_IDS: tuple[str, ...] = (
    "median_meeting_minutes",
    "organised_meeting_share",
    "protected_overrun_minutes",
    "distinct_people",
    "counterforce_sessions",
)
METRIC_IDS: tuple[str, ...] = INDICATOR_IDS + TREND_INPUT_IDS
