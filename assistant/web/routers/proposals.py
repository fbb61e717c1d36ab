"""The proposal links: /p/{token} (accept, decline, withdraw one block), /ics/{token} (the block
as an .ics file) and /all/{token} (accept every open proposal of the week). A GET shows, a POST
acts (the use cases of assistant.app.acceptance)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from assistant.app import acceptance
from assistant.app.acceptance import ProposalView
from assistant.i18n.translations import gettext
from assistant.mail.ics import proposals_ics
from assistant.web.deps import (
    EngineDep,
    FormValueDep,
    LanguagesDep,
    NowDep,
    PagesDep,
    SameSiteDep,
    SignerDep,
    WritersDep,
)
from assistant.web.pages import HEADERS, Pages

router = APIRouter()

# What the page says after a POST, by the use case's outcome (the outcome is also its `kind`).
OUTCOME_TITLES = {
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
    "past": "The time of this block has passed, so it can no longer be added. Nothing was changed.",
}


@router.get("/p/{token}")
def show_proposal(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    form: FormValueDep,
    do: str = "accept",
) -> HTMLResponse:
    link = signer.proposal(token, now)
    proposal = acceptance.view(engine, link)
    lang = languages.of(link.leader)
    if proposal is None:
        return pages.gone(lang)
    if proposal.status != "proposed":
        return _decided_page(pages, lang, proposal, form)
    if proposal.start <= now:
        return pages.page(lang, gettext(lang, OUTCOME_TITLES["past"]), [], kind="past")
    decline = do == "decline"
    title = "Decline this block?" if decline else "Add this block to your calendar?"
    return pages.page(
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
        form=form,
    )


@router.post("/p/{token}")
def act_on_proposal(
    token: str,
    action: Annotated[Literal["accept", "decline", "withdraw"], Form()],
    engine: EngineDep,
    signer: SignerDep,
    writers: WritersDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    same_site: SameSiteDep,
) -> HTMLResponse:
    link = signer.proposal(token, now)
    lang = languages.of(link.leader)
    if not same_site:
        return pages.refused(lang)
    if action == "withdraw":
        outcome = acceptance.withdraw(engine, link, writers, now)
    else:
        outcome = acceptance.decide(engine, link, action, writers, now)
    if outcome == "gone":
        return pages.gone(lang)
    return pages.page(
        lang,
        gettext(lang, OUTCOME_TITLES[outcome]),
        [],
        download=f"/ics/{token}" if outcome == "ics" else None,
        kind=outcome,
    )


@router.get("/ics/{token}")
def download_ics(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
) -> Response:
    link = signer.proposal(token, now)
    proposal = acceptance.view(engine, link)
    if proposal is None:
        return pages.gone(languages.of(link.leader))
    body = proposals_ics([(proposal, link.reason)], proposal.language, now)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8; method=PUBLISH",
        headers={**HEADERS, "Content-Disposition": 'attachment; filename="agenda-regie.ics"'},
    )


@router.get("/all/{token}")
def show_all(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    form: FormValueDep,
) -> HTMLResponse:
    link = signer.accept_all(token, now)
    lang = languages.of(link.leader)
    listing = acceptance.open_proposals(engine, link, now)
    if not listing:
        return pages.page(lang, gettext(lang, "Nothing was left to accept."), [], kind="none_open")
    return pages.page(
        lang,
        gettext(lang, "Accept all proposals?"),
        [gettext(lang, "Nothing changes until you press a button.")],
        listing=listing,
        buttons=[("accept", gettext(lang, "Accept all"), True)],
        kind="confirm",
        form=form,
    )


@router.post("/all/{token}")
def act_on_all(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    writers: WritersDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    same_site: SameSiteDep,
) -> HTMLResponse:
    link = signer.accept_all(token, now)
    lang = languages.of(link.leader)
    if not same_site:
        return pages.refused(lang)
    accepted = acceptance.accept_all(engine, link, writers, now)
    if not accepted:
        return pages.page(lang, gettext(lang, "Nothing was left to accept."), [], kind="none_open")
    return pages.page(
        lang,
        gettext(lang, "%(count)s blocks accepted.", count=len(accepted)),
        [],
        kind="written",
    )


def _decided_page(pages: Pages, lang: str, proposal: ProposalView, form: str) -> HTMLResponse:
    """The page of a proposal already decided: removed, declined, or in the calendar (with a
    button to remove it again)."""
    if proposal.withdrawn:
        title = gettext(lang, "This block was already removed.")
        return pages.page(lang, title, [], kind="removed")
    if proposal.status == "declined":
        return pages.page(
            lang,
            gettext(lang, "You declined this block earlier; nothing was added."),
            [],
            kind="declined_before",
        )
    if proposal.status in ("accepted", "written"):
        return pages.page(
            lang,
            gettext(lang, "This block is already in your calendar."),
            [gettext(lang, "Changed your mind? You can remove it again.")],
            buttons=[("withdraw", gettext(lang, "Remove this block again"), False)],
            form=form,
            kind="already",
        )
    return pages.gone(lang)
