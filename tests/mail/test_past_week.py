"""A review email never offers a block in the past: an old week's email says the week is over
and has no Accept link; inside the week, nothing is offered before the moment of sending."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from tests.mail.test_cli_mail import environment, send_review

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _dry_run(store: Engine, tmp_path: Path, *options: str) -> str:
    output = tmp_path / "review.eml"
    done = send_review(environment(store), *options, "--dry-run", "--output", str(output))
    assert done.returncode == 0, done.stderr
    message = email.message_from_bytes(output.read_bytes(), policy=email.policy.default)
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    return str(plain.get_content())


def test_an_old_weeks_email_says_the_week_is_over_and_offers_nothing(
    store: Engine, tmp_path: Path
) -> None:
    text = _dry_run(store, tmp_path, "--week", "2026-W47", "--today", "2026-12-06")
    assert "Week 48 is over, so nothing is proposed for it" in text
    assert "/p/" not in text  # no Accept or Decline link
    assert "Accept" not in text


def test_inside_the_week_nothing_is_offered_before_the_moment_of_sending(
    store: Engine, tmp_path: Path
) -> None:
    # Tuesday 1 December at noon in the leader's zone, during the proposals week 2026-W49.
    text = _dry_run(store, tmp_path, "--week", "2026-W48", "--today", "2026-12-01")
    assert "is over" not in text
    offered = re.findall(r"(\d{1,2}) Dec (\d{2}):(\d{2})", text)
    assert offered, text
    noon = datetime(2026, 12, 1, 12, tzinfo=AMSTERDAM)
    for day, hour, minute in offered:
        assert datetime(2026, 12, int(day), int(hour), int(minute), tzinfo=AMSTERDAM) >= noon
