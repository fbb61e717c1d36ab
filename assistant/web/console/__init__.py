"""The assistants' console (/console): sign-in, the leaders list, a leader's page, the rules
editor, onboarding, pause and the audit trail; the leader's own place (/console/me) and the coach's
view (/console/coach).

`install(app, ...)` keeps the console's services on `app.state.console`, registers its routers
and the two answers every console route may give without rendering a page itself: a sign-in
needed (303 to /console/signin) and a form without this session's token (403, nothing changed).
Routes parse, call one use case of `assistant.app.console` and render; none calls a calendar
provider, and every leader they show comes through the store's scoping (404 otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from assistant.store.crypto import SecretBox
from assistant.store.database import Engine
from assistant.web.console import (
    audit,
    coach,
    leaders,
    onboarding,
    place,
    rules,
    shared_rules,
    signin,
    users,
)
from assistant.web.console.deps import (
    Clock,
    ConsoleServices,
    FormRefused,
    SignInNeeded,
    form_refused,
    not_understood,
    sign_in_needed,
)
from connectors.identity.base import IdentityProvider


def install(
    app: FastAPI,
    *,
    engine: Engine,
    clock: Clock,
    base_url: str,
    secrets: SecretBox | None = None,
    identity_providers: Mapping[str, IdentityProvider] | None = None,
) -> None:
    app.state.console = ConsoleServices(
        engine=engine,
        clock=clock,
        box=secrets or SecretBox([]),
        providers=dict(identity_providers or {}),
        base_url=base_url.rstrip("/"),
    )
    app.exception_handler(SignInNeeded)(sign_in_needed)
    app.exception_handler(FormRefused)(form_refused)
    app.exception_handler(RequestValidationError)(not_understood)
    for group in (signin, leaders, audit, rules, shared_rules, onboarding, users, place, coach):
        app.include_router(group.router)
