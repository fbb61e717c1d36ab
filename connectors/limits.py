"""At most N requests in flight per key (a mailbox, a server) in this process, shared by the
provider connectors; the workers share theirs across processes through Redis (`worker.limits`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLimiter:
    """At most `limit` requests in flight per key, in this process."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the limit must be at least 1")
        self.limit = limit
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    def key(self, name: str) -> str:
        """The key `name` counts under (a subclass may normalise it)."""
        return name

    @contextmanager
    def slot(self, name: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._semaphores.setdefault(
                self.key(name), threading.BoundedSemaphore(self.limit)
            )
        with semaphore:
            yield
