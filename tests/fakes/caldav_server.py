"""A real CalDAV server for the tests: Radicale, from its Python package, in a thread.

Each `RadicaleServer` listens on a free port of 127.0.0.1, keeps its calendars in its own
temporary folder, and knows one account (`USER`, `PASSWORD`, checked by Radicale's htpasswd).
Every request is recorded as it reaches the server (`seen`). Two switches stand in for servers
that offer less: `offer_sync_collection` (False: no DAV:sync-token property, so clients fall
back to getctag and etags) and `offer_ctag` (False: no getctag either). `failing` answers a
request with a fault instead.

The calendar's contents are changed as the leader's calendar app would: a PUT or DELETE of one
resource (`put`, `remove`), over HTTP, through the real server.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
import radicale.config
from radicale.app import Application

from connectors.caldav import CalDavClient, ServerLimiter
from tests.connectors.ics_writer import write_ics
from tests.contracts.source import ME, EventSpec

USER = "leader"
PASSWORD = "app-password-1234"
_SYNC_TOKEN = re.compile(rb"<[A-Za-z0-9]*:?sync-token>[^<]*</[A-Za-z0-9]*:?sync-token>")
_CTAG = re.compile(rb"<[A-Za-z0-9]*:?getctag>[^<]*</[A-Za-z0-9]*:?getctag>")


@dataclass(frozen=True)
class Request:
    method: str
    path: str


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class RadicaleServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: list[Request] = []
        self.offer_sync_collection = True
        self.offer_ctag = True
        # (method, path) -> (status, Retry-After or None) to answer instead, or None.
        self.failing: Callable[[str, str], tuple[int, str | None] | None] = lambda m, p: None
        # Each request waits this long first; `most_in_flight` is the most served at once.
        self.slow_seconds = 0.0
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        (folder / "users").write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        (folder / "collections").mkdir()
        config = radicale.config.load()
        config.update(
            {
                "storage": {
                    "filesystem_folder": str(folder / "collections"),
                    "_filesystem_fsync": "False",  # a test's calendars need not survive a crash
                },
                "auth": {
                    "type": "htpasswd",
                    "htpasswd_filename": str(folder / "users"),
                    "htpasswd_encryption": "plain",
                    "delay": "0",
                },
                "rights": {"type": "owner_only"},
                "logging": {"level": "error", "mask_passwords": "True"},
            },
            "tests",
            privileged=True,
        )
        self._app = Application(config)
        self._server: WSGIServer | None = None

    # --- running ----------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, server_class=_Server, handler_class=_Quiet
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def calendar_url(self, name: str = "work") -> str:
        return f"{self.url}{USER}/{name}/"

    def requests_to(self, prefix: str = "/") -> list[Request]:
        with self._lock:
            return [r for r in self.seen if r.path.startswith(prefix)]

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        with self._lock:
            self.seen.append(Request(method, path))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.slow_seconds:
                time.sleep(self.slow_seconds)
            return self._answer(method, path, environ, start_response)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(
        self,
        method: str,
        path: str,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        fault = self.failing(method, path)
        if fault is not None:
            status, retry_after = fault
            headers = [("Content-Type", "text/plain"), ("Content-Length", "5")]
            if retry_after is not None:
                headers.append(("Retry-After", retry_after))
            start_response(f"{status} Fault", headers)
            return [b"fault"]
        if method == "PROPFIND" and not (self.offer_sync_collection and self.offer_ctag):
            return self._filtered(environ, start_response)
        if method == "REPORT" and not self.offer_sync_collection:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            if b"sync-collection" in body:
                start_response("403 Forbidden", [("Content-Length", "0")])
                return [b""]
            environ["wsgi.input"] = _Body(body)
        return list(self._app(environ, start_response))

    def _filtered(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """The server's answer without the properties this server pretends not to have."""
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> None:
            captured["status"], captured["headers"] = status, headers

        environ.pop("HTTP_ACCEPT_ENCODING", None)  # plain XML, to take properties out of
        body = b"".join(self._app(environ, capture))
        if not self.offer_sync_collection:
            body = _SYNC_TOKEN.sub(b"", body)
        if not self.offer_ctag:
            body = _CTAG.sub(b"", body)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    # --- the leader's calendar app ----------------------------------------------------------

    def _http(self) -> httpx.Client:
        return httpx.Client(auth=(USER, PASSWORD), timeout=10.0)

    def make_calendar(self, name: str = "work", *, components: str = "VEVENT") -> str:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
            f"<D:displayname>{name.title()}</D:displayname>"
            f'<C:supported-calendar-component-set><C:comp name="{components}"/>'
            "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
        )
        with self._http() as client:
            answer = client.request("MKCALENDAR", self.calendar_url(name), content=body)
        assert answer.status_code == 201, answer.text
        return self.calendar_url(name)

    def put(self, resource: str, text: str, calendar: str = "work") -> None:
        with self._http() as client:
            answer = client.put(
                f"{self.calendar_url(calendar)}{resource}",
                content=text.encode("utf-8"),
                headers={"Content-Type": "text/calendar; charset=utf-8"},
            )
        assert answer.status_code in (201, 204), answer.text

    def replace_calendar(self, text: str, calendar: str = "work") -> None:
        """The whole calendar replaced by `text`, one resource per UID (Radicale splits it, as
        a calendar app's import does)."""
        with self._http() as client:
            answer = client.put(
                self.calendar_url(calendar),
                content=text.encode("utf-8"),
                headers={"Content-Type": "text/calendar; charset=utf-8"},
                timeout=120.0,
            )
        assert answer.status_code in (201, 204), answer.text

    def remove(self, resource: str, calendar: str = "work") -> None:
        with self._http() as client:
            answer = client.delete(f"{self.calendar_url(calendar)}{resource}")
        assert answer.status_code in (200, 204), answer.text

    def get(self, resource: str, calendar: str = "work") -> str | None:
        with self._http() as client:
            answer = client.get(f"{self.calendar_url(calendar)}{resource}")
        return answer.text if answer.status_code == 200 else None

    def resources(self, calendar: str = "work") -> list[str]:
        folder = self.folder / "collections" / "collection-root" / USER / calendar
        return sorted(p.name for p in folder.glob("*.ics"))

    def forget_sync_tokens(self, calendar: str = "work") -> None:
        """The server forgets every sync token it handed out for the calendar."""
        folder = self.folder / "collections" / "collection-root" / USER / calendar
        shutil.rmtree(folder / ".Radicale.cache" / "sync-token", ignore_errors=True)


