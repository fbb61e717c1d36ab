"""The two continua as a small quadrant chart, for the HTML review, the email and its text part.

A table of cells, not SVG or an image: Gmail and Outlook drop inline SVG, and a PNG would need
an imaging library and an attachment for a dozen dots. Each row is a felt-room score (5 at the
top), each column 5 percentage points of calendar load (0% to 100%); a week is a dot in its
cell, the latest week a ringed dot. A border marks the leader's usual load (their median over
the weeks shown), and the rows 1 and 2 ("little room") are shaded, so the four quadrants show
without colour alone. The text part draws the same grid in characters.
"""

from __future__ import annotations

from typing import Any

from assistant.core.continua import LITTLE_ROOM, MIN_RATED_WEEKS, Continua
from assistant.core.review import WeeklyReview
from assistant.i18n.labels import format_value
from assistant.i18n.translations import gettext
from assistant.i18n.wording import word

COLUMNS = 20  # 5 percentage points each
SCORES = (5, 4, 3, 2, 1)
DOT, LATEST, EMPTY = "●", "◉", "·"


def _column(load: float) -> int:
    return max(0, min(COLUMNS - 1, int(load * COLUMNS)))


def continua_context(review: WeeklyReview) -> dict[str, Any] | None:
    """The chart and its sentence, worded; None when the review carries no ratings at all."""
    found: Continua | None = review.continua
    if found is None:
        return None
    language = review.language
    plotted = found.plotted
    latest = plotted[-1].week if plotted else None
    usual = found.usual_load
    usual_column = _column(usual) if usual is not None else None
    rows = []
    for score in SCORES:
        cells = []
        for column in range(COLUMNS):
            here = [p for p in plotted if p.room == score and _column(p.load or 0.0) == column]
            mark = LATEST if any(p.week == latest for p in here) else DOT if here else ""
            cells.append(
                {
                    "mark": mark,
                    "title": "; ".join(
                        f"{p.week}: {format_value(p.load, 'share', language)}, {p.room}/5"
                        for p in here
                    ),
                    "usual": column == usual_column,
                    "little": score <= LITTLE_ROOM,
                }
            )
        rows.append({"score": score, "cells": cells})
    spoken = "; ".join(
        f"{p.week}: {format_value(p.load, 'share', language)}, {p.room}/5" for p in plotted
    )
    return {
        "message": word(found.message, language),
        "show_chart": len(plotted) >= MIN_RATED_WEEKS,
        "rows": rows,
        "spoken": spoken,
        "text_lines": _text_lines(rows),
        "usual": format_value(usual, "share", language) if usual is not None else None,
        "heading": gettext(language, "Room you felt beside your calendar load"),
        "y_label": gettext(language, "Room you felt"),
        "x_label": gettext(language, "Calendar load: share of working time in meetings"),
        "caption": gettext(
            language,
            "Each dot marks the weeks of the last 12 at that load and room; the ringed dot "
            "holds the latest week. The line marks your usual load.",
        ),
    }


def _text_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The grid in characters for the plain-text part: "|" marks the usual load."""
    lines = []
    for row in rows:
        line = ""
        for cell in row["cells"]:
            line += ("|" if cell["usual"] else " ") + (cell["mark"] or EMPTY)
        lines.append(f"{row['score']} {line}")
    axis = " " * 2 + "0%".ljust(COLUMNS) + "50%".ljust(COLUMNS - 2) + "100%"
    return [*lines, axis]
