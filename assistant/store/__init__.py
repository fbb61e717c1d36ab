"""The store: leaders, connections, rules, weekly metrics, proposals, reviews (a shell).

May import settings, core, connectors and rules; the use cases and adapters reach the database
through it. Modules:

- `models`: the tables (typed SQLAlchemy 2 declarative classes).
- `database`: the engine and sessions from `Settings`.
- `crypto`: connection tokens encrypted at rest (Fernet, key rotation).
- `repositories`: the functions the rest of the product calls, one module per aggregate.
- `migrations`: Alembic revisions, run with `upgrade(url)` (`agenda-regie db upgrade`).

Importing this package loads no SQLAlchemy; import the module you need.
"""

from __future__ import annotations

from assistant.errors import UserError


class StoreError(UserError):
    """Base class of the store's errors; the message is one sentence a person can act on (the
    database is the operator's: exit 2 on the command line)."""


class MigrationNeededError(StoreError):
    """The database schema is not the one this version of agenda-regie needs."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        if current:
            super().__init__(
                "the database is at revision %(current)s, but this version of agenda-regie "
                "needs revision %(head)s; run `agenda-regie db upgrade`",
                current=current,
                head=head,
            )
        else:
            super().__init__(
                "the database has no tables yet, but this version of agenda-regie needs "
                "revision %(head)s; run `agenda-regie db upgrade`",
                head=head,
            )


class DatabaseUnavailableError(StoreError):
    """The database could not be reached (server down, wrong address, file not writable)."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(
            "cannot reach the database at %(where)s: %(problem)s", where=where, problem=problem
        )
