"""Gettext catalogs for the email and the confirm pages, in Dutch and English.

The `.po` files under assistant/i18n/locale are the source and ship as package data; they are
compiled in memory (Babel's own compiler) the first time a language is used, so a fresh
`pip install -e .` needs no build step and there is no `.mo` file to go stale.
English msgids are the English text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from assistant.i18n.labels import language_of

DOMAIN = "messages"
LANGUAGES = ("en", "nl")


@cache
def translations(language: str) -> Translations:
    """The catalog for `language` ("nl", "nl-BE", "en" ...); English for anything else."""
    lang = language_of(language)
    source = resources.files("assistant.i18n").joinpath(
        "locale", lang, "LC_MESSAGES", f"{DOMAIN}.po"
    )
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def gettext(language: str, message: str, **values: object) -> str:
    text = str(translations(language).gettext(message))
    return text % values if values else text
