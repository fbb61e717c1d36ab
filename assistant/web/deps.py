"""The web app's dependencies: the services `create_app` stores on `app.state` (the engine, the
link signer, the calendar writers, the clock, the page renderer), the language of a page and the
double-submit check, each as an `Annotated` type for a route's signature.

The signed token in the URL is what authorises a POST, and a double-submit check guards it
against cross-site requests: every page with a form sets a random value in a `SameSite=Lax`,
`HttpOnly` cookie (`Secure` behind https) and in a hidden form field, and a POST whose field does
not match the cookie is refused with a friendly page (403) that changes nothing. So a forged form
on another site cannot act even with a link from the leader's email: Lax keeps the cookie home on
a cross-site POST. It is Lax, not Strict, because the links are opened from webmail, another site:
a Strict cookie would stay home on that navigation too, and the page would replace the value
another open confirm page still carries in its form.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Cookie, Depends, Form, Header, Request

from assistant.app import acceptance
from assistant.app.writers import CalendarWriters
from assistant.mail.links import LinkSigner
from assistant.store.database import Engine
from assistant.web.pages import FORM_COOKIE, Pages

Clock = Callable[[], datetime]
_FORM_VALUE = re.compile(r"[A-Za-z0-9_-]{32,128}")


@dataclass(frozen=True)
class WebServices:
    """What the routes work with; `create_app` builds it once and keeps it on `app.state`."""

    engine: Engine
    signer: LinkSigner
    writers: CalendarWriters
    clock: Clock
    pages: Pages


def get_services(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


ServicesDep = Annotated[WebServices, Depends(get_services)]


def get_engine(services: ServicesDep) -> Engine:
    return services.engine


def get_signer(services: ServicesDep) -> LinkSigner:
    return services.signer


def get_writers(services: ServicesDep) -> CalendarWriters:
    return services.writers


def get_now(services: ServicesDep) -> datetime:
    """The clock, read once per request (FastAPI caches a dependency within a request)."""
    return services.clock()


def get_pages(services: ServicesDep) -> Pages:
    return services.pages


EngineDep = Annotated[Engine, Depends(get_engine)]
SignerDep = Annotated[LinkSigner, Depends(get_signer)]
WritersDep = Annotated[CalendarWriters, Depends(get_writers)]
NowDep = Annotated[datetime, Depends(get_now)]
PagesDep = Annotated[Pages, Depends(get_pages)]


def browser_language(accept_language: str) -> str:
    return "nl" if accept_language.lower().startswith("nl") else "en"


@dataclass(frozen=True)
class Languages:
    """The language of a page: the leader's stored language, else the browser's."""

    engine: Engine
    browser: str

    def of(self, leader: str | None = None) -> str:
        if leader:
            stored = acceptance.leader_language(self.engine, leader)
            if stored:
                return stored
        return self.browser


def get_languages(engine: EngineDep, accept_language: Annotated[str, Header()] = "") -> Languages:
    return Languages(engine, browser_language(accept_language))


LanguagesDep = Annotated[Languages, Depends(get_languages)]
FormCookie = Annotated[str, Cookie(alias=FORM_COOKIE)]


def get_form_value(cookie: FormCookie = "") -> str:
    """The browser's double-submit value: kept while it has one, so two open tabs agree."""
    return cookie if _FORM_VALUE.fullmatch(cookie) else secrets.token_urlsafe(32)


def is_same_site(form_token: Annotated[str, Form()] = "", cookie: FormCookie = "") -> bool:
    """Whether a POST's hidden form field matches the cookie (the double-submit check)."""
    return bool(cookie) and hmac.compare_digest(cookie.encode(), form_token.encode())


FormValueDep = Annotated[str, Depends(get_form_value)]
SameSiteDep = Annotated[bool, Depends(is_same_site)]
