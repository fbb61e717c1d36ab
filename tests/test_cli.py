"""The `agenda-regie review` command, end to end, as a leader runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from assistant.cli.main import main
from assistant.core.catalogue import INDICATOR_IDS
from tests.conftest import REAL_WORLD, REPO, SAMPLE, SAMPLE_LEADER

SCHEMA = json.loads((REPO / "docs" / "review-schema.json").read_text(encoding="utf-8"))
SAMPLE_ARGS = [str(SAMPLE), "--today", "2026-11-30", "--me", SAMPLE_LEADER]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sample_review_as_json_validates_and_covers_every_indicator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, *SAMPLE_ARGS, "--format", "json")
    assert code == 0, err
    review = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(review)
    assert review["week"] == "2026-W48"  # the last complete week before Monday 30 November
    assert review["proposals_week"] == "2026-W49"
    assert set(review["indicators"]) == set(INDICATOR_IDS)
    assert review["indicators"]["meeting_hours"] > 10
    assert len(review["days"]) == 7
    assert review["proposals"], "the sample leader's busy week should get proposals"
    for proposal in review["proposals"]:
        assert proposal["start"].startswith("2026-11-30") or proposal["start"] >= "2026-11-30"
        assert proposal["reason"]


def test_the_sample_carries_the_whitepapers_five_signals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, *SAMPLE_ARGS, "--format", "json", "--lang", "nl")
    assert code == 0, err
    trends = json.loads(out)["trends"]
    signals = {s["id"]: s for s in trends["signals"]}
    assert list(signals) == [
        "faster_agenda",
        "reflection_erosion",
        "shorter_conversations",
        "less_challenge",
        "taking_over",
    ]
    assert signals["less_challenge"]["name"] == "Tegenspraak wordt minder actief opgezocht."
    # People are counted (through keyed hashes) in the sample too: about 25 different people a
    # week, no fewer lately, so challenge is not sought out less.
    challenge = signals["less_challenge"]
    assert (challenge["metric"], challenge["fired"]) == ("distinct_people", False)
    assert challenge["baseline"] >= 20
    fired = [s["id"] for s in trends["signals"] if s["fired"]]
    assert fired == ["faster_agenda", "reflection_erosion"]
    # "N of the 5" is true: the count is of these five, density is not among them.
    assert trends["message"].startswith("Vergeleken met je eigen basislijn hielden 2 van de 5")
    assert [t["id"] for t in trends["energy_trends"]] == ["rising_density"]
    assert trends["step"].startswith("Een stap die kan helpen:")


def test_default_week_is_the_last_complete_week(capsys: pytest.CaptureFixture[str]) -> None:
    # A Friday at noon: this week's working time is not over, so the week before is reviewed.
    code, out, _ = run(capsys, str(SAMPLE), "--today", "2026-11-27", "--format", "json")
    assert code == 0
    assert json.loads(out)["week"] == "2026-W47"


def test_at_the_weekend_the_week_just_worked_is_reviewed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A Sunday: this week's working time is over, so it is reviewed and the proposals are for
    # the coming week (they used to be for the hours left of the Sunday: none).
    code, out, _ = run(
        capsys, str(SAMPLE), "--today", "2026-11-29", "--me", SAMPLE_LEADER, "--format", "json"
    )
    assert code == 0
    review = json.loads(out)
    assert (review["week"], review["proposals_week"]) == ("2026-W48", "2026-W49")
    assert review["proposals"]


def test_text_review_shows_buffers_figures_and_proposals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "review.txt"
    code, _, err = run(capsys, *SAMPLE_ARGS, "--output", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    for word in ("Agenda control", "Energy", "Mini-retreats", "Week 48, 2026"):
        assert word in text


def test_dutch_html_review_is_one_self_contained_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "review.html"
    code, _, err = run(
        capsys, *SAMPLE_ARGS, "--lang", "nl", "--format", "html", "--output", str(target)
    )
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert 'lang="nl"' in page
    assert "Agenda-regie" in page
    assert "Energiemanagement" in page
    assert "http://" not in page
    assert "https://" not in page


def test_titles_never_reach_any_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    marker = "ZQXMARKER"
    calendar = tmp_path / "secret.ics"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for day in range(23, 28):
        for hour, title in ((9, "Board"), (11, "Focus"), (14, "Dentist"), (16, "Vakantie")):
            lines += [
                "BEGIN:VEVENT",
                f"UID:{marker}-{day}-{hour}@{marker}.example",
                "DTSTAMP:20261101T000000Z",
                f"DTSTART;TZID=Europe/Amsterdam:202611{day}T{hour:02d}0000",
                f"DTEND;TZID=Europe/Amsterdam:202611{day}T{hour + 1:02d}3000",
                f"SUMMARY:{title} {marker}",
                f"DESCRIPTION:{marker} agenda",
                f"LOCATION:{marker} room",
                f"ORGANIZER;CN={marker} Boss:mailto:{marker.lower()}@example.org",
                f"ATTENDEE;CN={marker} Guest;PARTSTAT=ACCEPTED:mailto:guest{marker}@example.org",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    calendar.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    for fmt in ("text", "json", "html"):
        target = tmp_path / f"out.{fmt}"
        code, out, err = run(
            capsys, str(calendar), "--week", "2026-W48", "--format", fmt, "--output", str(target)
        )
        assert code == 0, err
        written = target.read_text(encoding="utf-8")
        assert written.strip()
        assert marker.lower() not in (written + out + err).lower(), fmt


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["/nonexistent/calendar.ics"], "/nonexistent/calendar.ics"),
        ([str(SAMPLE), "--rules", "/nonexistent/rules.yaml"], "/nonexistent/rules.yaml"),
    ],
)
def test_missing_files_give_one_clear_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, _out, err = run(capsys, *args)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_wrong_rule_file_names_file_line_and_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nleader:\n  timezone: Europe/Amsterdm\nlunch:\n  minutez: 30\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, *SAMPLE_ARGS, "--rules", str(rules))
    assert code == 2
    assert f"{rules}:3:3: leader.timezone:" in err
    assert "Europe/Amsterdm" in err
    assert f"{rules}:5:3: lunch.minutez: unknown setting" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("bad", ["--week=2026-W60", "--today=30-11-2026", "--tz=Mars/Base"])
def test_bad_options_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["review", str(SAMPLE), bad])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert bad.split("=", 1)[1] in err


def test_rules_file_changes_language_and_thresholds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "leader:\n  language: nl\nthresholds:\n  meeting_share: {attention: '>= 0.01', "
        "alert: '>= 0.02'}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, *SAMPLE_ARGS, "--rules", str(rules), "--format", "json")
    assert code == 0, err
    review = json.loads(out)
    assert review["language"] == "nl"
    agenda = next(b for b in review["buffers"] if b["buffer"] == "agenda_regie")
    assert agenda["status"] == "alert"
    assert any("werktijd" in reason for reason in agenda["reasons"])


REAL_WORLD_FILES = sorted(p.name for p in REAL_WORLD.glob("*.ics"))


def test_the_real_world_corpus_is_there() -> None:
    assert len(REAL_WORLD_FILES) == 44


@pytest.mark.parametrize("name", REAL_WORLD_FILES)
def test_every_real_world_calendar_gives_a_review_or_one_clear_error(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = REAL_WORLD / name
    week = _first_week(path)
    started = time.monotonic()
    code, out, err = run(capsys, str(path), "--week", week, "--format", "json")
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"{name} took {elapsed:.1f} s"
    assert "Traceback" not in err
    if code == 0:
        review = json.loads(out)
        jsonschema.Draft202012Validator(SCHEMA).validate(review)
    else:
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1
        assert name in err


def _first_week(path: Path) -> str:
    """The ISO week of the file's first plausible DTSTART, so each review has something in it."""
    import re
    from datetime import date

    raw = path.read_bytes()
    text = (
        raw.decode("utf-16")
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff")
        else raw.decode("utf-8", "replace")
    )
    for match in re.finditer(r"^DTSTART[^:\n]*:(\d{4})(\d{2})(\d{2})", text, re.MULTILINE):
        year, month, day = (int(g) for g in match.groups())
        if 1990 <= year <= 2035:
            try:
                iso = date(year, month, day).isocalendar()
            except ValueError:
                continue
            return f"{iso.year}-W{iso.week:02d}"
    return "2024-W10"


