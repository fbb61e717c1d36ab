"""A leader connects a calendar through the link the console sent them (no console account):
/connect/{token} shows the choice (a look writes nothing), a POST there begins the provider's
flow, and /connect/{provider}/callback takes the provider's answer: Google's as a redirect with a
query, Microsoft's as a form POST. An expired, tampered or used link gives the calm link page;
a refusal on the provider's page a calm page, with nothing stored.

The pending flow is found by its state (the provider brings it back); no cookie carries it, so
Microsoft's cross-site form POST needs none either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.accounts.web_connect import ConnectFailed, WebConnector
from assistant.app.console.connect_links import (
    Finished,
    Mailer,
    OpenLink,
    begin_connect,
    finish_connect,
    open_connect_link,
)
from assistant.i18n.translations import gettext
from assistant.mail.links import LinkError, LinkSigner
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine
from assistant.web.deps import (
    EngineDep,
    FormValueDep,
    LanguagesDep,
    NowDep,
    PagesDep,
    SameSiteDep,
    SignerDep,
)
from assistant.web.pages import Pages

router = APIRouter()
NAMES = {"google": "Google", "microsoft": "Microsoft 365"}
# The choice's form leads on to the provider's page: a redirect its form-action must allow.
CHOICE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {origins}"
MAX_FIELDS = 20
MAX_VALUE = 4096
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class ConnectServices:
    """The providers a leader may choose (none configured: the page says to ask the operator),
    the secret box the flows and tokens are kept with, and how the console emails a link."""

    box: SecretBox
    connectors: Mapping[str, WebConnector] = field(default_factory=dict)
    mailer: Mailer | None = None


def get_connect(request: Request) -> ConnectServices:
    services: ConnectServices = request.app.state.connect
    return services


ConnectDep = Annotated[ConnectServices, Depends(get_connect)]


def redirect_uri(signer_base: str, provider: str) -> str:
    return f"{signer_base}/connect/{provider}/callback"


def _title(lang: str) -> str:
    return gettext(lang, "Connect your calendar")


@router.get("/connect/{token}")
def show_choice(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    pages: PagesDep,
    form: FormValueDep,
    languages: LanguagesDep,
    connect: ConnectDep,
) -> HTMLResponse:
    link = _open(engine, signer, token, now, pages, languages.browser)
    if isinstance(link, HTMLResponse):
        return link
    lang = link.language
    buttons = [(name, NAMES.get(name, name), False) for name in connect.connectors]
    text = (
        gettext(lang, "Choose where your calendar is. You give permission on that page; "
                "titles, descriptions and attendees are never stored.")
        if buttons
        else gettext(lang, "No calendar service is set up here yet; please tell your assistant.")
    )  # fmt: skip
    response = pages.page(
        lang, link.leader, [text], buttons=buttons, form=form, kind="connect",
        heading=_title(lang),
    )  # fmt: skip
    origins = " ".join(sorted({c.origin for c in connect.connectors.values()}))
    response.headers["Content-Security-Policy"] = CHOICE_POLICY.format(origins=origins)
    return response


@router.post("/connect/{token}", response_model=None)
def choose(
    token: str,
    action: Annotated[str, Form(max_length=32)],
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    pages: PagesDep,
    languages: LanguagesDep,
    same_site: SameSiteDep,
    connect: ConnectDep,
) -> Response:
    link = _open(engine, signer, token, now, pages, languages.browser)
    if isinstance(link, HTMLResponse):
        return link
    if not same_site:
        return pages.refused(link.language)
    connector = connect.connectors.get(action)
    if connector is None:
        return pages.unknown_leader(link.language)
    try:
        url = begin_connect(
            engine, connect.box, signer, connector, token,
            redirect_uri(signer.base_url, action), now,
        )  # fmt: skip
    except ConnectFailed:
        return _outcome(pages, Finished("failed", link.language, link.leader), action)
    return RedirectResponse(url, status_code=303)


@router.api_route("/connect/{provider}/callback", methods=["GET", "POST"])
async def callback(
    provider: str,
    request: Request,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    pages: PagesDep,
    languages: LanguagesDep,
    connect: ConnectDep,
) -> HTMLResponse:
    connector = connect.connectors.get(provider)
    if connector is None:
        return pages.unknown_leader(languages.browser)
    answer = dict(list(request.query_params.items())[:MAX_FIELDS])
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY:  # an answer is a few fields
        return _outcome(pages, Finished("expired", languages.browser), provider)
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        answer.update({k: v for k, v in form.items() if isinstance(v, str)})
    answer = {k[:100]: v[:MAX_VALUE] for k, v in answer.items()}
    finished = await run_in_threadpool(
        finish_connect, engine, connect.box, connector, answer,
        redirect_uri(signer.base_url, provider), now,
    )  # fmt: skip
    if finished.outcome == "expired" and not finished.leader:
        finished = Finished("expired", languages.browser)
    return _outcome(pages, finished, provider)


def _open(
    engine: Engine, signer: LinkSigner, token: str, now: datetime, pages: Pages, browser: str
) -> OpenLink | HTMLResponse:
    """The link's leader, or the calm page of a tampered (400), expired or used (410) link."""
    try:
        return open_connect_link(engine, signer, token, now)
    except LinkError as error:
        if error.kind == "tampered":
            return pages.link_problem(browser, error)
        return _outcome(pages, Finished("expired", browser), "")


def _outcome(pages: Pages, finished: Finished, provider: str) -> HTMLResponse:
    lang = finished.language
    name = NAMES.get(provider, provider)
    if finished.outcome == "connected":
        return pages.page(
            lang,
            gettext(lang, "Your calendar is connected"),
            [gettext(lang, "%(name)s is connected. The next sync reads your calendar; your "
                     "assistant sees its state. You may close this page.", name=name)],
            kind="connected", heading=_title(lang),
        )  # fmt: skip
    if finished.outcome == "refused":
        return pages.page(
            lang,
            gettext(lang, "Nothing was connected"),
            [gettext(lang, "Access was not allowed on the page of %(name)s, so nothing was "
                     "stored. The link still works if you want to try again.", name=name)],
            status=403, kind="refused", heading=_title(lang),
        )  # fmt: skip
    if finished.outcome == "failed":
        return pages.page(
            lang,
            gettext(lang, "Nothing was connected"),
            [gettext(lang, "%(name)s did not give a usable answer, so nothing was stored. "
                     "The link still works; try again in a moment.", name=name)],
            status=502, kind="failed", heading=_title(lang),
        )  # fmt: skip
    return pages.page(
        lang,
        gettext(lang, "This link has expired"),
        [gettext(lang, "A link to connect a calendar works once, for seven days. Nothing was "
                 "changed; your assistant can send a new one.")],
        status=410, kind="expired", heading=_title(lang),
    )  # fmt: skip
