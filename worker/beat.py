"""The beat schedule: one UTC tick that dispatches due reviews, one that spreads the syncs.

Per-leader local times are not beat entries (beat's crontab runs in the app's zone, see
calendar-apis.md C.4): `dispatch_due` looks at each leader's own zone on every tick instead.
Run a single beat per schedule.
"""

from __future__ import annotations

from typing import Any

from worker.config import WorkerSettings


def beat_schedule(settings: WorkerSettings) -> dict[str, dict[str, Any]]:
    return {
        "dispatch-due-reviews": {
            "task": "agenda_regie.dispatch_due",
            "schedule": float(settings.dispatch_every_seconds),
            "options": {"queue": "review", "expires": settings.dispatch_every_seconds},
        },
        "spread-connection-syncs": {
            "task": "agenda_regie.schedule_syncs",
            "schedule": float(settings.sync_period_seconds),
            "options": {"queue": "sync", "expires": settings.sync_period_seconds},
        },
        "drain-outbox": {
            "task": "agenda_regie.drain_outbox",
            "schedule": float(settings.dispatch_every_seconds),
            "options": {"queue": "write", "expires": settings.dispatch_every_seconds},
        },
    }
