"""The hosts allowed on a private network are a feed's setting: a review of a calendar file
neither reads nor needs it (nor loads the settings library), a feed's review is refused while it
is malformed, in one line naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AGENDA_REGIE = str(Path(sys.executable).parent / "agenda-regie")
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-leader.ics"
MALFORMED = "http://calendar.intranet/"
PROBLEM = (
    "AGENDA_REGIE_FEED_ALLOWED_HOSTS lists host names or addresses separated by commas, "
    "not URLs ('http://calendar.intranet/')"
)


def _review(source: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AGENDA_REGIE_") and key != "DATABASE_URL"
    }
    environment.update(
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path),
        AGENDA_REGIE_FEED_ALLOWED_HOSTS=MALFORMED,
        LANGUAGE="en",
    )
    command = [AGENDA_REGIE, "review", source, "--today", "2026-11-30", "--format", "json"]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def test_a_file_review_does_not_need_the_feed_setting(tmp_path: Path) -> None:
    done = _review(str(SAMPLE), tmp_path)
    assert done.returncode == 0, done.stderr
    review = json.loads(done.stdout)
    assert (review["week"], review["indicators"]["meeting_hours"]) == ("2026-W48", 36.75)
    assert done.stderr == ""


def test_a_feed_review_is_refused_while_the_setting_is_malformed(tmp_path: Path) -> None:
    done = _review("https://calendar.example.invalid/leader.ics", tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"agenda-regie: {PROBLEM}"
    assert done.stdout == ""
