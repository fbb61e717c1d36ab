"""The command line's parser in the operator's language.

Help texts and descriptions are written in English in each command group's module and are the
msgids of the catalogue (the gettext convention); the formatter looks them up when help is shown,
so a Dutch assistant (`LANG=nl_NL.UTF-8`) reads the help in Dutch. argparse's own words come from
the same catalogue (`assistant.i18n.operator.speak_argparse`). A test walks every command's
parser and checks that each text has its Dutch translation.
"""

from __future__ import annotations

import argparse
import copy
from typing import Any

from assistant.i18n.operator import tr


class TranslatingFormatter(argparse.HelpFormatter):
    """Shows each help text and description in the operator's language."""

    def add_text(self, text: str | None) -> None:
        super().add_text(tr(text) if text and text != argparse.SUPPRESS else text)

    def _expand_help(self, action: argparse.Action) -> str:
        if action.help and action.help != argparse.SUPPRESS:
            action = _with_help(action, tr(action.help))
        return super()._expand_help(action)


def _with_help(action: argparse.Action, help_text: str) -> argparse.Action:
    """A shallow copy of `action` with another help text (the parser keeps the English one)."""
    shown = copy.copy(action)
    shown.help = help_text
    return shown


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help is translated; its sub-parsers are of the same kind."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", TranslatingFormatter)
        super().__init__(*args, **kwargs)
