"""The pure core: intervals, timeline, indicators, buffers, trends, proposals, the review.

Imports only `connectors` (the event vocabulary) and `rules`; no I/O, no SDK, no database."""
