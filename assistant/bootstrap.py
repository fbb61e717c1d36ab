"""One wiring of the services for the command line, the web app and the workers.

From a `Settings` it builds what the use cases take: the store's engine (open and checked), the
secret box, the link signer, Microsoft Graph access, the calendar writers and the pipeline's
`Services`; and it closes them again. The shells (cli, web, worker) call it: it sits below them
and above `assistant.app` (import-linter). What only the workers have (Redis-backed provider
budgets) is handed in. Heavy libraries are imported when a service is built, not on import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.settings import (
    GoogleSettings,
    Group,
    LinkSettings,
    Settings,
    SignInSettings,
    SmtpSettings,
    StoredSecretsSettings,
    WorkerSettings,
)

if TYPE_CHECKING:
    from assistant.accounts.graph_access import GraphAccess, MailboxSlots
    from assistant.accounts.registry import ServerSlots
    from assistant.accounts.web_connect import WebConnector
    from assistant.app.console.connect_links import Mailer
    from assistant.app.pipeline import Services
    from assistant.app.writers import CalendarWriters
    from assistant.mail.links import LinkSigner
    from assistant.store.crypto import SecretBox
    from assistant.store.database import Engine
    from connectors.backoff import RetryPolicy
    from connectors.identity.base import IdentityProvider


# What each long-running process needs, checked before it starts (`load_settings(*NEEDS)`), so
# every problem of all of them is named in one message.
WEB_NEEDS: tuple[type[Group], ...] = (
    StoredSecretsSettings,
    LinkSettings,
    GoogleSettings,
    SignInSettings,
)
WORKER_NEEDS: tuple[type[Group], ...] = (
    StoredSecretsSettings,
    SmtpSettings,
    LinkSettings,
    GoogleSettings,
    WorkerSettings,
)
BEAT_NEEDS: tuple[type[Group], ...] = (WorkerSettings,)
SERVE_NEEDS: tuple[type[Group], ...] = tuple(dict.fromkeys(WEB_NEEDS + WORKER_NEEDS + BEAT_NEEDS))


def load_settings(*require: type[Group]) -> Settings:
    """The settings from this process's environment, read once, with the groups a command needs
    (`require`): one `SettingsError` names every problem of all of them."""
    return Settings.from_environ(require=require)


def open_engine(settings: Settings) -> Engine:
    """The store's engine: at the current schema (a local SQLite file is brought up to date),
    with secret keys that read the stored tokens."""
    from assistant.app.history import open_store

    return open_store(settings)


def secret_box(settings: Settings) -> SecretBox:
    from assistant.store.crypto import SecretBox

    return SecretBox.from_settings(settings)


def identity_providers(settings: Settings) -> Mapping[str, IdentityProvider]:
    """The console's organisation sign-in providers (Entra ID, Google) the settings configure,
    built once for the web process (each keeps its provider's keys); `SettingsError` names every
    problem of a half-set provider. Nothing is fetched until someone signs in."""
    from assistant.accounts.signin import sign_in_providers

    return sign_in_providers(settings)


def link_signer(settings: Settings) -> LinkSigner:
    """Signs the email's links; `SettingsError` when AGENDA_REGIE_LINK_SECRET is not set."""
    from assistant.mail.links import LinkSigner

    return LinkSigner.from_settings(settings.links())


def graph_access(
    settings: Settings, *, mailbox_slots: MailboxSlots | None = None, timeout: Any = None
) -> GraphAccess | None:
    """How this process reaches Microsoft Graph; None when no Entra ID app is registered (the
    Microsoft connections are then marked failed, naming the setting).

    `mailbox_slots`: the in-flight limit per mailbox (this process's own by default; the workers
    hand in one shared through Redis). `timeout`: each wait of a Graph request."""
    if settings.microsoft_client_id is None:
        return None
    from assistant.accounts.graph_access import graph_access_from_settings

    options: dict[str, Any] = {}
    if mailbox_slots is not None:
        options["limiter"] = mailbox_slots
    if timeout is not None:
        options["timeout"] = timeout
    return graph_access_from_settings(settings, **options)


def build_services(
    settings: Settings,
    *,
    worker: WorkerSettings | None = None,
    google_gate: Callable[[int], None] | None = None,
    mailbox_slots: MailboxSlots | None = None,
    caldav_slots: ServerSlots | None = None,
) -> Services:
    """What the weekly pipeline needs (`assistant.app.pipeline.Services`), for `run-once` and
    the workers.

    The SMTP, link and Google settings are checked first, every problem in one error, so a
    refusal leaves nothing open. `worker`: the workers' retry budgets and Graph timeout (None:
    each connector's own); `google_gate`, `mailbox_slots` and `caldav_slots`: the workers' shared
    limits."""
    from assistant.accounts.graph_access import GraphRetryPolicy
    from assistant.app.pipeline import Services
    from assistant.mail.send import SmtpConnections
    from connectors.backoff import RetryPolicy

    settings.require(SmtpSettings, LinkSettings, GoogleSettings)
    options: dict[str, Any] = {}
    if worker is not None:
        options["google_retry"] = RetryPolicy(
            max_attempts_per_call=worker.google_attempts_per_call,
            max_total_wait_seconds=worker.provider_wait_seconds,
        )
        # The waits inside one sync fit in the soft time limit (checked in `WorkerSettings`).
        options["microsoft_retry"] = GraphRetryPolicy(
            max_total_wait_seconds=worker.provider_wait_seconds
        )
        options["caldav_retry"] = RetryPolicy(max_total_wait_seconds=worker.provider_wait_seconds)
    if caldav_slots is not None:
        options["caldav_slots"] = caldav_slots
    if google_gate is not None:
        options["google_gate"] = google_gate
    signer = link_signer(settings)
    engine = open_engine(settings)
    try:
        microsoft = graph_access(
            settings,
            mailbox_slots=mailbox_slots,
            timeout=worker.graph_timeout if worker is not None else None,
        )
    except BaseException:
        engine.dispose()
        raise
    # One review after another to the same server: the connection is kept (mail.send).
    connections = SmtpConnections()
    return Services(
        engine=engine,
        smtp=settings.smtp(),
        send=connections.send,
        smtp_connections=connections,
        signer=signer,
        cipher=secret_box(settings),
        google_api_endpoint=settings.google().api_endpoint,
        microsoft=microsoft,
        **options,
    )


def close_services(services: Services) -> None:
    """Give back what the services hold open: the store's pool, the kept SMTP connections and
    Graph's client."""
    services.engine.dispose()
    if services.smtp_connections is not None:
        services.smtp_connections.close()
    if services.microsoft is not None:
        services.microsoft.http.close()


def calendar_writers(
    cipher: SecretBox,
    *,
    google_api_endpoint: str | None,
    microsoft: GraphAccess | None,
    retry_policy: RetryPolicy | None = None,
) -> CalendarWriters:
    """How accepted blocks reach each leader's calendar and withdrawn ones leave it: through
    their Google connection (at `google_api_endpoint`) or their Microsoft 365 connection."""
    from assistant.accounts.google import service_factory
    from assistant.app.writers import provider_writers

    return provider_writers(
        cipher,
        google_service_factory=service_factory(google_api_endpoint),
        microsoft_access=microsoft,
        retry_policy=retry_policy,
    )


def services_writers(services: Services) -> CalendarWriters:
    """The calendar writers of the pipeline's services (the workers' write queue)."""
    return calendar_writers(
        services.cipher,
        google_api_endpoint=services.google_api_endpoint,
        microsoft=services.microsoft,
    )


@dataclass(frozen=True)
class WebServices:
    """What the confirm pages need: the store, the link signer and the calendar writers."""

    engine: Engine
    signer: LinkSigner
    writers: CalendarWriters
    microsoft: GraphAccess | None
    # The providers a leader's link to connect a calendar offers, and how the console emails it.
    connectors: dict[str, WebConnector] = field(default_factory=dict)
    mailer: Mailer | None = None

    def close(self) -> None:
        self.engine.dispose()
        if self.microsoft is not None:
            self.microsoft.http.close()


def web_services(settings: Settings) -> WebServices:
    """The web app's services; the leader waits for the page, so writes get a short retry
    budget (the outbox and the workers do the rest)."""
    from assistant.app.writers import WEB_RETRY_POLICY

    settings.require(LinkSettings, GoogleSettings)
    signer = link_signer(settings)
    connectors = calendar_connectors(settings)
    mailer = connect_mailer(settings)
    engine = open_engine(settings)
    try:
        access = graph_access(settings)
    except BaseException:
        engine.dispose()
        raise
    writers = calendar_writers(
        secret_box(settings),
        google_api_endpoint=settings.google().api_endpoint,
        microsoft=access,
        retry_policy=WEB_RETRY_POLICY,
    )
    return WebServices(engine, signer, writers, access, connectors, mailer)


def calendar_connectors(settings: Settings) -> dict[str, WebConnector]:
    """The providers a leader's link to connect a calendar offers (none: the page says so)."""
    from assistant.accounts.web_connect import web_connectors

    return web_connectors(settings)


def connect_mailer(settings: Settings) -> Mailer | None:
    """How the console emails a leader's link: the weekly email's SMTP settings, when they are
    set (AGENDA_REGIE_SMTP_HOST); None otherwise (the console shows the link to copy)."""
    from assistant.app.console.connect_links import Mailer
    from assistant.mail.send import smtp_send_once

    if not settings.environ.get("AGENDA_REGIE_SMTP_HOST"):
        return None
    settings.require(SmtpSettings)
    smtp = settings.smtp()
    return Mailer(smtp.sender, lambda message: smtp_send_once(message, smtp))


# The modules a weekly pipeline uses, loaded before a worker forks its pool processes, so each
# process starts with them (shared pages, no import on its first leader).
PIPELINE_MODULES = (
    "assistant.accounts.google",
    "assistant.accounts.microsoft",
    "assistant.accounts.ics",
    "assistant.accounts.caldav",
    "assistant.app.pipeline",
    "assistant.app.delivery",
    "assistant.app.outbox",
    "assistant.render.email",
    "assistant.store.migrations",
    "sqlalchemy.dialects.postgresql.psycopg",
)


def preload_pipeline() -> None:
    """Import what the weekly pipeline uses and compile the email's templates (no connection
    is opened: safe before a fork)."""
    import importlib

    from assistant.render.templates import environment

    for name in PIPELINE_MODULES:
        importlib.import_module(name)
    for template in ("email.html.j2", "email.txt.j2"):
        environment().get_template(template)
