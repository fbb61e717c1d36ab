"""The sample leader calendar: reproducible, valid, and realistic enough to review.

`examples/make_sample.py` writes `examples/sample-leader.ics`; these tests regenerate it, parse
it with icalendar, expand it with recurring_ical_events over 2026-W35..W49 and check that it has
what the review and the proposals need (see examples/README.md).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import yaml

from tests.conftest import REPO, SAMPLE, SAMPLE_LEADER

SCRIPT = REPO / "examples" / "make_sample.py"
TZ = ZoneInfo("Europe/Amsterdam")
FIRST_DAY = date(2026, 8, 24)  # Monday of 2026-W35
END_DAY = date(2026, 12, 7)  # the day after Sunday of 2026-W49
EXPORTED = datetime(2026, 11, 30, 7, 0, tzinfo=TZ)  # the sample's "now": DTSTAMP
ME = f"mailto:{SAMPLE_LEADER}"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def make_sample() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def calendar() -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(SAMPLE.read_bytes())


@pytest.fixture(scope="module")
def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


@pytest.fixture(scope="module")
def occurrences(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(recurring_ical_events.of(calendar).between(FIRST_DAY, END_DAY))


@pytest.fixture(scope="module")
def keywords() -> dict[str, re.Pattern[str]]:
    rules = yaml.safe_load((REPO / "rules" / "defaults.yaml").read_text(encoding="utf-8"))
    found = {}
    for group in ("reflection_keywords", "out_of_office_keywords"):
        words = sorted(rules["classification"][group], key=len, reverse=True)
        alternatives = "|".join(re.escape(word) for word in words)
        found[group] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return found


def _attendees(event: icalendar.Event) -> list[icalendar.vCalAddress]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _my_partstat(event: icalendar.Event) -> str | None:
    for attendee in _attendees(event):
        if str(attendee).lower() == ME:
            return str(attendee.params.get("PARTSTAT"))
    return None


def _is_meeting(event: icalendar.Event) -> bool:
    """Busy, not cancelled, not declined, with someone besides the leader."""
    return (
        isinstance(event.decoded("DTSTART"), datetime)
        and event.get("TRANSP", "OPAQUE") == "OPAQUE"
        and event.get("STATUS", "CONFIRMED") != "CANCELLED"
        and _my_partstat(event) not in (None, "DECLINED")
        and any(str(a).lower() != ME for a in _attendees(event))
    )


def _start(event: icalendar.Event) -> datetime:
    start = event.decoded("DTSTART")
    if isinstance(start, datetime):
        return start.astimezone(TZ)
    return datetime.combine(start, time(0), TZ)


def _minutes(event: icalendar.Event) -> float:
    return (event.decoded("DTEND") - event.decoded("DTSTART")).total_seconds() / 60


def _week(event: icalendar.Event) -> int:
    return _start(event).isocalendar().week


def _short_notice(event: icalendar.Event) -> bool:
    return _start(event) - event.decoded("CREATED") < timedelta(hours=24)


# ---- reproducible ---------------------------------------------------------------------------


def test_the_script_regenerates_the_committed_sample_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / "sample.ics"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(target)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == SAMPLE.read_bytes(), (
        "examples/sample-leader.ics is stale: run `python examples/make_sample.py`"
    )
    assert b"\r\n" in target.read_bytes()


def test_build_calendar_is_deterministic_and_matches_the_file(make_sample: ModuleType) -> None:
    first = make_sample.build_calendar().to_ical()
    assert first == make_sample.build_calendar().to_ical()
    assert first == SAMPLE.read_bytes()
    assert make_sample.build_calendar(seed=8).to_ical() != first


def test_events_per_week_scales_a_longer_calendar(make_sample: ModuleType) -> None:
    calendar = make_sample.build_calendar(first_week="2027-W02", weeks=4, events_per_week=60)
    first = date.fromisocalendar(2027, 2, 1)
    expanded = recurring_ical_events.of(calendar).between(first, first + timedelta(weeks=4))
    per_week = Counter(_week(event) for event in expanded)
    assert sorted(per_week) == [2, 3, 4, 5]
    # The last week is "the coming week" and only partly booked.
    for week in (2, 3, 4):
        assert 50 <= per_week[week] <= 70, per_week


def test_main_rejects_a_bad_week(make_sample: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        make_sample.main(["--first-week", "2026-35", "--output", str(tmp_path / "x.ics")])
    assert stopped.value.code == 2
    assert not (tmp_path / "x.ics").exists()


# ---- valid ----------------------------------------------------------------------------------


def test_the_sample_parses_and_expands_without_errors(
    calendar: icalendar.Calendar, occurrences: list[icalendar.Event]
) -> None:
    assert [c.errors for c in calendar.walk() if c.errors] == []
    assert calendar.to_ical() == SAMPLE.read_bytes()  # round-trips unchanged
    assert len(occurrences) > 300
    assert all(FIRST_DAY <= _start(e).date() < END_DAY for e in occurrences)


def test_times_are_in_europe_amsterdam_with_a_vtimezone(
    calendar: icalendar.Calendar, events: list[icalendar.Event]
) -> None:
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    text = SAMPLE.read_text(encoding="utf-8")
    assert "DTSTART;TZID=Europe/Amsterdam:" in text
    timed = [e for e in events if isinstance(e.decoded("DTSTART"), datetime)]
    assert timed
    assert {str(e.decoded("DTSTART").tzinfo) for e in timed} == {"Europe/Amsterdam"}


def test_local_times_survive_the_october_clock_change(occurrences: list[icalendar.Event]) -> None:
    staff = [e for e in occurrences if str(e["SUMMARY"]) == "MT-overleg"]
    assert len(staff) >= 13
    for event in staff:
        start = _start(event)
        assert (start.weekday(), start.time(), _minutes(event)) == (0, time(9, 0), 90.0)
    offsets = {_start(e).utcoffset() for e in staff}
    assert offsets == {timedelta(hours=2), timedelta(hours=1)}


# ---- realistic ------------------------------------------------------------------------------


def test_at_least_twelve_weeks_have_events_and_the_coming_week_has_meetings(
    occurrences: list[icalendar.Event],
) -> None:
    per_week = Counter(_week(e) for e in occurrences)
    assert len([w for w in range(35, 50) if per_week[w] > 0]) >= 12
    coming = [e for e in occurrences if _week(e) == 49 and _is_meeting(e)]
    assert len(coming) >= 10
    assert {_start(e).weekday() for e in coming} >= {0, 1, 2, 3, 4}


def test_recurring_series_with_exdate_moved_and_cancelled_occurrences(
    events: list[icalendar.Event],
) -> None:
    masters = [e for e in events if "RRULE" in e]
    rules = [e["RRULE"] for e in masters]
    assert len(masters) >= 8
    assert any(r["FREQ"] == ["WEEKLY"] and r.get("INTERVAL") == [2] for r in rules)
    assert any(r["FREQ"] == ["MONTHLY"] and r.get("BYDAY") for r in rules)
    assert any("EXDATE" in e for e in masters)
    one_on_ones = [e for e in masters if str(e["SUMMARY"]).startswith("1:1")]
    assert len(one_on_ones) >= 4
    assert all(30 <= _minutes(e) <= 45 for e in one_on_ones)

    overrides = [e for e in events if "RECURRENCE-ID" in e]
    master_uids = {str(e["UID"]) for e in masters}
    assert all(str(e["UID"]) in master_uids for e in overrides)
    moved = [
        e
        for e in overrides
        if e.get("STATUS") != "CANCELLED" and e.decoded("DTSTART") != e.decoded("RECURRENCE-ID")
    ]
    cancelled = [e for e in overrides if e.get("STATUS") == "CANCELLED"]
    assert moved
    assert cancelled


def test_the_expansion_shows_the_moved_and_cancelled_occurrences(
    events: list[icalendar.Event], occurrences: list[icalendar.Event]
) -> None:
    for override in (e for e in events if "RECURRENCE-ID" in e):
        same = [o for o in occurrences if str(o["UID"]) == str(override["UID"])]
        original = override.decoded("RECURRENCE-ID")
        at_new_time = [o for o in same if o.decoded("DTSTART") == override.decoded("DTSTART")]
        assert len(at_new_time) == 1
        assert at_new_time[0].get("STATUS") == override.get("STATUS")
        if override.decoded("DTSTART") != original:
            assert not [o for o in same if o.decoded("DTSTART") == original]


def test_out_of_office_is_an_all_day_busy_event(
    events: list[icalendar.Event], keywords: dict[str, re.Pattern[str]]
) -> None:
    absent = [
        e
        for e in events
        if not isinstance(e.decoded("DTSTART"), datetime)
        and e.get("TRANSP", "OPAQUE") == "OPAQUE"
        and keywords["out_of_office_keywords"].search(str(e["SUMMARY"]))
    ]
    assert len(absent) >= 2
    assert any(e.decoded("DTEND") - e.decoded("DTSTART") > timedelta(days=1) for e in absent)
    # A transparent all-day event is a reminder, not an absence.
    assert any(
        not isinstance(e.decoded("DTSTART"), datetime) and e.get("TRANSP") == "TRANSPARENT"
        for e in events
    )


def test_reflection_blocks_thin_out_and_the_only_mini_retreat_is_early(
    occurrences: list[icalendar.Event], keywords: dict[str, re.Pattern[str]]
) -> None:
    reflection = [
        e for e in occurrences if keywords["reflection_keywords"].search(str(e["SUMMARY"]))
    ]
    assert all(not _attendees(e) for e in reflection), "reflection blocks are solo"
    early = sum(_minutes(e) for e in reflection if _week(e) <= 41)
    late = sum(_minutes(e) for e in reflection if _week(e) >= 43)
    assert early >= 3 * late
    assert not [e for e in reflection if _week(e) == 48]
    # Merged per day, as the review measures it: one block of three hours or more, in September.
    by_day: dict[date, list[tuple[datetime, datetime]]] = {}
    for event in reflection:
        end = event.decoded("DTEND").astimezone(TZ)
        by_day.setdefault(_start(event).date(), []).append((_start(event), end))
    retreat_days = []
    for day, spans in sorted(by_day.items()):
        merged: list[list[datetime]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        if any(end - start >= timedelta(minutes=180) for start, end in merged):
            retreat_days.append(day)
    assert retreat_days == [date(2026, 9, 4)]


def test_every_event_has_a_creation_time_before_the_export(events: list[icalendar.Event]) -> None:
    for event in events:
        created = event.decoded("CREATED")
        assert created.tzinfo is not None
        assert created.utcoffset() == timedelta(0)
        assert created <= EXPORTED
        assert event.decoded("DTSTAMP") == EXPORTED.astimezone(UTC)
        if "RECURRENCE-ID" not in event:
            assert created < _start(event), event["SUMMARY"]


def test_short_notice_bookings_grow_over_the_weeks(occurrences: list[icalendar.Event]) -> None:
    meetings = [e for e in occurrences if _is_meeting(e)]

    def share(weeks: range) -> float:
        chosen = [e for e in meetings if _week(e) in weeks]
        short = sum(_minutes(e) for e in chosen if _short_notice(e))
        return short / sum(_minutes(e) for e in chosen)

    assert share(range(35, 39)) < 0.12
    assert share(range(45, 49)) > 0.18
    assert share(range(45, 49)) > 2 * share(range(35, 39))


def test_the_days_get_fuller(occurrences: list[icalendar.Event]) -> None:
    meetings = [e for e in occurrences if _is_meeting(e)]

    def hours(week: int) -> float:
        return sum(_minutes(e) for e in meetings if _week(e) == week) / 60

    def outside_hours(weeks: range) -> int:
        return sum(
            1
            for e in meetings
            if _week(e) in weeks
            and (_start(e).time() < time(8, 30) or _start(e).weekday() >= 5 or _start(e).hour >= 18)
        )

    assert sum(hours(w) for w in range(45, 49)) > 1.2 * sum(hours(w) for w in range(35, 39))
    assert outside_hours(range(45, 49)) > outside_hours(range(35, 39))
    assert any(_start(e).time() == time(7, 30) for e in meetings)
    assert any(_start(e).hour >= 19 for e in meetings)
    assert any(_start(e).weekday() >= 5 for e in meetings)


def test_the_leader_answers_and_some_events_are_not_plain_meetings(
    events: list[icalendar.Event],
) -> None:
    answers = Counter(_my_partstat(e) for e in events)
    assert answers["DECLINED"] >= 1
    assert answers["TENTATIVE"] >= 1
    assert answers["ACCEPTED"] > 100
    organised = [e for e in events if str(e.get("ORGANIZER", "")).lower() == ME]
    assert len(organised) >= 10
    assert any(e.get("STATUS") == "TENTATIVE" for e in events)
    assert any(e.get("TRANSP") == "TRANSPARENT" for e in events)
    solo_holds = [
        e
        for e in events
        if not _attendees(e)
        and isinstance(e.decoded("DTSTART"), datetime)
        and e.get("TRANSP") == "OPAQUE"
    ]
    assert any(str(e["SUMMARY"]).startswith(("Voorbereiding", "Reistijd")) for e in solo_holds)


def test_only_example_addresses(events: list[icalendar.Event]) -> None:
    addresses = {
        str(value).lower()
        for event in events
        for value in [*_attendees(event), event.get("ORGANIZER")]
        if value is not None
    }
    assert ME in addresses
    assert all(re.fullmatch(r"mailto:[^@]+@example\.(org|com)", a) for a in addresses), addresses
