"""The confirm pages' one template (page.html.j2 in the shared Jinja environment of
assistant/render/templates.py), their headers and their double-submit cookie, and the pages every
group of routes shows: a bad link, a refused form, a proposal that is gone.

Renders only; it decides nothing and imports no use case.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.responses import HTMLResponse

from assistant.app.acceptance import ProposalView
from assistant.i18n.labels import kind_label, label, language_of
from assistant.i18n.texts import format_day, format_time_range, to_local
from assistant.i18n.translations import gettext
from assistant.mail.links import LinkError
from assistant.render.templates import environment

FORM_COOKIE = "agenda_regie_form"
FORM_FIELD = "form_token"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}
Button = tuple[str, str, bool]  # (value, label, primary)


@dataclass(frozen=True)
class Pages:
    """Renders the confirm pages; `secure_cookie` marks the double-submit cookie `Secure`
    (the app is served behind https)."""

    secure_cookie: bool

    def page(
        self,
        language: str,
        title: str,
        paragraphs: list[str],
        *,
        status: int = 200,
        details: ProposalView | None = None,
        reason: str = "",
        listing: list[ProposalView] | None = None,
        buttons: list[Button] | None = None,
        download: str | None = None,
        kind: str = "info",
        form: str | None = None,  # the double-submit value, for a page with buttons
        heading: str | None = None,  # the eyebrow above the title; "Weekly review" by default
    ) -> HTMLResponse:
        lang = language_of(language)

        def _(message: str, **values: object) -> str:
            return gettext(lang, message, **values)

        html = (
            environment()
            .get_template("page.html.j2")
            .render(
                lang=lang,
                kind=kind,
                heading=heading or _("Weekly review"),
                title=title,
                paragraphs=paragraphs,
                details=_describe(details, lang) if details else None,
                reason=reason,
                labels={k: label(k, lang) for k in ("what", "when", "why")},
                listing=[_describe(item, lang) for item in listing or []],
                buttons=buttons or [],
                download=download,
                download_label=_("Download .ics"),
                form_field=FORM_FIELD,
                form_token=form,
            )
        )
        response = HTMLResponse(html, status_code=status, headers=HEADERS)
        if form is not None:
            response.set_cookie(
                FORM_COOKIE,
                form,
                httponly=True,
                samesite="lax",
                secure=self.secure_cookie,
                path="/",
            )
        return response

    def link_problem(self, lang: str, error: LinkError) -> HTMLResponse:
        """A tampered link (400) or an expired one (410): nothing was changed."""
        if error.kind == "expired":
            return self.page(
                lang,
                gettext(lang, "This link has expired"),
                [
                    gettext(
                        lang,
                        "Links in the weekly email work for ten days. Nothing was changed; "
                        "next week's email brings new proposals.",
                    )
                ],
                status=410,
                kind="expired",
            )
        return self.page(
            lang,
            gettext(lang, "This link is not valid"),
            [
                gettext(
                    lang,
                    "It may have been cut off or changed on the way. Nothing was changed; "
                    "please use the link in the email itself.",
                )
            ],
            status=400,
            kind="invalid",
        )

    def refused(self, lang: str) -> HTMLResponse:
        """A POST whose form value does not match the cookie (403): nothing was changed."""
        return self.page(
            lang,
            gettext(lang, "Please confirm on the page itself"),
            [
                gettext(
                    lang,
                    "Nothing was changed. Open the link from the email again and press the "
                    "button on that page.",
                )
            ],
            status=403,
            kind="refused",
        )

    def gone(self, lang: str) -> HTMLResponse:
        return self.page(lang, gettext(lang, "This proposal is no longer open."), [], kind="gone")

    def unknown_leader(self, lang: str) -> HTMLResponse:
        """A well-signed link for a leader the store does not know (404)."""
        return self.page(
            lang,
            gettext(lang, "This link is not valid"),
            [gettext(lang, "Nothing was changed; please use the link in the email itself.")],
            status=404,
            kind="invalid",
        )


def _describe(item: ProposalView, lang: str) -> dict[str, str]:
    return {
        "what": kind_label(item.kind, lang),
        "when": f"{format_day(to_local(item.start, item.timezone).date(), lang)} "
        f"{format_time_range(item.start, item.end, item.timezone)}",
    }
