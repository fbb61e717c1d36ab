"""The weekly review as JSON: the documented, versioned shape of docs/review-schema.json.

Everything here comes from the review and nothing is added: there are no event titles in a
review, so there are none in the JSON. Times are ISO 8601 with their UTC offset, in the leader's
time zone. Keys keep the order of the schema, so the output is stable and diffs well.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from assistant.core.catalogue import BY_ID, INDICATOR_IDS
from assistant.core.review import (
    DayRow,
    IndicatorResult,
    Proposal,
    SignalResult,
    Sparkline,
    TrendReport,
    WeeklyReview,
)
from assistant.i18n.texts import (
    text,
    to_local,
)
from assistant.i18n.wording import word, words

Json = dict[str, Any]


def review_to_dict(review: WeeklyReview) -> Json:
    """The review as plain JSON-ready data (dicts, lists, str, int, float, bool, None)."""
    tz = review.timezone
    language = review.language
    results = {result.id: result for result in review.indicators}
    return {
        "schema_version": review.schema_version,
        "leader": review.leader,
        "week": str(review.week),
        "week_start": review.week.monday.isoformat(),
        "week_end": review.week.days()[-1].isoformat(),
        "proposals_week": str(review.proposals_week),
        "timezone": tz,
        "language": review.language,
        "generated_at": review.generated_at.isoformat(),
        "source": review.source,
        "indicators": {
            # Every catalogue id, in catalogue order; one the review lacks is null (no data).
            indicator_id: _indicator_value(results.get(indicator_id), indicator_id)
            for indicator_id in INDICATOR_IDS
        },
        "indicator_details": [_indicator_detail(result) for result in review.indicators],
        "days": [_day(day, tz) for day in review.days],
        "buffers": [
            {
                "buffer": status.buffer.value,
                "status": status.status.value,
                "reasons": [word(reason, language) for reason in status.reasons],
            }
            for status in review.buffers
        ],
        "trends": _trends(review.trends, language),
        "proposals": [_proposal(p, tz, language) for p in review.proposals],
        "proposals_week_over": review.proposals_week_over,
        "hindsight": [_proposal(p, tz, language) for p in review.hindsight],
        "warnings": [
            {"code": w.code, "message": word(w.message, language)} for w in review.warnings
        ],
        "question": word(review.question, language),
        "continua": _continua(review),
    }


def _continua(review: WeeklyReview) -> Json | None:
    found = review.continua
    if found is None:
        return None
    return {
        "usual_load": found.usual_load,
        "message": word(found.message, review.language),
        "weeks": [
            {"week": str(p.week), "load": round_value(p.load, "share"), "room": p.room}
            for p in found.points
        ],
    }


def _proposal(proposal: Proposal, timezone: str, language: str) -> Json:
    return {
        "key": proposal.key,
        "kind": proposal.kind,
        "buffer": proposal.buffer.value,
        "start": to_local(proposal.start, timezone).isoformat(),
        "end": to_local(proposal.end, timezone).isoformat(),
        "reason": word(proposal.reason, language),
    }


def review_to_json(review: WeeklyReview) -> str:
    """The review as a JSON document (UTF-8 text, two-space indent, keys in schema order)."""
    return json.dumps(review_to_dict(review), indent=2, ensure_ascii=False) + "\n"


def round_value(value: float | None, unit: str) -> float | int | None:
    """Shares to 3 decimals, hours to 2; whole numbers as integers."""
    if value is None:
        return None
    digits = 3 if unit == "share" else 2
    rounded = round(float(value), digits)
    if unit != "share" and rounded.is_integer():
        return int(rounded)
    return rounded


def _indicator_value(result: IndicatorResult | None, indicator_id: str) -> float | int | None:
    if result is None:
        return None
    return round_value(result.value, result.unit or BY_ID[indicator_id].unit)


def _indicator_detail(result: IndicatorResult) -> Json:
    return {
        "id": result.id,
        "buffer": result.buffer.value,
        "value": round_value(result.value, result.unit),
        "unit": result.unit,
        "status": result.status.value if result.status is not None else None,
    }


def _moment(moment: datetime | None, timezone: str) -> str | None:
    return to_local(moment, timezone).isoformat() if moment is not None else None


def _day(day: DayRow, timezone: str) -> Json:
    return {
        "date": day.date.isoformat(),
        "weekday": day.date.isoweekday(),
        "working": day.working,
        "non_working_reason": day.non_working_reason,
        "meeting_minutes": day.meeting_minutes,
        "meeting_count": day.meeting_count,
        "longest_back_to_back_minutes": day.longest_back_to_back_minutes,
        "first_start": _moment(day.first_start, timezone),
        "last_end": _moment(day.last_end, timezone),
        "span_hours": round_value(day.span_hours, "hours"),
        "midday_break": day.midday_break,
        "focus_minutes": day.focus_minutes,
        "protected_minutes": day.protected_minutes,
        "after_hours_meeting_minutes": day.after_hours_meeting_minutes,
    }


def _trends(report: TrendReport, language: str) -> Json:
    return {
        "enough_history": report.enough_history,
        "weeks_available": report.weeks_available,
        "weeks_needed": report.weeks_needed,
        "message": word(report.message, language),
        "signals": [_signal(signal, language) for signal in report.signals],
        "energy_trends": [_signal(trend, language) for trend in report.energy_trends],
        "step": word(report.step, language) if report.step is not None else None,
        "sparklines": [_sparkline(line) for line in report.sparklines],
    }


def _signal(signal: SignalResult, language: str) -> Json:
    return {
        "id": signal.id,
        "name": text(f"signal.{signal.id}", language),
        "fired": signal.fired,
        "metric": signal.metric,
        "unit": signal.unit,
        "direction": signal.direction,
        "recent": round_value(signal.recent, signal.unit),
        "baseline": round_value(signal.baseline, signal.unit),
        "shift": round(signal.shift, 3) if signal.shift is not None else None,
        "weeks_held": signal.weeks_held,
        "message": words(signal.reasons, language),
    }


def _sparkline(line: Sparkline) -> Json:
    return {
        "indicator": line.indicator,
        "unit": line.unit,
        "weeks": [str(week) for week in line.weeks],
        "values": [round_value(value, line.unit) for value in line.values],
    }
