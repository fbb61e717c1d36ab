"""Local HTTP servers that speak the provider APIs we use, driven through the real clients.

`http` is the one scaffolding (a threading server on 127.0.0.1, request recording, JSON replies,
fault injection); `google_calendar` and `microsoft_graph` build Google Calendar v3 with its OAuth
server, and Microsoft Graph with Entra ID, on it.
"""
