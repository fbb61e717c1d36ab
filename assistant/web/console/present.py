"""The console's data put into words and shapes for its templates (Dutch or English): statuses,
reasons, moments, and the history as small bar charts. Decides nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assistant.app.console.leaders import LeaderDetail, LeaderSummary
from assistant.core.review import Buffer, Status, WeeklyReview, WeekMetrics
from assistant.i18n.labels import buffer_name, indicator_name, kind_label, status_name
from assistant.i18n.texts import format_value, time_range, to_local, weekday_name
from assistant.i18n.translations import gettext
from assistant.i18n.wording import word

CHARTED = (
    ("meeting_share", "share"),
    ("focus_hours", "hours"),
    ("reflection_minutes", "minutes"),
    ("longest_back_to_back_minutes", "minutes"),
)


def attention_text(attention: str, lang: str) -> str:
    texts = {
        "connect": "No calendar connected yet",
        "reauthorise": "The calendar connection needs permission again",
        "connection_error": "The calendar connection fails",
        "review_failed": "The last weekly review could not be sent",
        "alert": "A buffer is in alert",
        "narrowing": "Signs of narrowing",
        "attention": "A buffer needs attention",
        "paused": "Weekly review paused",
        "no_data": "No calendar data for the week yet",
        "none": "Nothing needs attention",
    }
    return gettext(lang, texts[attention])


def health_text(health: str, lang: str) -> str:
    texts = {
        "none": "not connected",
        "needs_reauthorisation": "needs permission again",
        "error": "failing",
        "never_synced": "not synced yet",
        "ok": "working",
        "disabled": "switched off",
    }
    return gettext(lang, texts.get(health, "failing"))


def moment(value: datetime | None, timezone: str, lang: str) -> str:
    if value is None:
        return gettext(lang, "never")
    local = to_local(value, timezone)
    return f"{weekday_name(local.date(), lang)} {local:%d-%m-%Y %H:%M}"


def summary_row(summary: LeaderSummary, timezone: str, lang: str) -> dict[str, Any]:
    return {
        "id": summary.leader_id,
        "email": summary.email,
        "name": summary.name or summary.email,
        "week": str(summary.week),
        "buffers": [
            {
                "name": buffer_name(Buffer(b), lang),
                "status": s,
                "word": status_name(Status(s), lang),
            }
            for b, s in summary.buffers
        ],
        "trend": (
            gettext(lang, "%(count)s signs of narrowing", count=summary.signals)
            if summary.signals
            else gettext(lang, "steady")
            if summary.enough_history
            else gettext(lang, "not enough history yet")
        ),
        "last_sync": moment(summary.last_sync, timezone, lang),
        "review": (
            gettext(lang, "none yet")
            if summary.review_week is None
            else f"{summary.review_week}: {review_status_text(summary.review_status, lang)}"
        ),
        "paused": summary.paused,
        "health": health_text(summary.health, lang),
        "attention": attention_text(summary.attention, lang),
        "attention_id": summary.attention,
    }


def review_status_text(status: str | None, lang: str) -> str:
    return {
        "sent": gettext(lang, "sent"),
        "failed": gettext(lang, "failed"),
        "bounced": gettext(lang, "bounced"),
    }.get(status or "", status or "")


def buffers(review: WeeklyReview, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": b.buffer.value,
            "name": buffer_name(b.buffer, lang),
            "status": b.status.value,
            "word": status_name(b.status, lang),
            "reasons": [word(reason, lang) for reason in b.reasons],
        }
        for b in review.buffers
    ]


def indicators(review: WeeklyReview, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": i.id,
            "name": indicator_name(i.id, lang),
            "value": "–" if i.value is None else format_value(i.value, i.unit, lang),
            "status": None if i.status is None else i.status.value,
            "word": None if i.status is None else status_name(i.status, lang),
        }
        for i in review.indicators
    ]


def proposals(review: WeeklyReview, lang: str) -> list[dict[str, str]]:
    return [
        {
            "what": kind_label(p.kind, lang),
            "when": when(p.start, p.end, review.timezone, lang),
            "why": word(p.reason, lang),
        }
        for p in (review.proposals or review.hindsight)
    ]


def charts(history: list[WeekMetrics], lang: str) -> list[dict[str, Any]]:
    """One bar chart per charted indicator: bars scaled to the largest value, each with its
    week and value as a title (read aloud), and the values as a table for screen readers."""
    shown = []
    for metric, unit in CHARTED:
        points = [(str(m.week), m.values.get(metric)) for m in history]
        top = max((float(v) for _, v in points if v is not None), default=0.0) or 1.0
        width = 14
        bars = [
            {
                "x": index * (width + 4),
                "height": 0 if value is None else round(80 * float(value) / top, 1),
                "label": f"{week}: "
                + ("–" if value is None else format_value(float(value), unit, lang)),
            }
            for index, (week, value) in enumerate(points)
        ]
        shown.append(
            {
                "id": metric,
                "name": indicator_name(metric, lang),
                "bars": bars,
                "width": max(len(points) * (width + 4), 1),
                "bar_width": width,
            }
        )
    return shown


def detail(found: LeaderDetail, lang: str) -> dict[str, Any]:
    review = found.review
    return {
        "leader": summary_row(found.summary, review.timezone, lang),
        "buffers": buffers(review, lang),
        "indicators": indicators(review, lang),
        "proposals": proposals(review, lang),
        "charts": charts(found.history, lang),
        "weeks": len(found.history),
        "history": [
            {
                "week": week,
                "what": kind_label(kind, lang),
                "when": when(start, end, review.timezone, lang),
                "status": proposal_status_text(status, lang),
                "accepted": status in ("accepted", "written"),
            }
            for week, kind, start, end, status in found.proposals
        ],
    }


def proposal_status_text(status: str, lang: str) -> str:
    texts = {
        "proposed": "proposed",
        "accepted": "accepted",
        "declined": "declined",
        "expired": "expired",
        "written": "accepted, in the calendar",
        "failed": "accepted, not written",
    }
    return gettext(lang, texts.get(status, status))


def when(start: datetime, end: datetime, timezone: str, lang: str) -> str:
    local_start, local_end = to_local(start, timezone), to_local(end, timezone)
    day = local_start.date()
    return f"{weekday_name(day, lang)} {day:%d-%m} {time_range(local_start, local_end, lang)}"


def comparison(before: WeeklyReview, after: WeeklyReview, lang: str) -> dict[str, Any]:
    """The week under the rules now and under the change, side by side; what differs marked."""
    old_indicators = {i["id"]: i for i in indicators(before, lang)}
    rows = []
    for item in indicators(after, lang):
        old = old_indicators.get(item["id"], item)
        rows.append(
            {
                "name": item["name"],
                "before": old["value"],
                "before_status": old["word"],
                "after": item["value"],
                "after_status": item["word"],
                "changed": (old["value"], old["status"]) != (item["value"], item["status"]),
            }
        )
    return {
        "week": str(after.week),
        "buffers": list(zip(buffers(before, lang), buffers(after, lang), strict=True)),
        "indicators": rows,
        "before_proposals": proposals(before, lang),
        "after_proposals": proposals(after, lang),
    }
