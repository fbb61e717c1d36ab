"""The gettext catalogues: everything a leader reads in the review, the email and the pages.

One catalogue per language, `assistant/i18n/locale/{en,nl}/LC_MESSAGES/messages.po`, the source
that ships as package data; it is compiled in memory (Babel's own compiler) the first time a
language is used, so a fresh `pip install -e .` needs no build step and no `.mo` goes stale.
English msgids are the English text. The review's messages carry their id as `msgctxt`
("reason.meeting_share", "label.title"); a message with plural forms names the value that
chooses the form in an extracted comment ("#. count: value").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "messages"
LANGUAGES = ("en", "nl")
COUNT_COMMENT = "count: "


def language_of(language: str) -> str:
    """The catalogue language for a review language: Dutch for "nl" (and "nl-BE"...), else
    English."""
    return "nl" if language.lower().split("-")[0].split("_")[0] == "nl" else "en"


@cache
def catalogue(language: str) -> Catalog:
    """The `.po` catalogue of `language`, as Babel reads it."""
    source = resources.files("assistant.i18n").joinpath(
        "locale", language_of(language), "LC_MESSAGES", f"{DOMAIN}.po"
    )
    with source.open("rb") as handle:
        return read_po(handle, locale=language_of(language), domain=DOMAIN)


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue for `language` ("nl", "nl-BE", "en" ...); English for anything
    else."""
    compiled = BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def gettext(language: str, message: str, **values: object) -> str:
    """An email or page text by its English msgid, with `%(name)s` filled from `values`."""
    text = str(translations(language).gettext(message))
    return text % values if values else text


@dataclass(frozen=True, slots=True)
class Entry:
    """A message of the review, found by its id: the English text, its plural, the count."""

    singular: str
    plural: str | None
    count: str | None  # the value whose number chooses the plural form


@cache
def entries() -> dict[str, Entry]:
    """Every message that has an id (msgctxt), from the English catalogue."""
    found = {}
    for item in catalogue("en"):
        if not item.context:
            continue
        comments = item.auto_comments
        counts = [c.removeprefix(COUNT_COMMENT) for c in comments if c.startswith(COUNT_COMMENT)]
        if isinstance(item.id, tuple | list):
            found[item.context] = Entry(str(item.id[0]), str(item.id[1]), counts[0])
        else:
            found[item.context] = Entry(str(item.id), None, None)
    return found


def plural_number(value: object) -> int:
    """The number that chooses a plural form: whole numbers as they are; a fraction reads as
    plural in English and Dutch."""
    number = getattr(value, "amount", value)
    if not isinstance(number, int | float | Decimal):
        raise TypeError(f"{value!r} is not a number to choose a plural form with")
    return int(number) if float(number).is_integer() else 2


def message(
    message_id: str, language: str, values: Mapping[str, object], number: int | None = None
) -> str:
    """Message `message_id` in `language` with `%(name)s` filled from `values`; a message with
    plural forms takes the form for `number` (by default, the number of its count value)."""
    entry = entries()[message_id]
    catalog = translations(language)
    if entry.plural is None:
        text = str(catalog.pgettext(message_id, entry.singular))
    else:
        if number is None:
            assert entry.count is not None
            number = plural_number(values[entry.count])
        text = str(catalog.npgettext(message_id, entry.singular, entry.plural, number))
    return text % values if values else text
