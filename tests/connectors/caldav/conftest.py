"""A real Radicale server for the CalDAV connector's own tests."""

from tests.fakes.caldav_server import radicale_server

__all__ = ["radicale_server"]
