"""Writing accepted blocks: busy, tagged, one event per proposal whatever happens, deleted once."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors import TimeWindow
from connectors.microsoft.graph import GraphClient
from connectors.microsoft.mapping import OUR_CATEGORY, TAG_PROPERTY_ID
from connectors.microsoft.source import MicrosoftSource
from connectors.microsoft.throttle import MailboxLimiter, Retrier
from connectors.microsoft.writer import Block, MicrosoftWriter, transaction_id
from tests.connectors.microsoft.conftest import StaticTokens
from tests.contracts.source import AMSTERDAM, ME
from tests.fakes.microsoft_graph import FakeGraph

REPO = Path(__file__).resolve().parents[3]
START = datetime(2026, 3, 10, 8, 30, tzinfo=AMSTERDAM)
KEY = "leader@example.org/2026-W11/reflection/0"


def block(key: str = KEY, generation: int = 0) -> Block:
    return Block(key, generation, START, START + timedelta(minutes=90), "Reflectie", AMSTERDAM)


def writer(client: GraphClient) -> MicrosoftWriter:
    return MicrosoftWriter(client, mailbox=ME, retrier=Retrier(sleep=lambda _s: None))


def test_the_transaction_id_is_a_deterministic_uuid() -> None:
    first = transaction_id(KEY, 0)

    assert first == transaction_id(KEY, 0)
    assert first != transaction_id(KEY, 1)
    assert first != transaction_id(KEY + "x", 0)
    assert len(first) == 36
    assert first.count("-") == 4


def test_a_block_is_busy_private_tagged_and_in_the_leaders_zone(
    fake: FakeGraph, client: GraphClient
) -> None:
    result = writer(client).create_block(block())

    (event,) = fake.live().values()
    assert (result.created, result.event_id) == (True, event["id"])
    assert event["showAs"] == "busy"
    assert event["sensitivity"] == "private"
    assert event["categories"] == [OUR_CATEGORY]
    assert fake.properties[(ME, event["id"])] == {TAG_PROPERTY_ID: f"{KEY}#0"}
    assert event["start"] == {"dateTime": "2026-03-10T08:30:00", "timeZone": "Europe/Amsterdam"}
    post = next(s for s in fake.requests if s.method == "POST")
    assert post.path == f"/v1.0/users/{ME}/events"


def test_accepting_twice_creates_one_event(fake: FakeGraph, client: GraphClient) -> None:
    first = writer(client).create_block(block())
    second = writer(client).create_block(block())

    assert (first.created, second.created) == (True, False)
    assert first.event_id == second.event_id
    assert len(fake.live()) == 1
    assert fake.count("POST") == 1


def test_our_block_reads_back_as_protected_and_ours(fake: FakeGraph, client: GraphClient) -> None:
    writer(client).create_block(block())
    week = MicrosoftSource(client, zone=AMSTERDAM, mailbox=ME)

    (event,) = week.fetch(TimeWindow(START - timedelta(days=1), START + timedelta(days=1))).events

    assert (event.ours, event.kind.value, event.organized_by_me) == (True, "protected", True)


def test_writers_racing_past_the_lookup_still_make_one_event(fake: FakeGraph) -> None:
    fake.delay_seconds = 0.05  # every writer finds nothing before any POST lands
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def accept() -> None:
        with httpx.Client() as http:
            client = GraphClient(http, StaticTokens(), base_url=fake.graph_url)
            barrier.wait()
            results.append(writer(client).create_block(block()).created)

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert len(fake.live()) == 1
    assert fake.violations == []


def test_two_processes_at_once_create_one_event(fake: FakeGraph) -> None:
    script = (
        "import sys, httpx\n"
        "from datetime import datetime, timedelta; from zoneinfo import ZoneInfo\n"
        "from connectors.microsoft import Block, GraphClient, MicrosoftWriter\n"
        "zone = ZoneInfo('Europe/Amsterdam'); start = datetime(2026, 3, 10, 8, 30, tzinfo=zone)\n"
        "with httpx.Client() as http:\n"
        "    client = GraphClient(http, lambda force_refresh=False: 't', base_url=sys.argv[1])\n"
        "    result = MicrosoftWriter(client, mailbox='leader@example.org').create_block(\n"
        "        Block(sys.argv[2], 0, start, start + timedelta(minutes=90), 'Reflectie', zone))\n"
        "print(result.event_id)\n"
    )
    fake.delay_seconds = 0.2
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, fake.graph_url, KEY],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]

    assert all(p.returncode == 0 for p in processes), outputs
    assert len({out.strip() for out, _ in outputs}) == 1
    assert len(fake.live()) == 1


def test_a_create_whose_answer_was_lost_is_retried_into_the_same_event(
    fake: FakeGraph, client: GraphClient
) -> None:
    original = fake._create
    calls: list[int] = []

    def create_then_fail(mailbox: str, event: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        answer = original(mailbox, event)
        calls.append(answer[0])
        if len(calls) == 1:
            return 503, {"error": {"code": "ServiceUnavailable", "message": "lost"}}, {}
        return answer

    fake._create = create_then_fail  # type: ignore[method-assign]
    result = writer(client).create_block(block())

    assert calls == [201, 201]
    assert len(fake.live()) == 1
    assert result.event_id in fake.live()


def test_withdrawing_deletes_once_and_a_new_generation_can_be_written(
    fake: FakeGraph, client: GraphClient
) -> None:
    write = writer(client)
    write.create_block(block())

    assert write.delete_block(KEY, 0) is True
    assert fake.live() == {}
    assert write.delete_block(KEY, 0) is False
    assert write.delete_block("never-written", 0) is False
    assert fake.count("DELETE") == 1

    again = write.create_block(block(generation=1))
    assert again.created is True
    assert list(fake.live()) == [again.event_id]


def test_someone_elses_event_is_never_deleted(fake: FakeGraph, client: GraphClient) -> None:
    fake.put({"id": "AAMkOther=", "subject": "Not ours", "categories": [OUR_CATEGORY]})

    assert writer(client).delete_block(KEY, 0) is False
    assert "AAMkOther=" in fake.live()


def test_a_limited_client_is_shared_safely(fake: FakeGraph, http: httpx.Client) -> None:
    client = GraphClient(http, StaticTokens(), base_url=fake.graph_url, limiter=MailboxLimiter(1))
    fake.delay_seconds = 0.01
    threads = [
        threading.Thread(target=writer(client).create_block, args=(block(f"k{n}"),))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fake.live()) == 6
    assert fake.max_in_flight[ME] == 1
