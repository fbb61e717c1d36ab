"""The summary before a coaching conversation, as a page and as a PDF: the signed-in leader's
own (/console/me/summary) and a leader's through a coach's live grant
(/console/coach/{grant_id}/summary, each look recorded for the leader).

Anyone else, and a revoked or expired grant, get the console's 404. The PDF is the same page
printed by Chromium (`assistant.render.pdf`); when that is not possible, a calm page links the
page itself and the operator's log says which setting to look at.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from assistant.app.console.access import coach_access, own_leader
from assistant.app.console.summary import coaching_summary
from assistant.render.pdf import PdfUnavailable, print_pdf
from assistant.settings.printing import PrintSettings
from assistant.web.console.deps import ConsoleDep, ConsoleServices, LanguageDep, NowDep, ViewerDep
from assistant.web.console.summary_words import summary_html
from assistant.web.console.views import HEADERS, missing, render

router = APIRouter(prefix="/console")
log = logging.getLogger("assistant.web")


def get_print_settings(request: Request) -> PrintSettings:
    """The settings `agenda-regie web` handed to the app, else read from the environment once."""
    found = getattr(request.app.state, "print_settings", None)
    if not isinstance(found, PrintSettings):
        found = PrintSettings.from_environ()
        request.app.state.print_settings = found
    return found


PrintDep = Annotated[PrintSettings, Depends(get_print_settings)]


@router.get("/me/summary", response_model=None)
def own_summary(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    owner = own_leader(console.engine, viewer)
    if owner is None:
        return missing(language)
    return _page(console, owner.leader_id, now, language, "/console/me/summary.pdf")


@router.get("/me/summary.pdf", response_model=None)
def own_summary_pdf(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep, printing: PrintDep
) -> Response:
    owner = own_leader(console.engine, viewer)
    if owner is None:
        return missing(language)
    return _pdf(console, owner.leader_id, now, language, printing, "/console/me/summary")


@router.get("/coach/{grant_id}/summary", response_model=None)
def coach_summary(
    grant_id: int, console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    access = coach_access(console.engine, viewer, grant_id, now, page="summary")
    if access is None:
        return missing(language)
    pdf_url = f"/console/coach/{grant_id}/summary.pdf"
    return _page(console, access.leader_id, now, language, pdf_url)


@router.get("/coach/{grant_id}/summary.pdf", response_model=None)
def coach_summary_pdf(
    grant_id: int,
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    now: NowDep,
    printing: PrintDep,
) -> Response:
    access = coach_access(console.engine, viewer, grant_id, now, page="summary_pdf")
    if access is None:
        return missing(language)
    html_url = f"/console/coach/{grant_id}/summary"
    return _pdf(console, access.leader_id, now, language, printing, html_url)


def _page(
    console: ConsoleServices, leader_id: int, now: datetime, language: str, pdf_url: str
) -> Response:
    # The leader and their coach see what the leader shares: the felt room included.
    summary = coaching_summary(console.engine, leader_id, now, personal=True)
    if summary is None:
        return missing(language)
    return HTMLResponse(summary_html(summary, language, pdf_url=pdf_url), headers=HEADERS)


def _pdf(
    console: ConsoleServices,
    leader_id: int,
    now: datetime,
    language: str,
    printing: PrintSettings,
    html_url: str,
) -> Response:
    summary = coaching_summary(console.engine, leader_id, now, personal=True)
    if summary is None:
        return missing(language)
    try:
        pdf = print_pdf(summary_html(summary, language, pdf_url=None), printing)
    except PdfUnavailable as error:
        log.warning("the summary's PDF could not be made: %s", error)
        return render("summary_unavailable.html.j2", language, status=503, html_url=html_url)
    name = f"summary-{summary.week}.pdf"
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
