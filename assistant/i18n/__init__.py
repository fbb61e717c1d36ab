"""Wording: the sentences a leader or assistant reads, in Dutch and English, and their formats.

May import core, connectors and rules; used by render, mail, web, cli and the use cases."""
