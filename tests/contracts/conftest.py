"""The fake providers, for the implementations that talk to Google and Microsoft Graph."""

from tests.fakes.fixtures import google_calendar, google_service, graph, graph_client

__all__ = ["google_calendar", "google_service", "graph", "graph_client"]
