"""The leader's own place (/console/me): their history, signals, felt room and blocks; language,
pause, who sees what, their coach and their notes to the coach. Only the leader whose address
is the viewer's gets it; anyone else gets the console's 404. A signed link from the weekly email
(/console/me/open/{token}) opens a short session here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from assistant.app.console.access import PlaceOwner, own_leader
from assistant.app.console.audit import pause, resume
from assistant.app.console.coaching import (
    DEFAULT_MONTHS,
    Invitation,
    PlaceRefused,
    choose_language,
    drop_note,
    invite_coach,
    open_place_link,
    revoke_coach,
    share_with_assistants,
    write_note,
)
from assistant.app.console.place import leader_place
from assistant.app.console.signin import Viewer
from assistant.i18n.translations import gettext
from assistant.mail.links import LinkError
from assistant.web.console import present_place
from assistant.web.console.deps import (
    SESSION_COOKIE,
    BrowserLanguageDep,
    CheckedViewerDep,
    ConsoleDep,
    ConsoleServices,
    LanguageDep,
    NowDep,
    ViewerDep,
    set_cookie,
)
from assistant.web.console.views import missing, render

router = APIRouter(prefix="/console/me")


def _owner(console: ConsoleServices, viewer: Viewer) -> PlaceOwner | None:
    return own_leader(console.engine, viewer)


def _page(
    console: ConsoleServices, viewer: Viewer, language: str, now: datetime,
    owner: PlaceOwner, *, weeks: int = 12, done: str = "", problem: str = "",
    invitation: Invitation | None = None, status: int = 200,
) -> Response:  # fmt: skip
    place = leader_place(console.engine, console.box, viewer, owner, now, weeks)
    if place is None:
        return missing(language)
    return render(
        "place.html.j2",
        language,
        status=status,
        viewer=viewer,
        done=done,
        problem=problem,
        invitation=invitation,
        chosen_weeks=weeks,
        default_months=DEFAULT_MONTHS,
        **present_place.place(place, language),
    )


@router.get("", response_model=None)
def my_place(
    request: Request,
    console: ConsoleDep,
    viewer: ViewerDep,
    language: LanguageDep,
    now: NowDep,
    weeks: Annotated[int, Query(ge=12, le=52)] = 12,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    owner = _owner(console, viewer)
    if owner is None:
        return missing(language)
    return _page(console, viewer, language, now, owner, weeks=weeks, done=done)


@router.get("/open/{token}", response_model=None)
def open_link(
    token: str, request: Request, console: ConsoleDep, language: BrowserLanguageDep, now: NowDep
) -> Response:
    """The link from the weekly email: a short session, then the place."""
    signer = request.app.state.services.signer
    try:
        signed = open_place_link(console.engine, signer, token[:2000], now)
    except LinkError as error:
        return render(
            "place_link_problem.html.j2", language, status=410 if error.kind == "expired" else 400,
            kind=error.kind,
        )  # fmt: skip
    except PlaceRefused:
        return missing(language)
    response = RedirectResponse("/console/me", status_code=303)
    set_cookie(response, console, SESSION_COOKIE, signed.cookie)
    return response


def _done(what: str) -> Response:
    return RedirectResponse(f"/console/me?done={what}", status_code=303)


@router.post("/language", response_model=None)
def language_choice(
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    choice: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    owner = _owner(console, viewer)
    if owner is None:
        return missing(language)
    try:
        choose_language(console.engine, owner, choice, now)
    except PlaceRefused:
        return _done("nothing")
    return _done("language")


@router.post("/pause", response_model=None)
def pause_me(
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    action: Annotated[str, Form(max_length=10)] = "pause",
) -> Response:
    owner = _owner(console, viewer)
    if owner is None:
        return missing(language)
    act = resume if action == "resume" else pause
    act(console.engine, viewer, owner.leader_id, now)
    return _done("resume" if action == "resume" else "pause")


@router.post("/sharing", response_model=None)
def sharing(
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    personal: Annotated[str, Form(max_length=5)] = "no",
) -> Response:
    owner = _owner(console, viewer)
    if owner is None:
        return missing(language)
    share_with_assistants(console.engine, owner, personal == "yes", now)
    return _done("sharing")


@router.post("/coaches", response_model=None)
def invite(
    request: Request,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    coach: Annotated[str, Form(max_length=320)] = "",
    months: Annotated[int, Form(ge=1, le=24)] = DEFAULT_MONTHS,
) -> Response:
    owner = _owner(console, viewer)
    if owner is None:
        return missing(language)
    try:
        sent = invite_coach(
            console.engine, owner, coach, months, base_url=console.base_url,
            mailer=request.app.state.connect.mailer, now=now,
        )  # fmt: skip
    except PlaceRefused as error:
        problem = gettext(language, error.template, **error.values)
        return _page(console, viewer, language, now, owner, problem=problem, status=422)
    return _page(console, viewer, language, now, owner, invitation=sent, done="invited")


@router.post("/coaches/{grant_id}/revoke", response_model=None)
def revoke(
    grant_id: int, console: ConsoleDep, viewer: CheckedViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    owner = _owner(console, viewer)
    if owner is None or not revoke_coach(console.engine, owner, grant_id, now):
        return missing(language)
    return _done("revoked")


@router.post("/notes", response_model=None)
def note(
    request: Request,
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    text: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    owner = _owner(console, viewer)
    if owner is None:
        return missing(language)
    try:
        write_note(console.engine, console.box, owner, text, now)
    except PlaceRefused as error:
        problem = gettext(language, error.template, **error.values)
        return _page(console, viewer, language, now, owner, problem=problem, status=422)
    return _done("note")


@router.post("/notes/{note_id}/remove", response_model=None)
def remove(
    note_id: int, console: ConsoleDep, viewer: CheckedViewerDep, language: LanguageDep, now: NowDep
) -> Response:
    owner = _owner(console, viewer)
    if owner is None or not drop_note(console.engine, owner, note_id, now):
        return missing(language)
    return _done("note_removed")
