"""Writing accepted blocks: focus time, one event per proposal whatever happens, clean withdraw."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.google.auth import build_service
from connectors.google.errors import BadRequestError
from connectors.google.mapping import TAG_GENERATION, TAG_KEY
from connectors.google.retry import Retrier
from connectors.google.writer import (
    Block,
    BlockConflictError,
    FocusTimeOptions,
    GoogleWriter,
    block_event_id,
)
from tests.connectors.google.conftest import user_credentials
from tests.contracts.source import AMSTERDAM
from tests.fakes.google_calendar import FakeGoogleCalendar

REPO = Path(__file__).resolve().parents[3]
START = datetime(2026, 3, 10, 8, 30, tzinfo=AMSTERDAM)
KEY = "leader@example.org/2026-W11/reflection/0"


def block(key: str = KEY, generation: int = 0) -> Block:
    return Block(
        key=key,
        generation=generation,
        start=START,
        end=START + timedelta(minutes=90),
        title="Reflectie (agenda-regie)",
        zone=AMSTERDAM,
    )


def no_wait() -> Retrier:
    return Retrier(sleep=lambda _seconds: None, jitter=lambda: 0.5)


def test_the_event_id_is_base32hex_and_deterministic() -> None:
    first = block_event_id(KEY, 0)

    assert first == block_event_id(KEY, 0)
    assert first != block_event_id(KEY, 1)
    assert first != block_event_id(KEY + "x", 0)
    assert set(first) <= set("0123456789abcdefghijklmnopqrstuv")
    assert 5 <= len(first) <= 1024


def test_a_block_is_written_as_focus_time_with_the_rules_options(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    options = FocusTimeOptions(auto_decline="only_new_conflicting", decline_message="Denktijd")

    result = GoogleWriter(service, focus_time=options).create_block(block())

    (event,) = fake.live().values()
    assert (result.created, result.focus_time, result.focus_time_refused) == (True, True, False)
    assert event["id"] == result.event_id == block_event_id(KEY, 0)
    assert event["eventType"] == "focusTime"
    assert event["focusTimeProperties"]["autoDeclineMode"] == (
        "declineOnlyNewConflictingInvitations"
    )
    assert event["focusTimeProperties"]["declineMessage"] == "Denktijd"
    assert event["transparency"] == "opaque"
    assert event["extendedProperties"]["private"] == {TAG_KEY: KEY, TAG_GENERATION: "0"}
    assert datetime.fromisoformat(event["start"]["dateTime"]) == START
    assert event["start"]["timeZone"] == "Europe/Amsterdam"


def test_accepting_twice_creates_one_event(fake: FakeGoogleCalendar, service: Any) -> None:
    writer = GoogleWriter(service)

    first = writer.create_block(block())
    second = writer.create_block(block())

    assert (first.created, second.created) == (True, False)
    assert first.event_id == second.event_id
    assert len(fake.live()) == 1
    assert fake.count("POST") == 2  # the second insert got 409 and was confirmed with a GET
    assert fake.count("GET", "/events/") == 1


def test_two_writers_at_once_create_one_event(fake: FakeGoogleCalendar) -> None:
    services = [build_service(user_credentials(fake), api_endpoint=fake.url) for _ in range(4)]
    barrier = threading.Barrier(len(services))
    results: list[bool] = []

    def accept(service: Any) -> None:
        barrier.wait()
        results.append(GoogleWriter(service).create_block(block()).created)

    threads = [threading.Thread(target=accept, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for service in services:
        service.close()

    assert sorted(results) == [False, False, False, True]
    assert len(fake.live()) == 1


def test_two_processes_at_once_create_one_event(fake: FakeGoogleCalendar) -> None:
    script = (
        "import sys; from datetime import datetime, timedelta; from zoneinfo import ZoneInfo\n"
        "from google.oauth2.credentials import Credentials\n"
        "from connectors.google.auth import build_service\n"
        "from connectors.google.writer import Block, GoogleWriter\n"
        "zone = ZoneInfo('Europe/Amsterdam'); start = datetime(2026, 3, 10, 8, 30, tzinfo=zone)\n"
        "service = build_service(Credentials(token='t'), api_endpoint=sys.argv[1])\n"
        "result = GoogleWriter(service).create_block(Block(sys.argv[2], 0, start,\n"
        "    start + timedelta(minutes=90), 'Reflectie', zone))\n"
        "service.close(); print(result.created)\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, fake.url, KEY],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]

    assert all(p.returncode == 0 for p in processes), outputs
    assert sorted(out.strip() for out, _ in outputs) == ["False", "True"]
    assert len(fake.live()) == 1


def test_an_insert_retried_after_a_server_error_still_makes_one_event(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    # The first insert succeeds at the server but the answer is lost (a 503 instead).
    original = fake._insert
    calls: list[int] = []

    def insert_then_fail(calendar: str, event: dict[str, Any]) -> tuple[int, Any]:
        answer = original(calendar, event)
        calls.append(answer[0])
        return (
            (503, {"error": {"code": 503, "message": "lost", "errors": []}})
            if len(calls) == 1
            else answer
        )

    fake._insert = insert_then_fail  # type: ignore[method-assign]
    result = GoogleWriter(service, retrier=no_wait()).create_block(block())

    assert result.created is False
    assert len(fake.live()) == 1


@pytest.mark.parametrize(
    "refusal",
    [
        # The reason Google gives when an event type does not allow an operation.
        (400, "eventTypeRestriction", "Focus time is not available for this calendar."),
        (400, "eventTypeRestriction", "Attempt made to create a 'focusTime' event."),
        # No documented reason, but the message names focus time.
        (400, "invalid", "Focus time events cannot be created on this calendar."),
        (403, "forbidden", "The user may not create focusTime events."),
    ],
    ids=["reason", "reason-other-message", "message", "forbidden-message"],
)
def test_an_account_without_focus_time_gets_a_busy_event_and_says_so(
    fake: FakeGoogleCalendar, service: Any, refusal: tuple[int, str, str]
) -> None:
    fake.refuse_focus_time = True
    fake.focus_time_refusal = refusal

    result = GoogleWriter(service).create_block(block())

    (event,) = fake.live().values()
    assert (result.focus_time, result.focus_time_refused) == (False, True)
    assert event["eventType"] == "default"
    assert event["transparency"] == "opaque"
    assert event["extendedProperties"]["private"][TAG_KEY] == KEY


def test_focus_time_quietly_stored_as_a_default_event_is_remembered(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    fake.downgrade_focus_time = True

    result = GoogleWriter(service).create_block(block())

    (event,) = fake.live().values()
    assert (result.created, result.focus_time, result.focus_time_refused) == (True, False, True)
    assert (event["eventType"], event["transparency"]) == ("default", "opaque")
    assert fake.count("POST") == 1


@pytest.mark.parametrize(
    "refusal",
    [
        (400, "invalid", "Invalid value for: Invalid time zone definition"),
        (400, "timeRangeEmpty", "The specified time range is empty."),
        (403, "forbiddenForNonOrganizer", "Shared properties can only be changed by the organizer"),
        # Naming focus time (or a field of it) is no refusal of focus time: our value was wrong.
        (400, "invalid", "Invalid value for: focusTimeProperties.declineMessage is too long"),
        (400, "eventTypeRestriction", "focusTimeProperties.chatStatus is not allowed here"),
        (400, "invalid", "Invalid focus time properties."),
    ],
    ids=["invalid", "time-range", "forbidden", "field", "field-restricted", "focus-time-named"],
)
def test_another_refused_insert_is_a_clear_error_not_a_silent_busy_event(
    fake: FakeGoogleCalendar, service: Any, refusal: tuple[int, str, str]
) -> None:
    fake.refuse_focus_time = True
    fake.focus_time_refusal = refusal
    status, reason, message = refusal

    with pytest.raises(Exception, match=f"Google answered {status} {reason}: ") as raised:
        GoogleWriter(service).create_block(block())

    assert message in str(raised.value)
    assert fake.live() == {}
    assert fake.count("POST") == 1  # no second insert as a busy event
    if status == 400:
        assert isinstance(raised.value, BadRequestError)


def test_a_connection_known_to_refuse_focus_time_asks_only_once(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    fake.refuse_focus_time = True

    result = GoogleWriter(service, use_focus_time=False).create_block(block())

    assert (result.focus_time, result.focus_time_refused) == (False, False)
    assert fake.count("POST") == 1


def test_withdrawing_deletes_the_block_and_a_new_generation_can_be_written(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    writer = GoogleWriter(service)
    writer.create_block(block())

    assert writer.delete_block(KEY, 0) is True
    assert fake.live() == {}
    assert writer.delete_block(KEY, 0) is False
    assert writer.delete_block("never-written", 0) is False

    again = writer.create_block(block(generation=1))
    assert again.created is True
    assert list(fake.live()) == [block_event_id(KEY, 1)]


def test_someone_elses_event_with_our_id_is_left_alone(
    fake: FakeGoogleCalendar, service: Any
) -> None:
    fake.put({"id": block_event_id(KEY, 0), "summary": "Not ours", "start": {}, "end": {}})

    with pytest.raises(BlockConflictError, match="left alone"):
        GoogleWriter(service).create_block(block())
    with pytest.raises(BlockConflictError):
        GoogleWriter(service).delete_block(KEY, 0)
    assert fake.live()[block_event_id(KEY, 0)]["summary"] == "Not ours"
