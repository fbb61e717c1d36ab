"""The summary before a coaching conversation put into words (Dutch or English) and rendered as
one HTML page, the same page the browser shows and Chromium prints. Decides nothing."""

from __future__ import annotations

from typing import Any

from assistant.app.console.summary import KEY_INDICATORS, CoachingSummary, SummaryWeek
from assistant.core.catalogue import BY_ID
from assistant.core.review import Buffer
from assistant.i18n.labels import buffer_name, indicator_name, language_of, status_name
from assistant.i18n.texts import format_moment, format_value, format_week_dates, text
from assistant.i18n.translations import gettext
from assistant.i18n.wording import signal_sentence, word
from assistant.render.templates import environment, gettext_context

# The table's rows: a buffer's status, a key indicator, the felt room (the CSS classes).
BUFFER_ROW, INDICATOR_ROW, FELT_ROOM_ROW = "buffer", "indicator", "felt_room"


def summary_context(summary: CoachingSummary, lang: str) -> dict[str, Any]:
    weeks = summary.weeks
    rows = [
        _row(
            BUFFER_ROW,
            buffer_name(buffer, lang),
            [(dict(week.buffers)[buffer].value, _status(week, buffer, lang)) for week in weeks],
        )
        for buffer, _ in weeks[0].buffers
    ]
    for indicator in KEY_INDICATORS:
        unit = BY_ID[indicator].unit
        cells = [("", _value(week.values.get(indicator), unit, lang)) for week in weeks]
        rows.append(_row(INDICATOR_ROW, indicator_name(indicator, lang), cells))
    if summary.personal:
        felt = [("", "–" if w.felt_room is None else str(w.felt_room)) for w in weeks]
        rows.append(_row(FELT_ROOM_ROW, gettext(lang, "Room you felt (1-5)"), felt))
    trends = summary.trends
    fired = trends.fired
    return {
        "leader_name": summary.leader_name or summary.leader_email,
        "first_week": str(weeks[0].week),
        "last_week": str(summary.week),
        "period": format_week_dates(weeks[0].week.monday, summary.week.days()[-1], lang),
        "weeks": [{"label": f"W{w.week.week:02d}", "full": str(w.week)} for w in weeks],
        "rows": rows,
        "personal": summary.personal,
        "signals": [
            {
                "id": signal.id,
                "meaning": text(f"signal.{signal.id}", lang),
                "sentence": signal_sentence(signal, lang),
            }
            for signal in fired
        ],
        "trend_message": word(trends.message, lang),
        "step": None if trends.step is None else word(trends.step, lang),
        "questions": [word(question, lang) for question in summary.questions],
        "made_on": format_moment(summary.made_at, summary.timezone, lang),
    }


def _row(kind: str, name: str, cells: list[tuple[str, str]]) -> dict[str, Any]:
    return {"kind": kind, "name": name, "cells": [{"status": s, "text": t} for s, t in cells]}


def _status(week: SummaryWeek, buffer: Buffer, lang: str) -> str:
    return status_name(dict(week.buffers)[buffer], lang)


def _value(value: float | int | None, unit: str, lang: str) -> str:
    return "–" if value is None else format_value(float(value), unit, lang)


def summary_html(summary: CoachingSummary, language: str, *, pdf_url: str | None) -> str:
    """The page: with `pdf_url`, the screen version links its PDF (hidden in print)."""
    lang = language_of(language)
    return (
        environment()
        .get_template("summary.html.j2")
        .render(
            lang=lang,
            pdf_url=pdf_url,
            **gettext_context(lang),
            **summary_context(summary, lang),
        )
    )
