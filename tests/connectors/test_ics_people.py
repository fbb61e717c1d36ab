"""How one iCalendar occurrence is read: the leader's response (a delegated invitation is one the
leader will not attend), who counts as another person, Outlook's busy states, the organisers the
rules let override protected time, and our own marker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors import CalendarEvent, ClassifyOptions, EventKind, Response, TimeWindow
from connectors.ics import IcsSource

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ME = "leader@example.org"
MARCH = TimeWindow(datetime(2026, 3, 1, tzinfo=AMSTERDAM), datetime(2026, 4, 1, tzinfo=AMSTERDAM))


def vevent(number: int, *lines: str, day: int = 2) -> str:
    start = f"202603{day:02d}T{8 + number:02d}0000"
    end = f"202603{day:02d}T{8 + number:02d}3000"
    body = "\r\n".join(lines)
    return (
        f"BEGIN:VEVENT\r\nUID:event-{number}@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Amsterdam:{start}\r\nDTEND;TZID=Europe/Amsterdam:{end}\r\n"
        f"SUMMARY:Overleg {number}\r\n{body}\r\nEND:VEVENT\r\n"
    )


def read(
    tmp_path: Path, *events: str, classify: ClassifyOptions | None = None
) -> list[CalendarEvent]:
    path = tmp_path / "calendar.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    source = IcsSource(path, zone=AMSTERDAM, me=[ME], classify=classify or ClassifyOptions())
    return list(source.fetch(MARCH))


def test_a_delegated_invitation_is_declined_and_an_unknown_reply_is_unknown(
    tmp_path: Path,
) -> None:
    organiser = "ORGANIZER:mailto:boss@example.org"
    events = read(
        tmp_path,
        vevent(0, organiser, f"ATTENDEE;PARTSTAT=DELEGATED:mailto:{ME}"),
        vevent(1, organiser, f"ATTENDEE;PARTSTAT=X-MAYBE:mailto:{ME}"),
        vevent(2, organiser, f"ATTENDEE:MAILTO:{ME.upper()}"),  # no PARTSTAT: not answered
    )
    # The delegated one is left out like a declined one; the other two remain.
    assert [(e.my_response, e.other_attendees) for e in events] == [
        (Response.UNKNOWN, 1),
        (Response.NEEDS_ACTION, 1),
    ]


def test_rooms_and_resources_are_not_people_and_alone_do_not_make_a_meeting(
    tmp_path: Path,
) -> None:
    events = read(
        tmp_path,
        vevent(
            0,
            f"ORGANIZER:mailto:{ME}",
            "ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room-4@example.org",
            "ATTENDEE;CUTYPE=resource;PARTSTAT=ACCEPTED:mailto:beamer@example.org",
        ),
        vevent(
            1,
            "ORGANIZER:mailto:boss@example.org",
            "ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room-4@example.org",
        ),
    )
    assert [(e.organized_by_me, e.other_attendees, e.kind) for e in events] == [
        (True, 0, EventKind.SOLO),
        # Only a room: nobody takes part, so the organiser is not counted either.
        (False, 0, EventKind.SOLO),
    ]


def test_outlook_busy_states_decide_busy_over_transparency(tmp_path: Path) -> None:
    def state(value: str) -> str:
        return f"X-MICROSOFT-CDO-BUSYSTATUS:{value}"

    events = read(
        tmp_path,
        vevent(0, state("WORKINGELSEWHERE"), "TRANSP:TRANSPARENT"),
        vevent(1, state("WORKINGELSEWHERE"), "TRANSP:OPAQUE"),
        vevent(2, state("OOF"), "TRANSP:TRANSPARENT"),
        vevent(3, state("TENTATIVE"), "TRANSP:TRANSPARENT"),
        vevent(4, state("FREE"), "TRANSP:OPAQUE"),
    )
    # Working elsewhere leaves busy as the event says; away and tentative are busy anyway.
    assert [e.busy for e in events] == [False, True, True, True, False]


def test_an_exception_organiser_may_override_protected_time_only_with_a_meeting(
    tmp_path: Path,
) -> None:
    ceo = "ceo@example.org"
    options = ClassifyOptions(exception_organisers=frozenset({ceo}))
    events = read(
        tmp_path,
        vevent(
            0,
            "ORGANIZER:MAILTO:CEO@Example.org",
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}",
        ),
        vevent(1, f"ORGANIZER:mailto:{ceo}"),  # the CEO's own hold in the leader's calendar
        vevent(
            2,
            "ORGANIZER:mailto:boss@example.org",
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}",
        ),
        classify=options,
    )
    assert [(e.kind, e.may_override_protection) for e in events] == [
        (EventKind.MEETING, True),
        (EventKind.SOLO, False),
        (EventKind.MEETING, False),
    ]


def test_our_marker_is_read_in_any_case_and_created_only_when_zoned(
    tmp_path: Path,
) -> None:
    events = read(
        tmp_path,
        vevent(0, "X-AGENDA-REGIE:Protected-Block", "CREATED:20260215T093000Z"),
        vevent(1, "X-AGENDA-REGIE:something-else", "CREATED:20260215T093000"),
    )
    assert [e.ours for e in events] == [True, False]
    assert [e.created for e in events] == [
        datetime(2026, 2, 15, 9, 30, tzinfo=UTC),
        None,
    ]


def test_a_single_events_id_depends_on_its_uid_only(tmp_path: Path) -> None:
    first = read(tmp_path, vevent(0, "STATUS:CONFIRMED"))
    renamed = read(tmp_path, vevent(0, "STATUS:CONFIRMED").replace("Overleg 0", "Andere titel"))
    moved = read(tmp_path, vevent(0, "STATUS:CONFIRMED", day=3))
    other_uid = read(tmp_path, vevent(0, "STATUS:CONFIRMED").replace("UID:event-0", "UID:other"))
    assert first[0].id == renamed[0].id
    # A moved meeting is the same event (one change in a synced cache, not a removal and an
    # addition); a series' instances differ by their RECURRENCE-ID.
    assert first[0].id == moved[0].id
    assert first[0].id != other_uid[0].id
    assert len(first[0].id) == 20
    assert "example.org" not in first[0].id  # the UID (often an address) is hashed


def test_attendees_without_an_organiser_count_only_the_others(tmp_path: Path) -> None:
    events = read(
        tmp_path,
        vevent(
            0,
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:colleague@example.org",
        ),
    )
    assert [(e.my_response, e.organized_by_me, e.other_attendees) for e in events] == [
        (Response.ACCEPTED, False, 1)
    ]


def test_a_moment_without_length_is_read_and_named_after_its_source(
    tmp_path: Path,
) -> None:
    zero = vevent(0, "STATUS:CONFIRMED").replace("T083000", "T080000")  # ends as it starts
    [event] = read(tmp_path, zero)
    assert event.start == event.end == datetime(2026, 3, 2, 8, 0, tzinfo=AMSTERDAM)
    assert event.source == "calendar.ics"


def test_people_leave_the_connector_only_as_keyed_hashes(tmp_path: Path) -> None:
    organiser = "ORGANIZER:mailto:Boss@Example.org"
    events = (
        vevent(0, organiser, f"ATTENDEE:mailto:{ME}", "ATTENDEE:mailto:peer@example.org"),
        vevent(1, organiser, f"ATTENDEE:mailto:{ME}", "ATTENDEE;CUTYPE=ROOM:mailto:room@x.org"),
    )
    keyed = read(tmp_path, *events, classify=ClassifyOptions(people_key=b"k" * 32))
    again = read(tmp_path, *events, classify=ClassifyOptions(people_key=b"k" * 32))
    other = read(tmp_path, *events, classify=ClassifyOptions(people_key=b"o" * 32))
    unkeyed = read(tmp_path, *events)
    # The same person under the same key is the same hash, in any case; rooms and the leader
    # are not people met.
    boss_and_peer, boss_only = (set(e.people) for e in keyed)
    assert len(boss_and_peer) == 2
    assert len(boss_only) == 1
    assert boss_only < boss_and_peer
    assert [e.people for e in again] == [e.people for e in keyed]
    assert not set(other[0].people) & boss_and_peer  # another key, other hashes
    assert all(e.people == () for e in unkeyed)  # no key, no people
    text = repr(keyed)
    for address in ("boss@example.org", "peer@example.org", ME, "room@x.org"):
        assert address not in text.lower()


def test_counterforce_by_the_people_named_or_a_title_keyword(tmp_path: Path) -> None:
    coach = vevent(0, "ORGANIZER:mailto:coach@example.net", f"ATTENDEE:mailto:{ME}")
    board = vevent(1, "ORGANIZER:mailto:chair@example.org", f"ATTENDEE:mailto:{ME}")
    keyword = vevent(2, "ORGANIZER:mailto:x@example.org", f"ATTENDEE:mailto:{ME}").replace(
        "SUMMARY:Overleg 2", "SUMMARY:Intervisie met peers"
    )
    solo = vevent(3).replace("SUMMARY:Overleg 3", "SUMMARY:Coach voorbereiden")
    options = ClassifyOptions(
        counterforce_keywords=("intervisie", "coach"),
        counterforce_people=frozenset({"chair@example.org"}),
    )
    events = read(tmp_path, coach, board, keyword, solo, classify=options)
    # A meeting with a named person or a keyword; a solo hold is no session with anyone.
    assert [(e.kind, e.counterforce) for e in events] == [
        (EventKind.MEETING, False),
        (EventKind.MEETING, True),
        (EventKind.MEETING, True),
        (EventKind.SOLO, False),
    ]


SERIES = vevent(0, "RRULE:FREQ=WEEKLY;COUNT=3")  # Mondays 2, 9 and 16 March, 08:00-08:30
# The ids these events have had since ids were hashed (a single event: its UID; an instance: its
# UID and RECURRENCE-ID).
SINGLE_ID = "0d9d2ee5e0269afaaa70"
SERIES_IDS = ["c766f3fc287e228543c3", "3245f39131457de4a8c6", "8dc2b727f77e7d008bd8"]
# A weekly day off: its instances are their dates' midnights in the leader's zone.
DAYS_OFF = (
    "BEGIN:VEVENT\r\nUID:day-off@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20260303\r\nDTEND;VALUE=DATE:20260304\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n"
    "SUMMARY:Vrij\r\nEND:VEVENT\r\n"
)
DAYS_OFF_IDS = ["7b2179b879677a4dce6c", "8c8732e49e9d8eb4c22f"]


def _moved(recurrence_id: str, start: str, end: str) -> str:
    return (
        "BEGIN:VEVENT\r\nUID:event-0@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID=Europe/Amsterdam:{recurrence_id}\r\n"
        f"DTSTART;TZID=Europe/Amsterdam:{start}\r\nDTEND;TZID=Europe/Amsterdam:{end}\r\n"
        "SUMMARY:Overleg 0\r\nEND:VEVENT\r\n"
    )


def test_an_instance_moved_within_its_series_keeps_its_id(tmp_path: Path) -> None:
    before = read(tmp_path, SERIES)
    after = read(tmp_path, SERIES, _moved("20260309T080000", "20260310T140000", "20260310T143000"))
    assert len({e.id for e in before}) == 3  # each instance its own id
    assert [e.id for e in after] == [e.id for e in before]  # the move changed none of them
    assert after[1].start == datetime(2026, 3, 10, 14, 0, tzinfo=AMSTERDAM)


def test_ids_stay_the_same_from_release_to_release(tmp_path: Path) -> None:
    """A synced cache keys events by id: a new way of making ids would look like every event
    removed and added again."""
    [single] = read(tmp_path, vevent(0, "STATUS:CONFIRMED"))
    instances = read(tmp_path, SERIES)
    assert single.id == SINGLE_ID
    assert [e.id for e in instances] == SERIES_IDS
    assert [e.id for e in read(tmp_path, DAYS_OFF)] == DAYS_OFF_IDS


def test_rooms_listed_before_the_people_do_not_hide_them(tmp_path: Path) -> None:
    [event] = read(
        tmp_path,
        vevent(
            0,
            "ATTENDEE;CUTYPE=ROOM:mailto:boardroom@example.org",
            "ATTENDEE;CUTYPE=RESOURCE:mailto:beamer@example.org",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:colleague@example.org",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.org",
        ),
    )
    assert event.other_attendees == 2


def test_outlooks_all_day_flag_counts_only_from_midnight_to_a_later_midnight(
    tmp_path: Path,
) -> None:
    flag = "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE"
    timed = vevent(0, flag)  # 08:00-08:30 with the flag: a timed event
    midnights = (
        vevent(1, flag).replace("T090000", "T000000").replace("20260302T093000", "20260303T000000")
    )
    empty = vevent(2, flag).replace("T100000", "T000000").replace("T103000", "T000000")
    events = read(tmp_path, timed, midnights, empty)
    assert [(e.all_day, e.start.hour, e.end - e.start) for e in events] == [
        (False, 0, timedelta(0)),
        (True, 0, timedelta(days=1)),
        (False, 8, timedelta(minutes=30)),
    ]
