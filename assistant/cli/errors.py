"""How the command line turns an error into one line and an exit code: one place (STYLE 7).

Our own errors carry their exit code (`assistant.errors`: a `UserError` exits 2, a `Fault` 1).
`connectors` and `rules` import nothing of ours, so their roots are mapped here; so are the
database driver's errors that mean the operator's database cannot be used. Anything else is a
fault in agenda-regie: exit 1, without a traceback unless AGENDA_REGIE_DEBUG is set.
"""

from __future__ import annotations

import sys

from assistant.errors import AgendaRegieError, UserError
from connectors import ConnectorError
from rules import RulesError

EXIT_OK, EXIT_OURS, EXIT_INPUT = 0, 1, 2


class InputError(UserError):
    """A mistake in what the user gave us on the command line; the message says what and where."""


def problem(error: Exception) -> tuple[str, int] | None:
    """The line to print and the exit code for an error we know; None for a fault of ours."""
    if isinstance(error, RulesError):
        return "\n".join(str(p) for p in error.problems), EXIT_INPUT
    if isinstance(error, ConnectorError):
        return str(error), EXIT_INPUT
    if isinstance(error, AgendaRegieError):
        return str(error), error.exit_code
    return _database_problem(error)


def _database_problem(error: Exception) -> tuple[str, int] | None:
    if "sqlalchemy" not in sys.modules:  # no database was opened
        return None
    from sqlalchemy.exc import DatabaseError, OperationalError

    # A plain DatabaseError (not one of its subclasses, which are our faults) is a file that is
    # not a SQLite database, or a damaged one.
    if isinstance(error, OperationalError) or type(error) is DatabaseError:
        line = str(error.orig).strip().splitlines()[0]
        return f"the database cannot be used: {line}", EXIT_INPUT
    return None


def say(message: str) -> None:
    print(f"agenda-regie: {message}", file=sys.stderr)


def internal_error(error: BaseException) -> int:
    print(
        f"agenda-regie: internal error ({type(error).__name__}): {error}\n"
        "This is a fault in agenda-regie, not in your input. Run again with "
        "AGENDA_REGIE_DEBUG=1 to see the details, and please report it.",
        file=sys.stderr,
    )
    return EXIT_OURS
