"""The weekly review as one self-contained HTML page, the future weekly email.

No external resources, no JavaScript; layout with tables and inline styles, so mail clients show
it as browsers do. Jinja2 autoescapes everything, so reasons and the question are text, never
markup. The page says what the text view says (`assistant.render.text`), in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.core.catalogue import INDICATORS
from assistant.core.review import Proposal, Status, WeeklyReview
from assistant.i18n.labels import (
    CELL_MINUTES,
    SEGMENT_KINDS,
    buffer_name,
    format_value,
    indicator_name,
    kind_label,
    label,
    language_of,
    non_working_label,
    segment_label,
    sparkline,
    status_name,
    week_picture,
)
from assistant.i18n.texts import (
    format_day,
    format_moment,
    format_short_day,
    format_time_range,
    format_week_dates,
    to_local,
)
from assistant.i18n.translations import gettext
from assistant.i18n.wording import energy_sentence, signal_sentence, word
from assistant.render.continua import continua_context
from assistant.render.templates import environment, gettext_context

TEMPLATE = "review.html.j2"
WARNINGS_LISTED = 3


@dataclass(frozen=True, slots=True)
class Colours:
    text: str
    background: str
    border: str


# Calm colours, each with enough contrast for its word; the word always carries the meaning.
STATUS_COLOURS: dict[str, Colours] = {
    Status.OK.value: Colours("#1d5e36", "#e4f2e8", "#b9dcc4"),
    Status.ATTENTION.value: Colours("#6b4f00", "#fbf1d4", "#ead595"),
    Status.ALERT.value: Colours("#9a2b22", "#f9e3e0", "#e8b7b1"),
    Status.NO_DATA.value: Colours("#4a5360", "#eef0f3", "#d5d9df"),
}
CELL_COLOURS: dict[str, str] = {
    "meeting": "#3f5f8a",
    "solo": "#9db0c8",
    "protected": "#79b18a",
    "working": "#e6eaef",
    "outside": "#fafbfc",
}


def render_html(review: WeeklyReview) -> str:
    """The review as a complete HTML document (UTF-8 text)."""
    context = {**html_context(review), **gettext_context(review.language)}
    return environment().get_template(TEMPLATE).render(**context)


def html_context(review: WeeklyReview) -> dict[str, Any]:
    """Everything the template shows, already worded and formatted in the leader's language."""
    language = review.language
    days = review.week.days()
    return {
        "lang": language_of(language),
        "title": label("title", language),
        "week_label": label("week", language, week=review.week.week, year=review.week.year),
        "dates": format_week_dates(days[0], days[-1], language),
        "timezone": review.timezone,
        "leader": review.leader,
        "prepared": format_moment(review.generated_at, review.timezone, language),
        "source": review.source,
        "t": {key: label(key, language) for key in _PLAIN_LABELS},
        "buffers": [
            {
                "name": buffer_name(item.buffer, language),
                "status": item.status.value,
                "status_word": status_name(item.status, language),
                "reasons": [word(reason, language) for reason in item.reasons],
            }
            for item in review.buffers
        ],
        "figure_groups": _figure_groups(review),
        "trends": _trends(review),
        "continua": continua_context(review),
        "picture": _picture(review),
        "legend": [
            {"kind": kind, "label": segment_label(kind, language), "colour": CELL_COLOURS[kind]}
            for kind in SEGMENT_KINDS
        ],
        "proposals_heading": label("proposals", language, week=review.proposals_week.week),
        "proposals": _proposal_rows(review, review.proposals),
        "week_over": (
            label("week_over", language, week=review.proposals_week.week)
            if review.proposals_week_over
            else None
        ),
        "hindsight": _proposal_rows(review, review.hindsight),
        "warnings_heading": label("warnings", language, count=len(review.warnings)),
        "warnings": [
            word(warning.message, language) for warning in review.warnings[:WARNINGS_LISTED]
        ],
        "warnings_more": (
            label("warnings_more", language, count=len(review.warnings) - WARNINGS_LISTED)
            if len(review.warnings) > WARNINGS_LISTED
            else None
        ),
        "question": word(review.question, language),
        "status_colours": STATUS_COLOURS,
    }


