"""A leader connects their own calendar through a link the console sends them: signed, good for
a week, used once. The leader needs no console account: the link says who they are.

- `send_connect_link`: an assistant (or admin) makes the link for a leader they look after; it
  is emailed in the leader's language when mail is set up, and shown to copy either way.
- `open_connect_link`: the page behind the link; a look writes nothing.
- `begin_connect`: the leader chose Google or Microsoft 365; what the provider's answer must
  fit (state, PKCE verifier, nonce) is kept in the store, encrypted, found by the state.
- `finish_connect`: the provider's answer at the callback; the token is stored as
  `agenda-regie connect` stores it and the link is used up. A refusal stores nothing and leaves
  the link usable.

Every step is in the audit trail (never a token, a code or an event).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Literal

from assistant.accounts.web_connect import ConnectFailed, ConnectRefused, WebConnector
from assistant.app.console.signin import Viewer, token_hash
from assistant.errors import AgendaRegieError
from assistant.i18n.translations import gettext
from assistant.mail.links import CONNECT_LIFETIME, ConnectLink, LinkError, LinkSigner
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.connect_links import drop_pending, find_pending
from assistant.store.repositories.console_sessions import (
    keep_pending_sign_in,
    take_pending_sign_in,
)
from assistant.store.repositories.console_users import find_console_user, visible_leader
from assistant.store.repositories.leaders import find_leader

LINK = "connect-link"
FLOW_LIFETIME = timedelta(minutes=15)
LINK_SENT = "console.invitation_sent"
STARTED = "connect.started"
CONNECTED = "connect.connected"
REFUSED = "connect.refused"
FAILED = "connect.failed"


@dataclass(frozen=True)
class Mailer:
    """How the console sends a leader their link: the sender address and one SMTP send."""

    sender: str
    send: Callable[[EmailMessage], None]


@dataclass(frozen=True)
class SentLink:
    url: str
    emailed: bool
    problem: str = ""  # why the email did not go (the link is still shown to copy)


@dataclass(frozen=True)
class OpenLink:
    leader: str
    language: str
    nonce: str


@dataclass(frozen=True)
class Finished:
    outcome: Literal["connected", "refused", "failed", "expired"]
    language: str = "en"
    leader: str = ""


class LinkUsedError(LinkError):
    """A well-signed link that was used already (or replaced): the same calm page as expired."""

    def __init__(self) -> None:
        super().__init__("expired")


def send_connect_link(
    engine: Engine,
    signer: LinkSigner,
    viewer: Viewer,
    leader_id: int,
    now: datetime,
    mailer: Mailer | None,
) -> SentLink | None:
    """A new link for a leader in sight (None otherwise), emailed when mail is set up."""
    nonce = secrets.token_urlsafe(24)
    with session_scope(engine) as session:
        user = find_console_user(session, viewer.email)
        leader = None if user is None else visible_leader(session, user, leader_id)
        if leader is None:
            return None
        email, language = leader.email, leader.language
        keep_pending_sign_in(
            session,
            token_hash(nonce),
            LINK,
            {"leader": email},
            expires_at=now + CONNECT_LIFETIME,
        )
    url = signer.url(ConnectLink(email, nonce), now)
    problem = ""
    if mailer is not None:
        try:
            mailer.send(_message(mailer.sender, email, language, url))
        except (AgendaRegieError, OSError) as error:
            problem = str(error).splitlines()[0][:300] or type(error).__name__
    emailed = mailer is not None and not problem
    with session_scope(engine) as session:
        add_audit(
            session,
            actor=viewer.email,
            action=LINK_SENT,
            subject=email,
            now=now,
            leader_id=leader_id,
            detail={"emailed": emailed, "expires": (now + CONNECT_LIFETIME).isoformat()},
        )
    return SentLink(url, emailed, problem)


def _message(sender: str, to: str, language: str, url: str) -> EmailMessage:
    def _(text: str, **values: object) -> str:
        return gettext(language, text, **values)

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = _("Connect your calendar to agenda-regie")
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(
        "\n\n".join(
            [
                _("Your assistant asks you to connect your calendar, once."),
                _(
                    "Open this link, choose Google or Microsoft 365 and allow reading your "
                    "calendar. Titles, descriptions and attendees are never stored."
                ),
                url,
                _("The link works once, for seven days."),
            ]
        )
        + "\n"
    )
    return message


def open_connect_link(engine: Engine, signer: LinkSigner, token: str, now: datetime) -> OpenLink:
    """The leader of a live, unused link; `LinkError` otherwise. Writes nothing."""
    link = signer.connect(token, now)
    with session_scope(engine) as session:
        kept = find_pending(session, token_hash(link.nonce), LINK, now=now)
        leader = find_leader(session, link.leader)
        if kept is None or kept.get("leader") != link.leader or leader is None:
            raise LinkUsedError()
        return OpenLink(leader.email, leader.language, link.nonce)


def begin_connect(
    engine: Engine,
    box: SecretBox,
    signer: LinkSigner,
    connector: WebConnector,
    token: str,
    redirect_uri: str,
    now: datetime,
) -> str:
    """Where to send the leader's browser; what the answer must fit is kept, encrypted."""
    link = open_connect_link(engine, signer, token, now)
    begun = connector.begin(redirect_uri, link.leader)
    sealed = box.encrypt(
        json.dumps({"flow": begun.pending, "nonce": link.nonce, "leader": link.leader}).encode()
    )
    with session_scope(engine) as session:
        keep_pending_sign_in(
            session,
            token_hash(begun.state),
            f"connect-{connector.name}",
            {"sealed": sealed.decode()},
            expires_at=now + FLOW_LIFETIME,
        )
        _audit(session, STARTED, link.leader, now, connector.name)
    return begun.url


