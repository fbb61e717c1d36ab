"""The weekly review as an email: HTML (inlined CSS, tables only) and plain text, same content.

Everything shown comes from the `WeeklyReview` (which holds no event titles), the signed links,
the leader's own self-ratings and who set the rules. The HTML reuses the review page's wording
and picture (`assistant.render.html.html_context`); email-only words come from the gettext
catalogs (`assistant.i18n.translations`). No scripts, no web fonts, no remote images.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from typing import Any

import css_inline

from assistant.core.review import IsoWeek, WeeklyReview
from assistant.i18n import texts
from assistant.i18n.labels import format_value, label, language_of
from assistant.i18n.translations import gettext
from assistant.render.html import CELL_COLOURS, STATUS_COLOURS, html_context
from assistant.render.templates import environment, gettext_context

HTML_TEMPLATE = "email.html.j2"
TEXT_TEMPLATE = "email.txt.j2"
BAR_MAX_PX = 24
RATING_SCORES = (1, 2, 3, 4, 5)
# The plain-text week picture: one character per half hour.
TEXT_CELLS = {"meeting": "#", "solo": "+", "protected": "=", "working": ".", "outside": " "}


@dataclass(frozen=True)
class ProposalLinks:
    accept: str
    decline: str


@dataclass(frozen=True)
class EmailLinks:
    """The signed links the email carries (assistant.mail.links)."""

    proposals: Mapping[str, ProposalLinks]  # by proposal key
    accept_all: str | None
    ratings: Mapping[int, str]  # score 1-5 -> link
    pause: str | None = None  # the page to pause (or resume) the weekly email
    place: str | None = None  # the leader's own place: history, coach, their data


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    html: str
    text: str
    ics: bytes | None = None
    language: str = "en"


@dataclass(frozen=True)
class RulesSource:
    """The stored rule set that made the proposals: its version, when and by whom it was set."""

    version: int
    since: datetime
    by: str


@dataclass(frozen=True)
class EmailExtras:
    """What the email shows beyond the review."""

    ratings: Sequence[tuple[IsoWeek, int | None]] = ()  # the leader's own room, oldest first
    rules_set_by: str | None = None
    rules_source: RulesSource | None = None  # None: the default rules
    pause_contact: str | None = None
    write_back: bool = True  # False: iCalendar only, the proposals travel as an .ics
    extra: dict[str, Any] = field(default_factory=dict)


@cache
def _inliner() -> css_inline.CSSInliner:
    # The dark-mode and narrow-screen rules cannot be inlined; the <style> stays for them.
    return css_inline.CSSInliner(
        keep_style_tags=True, keep_at_rules=True, load_remote_stylesheets=False
    )


def compose(
    review: WeeklyReview,
    links: EmailLinks,
    extras: EmailExtras | None = None,
    ics: bytes | None = None,
) -> ComposedEmail:
    """The email of `review`, in the review's language."""
    extras = extras or EmailExtras()
    context = email_context(review, links, extras)
    env = environment()
    html = _inliner().inline(env.get_template(HTML_TEMPLATE).render(**context))
    text = env.get_template(TEXT_TEMPLATE).render(**context)
    return ComposedEmail(
        subject=context["subject"],
        html=html,
        text=text,
        ics=ics,
        language=language_of(review.language),
    )


