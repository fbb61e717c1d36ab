"""The FastAPI app of the confirm pages: /p/{token}, /all/{token}, /r/{token}, /ics/{token},
/pause/{token}.

Tokens are checked first: tampered gives 400, expired 410, each with a friendly page that
changes nothing. The signed token in the URL is what authorises a POST, and a double-submit
check guards it against cross-site requests: every page with a form sets a random value in a
`SameSite=Lax`, `HttpOnly` cookie (`Secure` behind https) and in a hidden form field, and a
POST whose field does not match the cookie is refused with a friendly page (403) that changes
nothing. So a forged form on another site cannot act even with a link from the leader's email:
Lax keeps the cookie home on a cross-site POST. It is Lax, not Strict, because the links are
opened from webmail, another site: a Strict cookie would stay home on that navigation too, and
the page would replace the value another open confirm page still carries in its form.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal, Protocol

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from assistant.app import acceptance, pausing
from assistant.app.acceptance import ProposalView
from assistant.app.pausing import PauseView
from assistant.app.writers import CalendarWriters, Withdraw, WriteBack, no_withdraw, no_write_back
from assistant.i18n.labels import (
    kind_label,
    label,
    language_of,
)
from assistant.i18n.texts import (
    format_day,
    format_time_range,
    to_local,
)
from assistant.i18n.translations import gettext
from assistant.mail.ics import proposals_ics
from assistant.mail.links import LinkError, LinkSigner, PauseLink
from assistant.render.templates import environment
from assistant.store.database import Engine

Clock = Callable[[], datetime]
FORM_COOKIE = "agenda_regie_form"
FORM_FIELD = "form_token"
_FORM_VALUE = re.compile(r"[A-Za-z0-9_-]{32,128}")
FormToken = Annotated[str, Form()]


class _Page(Protocol):
    def __call__(
        self,
        language: str,
        title: str,
        paragraphs: list[str],
        *,
        kind: str = ...,
        buttons: list[tuple[str, str, bool]] | None = ...,
        form: str | None = ...,
    ) -> HTMLResponse: ...


HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


def create_app(
    engine: Engine,
    signer: LinkSigner,
    *,
    write_back: WriteBack = no_write_back,
    withdraw: Withdraw = no_withdraw,
    clock: Clock = lambda: datetime.now(UTC),
) -> FastAPI:
    app = FastAPI(title="agenda-regie", docs_url=None, redoc_url=None, openapi_url=None)
    writers = CalendarWriters(write_back, withdraw)
    secure_cookie = signer.base_url.startswith("https://")

    def page(
        language: str,
        title: str,
        paragraphs: list[str],
        *,
        status: int = 200,
        details: ProposalView | None = None,
        reason: str = "",
        listing: list[ProposalView] | None = None,
        buttons: list[tuple[str, str, bool]] | None = None,  # (value, label, primary)
        download: str | None = None,
        kind: str = "info",
        form: str | None = None,  # the double-submit value, for a page with buttons
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
                heading=_("Weekly review"),
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
                secure=secure_cookie,
                path="/",
            )
        return response

    def form_value(request: Request) -> str:
        """The browser's double-submit value: kept while it has one, so two open tabs agree."""
        existing = request.cookies.get(FORM_COOKIE, "")
        return existing if _FORM_VALUE.fullmatch(existing) else secrets.token_urlsafe(32)

    def same_site(request: Request, submitted: str) -> bool:
        cookie = request.cookies.get(FORM_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), submitted.encode())

    def refused(lang: str) -> HTMLResponse:
        return page(
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

    def language_for(request: Request, leader: str | None = None) -> str:
        if leader:
            stored = acceptance.leader_language(engine, leader)
            if stored:
                return stored
        accepted = request.headers.get("accept-language", "").lower()
        return "nl" if accepted.startswith("nl") else "en"

    def link_problem(request: Request, error: LinkError) -> HTMLResponse:
        lang = language_for(request)
        if error.kind == "expired":
            return page(
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
        return page(
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

    def gone(lang: str) -> HTMLResponse:
        return page(lang, gettext(lang, "This proposal is no longer open."), [], kind="gone")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/p/{token}")
    def show_proposal(request: Request, token: str, do: str = "accept") -> HTMLResponse:
        try:
            link = signer.proposal(token, clock())
        except LinkError as error:
            return link_problem(request, error)
        proposal = acceptance.view(engine, link)
        lang = language_for(request, link.leader)
        if proposal is None:
            return gone(lang)
        if proposal.status != "proposed":
            return _decided_page(page, lang, proposal, form_value(request))
        decline = do == "decline"
        title = "Decline this block?" if decline else "Add this block to your calendar?"
        return page(
            lang,
            gettext(lang, title),
            [gettext(lang, "Nothing changes until you press a button.")],
            details=proposal,
            reason=link.reason,
            buttons=[
                ("accept", gettext(lang, "Accept"), not decline),
                ("decline", gettext(lang, "Decline"), decline),
            ],
            kind="confirm",
            form=form_value(request),
        )

    @app.post("/p/{token}")
    def act_on_proposal(
        request: Request,
        token: str,
        action: Annotated[Literal["accept", "decline", "withdraw"], Form()],
        form_token: FormToken = "",
    ) -> HTMLResponse:
        now = clock()
        try:
            link = signer.proposal(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        if not same_site(request, form_token):
            return refused(lang)
        if action == "withdraw":
            outcome = acceptance.withdraw(engine, link, writers, now)
        else:
            outcome = acceptance.decide(engine, link, action, writers, now)
        if outcome == "gone":
            return gone(lang)
        messages = {
            "written": "Added to your calendar.",
            "queued": "Accepted. It will appear in your calendar shortly.",
            "queued_for_connection": "Accepted. It will appear in your calendar once the "
            "calendar connection works again.",
            "ics": "Accepted. Download the .ics file to add it to your calendar.",
            "already": "This block is already in your calendar.",
            "declined": "Declined. Nothing was added to your calendar.",
            "declined_before": "You declined this block earlier; nothing was added.",
            "withdrawn": "Removed from your calendar.",
            "withdraw_queued": "Withdrawn. It will disappear from your calendar shortly.",
            "withdrawn_ics": "Withdrawn. You added it from the .ics file, so please delete it "
            "from your calendar yourself.",
            "already_removed": "This block was already removed.",
            "not_in_calendar": "This block is not in your calendar; nothing was changed.",
        }
        return page(
            lang,
            gettext(lang, messages[outcome]),
            [],
            download=f"/ics/{token}" if outcome == "ics" else None,
            kind=outcome,
        )

    @app.get("/ics/{token}")
    def download_ics(request: Request, token: str) -> Response:
        now = clock()
        try:
            link = signer.proposal(token, now)
        except LinkError as error:
            return link_problem(request, error)
        proposal = acceptance.view(engine, link)
        if proposal is None:
            return gone(language_for(request, link.leader))
        body = proposals_ics([(proposal, link.reason)], proposal.language, now)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8; method=PUBLISH",
            headers={**HEADERS, "Content-Disposition": 'attachment; filename="agenda-regie.ics"'},
        )

    @app.get("/all/{token}")
    def show_all(request: Request, token: str) -> HTMLResponse:
        try:
            link = signer.accept_all(token, clock())
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        listing = acceptance.open_proposals(engine, link)
        if not listing:
            return page(lang, gettext(lang, "Nothing was left to accept."), [], kind="none_open")
        return page(
            lang,
            gettext(lang, "Accept all proposals?"),
            [gettext(lang, "Nothing changes until you press a button.")],
            listing=listing,
            buttons=[("accept", gettext(lang, "Accept all"), True)],
            kind="confirm",
            form=form_value(request),
        )

    @app.post("/all/{token}")
    def act_on_all(request: Request, token: str, form_token: FormToken = "") -> HTMLResponse:
        now = clock()
        try:
            link = signer.accept_all(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        if not same_site(request, form_token):
            return refused(lang)
        accepted = acceptance.accept_all(engine, link, writers, now)
        if not accepted:
            return page(lang, gettext(lang, "Nothing was left to accept."), [], kind="none_open")
        return page(
            lang,
            gettext(lang, "%(count)s blocks accepted.", count=len(accepted)),
            [],
            kind="written",
        )

    @app.get("/r/{token}")
    def show_rating(request: Request, token: str) -> HTMLResponse:
        try:
            link = signer.rating(token, clock())
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        week = link.week.split("-W")[-1].lstrip("0")
        return page(
            lang,
            gettext(lang, "How much room did you have in week %(week)s?", week=week),
            [gettext(lang, "Nothing changes until you press a button.")],
            buttons=[
                ("store", gettext(lang, "Store my answer: %(score)s of 5", score=link.score), True)
            ],
            kind="confirm",
            form=form_value(request),
        )

    @app.post("/r/{token}")
    def store_rating(request: Request, token: str, form_token: FormToken = "") -> HTMLResponse:
        now = clock()
        try:
            link = signer.rating(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        if not same_site(request, form_token):
            return refused(lang)
        if not acceptance.rate(engine, link, now):
            return gone(lang)
        return page(
            lang,
            gettext(lang, "Thank you. Your answer (%(score)s of 5) is stored.", score=link.score),
            [],
            kind="rated",
        )

    @app.get("/pause/{token}")
    def show_pause(request: Request, token: str) -> HTMLResponse:
        now = clock()
        try:
            link = signer.pause(token, now)
        except LinkError as error:
            return link_problem(request, error)
        state = pausing.pause_state(engine, link, now)
        if state is None:
            return unknown_leader(request, link)
        return _pause_page(page, state, form_value(request), kind="confirm")

    @app.post("/pause/{token}")
    def change_pause(
        request: Request,
        token: str,
        action: Annotated[pausing.PauseAction, Form()],
        form_token: FormToken = "",
    ) -> HTMLResponse:
        now = clock()
        try:
            link = signer.pause(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        if not same_site(request, form_token):
            return refused(lang)
        state = pausing.change_pause(engine, link, action, now)
        if state is None:
            return unknown_leader(request, link)
        return _pause_page(page, state, form_value(request), kind=action)

    def unknown_leader(request: Request, link: PauseLink) -> HTMLResponse:
        lang = language_for(request, link.leader)
        return page(
            lang,
            gettext(lang, "This link is not valid"),
            [gettext(lang, "Nothing was changed; please use the link in the email itself.")],
            status=404,
            kind="invalid",
        )

    return app


def _decided_page(page: _Page, lang: str, proposal: ProposalView, form: str) -> HTMLResponse:
    if proposal.withdrawn:
        return page(lang, gettext(lang, "This block was already removed."), [], kind="removed")
    if proposal.status == "declined":
        return page(
            lang,
            gettext(lang, "You declined this block earlier; nothing was added."),
            [],
            kind="declined_before",
        )
    if proposal.status in ("accepted", "written"):
        return page(
            lang,
            gettext(lang, "This block is already in your calendar."),
            [gettext(lang, "Changed your mind? You can remove it again.")],
            buttons=[("withdraw", gettext(lang, "Remove this block again"), False)],
            form=form,
            kind="already",
        )
    return page(lang, gettext(lang, "This proposal is no longer open."), [], kind="gone")


def _pause_page(page: _Page, state: PauseView, form: str, *, kind: str) -> HTMLResponse:
    lang = language_of(state.language)
    resume = [("resume", gettext(lang, "Resume the weekly review"), True)]
    if state.paused and state.until is not None:
        day = format_day(to_local(state.until, state.timezone).date(), lang)
        title = gettext(lang, "The weekly review is paused until %(date)s.", date=day)
        text = gettext(lang, "It starts again by itself after that; you can resume it earlier.")
        return page(lang, title, [text], buttons=resume, form=form, kind=f"paused:{kind}")
    if state.paused:
        title = gettext(lang, "The weekly review is paused until you resume it.")
        text = gettext(lang, "You can resume it here whenever you like.")
        return page(lang, title, [text], buttons=resume, form=form, kind=f"paused:{kind}")
    if kind == "resume":
        title = gettext(lang, "The weekly review is on again.")
        text = gettext(lang, "The next weekly email comes at the usual time.")
    else:
        title = gettext(lang, "Pause the weekly review?")
        text = gettext(
            lang,
            "While it is paused you get no weekly email. Nothing changes until you press a button.",
        )
    options: list[tuple[str, str, bool]] = [
        ("pause_weeks", gettext(lang, "Pause for 4 weeks"), True),
        ("pause", gettext(lang, "Pause until I resume"), False),
    ]
    return page(lang, title, [text], buttons=options, form=form, kind=f"active:{kind}")


def _describe(item: ProposalView, lang: str) -> dict[str, str]:
    return {
        "what": kind_label(item.kind, lang),
        "when": f"{format_day(to_local(item.start, item.timezone).date(), lang)} "
        f"{format_time_range(item.start, item.end, item.timezone)}",
    }
