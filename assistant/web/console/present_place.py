"""The leader's place and the coach's view put into words and shapes (Dutch or English): the
signals with what they mean, felt room as a chart, the blocks and whether they held, who sees
what, the coaches' looks. Decides nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assistant.app.console.leaders import LeaderDetail
from assistant.app.console.place import CoachPage, Note, Place, buffers_by_week
from assistant.core.review import Buffer, IsoWeek, WeeklyReview, WeekMetrics
from assistant.core.trends import SIGNAL_IDS
from assistant.i18n import texts
from assistant.i18n.labels import buffer_name, kind_label, status_name
from assistant.i18n.texts import to_local
from assistant.i18n.translations import gettext
from assistant.i18n.wording import words
from assistant.web.console import present

FELT_ROOM = "felt_room"


def date(value: datetime, timezone: str) -> str:
    return f"{to_local(value, timezone):%d-%m-%Y}"


def signals(review: WeeklyReview, lang: str) -> list[dict[str, Any]]:
    """The five signals in the whitepaper's order: what each means, and whether the calendar
    shows it now (with what it shows)."""
    found = {s.id: s for s in review.trends.signals}
    return [
        {
            "id": signal_id,
            "meaning": texts.text(f"signal.{signal_id}", lang),
            "fired": signal_id in found and found[signal_id].fired,
            "evidence": words(found[signal_id].reasons, lang) if signal_id in found else "",
        }
        for signal_id in SIGNAL_IDS
    ]


def felt_room(history: list[WeekMetrics], felt: dict[IsoWeek, int], lang: str) -> dict[str, Any]:
    """The leader's own ratings (1 to 5) as a bar chart over the weeks shown."""
    width = 14
    bars = [
        {
            "x": index * (width + 4),
            "height": 0 if m.week not in felt else round(80 * felt[m.week] / 5, 1),
            "label": f"{m.week}: "
            + (
                gettext(lang, "not rated")
                if m.week not in felt
                else gettext(lang, "%(score)s of 5", score=felt[m.week])
            ),
        }
        for index, m in enumerate(history)
    ]
    return {
        "id": FELT_ROOM,
        "name": gettext(lang, "Room you felt (your own rating)"),
        "bars": bars,
        "width": max(len(bars) * (width + 4), 1),
        "bar_width": width,
        "rated": len([m for m in history if m.week in felt]),
    }


def buffer_rows(found: LeaderDetail, lang: str) -> list[dict[str, Any]]:
    """One row per buffer, one cell per week shown: the buffers over the weeks."""
    weeks = buffers_by_week(found.history, found.rules)
    return [
        {
            "id": buffer.value,
            "name": buffer_name(buffer, lang),
            "cells": [
                {"week": str(week), "status": status.value, "word": status_name(status, lang)}
                for week, status in ((w, dict(statuses)[buffer]) for w, statuses in weeks)
            ],
        }
        for buffer in Buffer
    ]


def notes(found: list[Note], timezone: str, lang: str) -> list[dict[str, Any]]:
    return [
        {"id": n.note_id, "when": present.moment(n.written_at, timezone, lang), "text": n.text}
        for n in found
    ]


def held_text(state: str, lang: str) -> str:
    return gettext(
        lang,
        {
            "held": "held",
            "taken": "a meeting took (part of) this time",
            "ahead": "still ahead",
        }[state],
    )


def grant_state(state: str, lang: str) -> str:
    return gettext(
        lang,
        {
            "invited": "invited, not yet taken up",
            "active": "can look along",
            "revoked": "access ended by you",
            "expired": "access ended (period over)",
        }[state],
    )


def page_name(page: str, lang: str) -> str:
    names = {
        "trend": "your trend",
        "summary": "the summary",
        "summary_pdf": "the summary (PDF)",
    }
    return gettext(lang, names[page]) if page in names else page


def place(found: Place, lang: str) -> dict[str, Any]:
    detail, zone = found.detail, found.owner.timezone
    shown = present.detail(detail, lang)
    return {
        **shown,
        "signals": signals(detail.review, lang),
        "step": (
            None if detail.review.trends.step is None else words([detail.review.trends.step], lang)
        ),
        "felt": felt_room(detail.history, found.felt_room, lang),
        "buffer_rows": buffer_rows(detail, lang),
        "blocks": [
            {
                "week": b.week,
                "what": kind_label(b.kind, lang),
                "when": present.when(b.start, b.end, zone, lang),
                "held": b.held,
                "held_text": held_text(b.held, lang),
            }
            for b in found.blocks
        ],
        "held_count": sum(1 for b in found.blocks if b.held == "held"),
        "past_count": sum(1 for b in found.blocks if b.held != "ahead"),
        "leader_language": found.owner.language,
        "sharing": found.assistants_see_personal,
        "assistants": found.assistants,
        "admins": found.admins,
        "grants": [
            {
                "id": g.grant_id,
                "coach": g.coach,
                "since": date(g.created_at, zone),
                "until": date(g.expires_at, zone),
                "state": g.state,
                "state_text": grant_state(g.state, lang),
                "live": g.state in ("invited", "active"),
            }
            for g in found.grants
        ],
        "views": [
            {
                "when": present.moment(v.at, zone, lang),
                "coach": v.coach,
                "what": page_name(v.page, lang),
            }
            for v in found.views
        ],
        "notes": notes(found.notes, zone, lang),
    }


def coach(page: CoachPage, lang: str) -> dict[str, Any]:
    access, zone = page.access, page.access.timezone
    return {
        "grant": access.grant_id,
        "name": access.name or access.email,
        "until": date(access.expires_at, zone),
        "week": str(page.detail.summary.week),
        "charts": present.charts(page.history, lang),
        "buffer_rows": buffer_rows(page.detail, lang),
        "weeks": len(page.history),
        "signals": signals(page.detail.review, lang),
        "felt": felt_room(page.history, page.felt_room, lang),
        "notes": notes(page.notes, zone, lang),
    }
