"""The fake providers, for the implementations that talk to Google and Microsoft Graph, and a
real Radicale server for CalDAV."""

from tests.fakes.caldav_server import radicale_server
from tests.fakes.fixtures import google_calendar, google_service, graph, graph_client

__all__ = ["google_calendar", "google_service", "graph", "graph_client", "radicale_server"]