def finish_connect(
    engine: Engine,
    box: SecretBox,
    connector: WebConnector,
    answer: Mapping[str, str],
    redirect_uri: str,
    now: datetime,
) -> Finished:
    """Store the connection from the provider's answer, once; the outcome for the page."""
    state = answer.get("state", "")
    with session_scope(engine) as session:
        taken = take_pending_sign_in(session, token_hash(state), now=now) if state else None
    if taken is None or taken[0] != f"connect-{connector.name}":
        return Finished("expired")
    try:
        kept: dict[str, Any] = json.loads(box.decrypt(str(taken[1]["sealed"]).encode()))
    except (AgendaRegieError, ValueError, KeyError):  # sealed with a key no longer configured
        return Finished("expired")
    leader, nonce = str(kept["leader"]), str(kept["nonce"])
    with session_scope(engine) as session:
        found = find_leader(session, leader)
        language = found.language if found is not None else "en"
        if find_pending(session, token_hash(nonce), LINK, now=now) is None:
            return Finished("expired", language, leader)
    try:
        account = connector.finish(
            engine, box, leader=leader, pending=kept["flow"], answer=answer,
            redirect_uri=redirect_uri, now=now,
        )  # fmt: skip
    except ConnectRefused:
        with session_scope(engine) as session:
            _audit(session, REFUSED, leader, now, connector.name)
        return Finished("refused", language, leader)
    except ConnectFailed as error:
        with session_scope(engine) as session:
            _audit(session, FAILED, leader, now, connector.name, problem=str(error)[:300])
        return Finished("failed", language, leader)
    with session_scope(engine) as session:
        drop_pending(session, token_hash(nonce), LINK)
        _audit(session, CONNECTED, leader, now, connector.name, account=account)
    return Finished("connected", language, leader)


def _audit(
    session: Any, action: str, leader: str, now: datetime, provider: str, **detail: str
) -> None:
    found = find_leader(session, leader)
    add_audit(
        session,
        actor=leader,
        action=action,
        subject=leader,
        now=now,
        leader_id=None if found is None else found.id,
        after={"provider": provider, **detail} if action == CONNECTED else None,
        detail=None if action == CONNECTED else {"provider": provider, **detail},
    )
