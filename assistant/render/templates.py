"""The one Jinja environment of the review, the email and the confirm pages.

Templates live in assistant/templates. HTML templates are escaped, the plain-text email part is
not. The gettext extension is on: a render that passes `gettext_context(language)` can use
`_()`, `{% trans %}` and `ngettext()` with the catalogue of `assistant.i18n.translations`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from assistant.i18n.translations import gettext, translations


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
    """The gettext callables of `language` for a render: `_("...", who=...)` and
    `ngettext(singular, plural, n, ...)`, with `%(name)s` filled (`%(num)s` is `n`)."""

    def _(message: str, **values: object) -> str:
        return gettext(language, message, **values)

    def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
        return str(translations(language).ngettext(singular, plural, n)) % {"num": n, **values}

    return {"_": _, "gettext": _, "ngettext": ngettext}
