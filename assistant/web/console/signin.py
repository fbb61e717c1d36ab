"""Signing in and out: a local account (address, password, and a code when TOTP is set up), the
organisation's OpenID Connect sign-in (/console/signin/{provider} and its callback, through the
registry of `IdentityProvider`s handed to `create_app`), sign out, and sign out everywhere."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.app.console.signin import (
    Refused,
    SignedIn,
    current_viewer,
    forget_pending,
    keep_pending,
    sign_in_verified,
    sign_in_with_password,
    sign_out,
    sign_out_everywhere,
)
from assistant.web.console.deps import (
    FORM_COOKIE,
    PENDING_COOKIE,
    SESSION_COOKIE,
    BrowserLanguageDep,
    CheckedViewerDep,
    ConsoleDep,
    ConsoleServices,
    NowDep,
    set_cookie,
)
from assistant.web.console.views import render
from connectors.identity.base import SignInError

router = APIRouter(prefix="/console")
PENDING_LIFETIME = timedelta(minutes=10)
PROVIDER_NAMES = {"entra": "Microsoft", "google": "Google"}


def _signin_page(
    console: ConsoleServices, language: str, *, status: int = 200, problem: str = ""
) -> HTMLResponse:
    form = secrets.token_urlsafe(32)
    response = render(
        "console_signin.html.j2",
        language,
        status=status,
        problem=problem,
        signin_token=form,
        providers=[(name, PROVIDER_NAMES.get(name, name)) for name in console.providers],
    )
    set_cookie(response, console, FORM_COOKIE, form, samesite="strict", path="/console/signin")
    return response


@router.get("/signin", response_model=None)
def signin_page(
    console: ConsoleDep,
    now: NowDep,
    language: BrowserLanguageDep,
    session: Annotated[str, Cookie(alias=SESSION_COOKIE)] = "",
) -> Response:
    if current_viewer(console.engine, session, now) is not None:
        return RedirectResponse("/console", status_code=303)
    return _signin_page(console, language)


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    console: ConsoleDep,
    now: NowDep,
    language: BrowserLanguageDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
    signin_token: Annotated[str, Form(max_length=100)] = "",
    cookie: Annotated[str, Cookie(alias=FORM_COOKIE)] = "",
) -> Response:
    if not cookie or not hmac.compare_digest(cookie.encode(), signin_token.encode()):
        return render("console_refused.html.j2", language, status=403)
    client = request.client.host if request.client else "unknown"
    outcome = sign_in_with_password(
        console.engine, console.box, email=email, password=password, code=code, client=client,
        now=now,
    )  # fmt: skip
    if isinstance(outcome, Refused):
        return _signin_page(
            console,
            language,
            status=429 if outcome.limited else 401,
            problem="limited" if outcome.limited else "wrong",
        )
    return _signed_in(console, outcome)


def _signed_in(console: ConsoleServices, signed: SignedIn) -> Response:
    response = RedirectResponse("/console", status_code=303)
    set_cookie(response, console, SESSION_COOKIE, signed.cookie)
    return response


@router.post("/signout", response_model=None)
def signout(
    console: ConsoleDep,
    viewer: CheckedViewerDep,
    session: Annotated[str, Cookie(alias=SESSION_COOKIE)] = "",
) -> Response:
    sign_out(console.engine, session)
    response = RedirectResponse("/console/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.post("/signout-everywhere", response_model=None)
def signout_everywhere(console: ConsoleDep, viewer: CheckedViewerDep, now: NowDep) -> Response:
    sign_out_everywhere(console.engine, viewer, now)
    response = RedirectResponse("/console/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/signin/{provider}", response_model=None)
def organisation_signin(
    provider: str, console: ConsoleDep, now: NowDep, language: BrowserLanguageDep
) -> Response:
    identity = console.providers.get(provider)
    if identity is None:
        return render("console_missing.html.j2", language, status=404)
    try:
        start = identity.begin(f"{console.base_url}/console/signin/{provider}/callback")
    except SignInError:
        return _signin_page(console, language, status=502, problem="provider")
    cookie = keep_pending(console.engine, provider, dict(start.pending), now + PENDING_LIFETIME)
    response = RedirectResponse(start.url, status_code=303)
    set_cookie(
        response,
        console,
        PENDING_COOKIE,
        cookie,
        path="/console/signin",
        max_age=int(PENDING_LIFETIME.total_seconds()),
    )
    return response


@router.get("/signin/{provider}/callback", response_model=None)
def organisation_callback(
    provider: str,
    request: Request,
    console: ConsoleDep,
    now: NowDep,
    browser: BrowserLanguageDep,
    pending_cookie: Annotated[str, Cookie(alias=PENDING_COOKIE)] = "",
) -> Response:
    identity = console.providers.get(provider)
    if identity is None:
        return render("console_missing.html.j2", browser, status=404)
    kept = forget_pending(console.engine, pending_cookie, now)
    if kept is None or kept[0] != provider:
        return _signin_page(console, browser, status=400, problem="expired")
    params = {key: value[:4096] for key, value in list(request.query_params.items())[:20]}
    try:
        verified = identity.complete(kept[1], params)
    except SignInError:
        return _signin_page(console, browser, status=400, problem="provider")
    signed = sign_in_verified(console.engine, verified, now)
    if signed is None:
        return _signin_page(console, browser, status=403, problem="unknown")
    response = _signed_in(console, signed)
    response.delete_cookie(PENDING_COOKIE, path="/console/signin")
    return response
