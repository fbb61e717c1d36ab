"""A leader's calendar connection (/console/leaders/{id}/connect): the state of each connection,
a feed address entered by the assistant (kept encrypted, read by the workers' next sync), and a
link for the leader to connect Google or Microsoft 365 themselves (/connect/{token}), emailed in
the leader's language and shown to copy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.app.console.connect_links import SentLink, send_connect_link
from assistant.app.console.onboarding import FeedAddressError, connect_feed, connections
from assistant.app.console.signin import Viewer
from assistant.i18n.translations import gettext
from assistant.web.console import present
from assistant.web.console.deps import CheckedViewerDep, ConsoleDep, LanguageDep, NowDep, ViewerDep
from assistant.web.console.views import render

router = APIRouter(prefix="/console")


def _page(
    console: ConsoleDep, viewer: Viewer, language: str, leader_id: int, *, problem: str = "",
    done: bool = False, address: str = "", sent: SentLink | None = None,
) -> Response:  # fmt: skip
    found = connections(console.engine, viewer, leader_id)
    if found is None:
        return render("console_missing.html.j2", language, status=404)
    email, states = found
    rows = [
        {
            "provider": state.provider,
            "account": state.account,
            "health": present.health_text(
                "never_synced"
                if state.status == "ok" and state.last_sync_at is None
                else state.status,
                language,
            ),
            "last_sync": present.moment(state.last_sync_at, "Europe/Amsterdam", language),
            "error": state.last_error or "",
        }
        for state in states
    ]
    return render(
        "console_connect.html.j2",
        language,
        status=422 if problem else 200,
        viewer=viewer,
        leader={"id": leader_id, "email": email},
        rows=rows,
        problem=problem,
        done=done,
        address=address,
        sent=sent,
    )


@router.get("/leaders/{leader_id}/connect", response_model=None)
def connect_page(
    leader_id: int,
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    done: bool = False,
) -> Response:
    return _page(console, viewer, language, leader_id, done=done)


@router.post("/leaders/{leader_id}/connect", response_model=None)
def connect(
    leader_id: int,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    feed: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        kept = connect_feed(console.engine, console.box, viewer, leader_id, feed, now)
    except FeedAddressError:
        problem = gettext(
            language, "This is not the address of a calendar feed (https:// or webcal://)."
        )
        return _page(console, viewer, language, leader_id, problem=problem, address=feed)
    if not kept:
        return render("console_missing.html.j2", language, status=404)
    return RedirectResponse(f"/console/leaders/{leader_id}/connect?done=true", status_code=303)


@router.post("/leaders/{leader_id}/connect/link", response_model=None)
def send_link(
    leader_id: int,
    request: Request,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
) -> Response:
    signer = request.app.state.services.signer
    mailer = request.app.state.connect.mailer
    sent = send_connect_link(console.engine, signer, viewer, leader_id, now, mailer)
    if sent is None:
        return render("console_missing.html.j2", language, status=404)
    return _page(console, viewer, language, leader_id, sent=sent)
