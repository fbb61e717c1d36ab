"""The use cases: review, history, delivery (send once), acceptance and outbox, schedule, pausing.

May import accounts, mail, render, store, i18n, settings, core, connectors and rules; no shell."""