class _Body:
    """A request body read once already, handed to the server again."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data = self._data if size < 0 else self._data[:size]
        self._data = self._data[len(data) :]
        return data


@pytest.fixture
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """A fresh Radicale with an empty calendar "work" of the leader."""
    logging.getLogger("radicale").setLevel(logging.ERROR)  # refused PUTs are what we test
    server = RadicaleServer(tmp_path_factory.mktemp("radicale")).start()
    server.make_calendar("work")
    server.seen.clear()
    yield server
    server.stop()


def caldav_client(server: RadicaleServer, calendar: str = "work", **options: Any) -> CalDavClient:
    """Our CalDAV client on the server's calendar, as the leader (its own in-flight limit)."""
    options.setdefault("slots", ServerLimiter())
    return CalDavClient(server.calendar_url(calendar), username=USER, password=PASSWORD, **options)


def put_specs(server: RadicaleServer, specs: Iterable[EventSpec], calendar: str = "work") -> None:
    """Each spec as its own resource `spec-<index>.ics`, as a calendar app stores events."""
    for index, spec in enumerate(specs):
        put_spec(server, index, spec, calendar)


def put_spec(server: RadicaleServer, index: int, spec: EventSpec, calendar: str = "work") -> None:
    uid = spec.uid or f"spec-{index}@agenda-regie.test"
    server.put(f"spec-{index}.ics", write_ics([replace(spec, uid=uid)], ME), calendar)
