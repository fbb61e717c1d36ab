"""The example rule files in examples/rules/ are valid and do what their comments say, on the
sample leader's calendar."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main
from rules import load_rules
from tests.conftest import REPO, SAMPLE

EXAMPLES_DIR = REPO / "examples" / "rules"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))
FOUR_DAY_WEEK = EXAMPLES_DIR / "leader-four-day-week.yaml"
NEW_YORK = EXAMPLES_DIR / "leader-new-york.yaml"
ORGANISATION = EXAMPLES_DIR / "organisation.yaml"


def _review(rules_file: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(
        [
            "review",
            str(SAMPLE),
            "--rules",
            str(rules_file),
            "--today",
            "2026-11-30",
            "--format",
            "json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    review: dict[str, Any] = json.loads(captured.out)
    return review


def _slots(review: dict[str, Any]) -> list[tuple[str, datetime, datetime]]:
    return [
        (p["kind"], datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]))
        for p in review["proposals"]
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_passes_rules_check(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rules", "check", str(path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    assert captured.out.strip() in (f"{path}: ok", f"{path}: in orde")


def test_all_examples_pass_rules_check_together(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rules", "check", *(str(p) for p in EXAMPLES)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert len(captured.out.strip().splitlines()) == len(EXAMPLES)


def test_the_leader_files_build_on_the_organisation() -> None:
    organisation = load_rules(ORGANISATION)
    assert organisation.leader.language == "nl"
    assert organisation.leader.holiday_country == "NL"
    assert (organisation.delivery.weekday, organisation.delivery.time) == ("monday", time(7, 0))
    assert organisation.google.focus_time.decline_message is not None
    # The organisation adds Dutch words and keeps the bundled ones.
    assert "stiltetijd" in organisation.classification.reflection_keywords
    assert "focus" in organisation.classification.reflection_keywords

    four_day = load_rules(FOUR_DAY_WEEK)
    assert four_day.leader.language == "nl"  # from the organisation
    assert four_day.reflection.minutes == 120  # from the board's team file
    assert four_day.classification.reflection_keywords == (
        organisation.classification.reflection_keywords
    )


def test_the_four_day_week_leader_has_friday_off_and_no_lunch_proposals() -> None:
    rules = load_rules(FOUR_DAY_WEEK)
    assert rules.working_hours.friday == ()
    working = [day for day in range(7) if rules.working_hours.for_weekday(day)]
    assert working == [0, 1, 2, 3]  # Monday to Thursday
    assert len(rules.working_hours.monday) == 2  # a break in the middle of the day
    assert "lunch" not in rules.proposals.kinds
    assert set(rules.proposals.kinds) == {"reflection", "recovery", "mini_retreat"}


def test_the_four_day_week_review_proposes_nothing_on_friday_and_no_lunch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    review = _review(FOUR_DAY_WEEK, capsys)
    slots = _slots(review)
    assert slots, "the sample's busy coming week should get proposals"
    assert review["language"] == "nl"
    for kind, start, end in slots:
        assert kind != "lunch"
        assert start.weekday() < 4, f"{kind} on {start:%A %d %B}"
        assert end.date() == start.date()
    # Reflection blocks last the two hours of the board's team file.
    reflection = [end - start for kind, start, end in slots if kind == "reflection"]
    assert reflection
    assert set(reflection) == {timedelta(minutes=120)}


def test_the_four_day_week_proposals_keep_out_of_the_gap_between_working_ranges(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = load_rules(FOUR_DAY_WEEK)
    for kind, start, end in _slots(_review(FOUR_DAY_WEEK, capsys)):
        ranges = rules.working_hours.for_weekday(start.weekday())
        start_minute = start.hour * 60 + start.minute
        end_minute = end.hour * 60 + end.minute
        assert any(r.start_minute <= start_minute and end_minute <= r.end_minute for r in ranges), (
            f"{kind} {start:%a %H:%M}-{end:%H:%M} lies outside {[str(r) for r in ranges]}"
        )


def test_the_new_york_leader_is_reviewed_in_new_york_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    review = _review(NEW_YORK, capsys)
    assert review["timezone"] == "America/New_York"
    assert review["language"] == "en"
    assert review["leader"] == "dana.whitfield@example.com"
    assert review["generated_at"].endswith("-05:00")
    assert review["proposals"]
    for proposal in review["proposals"]:
        assert proposal["start"].endswith("-05:00"), proposal
        assert proposal["end"].endswith("-05:00"), proposal
        assert proposal["key"].startswith("dana.whitfield@example.com:2026-W49:")
    # Working hours 08:00-18:00 Eastern; reflection preferably in the afternoon.
    slots = _slots(review)
    for _, start, end in slots:
        assert start.time() >= time(8, 0)
        assert end.time() <= time(18, 0)
    reflection = [start for kind, start, _ in slots if kind == "reflection"]
    assert reflection
    assert all(start.time() >= time(13, 0) for start in reflection)


def test_the_new_york_leader_has_us_holidays_an_exception_and_an_assistant_in_copy() -> None:
    rules = load_rules(NEW_YORK)
    assert rules.leader.holiday_country == "US"
    assert rules.exceptions.organisers
    assert rules.delivery.assistant_cc
    # The organisation's Dutch decline message is reset to the standard one in English.
    assert rules.google.focus_time.decline_message is None


def test_the_new_york_preview_names_the_exception_and_the_copy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "rules",
            "preview",
            str(NEW_YORK),
            "--calendar",
            str(SAMPLE),
            "--today",
            "2026-11-30",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rules = load_rules(NEW_YORK)
    assert f"Meetings of {rules.exceptions.organisers[0]} may take a protected block." in (
        captured.out
    )
    assert f"with a copy to {rules.delivery.assistant_cc[0]}" in captured.out
