"""Hostile feeds, through the command line as an operator runs it: a compression bomb, headers
dripped a byte at a time, redirects into the operator's own network. Each ends with exit 2 and
one line, in under 30 s and 1 GiB; the SSRF cases connect nowhere.

The hostile server is on 127.0.0.1, which the operator allows (as for an intranet calendar
server); 127.0.0.2, loopback all the same, is not allowed, and a listener there records every
connection.
"""

from __future__ import annotations

import gzip
import socket

import pytest

from connectors.ics.fetch import FeedError, Limits, read_url
from connectors.ics.network import refused
from tests.security import hostile
from tests.security.conftest import REVIEW, assert_refused_in_bounds, run_cli
from tests.security.hostile import HostileServer, Listener

FETCH_FAILED = "could not be fetched (no connection, or no complete answer within 15 seconds)"
REFUSED = (
    "could not be fetched: it leads to a local or private network address, which feeds may not use"
)


def _small_bomb(connection: socket.socket, path: str) -> None:
    body = hostile.gzip_bomb(256 * 1024 * 1024)
    headers = {"Content-Type": "text/calendar", "Content-Encoding": "gzip, gzip"}
    connection.sendall(hostile._answer("200 OK", headers, body))


def _single_bomb(connection: socket.socket, path: str) -> None:
    inner = hostile.gzip_bomb(256 * 1024 * 1024)  # gzip of gzip: one layer is 250 KB
    once = gzip.decompress(inner)
    headers = {"Content-Type": "text/calendar", "Content-Encoding": "gzip"}
    connection.sendall(hostile._answer("200 OK", headers, once))


def _gzipped_calendar(connection: socket.socket, path: str) -> None:
    headers = {"Content-Type": "text/calendar", "Content-Encoding": "gzip"}
    body = gzip.compress(hostile.CALENDAR.encode())
    connection.sendall(hostile._answer("200 OK", headers, body))


def test_a_doubly_compressed_answer_is_refused_without_decoding_it(server: HostileServer) -> None:
    server.routes["/bomb.ics"] = _small_bomb

    run = run_cli([*REVIEW, server.url("/bomb.ics")])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0].endswith(
        "could not be fetched: the answer is compressed in a way that is not accepted"
    )


def test_one_compression_is_decoded_only_up_to_the_size_limit(server: HostileServer) -> None:
    server.routes["/bomb.ics"] = _single_bomb

    run = run_cli([*REVIEW, server.url("/bomb.ics")])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0].endswith("/bomb.ics: larger than 50 MB")


def test_a_feed_asks_for_no_compression_and_still_reads_a_gzipped_one(
    server: HostileServer,
) -> None:
    server.routes["/calendar.ics"] = _gzipped_calendar

    answer = read_url(
        server.url("/calendar.ics"), "feed", Limits(10_000, 5, frozenset({"127.0.0.1"}))
    )

    assert answer.body == hostile.CALENDAR.encode()
    assert "Accept-Encoding: identity" in server.requests[-1]


def test_headers_dripped_a_byte_at_a_time_end_at_the_deadline(server: HostileServer) -> None:
    server.routes["/drip.ics"] = hostile.drip(2.0)

    run = run_cli([*REVIEW, server.url("/drip.ics")])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0].endswith(FETCH_FAILED)
    assert run.seconds >= 14  # the whole fetch had its 15 seconds, headers included


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/calendar.ics",
        "http://localhost:{port}/calendar.ics",
        "http://[::ffff:127.0.0.2]:{port}/calendar.ics",
        "http://2130706434:{port}/calendar.ics",  # 127.0.0.2 as one number
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.1.2.3/calendar.ics",
        "http://192.168.1.1/calendar.ics",
        "http://0.0.0.0:{port}/calendar.ics",
        "http://[::1]:{port}/calendar.ics",
        "http://224.0.0.1/calendar.ics",
        "http://100.64.0.1/calendar.ics",
    ],
)
def test_a_redirect_into_the_operators_network_connects_nowhere(
    server: HostileServer, listener: Listener, target: str
) -> None:
    server.routes["/feed.ics"] = hostile.redirect(target.format(port=listener.port))

    run = run_cli([*REVIEW, server.url("/feed.ics")])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0] == f"agenda-regie: {server.url('/feed.ics')}: {REFUSED}"
    assert listener.connections == []


def test_a_feed_on_a_loopback_address_is_refused_unless_allowed(listener: Listener) -> None:
    url = f"http://127.0.0.2:{listener.port}/calendar.ics"

    run = run_cli([*REVIEW, url], allowed_hosts="")

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0] == f"agenda-regie: {url}: {REFUSED}"
    assert listener.connections == []


def test_an_allowed_intranet_host_is_read(server: HostileServer) -> None:
    server.routes["/calendar.ics"] = hostile.calendar

    run = run_cli([*REVIEW, server.url("/calendar.ics")], allowed_hosts="127.0.0.1")

    assert run.code == 0, run.stderr_lines
    assert '"week": "2026-W11"' in run.stdout


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("ftp://{host}/calendar.ics", "an address that is not https or http, or less secure"),
        ("file:///etc/passwd", "an address that is not https or http, or less secure"),
        ("/hop1", "more than 3 redirects"),
    ],
)
def test_redirects_are_checked_hop_by_hop(
    server: HostileServer, location: str, problem: str
) -> None:
    for hop in range(1, 6):
        server.routes[f"/hop{hop}"] = hostile.redirect(f"/hop{hop + 1}")
    server.routes["/feed.ics"] = hostile.redirect(location.format(host=f"127.0.0.1:{server.port}"))

    run = run_cli([*REVIEW, server.url("/feed.ics")])

    assert_refused_in_bounds(run)
    assert run.stderr_lines[0].endswith(f"could not be fetched: it redirects to {problem}") or (
        run.stderr_lines[0].endswith(f"could not be fetched: {problem}")
    )


def test_failures_read_the_same_whatever_listens_where(server: HostileServer) -> None:
    """A closed port, a port that hangs up, a server that says nothing: one wording."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    hangs_up = Listener("127.0.0.1")  # accepts, then closes without a word
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts into the backlog, never answers
    limits = Limits(10_000, 1.0, frozenset({"127.0.0.1"}))
    problems = set()
    try:
        for port in (closed, hangs_up.port, silent.getsockname()[1]):
            with pytest.raises(FeedError) as caught:
                read_url(f"http://127.0.0.1:{port}/calendar.ics", "the feed", limits)
            problems.add(str(caught.value))
    finally:
        hangs_up.close()
        silent.close()

    assert problems == {
        "the feed: could not be fetched (no connection, or no complete answer within 1 seconds)"
    }


@pytest.mark.parametrize(
    ("address", "refuse"),
    [
        ("127.0.0.1", True),
        ("10.0.0.1", True),
        ("172.16.0.1", True),
        ("169.254.169.254", True),
        ("fd00:ec2::254", True),
        ("fe80::1", True),
        ("::ffff:10.0.0.1", True),
        ("2002:7f00:1::", True),  # 6to4 around 127.0.0.1
        ("ff02::1", True),
        ("240.0.0.1", True),
        ("93.184.215.14", False),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", False),
    ],
)
def test_which_addresses_a_feed_may_not_use(address: str, refuse: bool) -> None:
    import ipaddress

    assert refused(ipaddress.ip_address(address)) is refuse
