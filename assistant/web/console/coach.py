"""The coach's pages (/console/coach): the leaders who share with them, and what one of them
shares (trend, signals, felt room, notes to the coach), through a live grant; every look is
recorded for the leader. The invitation (/console/coach/invite/{token}) lets the coach make
their account, or take it up signed in. Anything else, a revoked or an expired grant included,
is the console's 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Query
from fastapi.responses import RedirectResponse, Response

from assistant.app.console.access import coach_access
from assistant.app.console.coaching import accept_invitation, invitation_info
from assistant.app.console.credentials import PasswordError
from assistant.app.console.place import coach_page
from assistant.app.console.signin import current_viewer
from assistant.i18n.translations import gettext
from assistant.store.database import session_scope
from assistant.store.repositories.coaching import live_grants_for
from assistant.web.console import present_place
from assistant.web.console.deps import (
    SESSION_COOKIE,
    BrowserLanguageDep,
    ConsoleDep,
    LanguageDep,
    NowDep,
    ViewerDep,
    language_of,
    set_cookie,
)
from assistant.web.console.views import missing, render

router = APIRouter(prefix="/console/coach")


@router.get("", response_model=None)
def shared_with_me(
    console: ConsoleDep, viewer: ViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    with session_scope(console.engine) as session:
        rows = [
            {
                "grant": grant.id,
                "name": leader.name or leader.email,
                "until": present_place.date(grant.expires_at, leader.timezone),
            }
            for grant, leader in live_grants_for(session, viewer.email, now=now)
        ]
    return render("coach_list.html.j2", language, viewer=viewer, rows=rows)


@router.get("/invite/{token}", response_model=None)
def invitation(
    token: str,
    console: ConsoleDep,
    browser: BrowserLanguageDep,
    now: NowDep,
    cookie: Annotated[str, Cookie(alias=SESSION_COOKIE)] = "",
) -> Response:
    viewer = current_viewer(console.engine, cookie, now)
    language = language_of(viewer, browser)
    info = invitation_info(console.engine, token, now)
    if info is None:
        return render("coach_invite.html.j2", language, status=410, viewer=viewer, info=None)
    return render(
        "coach_invite.html.j2", language, viewer=viewer, info=info, token=token, problem="",
        until=present_place.date(info.expires_at, "Europe/Amsterdam"),
        organisation=bool(console.providers),
    )  # fmt: skip


@router.post("/invite/{token}", response_model=None)
def take_up(
    token: str,
    console: ConsoleDep,
    browser: BrowserLanguageDep,
    now: NowDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    cookie: Annotated[str, Cookie(alias=SESSION_COOKIE)] = "",
) -> Response:
    """The invitation's token in the path is the proof (random, used once); a coach with an
    account must be signed in as the invited address."""
    viewer = current_viewer(console.engine, cookie, now)
    language = language_of(viewer, browser)
    info = invitation_info(console.engine, token, now)
    if info is None:
        return render("coach_invite.html.j2", language, status=410, viewer=viewer, info=None)
    if not password and not console.providers and not info.has_account:
        password = " "  # too short: the same message as any short password
    try:
        taken = accept_invitation(
            console.engine, token, now, viewer=viewer, password=password or None,
            language=language,
        )  # fmt: skip
    except PasswordError as error:
        return render(
            "coach_invite.html.j2", language, status=422, viewer=viewer, info=info, token=token,
            problem=gettext(language, error.template, **error.values),
            until=present_place.date(info.expires_at, "Europe/Amsterdam"),
            organisation=bool(console.providers),
        )  # fmt: skip
    if taken is None:
        return RedirectResponse("/console/signin", status_code=303)
    grant_id, signed_in = taken
    response = RedirectResponse(f"/console/coach/{grant_id}", status_code=303)
    if signed_in is not None:
        set_cookie(response, console, SESSION_COOKIE, signed_in.cookie)
    return response


@router.get("/{grant_id}", response_model=None)
def shared(
    grant_id: int,
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    now: NowDep,
    weeks: Annotated[int, Query(ge=12, le=52)] = 12,
) -> Response:
    access = coach_access(console.engine, viewer, grant_id, now, page="trend")
    if access is None:
        return missing(language)
    page = coach_page(console.engine, console.box, access, now, weeks)
    if page is None:
        return missing(language)
    return render(
        "coach_view.html.j2",
        language,
        viewer=viewer,
        chosen_weeks=weeks,
        **present_place.coach(page, language),
    )
