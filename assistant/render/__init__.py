"""Renderers of the weekly review: plain or coloured text, JSON and an HTML page (a shell).

They read only a `WeeklyReview` and add nothing that is not in it; no event titles exist there.
Leader-facing words live in `labels`; the JSON shape is documented in docs/review-schema.json.
"""

from assistant.render.html import render_html
from assistant.render.json_out import review_to_dict, review_to_json
from assistant.render.text import print_text, render_text

__all__ = ["print_text", "render_html", "render_text", "review_to_dict", "review_to_json"]
