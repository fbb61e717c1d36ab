"""The admin's pages: console users (/console/users: who may sign in, with which role, which
leaders an assistant looks after) and the settings overview (/console/settings). Only an admin
sees them; anyone else gets 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from assistant.app.console.overview import overview
from assistant.app.console.signin import Viewer
from assistant.app.console.users import add_user, assign, leader_addresses, list_users
from assistant.errors import UserError
from assistant.i18n.translations import gettext
from assistant.web.console.deps import CheckedViewerDep, ConsoleDep, LanguageDep, NowDep, ViewerDep
from assistant.web.console.present import moment
from assistant.web.console.signin import PROVIDER_NAMES
from assistant.web.console.views import render

router = APIRouter(prefix="/console")
ROLES = ("assistant", "admin", "leader")


def _page(console: ConsoleDep, viewer: Viewer, language: str, *, problem: str = "") -> Response:
    return render(
        "console_users.html.j2",
        language,
        status=422 if problem else 200,
        viewer=viewer,
        users=list_users(console.engine),
        leaders=leader_addresses(console.engine),
        roles=ROLES,
        problem=problem,
    )


@router.get("/users", response_model=None)
def users_page(console: ConsoleDep, viewer: ViewerDep, language: LanguageDep) -> Response:
    if viewer.role != "admin":
        return render("console_missing.html.j2", language, status=404)
    return _page(console, viewer, language)


@router.post("/users", response_model=None)
def users_change(
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    language: LanguageDep,
    now: NowDep,
    action: Annotated[str, Form(max_length=10)] = "add",
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=16)] = "assistant",
    password: Annotated[str, Form(max_length=1024)] = "",
    leader: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    if viewer.role != "admin":
        return render("console_missing.html.j2", language, status=404)
    try:
        if action == "assign":
            assign(console.engine, email, leader, remove=False, actor=viewer.email, now=now)
        else:
            add_user(
                console.engine, console.box, email, role, password=password or None, totp=False,
                language=None, actor=viewer.email, now=now,
            )  # fmt: skip
    except UserError as error:
        said = gettext(language, error.template)
        return _page(console, viewer, language, problem=said % dict(error.values))
    return RedirectResponse("/console/users", status_code=303)


@router.get("/settings", response_model=None)
def settings_page(console: ConsoleDep, viewer: ViewerDep, language: LanguageDep) -> Response:
    """The admin's overview: sign-in, what the store holds, the shared rules."""
    if viewer.role != "admin":
        return render("console_missing.html.j2", language, status=404)
    counts, shared = overview(console.engine)
    return render(
        "console_settings.html.j2",
        language,
        viewer=viewer,
        counts=sorted(counts.items()),
        shared=[
            {
                "name": s.name,
                "kind": gettext(language, s.kind),
                "version": s.version,
                "extends": s.extends or "",
                "at": moment(s.created_at, "Europe/Amsterdam", language),
                "settings": [f"{k}: {v}" for k, v in s.settings.items()],
            }
            for s in shared
        ],
        providers=[PROVIDER_NAMES.get(name, name) for name in console.providers],
        totp=console.box.has_keys,
        base_url=console.base_url,
        secure=console.secure_cookie,
    )