def email_context(review: WeeklyReview, links: EmailLinks, extras: EmailExtras) -> dict[str, Any]:
    language = language_of(review.language)

    def _(message: str, **values: object) -> str:
        return gettext(language, message, **values)

    page = html_context(review)
    for proposal in page["proposals"]:
        link = links.proposals.get(proposal["key"])
        proposal["accept"] = link.accept if link else None
        proposal["decline"] = link.decline if link else None
    sparklines = [_bars(row_values, unit, language) for row_values, unit in _series(review)]
    for row, bars in zip(page["trends"]["rows"], sparklines, strict=True):
        row["bars"] = bars
    rating_values = [score for _week, score in extras.ratings]
    rating_row = None
    if any(score is not None for score in rating_values):
        latest = next((s for s in reversed(rating_values) if s is not None), None)
        rating_row = {
            "name": _("Room you felt (1-5)"),
            "bars": _bars(rating_values, "score", language, top=5.0),
            "spoken": ", ".join("·" if s is None else str(s) for s in rating_values),
            "latest": f"{latest}/5" if latest is not None else "",
        }
    week_text = label("week", language, week=review.week.week, year=review.week.year)
    who = extras.rules_set_by
    text_picture = [
        {
            "label": row["label"],
            "cells": "".join(TEXT_CELLS[cell["kind"]] for cell in row["cells"]),
            "note": row["note"],
        }
        for row in page["picture"]["rows"]
    ]
    return {
        **page,
        **gettext_context(language),
        "language": language,
        "subject": f"{page['title']} · {week_text}",
        "bars_max": BAR_MAX_PX,
        "cell_colours": CELL_COLOURS,
        "status_colours": STATUS_COLOURS,
        "accept_all": links.accept_all if len(page["proposals"]) > 1 else None,
        "ratings": [
            {"score": s, "url": links.ratings[s]} for s in RATING_SCORES if s in links.ratings
        ],
        "rating_row": rating_row,
        "write_back": extras.write_back,
        "rules_set_by": who,
        "rules_source": _rules_source(extras.rules_source, review.timezone, language),
        "pause_contact": extras.pause_contact or who,
        "pause": links.pause,
        "place": links.place,
        "text_picture": text_picture,
        "text_legend": [(TEXT_CELLS[item["kind"]], item["label"]) for item in page["legend"]],
        "text_ruler": _text_ruler(page["picture"]["ruler"]),
    }


def _series(review: WeeklyReview) -> list[tuple[Sequence[float | int | None], str]]:
    return [(line.values, line.unit) for line in review.trends.sparklines]


def _bars(
    values: Sequence[float | int | None], unit: str, language: str, top: float | None = None
) -> list[dict[str, Any]]:
    """One bar a week, scaled from 0 to the highest week (or `top`), in pixels."""
    highest = top or max((float(v) for v in values if v is not None), default=0.0)
    bars = []
    for value in values:
        if value is None:
            bars.append({"height": 0, "gap": True, "title": "·"})
            continue
        height = round(float(value) / highest * BAR_MAX_PX) if highest > 0 else 0
        shown = str(value) if unit == "score" else format_value(value, unit, language)
        bars.append({"height": max(2, height), "gap": False, "title": shown})
    return bars


def _text_ruler(ruler: Sequence[Mapping[str, Any]]) -> str:
    return "".join(str(mark["label"]).ljust(int(mark["colspan"])) for mark in ruler)


def build_message(
    email: ComposedEmail,
    *,
    sender: str,
    to: str,
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    message_id: str,
    date: Any = None,
) -> EmailMessage:
    """multipart/mixed( multipart/alternative(text, html), the .ics when there is one )."""
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = ", ".join(cc)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Message-ID"] = message_id
    if date is not None:
        message["Date"] = format_datetime(date)
    message["Content-Language"] = email.language
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    if email.ics is not None:
        message.make_mixed()
        message.add_attachment(
            email.ics,
            maintype="text",
            subtype="calendar",
            filename="agenda-regie-proposals.ics",
            params={"method": "PUBLISH"},
        )
    return message


def _rules_source(source: RulesSource | None, timezone: str, language: str) -> str | None:
    """The footer's line naming the rule set behind the proposals (None: the defaults)."""
    if source is None:
        return None
    day = texts.to_local(source.since, timezone).date()
    return texts.text(
        "email.rules_source",
        language,
        version=source.version,
        date=texts.format_day(day, language),
        who=source.by,
    )
