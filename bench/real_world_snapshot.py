"""What every real-world calendar gives today: a snapshot to compare before and after a change.

    .venv/bin/python bench/real_world_snapshot.py OUT.json

For each file in ../shared/calendars/real-world: the events and skipped reasons `IcsSource` reads
in fifteen weeks around its first event, and `agenda-regie review FILE --format json` for the week
after that event (its output, or its one-line error and exit code).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors import ConnectorError  # noqa: E402
from tests.connectors.test_ics_real_world import (  # noqa: E402
    FILES,
    REAL_WORLD,
    fetch,
    window_around_first_event,
)

CLI = str(Path(sys.executable).with_name("agenda-regie"))


def main() -> None:
    snapshot: dict[str, object] = {}
    env = {**os.environ, "AGENDA_REGIE_LANG": "en"}
    for name in FILES:
        try:
            result = fetch(name)
            read: object = {
                "events": sorted(f"{e.id} {e.start.isoformat()} {e.kind}" for e in result.events),
                "skipped": sorted(f"{s.where}: {s.reason}" for s in result.skipped),
            }
        except ConnectorError as error:
            read = f"error: {error}"
        today = window_around_first_event(REAL_WORLD / name).start + timedelta(weeks=8)
        review = subprocess.run(
            [
                CLI,
                "review",
                str(REAL_WORLD / name),
                "--format",
                "json",
                "--no-store",
                "--tz",
                "Europe/Amsterdam",
                "--today",
                today.date().isoformat(),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        snapshot[name] = {
            "read": read,
            "review_code": review.returncode,
            "review": review.stdout if review.returncode == 0 else review.stderr.strip(),
        }
        print(name, review.returncode, flush=True)
    Path(sys.argv[1]).write_text(json.dumps(snapshot, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
