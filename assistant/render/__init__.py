"""Renderers of the weekly review: text, JSON, an HTML page and the email (a shell).

May import store, i18n, settings, core, connectors and rules. They read only a `WeeklyReview` and
add nothing that is not in it; no event titles exist there. Words come from `assistant.i18n`; the
JSON shape is documented in docs/review-schema.json. Each renderer is imported when first used,
so a JSON review does not load rich or Jinja2.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.render.html import render_html
    from assistant.render.json_out import review_to_dict, review_to_json
    from assistant.render.text import print_text, render_text

_HOME = {
    "render_html": "assistant.render.html",
    "review_to_dict": "assistant.render.json_out",
    "review_to_json": "assistant.render.json_out",
    "print_text": "assistant.render.text",
    "render_text": "assistant.render.text",
}

__all__ = ["print_text", "render_html", "render_text", "review_to_dict", "review_to_json"]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
