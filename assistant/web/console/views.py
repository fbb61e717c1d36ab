"""The console's pages: one Jinja environment (assistant/render/templates.py), the language's
gettext, and the headers every page carries. Renders only; decides nothing."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from assistant.app.console.signin import Viewer
from assistant.i18n.labels import language_of
from assistant.render.templates import environment, gettext_context
from assistant.web.console.deps import FORM_FIELD

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "script-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def render(
    template: str,
    language: str,
    *,
    status: int = 200,
    viewer: Viewer | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language_of(language)
    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            viewer=viewer,
            form_field=FORM_FIELD,
            form_token=viewer.form_token if viewer else "",
            **gettext_context(lang),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def missing(language: str) -> HTMLResponse:
    """The console's 404: nothing here, or not the viewer's to see (the two look the same)."""
    return render("console_missing.html.j2", language, status=404)