def _proposal_rows(review: WeeklyReview, proposals: tuple[Proposal, ...]) -> list[dict[str, str]]:
    language = review.language
    return [
        {
            "key": proposal.key,
            "kind": proposal.kind,
            "day": format_day(to_local(proposal.start, review.timezone).date(), language),
            "time": format_time_range(proposal.start, proposal.end, review.timezone),
            "what": kind_label(proposal.kind, language),
            "reason": word(proposal.reason, language),
        }
        for proposal in sorted(proposals, key=lambda p: (p.start, p.key))
    ]


_PLAIN_LABELS = (
    "buffers",
    "buffers_intro",
    "nothing_stands_out",
    "status",
    "key_figures",
    "trends",
    "trend_latest",
    "trend_caption",
    "signals",
    "indicator",
    "value",
    "week_picture",
    "legend",
    "picture_caption",
    "proposals_intro",
    "no_proposals",
    "hindsight_intro",
    "when",
    "what",
    "why",
    "question",
    "timezone",
    "leader",
    "generated_at",
    "source",
)


def _figure_groups(review: WeeklyReview) -> list[dict[str, Any]]:
    language = review.language
    results = {result.id: result for result in review.indicators}
    groups: list[dict[str, Any]] = []
    for definition in INDICATORS:
        if not groups or groups[-1]["buffer"] != definition.buffer:
            groups.append(
                {
                    "buffer": definition.buffer,
                    "name": buffer_name(definition.buffer, language),
                    "rows": [],
                }
            )
        result = results.get(definition.id)
        value = result.value if result is not None else None
        status = result.status if result is not None else None
        groups[-1]["rows"].append(
            {
                "id": definition.id,
                "name": indicator_name(definition.id, language_of(language)),
                "value": format_value(
                    value, result.unit if result is not None else definition.unit, language
                ),
                "has_value": value is not None,
                "status": status.value if status is not None else None,
                "status_word": status_name(status, language) if status is not None else None,
            }
        )
    return groups


def _trends(review: WeeklyReview) -> dict[str, Any]:
    """The trend section: the message, and with enough history the sparklines and signals."""
    language = review.language
    report = review.trends
    weeks = max((len(line.values) for line in report.sparklines), default=0)
    return {
        "enough_history": report.enough_history,
        "message": word(report.message, language),
        "weeks_heading": label("trend_weeks", language, count=weeks),
        "rows": [
            {
                "id": line.indicator,
                "name": indicator_name(line.indicator, language_of(language)),
                "sparkline": sparkline(line.values),
                # Spoken and hovered: every week's value in words, oldest first.
                "spoken": ", ".join(format_value(v, line.unit, language) for v in line.values),
                "latest": format_value(line.latest, line.unit, language),
                "has_latest": line.latest is not None,
            }
            for line in report.sparklines
        ],
        "fired": [
            {"id": signal.id, "message": signal_sentence(signal, language)}
            for signal in report.fired
        ],
        "energy": [
            {"id": trend.id, "message": energy_sentence(trend, language)}
            for trend in report.energy_trends
            if trend.fired
        ],
        "energy_heading": gettext(
            language, "A trend of the energy buffer, not a signal of narrowing"
        ),
        "step": word(report.step, language) if report.step is not None else None,
    }


def _picture(review: WeeklyReview) -> dict[str, Any]:
    language = review.language
    picture = week_picture(review.days)
    cells_per_hour = 60 // CELL_MINUTES
    ruler = []
    for hour in range(picture.start_hour, picture.end_hour, 2):
        span_hours = min(2, picture.end_hour - hour)
        ruler.append({"label": f"{hour:02d}", "colspan": span_hours * cells_per_hour})
    rows = []
    for row in picture.rows:
        day_label = format_short_day(row.day.date, language)
        cells = []
        for index, kind in enumerate(row.cells):
            start = picture.cell_start_minute(index)
            slot = f"{start // 60:02d}:{start % 60:02d}"
            cells.append(
                {
                    "kind": kind,
                    "slot": slot,
                    "title": f"{day_label} {slot} · {segment_label(kind, language)}",
                    "colour": CELL_COLOURS[kind],
                }
            )
        rows.append(
            {
                "date": row.day.date.isoformat(),
                "label": day_label,
                "working": row.day.working,
                "note": (
                    non_working_label(row.day.non_working_reason, language)
                    if not row.day.working
                    else None
                ),
                "cells": cells,
            }
        )
    return {"ruler": ruler, "rows": rows, "cell_count": len(picture.hours) * cells_per_hour}
