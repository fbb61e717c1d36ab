"""Background workers: the Celery app, its thin tasks, the beat schedule and shared provider limits.

May import assistant's use cases and everything below them; only the command line starts it."""
