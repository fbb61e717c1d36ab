"""The footer's pause link: /pause/{token} shows whether the weekly review is paused, a POST
pauses it (four weeks, or until resumed) or resumes it (assistant.app.pausing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from assistant.app import pausing
from assistant.app.pausing import PauseView
from assistant.i18n.labels import language_of
from assistant.i18n.texts import format_day, to_local
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
from assistant.web.pages import Button, Pages

router = APIRouter()


@router.get("/pause/{token}")
def show_pause(
    token: str,
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    form: FormValueDep,
) -> HTMLResponse:
    link = signer.pause(token, now)
    state = pausing.pause_state(engine, link, now)
    if state is None:
        return pages.unknown_leader(languages.of(link.leader))
    return _pause_page(pages, state, form, kind="confirm")


@router.post("/pause/{token}")
def change_pause(
    token: str,
    action: Annotated[pausing.PauseAction, Form()],
    engine: EngineDep,
    signer: SignerDep,
    now: NowDep,
    languages: LanguagesDep,
    pages: PagesDep,
    same_site: SameSiteDep,
    form: FormValueDep,
) -> HTMLResponse:
    link = signer.pause(token, now)
    lang = languages.of(link.leader)
    if not same_site:
        return pages.refused(lang)
    state = pausing.change_pause(engine, link, action, now)
    if state is None:
        return pages.unknown_leader(lang)
    return _pause_page(pages, state, form, kind=action)


def _pause_page(pages: Pages, state: PauseView, form: str, *, kind: str) -> HTMLResponse:
    """The page of a paused review (until a date, or until resumed) with a button to resume, or
    of an active one with the two ways to pause; `kind` is what was just done."""
    lang = language_of(state.language)
    resume = [("resume", gettext(lang, "Resume the weekly review"), True)]
    if state.paused and state.until is not None:
        day = format_day(to_local(state.until, state.timezone).date(), lang)
        title = gettext(lang, "The weekly review is paused until %(date)s.", date=day)
        text = gettext(lang, "It starts again by itself after that; you can resume it earlier.")
        return pages.page(lang, title, [text], buttons=resume, form=form, kind=f"paused:{kind}")
    if state.paused:
        title = gettext(lang, "The weekly review is paused until you resume it.")
        text = gettext(lang, "You can resume it here whenever you like.")
        return pages.page(lang, title, [text], buttons=resume, form=form, kind=f"paused:{kind}")
    if kind == "resume":
        title = gettext(lang, "The weekly review is on again.")
        text = gettext(lang, "The next weekly email comes at the usual time.")
    else:
        title = gettext(lang, "Pause the weekly review?")
        text = gettext(
            lang,
            "While it is paused you get no weekly email. Nothing changes until you press a button.",
        )
    options: list[Button] = [
        ("pause_weeks", gettext(lang, "Pause for 4 weeks"), True),
        ("pause", gettext(lang, "Pause until I resume"), False),
    ]
    return pages.page(lang, title, [text], buttons=options, form=form, kind=f"active:{kind}")
