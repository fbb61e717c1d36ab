"""The FastAPI app of the confirm pages: /p/{token}, /all/{token}, /r/{token}, /ics/{token}.

Tokens are checked first: tampered gives 400, expired 410, each with a friendly page that
changes nothing. The signed token in the URL is what authorises a POST (no cookies, no session),
so a forged form on another site cannot act without a link from the leader's email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Literal, Protocol

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import Engine

from assistant.mail.i18n import gettext
from assistant.mail.ics import proposals_ics
from assistant.mail.links import LinkError, LinkSigner
from assistant.render.labels import (
    format_day,
    format_time_range,
    kind_label,
    label,
    language_of,
    to_local,
)
from assistant.review import Buffer, Proposal
from assistant.web import acceptance
from assistant.web.acceptance import ProposalView, WriteBack

Clock = Callable[[], datetime]


class _Page(Protocol):
    def __call__(
        self, language: str, title: str, paragraphs: list[str], *, kind: str = ...
    ) -> HTMLResponse: ...


HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("assistant", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_app(
    engine: Engine,
    signer: LinkSigner,
    *,
    write_back: WriteBack = acceptance.no_write_back,
    clock: Clock = lambda: datetime.now(UTC),
) -> FastAPI:
    app = FastAPI(title="agenda-regie", docs_url=None, redoc_url=None, openapi_url=None)

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
    ) -> HTMLResponse:
        lang = language_of(language)

        def _(message: str, **values: object) -> str:
            return gettext(lang, message, **values)

        html = (
            _environment()
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
            )
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

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
            return _decided_page(page, lang, proposal.status, token)
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
        )

    @app.post("/p/{token}")
    def act_on_proposal(
        request: Request, token: str, action: Annotated[Literal["accept", "decline"], Form()]
    ) -> HTMLResponse:
        now = clock()
        try:
            link = signer.proposal(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        outcome = acceptance.decide(engine, link, action, write_back, now)
        if outcome == "gone":
            return gone(lang)
        messages = {
            "written": "Added to your calendar.",
            "queued": "Accepted. It will appear in your calendar shortly.",
            "ics": "Accepted. Download the .ics file to add it to your calendar.",
            "already": "This block is already in your calendar.",
            "declined": "Declined. Nothing was added to your calendar.",
            "declined_before": "You declined this block earlier; nothing was added.",
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
        body = proposals_ics(
            [
                Proposal(
                    proposal.key,
                    proposal.kind,
                    Buffer.MINI_RETRAITES,
                    proposal.start,
                    proposal.end,
                    link.reason,
                )
            ],
            proposal.language,
            now,
        )
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
        )

    @app.post("/all/{token}")
    def act_on_all(request: Request, token: str) -> HTMLResponse:
        now = clock()
        try:
            link = signer.accept_all(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        accepted = acceptance.accept_all(engine, link, write_back, now)
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
        )

    @app.post("/r/{token}")
    def store_rating(request: Request, token: str) -> HTMLResponse:
        now = clock()
        try:
            link = signer.rating(token, now)
        except LinkError as error:
            return link_problem(request, error)
        lang = language_for(request, link.leader)
        if not acceptance.rate(engine, link, now):
            return gone(lang)
        return page(
            lang,
            gettext(lang, "Thank you. Your answer (%(score)s of 5) is stored.", score=link.score),
            [],
            kind="rated",
        )

    return app


def _decided_page(page: _Page, lang: str, status: str, token: str) -> HTMLResponse:
    if status == "declined":
        return page(
            lang,
            gettext(lang, "You declined this block earlier; nothing was added."),
            [],
            kind="declined_before",
        )
    if status in ("accepted", "written"):
        return page(
            lang, gettext(lang, "This block is already in your calendar."), [], kind="already"
        )
    return page(lang, gettext(lang, "This proposal is no longer open."), [], kind="gone")


def _describe(item: ProposalView, lang: str) -> dict[str, str]:
    return {
        "what": kind_label(item.kind, lang),
        "when": f"{format_day(to_local(item.start, item.timezone).date(), lang)} "
        f"{format_time_range(item.start, item.end, item.timezone)}",
    }
