"""The root of the error tree: every error agenda-regie raises on purpose derives from it.

- `UserError`: the user's or the operator's mistake (a file, an address, a setting, a database
  that is not ready). The message is one sentence a person can act on; the command line prints it
  as one line `agenda-regie: ...` and exits with 2.
- `Fault`: something went wrong that is not the input (a server refusing, a send that failed
  and is recorded); exit 1.

`connectors` and `rules` import nothing of ours, so their roots (`ConnectorError`,
`RulesError`) stay theirs; the command line maps them in one place (`assistant.cli.errors`).

An error's message is English (logs and the database keep it so); given as a template with
values (`UserError("no leader %(address)s", address=...)`) it can also be said in the operator's
language where a person reads it (the command line), the template being the catalogue's msgid.

Imports nothing: every layer may import it.
"""

from __future__ import annotations

from collections.abc import Mapping


class AgendaRegieError(Exception):
    """Base of every error agenda-regie raises on purpose."""

    exit_code = 1

    def __init__(self, template: str = "", /, **values: object) -> None:
        self.template = template
        self.values: Mapping[str, object] = values
        super().__init__(template % values if values else template)


class UserError(AgendaRegieError):
    """The user's or the operator's mistake; the message says what and where (exit 2)."""

    exit_code = 2


class Fault(AgendaRegieError):
    """Not the input's fault: a failure the operator may report or retry (exit 1)."""

    exit_code = 1
