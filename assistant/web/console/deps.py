"""The console's dependencies: its services, the signed-in viewer, the page language and the
form check (CSRF) of every POST.

Sessions live in the store; the cookie holds a random value (`HttpOnly`, `SameSite=Lax`, `Secure`
behind https). Every form of a signed-in page carries the session's form token and a POST
without it is refused (403) before anything is read or changed; the sign-in form, before there
is a session, is guarded the double-submit way (a random value in a `SameSite=Strict` cookie and
in the form). Lax, not Strict, for the session: the organisation's sign-in comes back to the
console as a navigation from its own site.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Cookie, Depends, Form, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.app.console.signin import Viewer, current_viewer
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine
from assistant.web.deps import browser_language
from connectors.identity.base import IdentityProvider

Clock = Callable[[], datetime]
SESSION_COOKIE = "agenda_regie_console"
PENDING_COOKIE = "agenda_regie_console_signin"
FORM_COOKIE = "agenda_regie_console_form"
FORM_FIELD = "form_token"


@dataclass(frozen=True)
class ConsoleServices:
    engine: Engine
    clock: Clock
    box: SecretBox
    providers: Mapping[str, IdentityProvider]
    base_url: str

    @property
    def secure_cookie(self) -> bool:
        return self.base_url.startswith("https://")


class SignInNeeded(Exception):
    """No live session: the browser goes to the sign-in page."""


class FormRefused(Exception):
    """A POST without this session's form token: nothing was read or changed."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.language = language


def get_console(request: Request) -> ConsoleServices:
    services: ConsoleServices = request.app.state.console
    return services


ConsoleDep = Annotated[ConsoleServices, Depends(get_console)]


def get_now(console: ConsoleDep) -> datetime:
    return console.clock()


NowDep = Annotated[datetime, Depends(get_now)]


def get_browser_language(accept_language: Annotated[str, Header()] = "") -> str:
    return browser_language(accept_language)


BrowserLanguageDep = Annotated[str, Depends(get_browser_language)]


def get_viewer(
    console: ConsoleDep,
    now: NowDep,
    cookie: Annotated[str, Cookie(alias=SESSION_COOKIE)] = "",
) -> Viewer:
    viewer = current_viewer(console.engine, cookie, now)
    if viewer is None:
        raise SignInNeeded
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def language_of(viewer: Viewer | None, browser: str) -> str:
    """The viewer's own setting, else the browser's language."""
    if viewer is not None and viewer.language:
        return viewer.language
    return browser


def get_language(viewer: ViewerDep, browser: BrowserLanguageDep) -> str:
    return language_of(viewer, browser)


LanguageDep = Annotated[str, Depends(get_language)]


def checked_viewer(
    viewer: ViewerDep,
    language: LanguageDep,
    form_token: Annotated[str, Form()] = "",
) -> Viewer:
    """The viewer of a POST that carries this session's form token; FormRefused otherwise."""
    if not form_token or not hmac.compare_digest(form_token.encode(), viewer.form_token.encode()):
        raise FormRefused(language)
    return viewer


CheckedViewerDep = Annotated[Viewer, Depends(checked_viewer)]


def sign_in_needed(request: Request, error: Exception) -> Response:
    return RedirectResponse("/console/signin", status_code=303)


def form_refused(request: Request, error: Exception) -> HTMLResponse:
    from assistant.web.console.views import render

    language = error.language if isinstance(error, FormRefused) else "en"
    return render("console_refused.html.j2", language, status=403)


def set_cookie(
    response: Response,
    console: ConsoleServices,
    name: str,
    value: str,
    *,
    samesite: Literal["lax", "strict"] = "lax",
    path: str = "/console",
    max_age: int | None = None,
) -> None:
    """An `HttpOnly` cookie of the console, `Secure` when it is served over https."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        secure=console.secure_cookie,
        samesite=samesite,
        path=path,
        max_age=max_age,
    )


async def not_understood(request: Request, error: Exception) -> Response:
    """A console request whose values are out of range (weeks=53, a version that is no
    number): a calm page, 422; other routes keep the web app's friendly page (security.py)."""
    from assistant.web.console.views import render
    from assistant.web.security import invalid_request

    if not request.url.path.startswith("/console") or not isinstance(error, RequestValidationError):
        return invalid_request(request, error)
    language = browser_language(request.headers.get("accept-language", ""))
    return render("console_invalid.html.j2", language, status=422)
