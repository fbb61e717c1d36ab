"""The indicator catalogue of DESIGN section 6: ids, buffers, units and names (pure core).

Thresholds are not here: they are rule settings (rules/defaults.yaml, `thresholds`).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.review import Buffer, Status


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    id: str
    buffer: Buffer
    unit: str  # "hours", "minutes", "share", "count", "days"
    name_en: str
    name_nl: str

    def name(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en


A, E, M = Buffer.AGENDA_REGIE, Buffer.ENERGIE, Buffer.MINI_RETRAITES

INDICATORS: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition("meeting_hours", A, "hours", "Meeting hours", "Vergaderuren"),
    IndicatorDefinition(
        "meeting_share",
        A,
        "share",
        "Share of working time in meetings",
        "Deel van de werktijd in overleg",
    ),
    IndicatorDefinition(
        "focus_hours",
        A,
        "hours",
        "Focus hours",
        "Focusuren",
    ),
    IndicatorDefinition(
        "fragmented_hours",
        A,
        "hours",
        "Fragmented hours",
        "Versnipperde uren",
    ),
    IndicatorDefinition(
        "meeting_free_half_days", A, "count", "Meeting-free half-days", "Overlegvrije dagdelen"
    ),
    IndicatorDefinition(
        "short_notice_share",
        A,
        "share",
        "Meeting time booked at short notice",
        "Overlegtijd op korte termijn ingepland",
    ),
    IndicatorDefinition(
        "longest_back_to_back_minutes",
        E,
        "minutes",
        "Longest back-to-back chain",
        "Langste reeks aaneengesloten overleg",
    ),
    IndicatorDefinition(
        "back_to_back_chains",
        E,
        "count",
        "Long back-to-back chains",
        "Lange reeksen aaneengesloten overleg",
    ),
    IndicatorDefinition(
        "days_without_midday_break",
        E,
        "days",
        "Days without a midday break",
        "Dagen zonder middagpauze",
    ),
    IndicatorDefinition(
        "longest_workday_span_hours",
        E,
        "hours",
        "Longest workday span",
        "Langste werkdag (eerste tot laatste afspraak)",
    ),
    IndicatorDefinition(
        "short_rest_nights",
        E,
        "count",
        "Nights with short rest",
        "Nachten met korte rust",
    ),
    IndicatorDefinition(
        "after_hours_meeting_hours",
        E,
        "hours",
        "Meeting hours outside working time",
        "Overleguren buiten werktijd",
    ),
    IndicatorDefinition(
        "reflection_minutes", M, "minutes", "Protected reflection time", "Beschermde reflectietijd"
    ),
    IndicatorDefinition(
        "reflection_target_minutes", M, "minutes", "Reflection target", "Doel voor reflectietijd"
    ),
    IndicatorDefinition(
        "missing_reflection_minutes",
        M,
        "minutes",
        "Reflection time missing",
        "Ontbrekende reflectietijd",
    ),
    IndicatorDefinition(
        "days_since_mini_retreat",
        M,
        "days",
        "Days since the last mini-retreat",
        "Dagen sinds de laatste mini-retraite",
    ),
)

BY_ID: dict[str, IndicatorDefinition] = {d.id: d for d in INDICATORS}
INDICATOR_IDS: tuple[str, ...] = tuple(d.id for d in INDICATORS)

BUFFER_NAMES: dict[Buffer, dict[str, str]] = {
    Buffer.AGENDA_REGIE: {"en": "Agenda control", "nl": "Agenda-regie"},
    Buffer.ENERGIE: {"en": "Energy", "nl": "Energiemanagement"},
    Buffer.MINI_RETRAITES: {"en": "Mini-retreats", "nl": "Mini-retraites"},
}

STATUS_NAMES: dict[Status, dict[str, str]] = {
    Status.OK: {"en": "ok", "nl": "in orde"},
    Status.ATTENTION: {"en": "attention", "nl": "aandacht"},
    Status.ALERT: {"en": "alert", "nl": "alarm"},
}

# Weekly measures stored with the indicators for the signals of narrowing (assistant.core.trends);
# not indicators of their own, so they carry no status.
TREND_INPUT_IDS: tuple[str, ...] = (
    "median_meeting_minutes",
    "organised_meeting_share",
    "protected_overrun_minutes",
)
METRIC_IDS: tuple[str, ...] = INDICATOR_IDS + TREND_INPUT_IDS
