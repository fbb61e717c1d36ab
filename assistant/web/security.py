"""What every answer of the web app gets, whatever route or error produced it.

- The security headers of `pages.HEADERS` (CSP, nosniff, frame-ancestors none, no-store,
  no-referrer) on every answer, the error pages included.
- A friendly page, never a bare JSON or text body: 404, 405 and 422 in the browser's language,
  500 when something failed, 503 with `Retry-After` when the database cannot be reached.
- Only the hosts of the base URL (and loopback, for health checks on the machine) are served:
  another `Host` gets a friendly 400, so nothing is ever built from a forged host name.
- No link token in any log line: uvicorn's access log and this module's own error line show the
  path with every long segment replaced by "…" and without the query.

`harden(app)` installs all of it; `create_app` calls it once.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException

from assistant.i18n.translations import gettext
from assistant.store.database import is_unavailable
from assistant.web.deps import WebServices, browser_language
from assistant.web.pages import HEADERS

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("assistant.web")
RETRY_AFTER_SECONDS = 30
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# A path segment this long is a token (links sign a payload); shorter ones are route names.
_SECRET_SEGMENT = re.compile(r"[^/]{16,}")


def redact(path: str) -> str:
    """The path as a log line may show it: no query, no long (secret) segment."""
    return _SECRET_SEGMENT.sub("…", path.split("?", 1)[0])


class RedactTokens(logging.Filter):
    """Rewrites uvicorn's access log records: (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def harden(app: FastAPI) -> None:
    app.router.redirect_slashes = False  # a slash redirect would echo a forged Host back
    app.exception_handler(HTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.add_middleware(Guard)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())


def _services(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


def _language(headers: Any) -> str:
    return browser_language(headers.get("accept-language", ""))


def _http_error(request: Request, error: Exception) -> HTMLResponse:
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status == 400 or status == 422:
        return invalid_request(request, error)
    lang = _language(request.headers)
    return _services(request).pages.page(
        lang,
        gettext(lang, "This page does not exist"),
        [gettext(lang, "Nothing was changed; please use the link in the email itself.")],
        status=status,
        kind="invalid",
    )


def invalid_request(request: Request, error: Exception) -> HTMLResponse:
    lang = _language(request.headers)
    status = error.status_code if isinstance(error, HTTPException) else 422
    return _services(request).pages.page(
        lang,
        gettext(lang, "This link is not valid"),
        [
            gettext(
                lang,
                "It may have been cut off or changed on the way. Nothing was changed; "
                "please use the link in the email itself.",
            )
        ],
        status=status,
        kind="invalid",
    )


def allowed_hosts(base_url: str) -> frozenset[str]:
    host = (urlsplit(base_url).hostname or "").lower()
    return LOOPBACK_HOSTS | ({host} if host else set())


def _host_of(header: str) -> str:
    if header.startswith("["):
        return header[1:].split("]", 1)[0].lower()
    return header.rsplit(":", 1)[0].lower() if header.count(":") == 1 else header.lower()


class Guard:
    """ASGI middleware: the host check, the headers on every answer, and the pages of failures
    no route handled (500, or 503 while the database is unreachable)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        services = _services(request)
        started = False

        async def send_hardened(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        lang = _language(request.headers)
        if _host_of(request.headers.get("host", "")) not in allowed_hosts(services.signer.base_url):
            page = invalid_request(request, HTTPException(400))
            await page(scope, receive, send_hardened)
            return
        try:
            await self.app(scope, receive, send_hardened)
        except Exception as error:
            if started:
                raise
            unavailable = is_unavailable(error)
            logger.error(
                "%s %s failed: %s",
                scope.get("method", ""),
                redact(scope.get("path", "")),
                type(error).__name__,
            )
            page = _failure_page(services, lang, unavailable=unavailable)
            await page(scope, receive, send_hardened)


def _failure_page(services: WebServices, lang: str, *, unavailable: bool) -> HTMLResponse:
    if unavailable:
        page = services.pages.page(
            lang,
            gettext(lang, "This page is unavailable for a moment"),
            [gettext(lang, "Nothing was changed. Please try the link again in a few minutes.")],
            status=503,
            kind="unavailable",
        )
        page.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return page
    return services.pages.page(
        lang,
        gettext(lang, "Something went wrong on our side"),
        [gettext(lang, "Nothing was changed. Please try the link again in a few minutes.")],
        status=500,
        kind="error",
    )
