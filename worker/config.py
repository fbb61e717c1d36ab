"""The workers' settings: the `worker` group of the settings tree (`assistant.settings`).

Kept as the workers' own name for it; every variable is read and checked there.
"""

from __future__ import annotations

from assistant.settings import WorkerSettings as WorkerSettings
from assistant.settings import clock as clock
