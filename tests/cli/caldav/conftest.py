"""A real Radicale server for the CalDAV commands."""

from tests.fakes.caldav_server import radicale_server

__all__ = ["radicale_server"]
