"""The language of the command line: the operator's or assistant's locale, as gettext reads it.

`LANGUAGE` (a priority list such as `nl:en`) wins, then the first of `LC_ALL`, `LC_MESSAGES`
and `LANG` that is set; `nl_NL.UTF-8` reads Dutch, anything else (`C.UTF-8`, `en_GB`) English.
A review, an email and a page speak the leader's language instead (the rules); this is only for
what the command line itself says: its help, its one-line errors and its summaries.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from assistant.i18n.translations import gettext, language_of, translations

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
_ARGPARSE_WORDS = (argparse._, argparse.ngettext)  # type: ignore[attr-defined]
PRIORITY_VARIABLE = "LANGUAGE"


def operator_language(environ: Mapping[str, str] | None = None) -> str:
    """ "nl" or "en", from the locale variables of `environ` (default: this process's)."""
    environ = os.environ if environ is None else environ
    preferred = environ.get(PRIORITY_VARIABLE, "").split(":")[0]
    if preferred:
        return language_of(preferred)
    for name in LOCALE_VARIABLES:
        if environ.get(name):
            return language_of(environ[name])
    return "en"


def tr(message: str, **values: object) -> str:
    """`message` (its English text is its msgid) in the operator's language, `%(name)s` filled
    from `values`. A test extracts every `tr("...")` of the code with Babel and checks that both
    catalogues have it."""
    language = operator_language()
    if language == "en":  # the msgid is the English text: no catalogue to load
        return message % values if values else message
    return gettext(language, message, **values)


def tr_plural(singular: str, plural: str, n: int, **values: object) -> str:
    """The singular or plural form for `n`, in the operator's language."""
    text = str(translations(operator_language()).ngettext(singular, plural, n))
    return text % values if values else text


def speak_argparse(language: str) -> None:
    """Let argparse's own words ("usage:", "the following arguments are required: ...") come
    from our catalogue: argparse looks them up through `gettext`'s module functions, which it
    imported as `_` and `ngettext`, so those two names are given the catalogue's."""
    if language == "en":
        words, plural_words = _ARGPARSE_WORDS
    else:
        catalogue = translations(language)
        words, plural_words = catalogue.gettext, catalogue.ngettext
    setattr(argparse, "_", words)  # noqa: B010 (argparse's own lookup names)
    setattr(argparse, "ngettext", plural_words)  # noqa: B010
