"""The email's parts: signed links, the `.ics` attachment and SMTP delivery (a shell).

May import store, i18n, settings, core, connectors and rules; no rendering."""
