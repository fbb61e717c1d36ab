"""The FastAPI app of the confirm pages: /p/{token}, /all/{token}, /r/{token}, /ics/{token},
/pause/{token}; /connect/{token} and /connect/{provider}/callback, where a leader connects a
calendar through the link the console sent (`calendar_connectors`: the providers offered,
`mailer`: how the console emails that link); and the assistants' console under /console
(`assistant.web.console`), with the organisation's sign-in providers given in
`identity_providers` (none: local accounts only).

Tokens are checked first: tampered gives 400, expired 410, each with a friendly page that
changes nothing (the `LinkError` a route's link parsing raises is turned into that page here).
A POST also passes the double-submit check of `deps.is_same_site`, or gets a friendly 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from assistant.accounts.web_connect import WebConnector
from assistant.app.console.connect_links import Mailer
from assistant.app.writers import CalendarWriters, Withdraw, WriteBack, no_withdraw, no_write_back
from assistant.mail.links import LinkError, LinkSigner
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine
from assistant.web import console
from assistant.web.console import my_data, summary
from assistant.web.deps import Clock, WebServices, browser_language
from assistant.web.pages import Pages
from assistant.web.routers import connect, health, pause, proposals, ratings
from assistant.web.security import harden
from connectors.identity.base import IdentityProvider


def create_app(
    engine: Engine,
    signer: LinkSigner,
    *,
    write_back: WriteBack = no_write_back,
    withdraw: Withdraw = no_withdraw,
    clock: Clock = lambda: datetime.now(UTC),
    secrets: SecretBox | None = None,
    identity_providers: Mapping[str, IdentityProvider] | None = None,
    calendar_connectors: Mapping[str, WebConnector] | None = None,
    mailer: Mailer | None = None,
) -> FastAPI:
    app = FastAPI(title="agenda-regie", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = WebServices(
        engine=engine,
        signer=signer,
        writers=CalendarWriters(write_back, withdraw),
        clock=clock,
        pages=Pages(secure_cookie=signer.base_url.startswith("https://")),
    )
    app.exception_handler(LinkError)(show_link_problem)
    harden(app)  # headers, error pages, host check, no tokens in logs (security.py)
    app.state.connect = connect.ConnectServices(
        secrets or SecretBox([]), dict(calendar_connectors or {}), mailer
    )
    for group in (health, proposals, ratings, pause, connect):
        app.include_router(group.router)
    app.include_router(summary.router)  # the summary before a coaching conversation
    console.install(
        app,
        engine=engine,
        clock=clock,
        base_url=signer.base_url,
        secrets=secrets,
        identity_providers=identity_providers,
    )
    app.include_router(my_data.router)  # the leader's own data: export and deletion
    return app


def show_link_problem(request: Request, error: LinkError) -> HTMLResponse:
    """The page of a tampered or expired link, in the browser's language."""
    services: WebServices = request.app.state.services
    lang = browser_language(request.headers.get("accept-language", ""))
    return services.pages.link_problem(lang, error)
