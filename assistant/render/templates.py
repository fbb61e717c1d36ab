"""The one Jinja environment of the review, the email and the confirm pages.

Templates live in assistant/templates. HTML templates are escaped, the plain-text email part is
not. The gettext extension is on: a render that passes `gettext_context(language)` can use
`{% trans %}`, `_()` and `ngettext()` with the catalogue of `assistant.i18n.translations`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from assistant.i18n.translations import translations


def _escaped(name: str | None) -> bool:
    return name is None or ".html" in name


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("assistant", "templates"),
        autoescape=_escaped,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )


def gettext_context(language: str) -> dict[str, Any]:
    """The gettext callables of `language`, to pass into a render of a template."""
    catalogue = translations(language)
    return {
        "gettext": catalogue.gettext,
        "_": catalogue.gettext,
        "ngettext": catalogue.ngettext,
    }
