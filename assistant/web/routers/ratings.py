"""The rating links: /r/{token} shows the leader's answer to "how much room did you have?", a
POST stores it (assistant.app.acceptance.rate)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from assistant.app import acceptance
from assistant.i18n.translations import gettext
from assistant.web.deps import (
    EngineDep,
    FormValueDep,
    LanguagesDep,
    NowDep,
    PagesDep,
    SameSiteDep,
    SignerDep,
)

router = APIRouter()


@router.get("/r/{token}")
def show_rating(
    token: str,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    form: FormValueDep,
) -> HTMLResponse:
    link = signer.rating(token, now)
    lang = languages.of(link.leader)
    week = link.week.split("-W")[-1].lstrip("0")
    return pages.page(
        lang,
        gettext(lang, "How much room did you have in week %(week)s?", week=week),
        [gettext(lang, "Nothing changes until you press a button.")],
        buttons=[
            ("store", gettext(lang, "Store my answer: %(score)s of 5", score=link.score), True)
        ],
        kind="confirm",
        form=form,
    )


@router.post("/r/{token}")
def store_rating(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    same_site: SameSiteDep,
) -> HTMLResponse:
    link = signer.rating(token, now)
    lang = languages.of(link.leader)
    if not same_site:
        return pages.refused(lang)
    if not acceptance.rate(engine, link, now):
        return pages.gone(lang)
    return pages.page(
        lang,
        gettext(lang, "Thank you. Your answer (%(score)s of 5) is stored.", score=link.score),
        [],
        kind="rated",
    )