def test_the_installed_command_runs_without_traceback(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("agenda-regie")
    assert command.exists(), "the console script agenda-regie is not installed"
    done = subprocess.run(
        [str(command), "review", *SAMPLE_ARGS, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["week"] == "2026-W48"
    broken_file = REPO / "tests" / "connectors" / "calendars" / "broken_custom_timezone.ics"
    broken = subprocess.run(
        [str(command), "review", str(broken_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert broken.returncode == 2
    assert "Traceback" not in broken.stderr
    assert "broken_custom_timezone.ics, line 8" in broken.stderr


def test_an_old_week_proposes_nothing_and_says_what_it_would_have_had(
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = [str(SAMPLE), "--week", "2026-W47", "--today", "2026-12-06", "--me", SAMPLE_LEADER]
    code, out, err = run(capsys, *old, "--format", "json")
    assert code == 0, err
    review = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(review)
    assert review["proposals"] == []
    assert review["proposals_week_over"] is True
    assert review["hindsight"], "the sample's busy week 48 would have had proposals"
    assert all(p["start"].startswith("2026-11-") for p in review["hindsight"])
    code, out, _ = run(capsys, *old)
    assert code == 0
    assert "Week 48 is over, so nothing is proposed for it" in " ".join(out.split())
    assert "What it would have proposed, for reference:" in out
    code, out, _ = run(capsys, *old, "--format", "html", "--lang", "nl")
    assert "Week 48 is voorbij, dus daarvoor wordt niets voorgesteld" in out
    current = [str(SAMPLE), *SAMPLE_ARGS[1:], "--format", "json"]
    code, out, _ = run(capsys, *current)
    fresh = json.loads(out)
    assert fresh["proposals"]
    assert fresh["proposals_week_over"] is False
    assert fresh["hindsight"] == []


def test_an_empty_calendar_says_no_data_not_ok(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.ics"
    empty.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n")
    code, out, err = run(capsys, str(empty), "--today", "2026-11-30", "--format", "json")
    assert code == 0, err
    review = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMA).validate(review)
    assert {b["status"] for b in review["buffers"]} == {"no_data"}
    code, out, _ = run(capsys, str(empty), "--today", "2026-11-30", "--lang", "nl")
    assert " ok " not in out
    assert "in orde" not in out
    assert "geen gegevens" in out
    code, out, _ = run(capsys, str(empty), "--today", "2026-11-30", "--format", "html")
    assert "no data" in out


def test_a_reader_that_stops_early_gets_no_complaint() -> None:
    """`agenda-regie review ... | head -1`: no traceback, no "internal error", and the exit code
    of a program stopped by SIGPIPE (141), not 1 (our fault). The reader is gone before the
    first line is written, so the outcome does not depend on timing."""
    command = Path(sys.executable).with_name("agenda-regie")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [str(command), "review", *SAMPLE_ARGS],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141
