"""Local HTTP servers that speak the provider APIs we use, driven through the real clients.

`http` is the one scaffolding (a threading server on 127.0.0.1, request recording, JSON replies,
fault injection); `google_calendar` (with `google_oauth`) and `microsoft_graph` (with `entra_id`)
build Google Calendar v3 with its OAuth server, and Microsoft Graph with Entra ID, on it;
`fixtures` gives both to suites that need both.
"""
