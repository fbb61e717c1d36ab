"""How the command line turns an error into one line and an exit code: one place (STYLE 7).

Our own errors carry their exit code (`assistant.errors`: a `UserError` exits 2, a `Fault` 1).
`connectors` and `rules` import nothing of ours, so their roots are mapped here; so are the
database driver's errors that mean the operator's database cannot be used. Anything else is a
fault in agenda-regie: exit 1, without a traceback unless AGENDA_REGIE_DEBUG is set.
"""

from __future__ import annotations

import sys

from assistant.errors import AgendaRegieError, UserError
from assistant.i18n.operator import tr
from connectors import ConnectorError
from rules import RulesError
from rules.errors import RuleProblem

EXIT_OK, EXIT_OURS, EXIT_INPUT = 0, 1, 2


class InputError(UserError):
    """A mistake in what the user gave us on the command line; the message says what and where."""


def problem(error: Exception) -> tuple[str, int] | None:
    """The line to print and the exit code for an error we know, in the operator's language;
    None for a fault of ours."""
    if isinstance(error, RulesError):
        return "\n".join(rule_line(p) for p in error.problems), EXIT_INPUT
    if isinstance(error, ConnectorError):
        return _connector_line(error), EXIT_INPUT
    settings = sys.modules.get("assistant.settings.groups")  # not loaded: no settings error
    if settings is not None and isinstance(error, settings.SettingsError):
        # each problem said on its own (settings have no i18n)
        return "; ".join(tr(p) for p in error.problems), error.exit_code
    if isinstance(error, AgendaRegieError):
        return tr(error.template, **error.values), error.exit_code
    return _database_problem(error)


def rule_line(problem: RuleProblem) -> str:
    """`file:line:column: setting: what is wrong`, in the operator's language."""
    return problem.said(tr(problem.message))


def _connector_line(error: ConnectorError) -> str:
    """`where[, line N]: problem`; the problem in the operator's language where the catalogue
    has it (a provider's own words, quoted in it, stay as the provider said them)."""
    said = tr(error.template, **error.values)
    where = tr(error.where)  # a path or an address stays as it is; "Google sign-in" is said
    if error.line is None:
        return f"{where}: {said}"
    return tr("%(where)s, line %(line)s: %(problem)s", where=where, line=error.line, problem=said)


def _database_problem(error: Exception) -> tuple[str, int] | None:
    if "sqlalchemy" not in sys.modules:  # no database was opened
        return None
    from sqlalchemy.exc import DatabaseError, OperationalError

    # A plain DatabaseError (not one of its subclasses, which are our faults) is a file that is
    # not a SQLite database, or a damaged one.
    if isinstance(error, OperationalError) or type(error) is DatabaseError:
        line = str(error.orig).strip().splitlines()[0]
        return tr("the database cannot be used: %(reason)s", reason=line), EXIT_INPUT
    return None


def say(message: str) -> None:
    print(f"agenda-regie: {message}", file=sys.stderr)


def internal_error(error: BaseException) -> int:
    said = tr(
        "internal error (%(kind)s): %(error)s\nThis is a fault in agenda-regie, not in your "
        "input. Run again with AGENDA_REGIE_DEBUG=1 to see the details, and please report it.",
        kind=type(error).__name__,
        error=error,
    )
    print(f"agenda-regie: {said}", file=sys.stderr)
    return EXIT_OURS
