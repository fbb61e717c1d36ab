"""The exceptions of the connectors package; every one derives from `ConnectorError`.

Each carries the fields a person needs to find the problem (`where`: a file path or URL,
and a line when known) and renders as one clear sentence.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class: a calendar could not be read or written."""

    def __init__(self, where: str, problem: str, *, line: int | None = None) -> None:
        self.where = where
        self.problem = problem
        self.line = line
        location = f"{where}, line {line}" if line is not None else where
        super().__init__(f"{location}: {problem}")


class CalendarParseError(ConnectorError):
    """The data is not a readable calendar."""


class CalendarFetchError(ConnectorError):
    """The calendar could not be fetched (missing file, network error, too large, HTTP error)."""
