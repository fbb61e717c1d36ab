"""Background workers: the Celery app, its thin tasks, the beat schedule and shared provider limits.

Imports run one way: `worker -> assistant -> {connectors, rules}`; nothing outside imports this.
"""
