"""A published iCalendar feed on 127.0.0.1, as calendar servers serve them: an ETag and a
Last-Modified with each answer, and `304 Not Modified` to a request that names the current
version. Counts what it answered; can be told to drop either validator, to fail, or that the
address is gone."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler

from tests.fakes.http import FakeHttpServer, Request

# A published calendar's address carries its secret in the path, as Google's and Outlook's do.
FEED_PATH = "/calendar/ical/3f9a8c7e2b1d4a6f9e0c5b8d7a2e1f4c/basic.ics"


class FakeIcsFeed(FakeHttpServer):
    methods = ("GET",)

    def __init__(self, text: str, *, etag: bool = True, last_modified: bool = True) -> None:
        super().__init__()
        self.with_etag = etag
        self.with_last_modified = last_modified
        self.gone = False
        self.full_answers = 0
        self.not_modified = 0
        self.publish(text, datetime(2026, 10, 1, tzinfo=UTC))

    @property
    def url(self) -> str:
        return self.base_url + FEED_PATH

    def publish(self, text: str, at: datetime) -> None:
        with self.lock:
            self.text = text
            self.etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:16] + '"'
            self.modified = at.replace(microsecond=0)

    def serve(self, request: Request, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            number = self.record(request)
            injected = self.injected(number, request.method, request.path)
            if injected is not None:
                self.send(handler, injected[0], injected[1])
                return
            if request.path != FEED_PATH or self.gone:
                self.send(handler, 404, "no such calendar")
                return
            headers = {}
            if self.with_etag:
                headers["ETag"] = self.etag
            if self.with_last_modified:
                headers["Last-Modified"] = format_datetime(self.modified, usegmt=True)
            if self._unchanged(request):
                self.not_modified += 1
                handler.send_response(304)
                for name, value in headers.items():
                    handler.send_header(name, value)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            self.full_answers += 1
            body = self.text.encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "text/calendar; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)

    def _unchanged(self, request: Request) -> bool:
        asked = request.headers.get("if-none-match")
        if asked is not None and self.with_etag:
            return asked == self.etag
        since = request.headers.get("if-modified-since")
        if since is not None and self.with_last_modified:
            return self.modified <= parsedate_to_datetime(since)
        return False
