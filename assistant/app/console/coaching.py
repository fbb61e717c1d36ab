"""What the leader decides in their own place: their coach (invite, revoke), their notes to the
coach, whether their assistants see their felt room and notes, their language; the short session
a signed link from the weekly email opens; and the coach taking up an invitation.

Every decision is in the audit trail (never a note's text). An invitation is a random token
kept only as its SHA-256, good once, and only while the grant is live.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from assistant.app.console.access import PlaceOwner
from assistant.app.console.connect_links import Mailer
from assistant.app.console.credentials import hash_password
from assistant.app.console.signin import SignedIn, Viewer, open_session, token_hash
from assistant.errors import AgendaRegieError, UserError
from assistant.i18n.translations import gettext
from assistant.mail.links import LinkSigner
from assistant.store.crypto import SecretBox
from assistant.store.database import Engine, session_scope
from assistant.store.models import LANGUAGES
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.coaching import (
    add_grant,
    add_note,
    invitation,
    remove_note,
    revoke_grant,
    set_assistants_see_personal,
    take_invitation,
)
from assistant.store.repositories.console_users import add_console_user, find_console_user
from assistant.store.repositories.leaders import find_leader
from rules.address import plain_address

# A signed link from the weekly email opens a short session, not a day's.
LINK_SESSION = timedelta(minutes=30)
DEFAULT_MONTHS = 6
MAX_MONTHS = 24
NOTE_LIMIT = 4000
INVITED = "coach.invited"
REVOKED = "coach.revoked"
ACCEPTED = "coach.accepted"
SHARING = "place.sharing"
LANGUAGE = "place.language"
NOTE_WRITTEN = "coach.note_written"
NOTE_REMOVED = "coach.note_removed"


class PlaceRefused(UserError):
    """A request of the leader's place that cannot be done; the message says why."""


@dataclass(frozen=True)
class Invitation:
    grant_id: int
    url: str
    emailed: bool
    problem: str


@dataclass(frozen=True)
class InvitationInfo:
    """What the invitation page shows before it is taken up (a look)."""

    leader_name: str
    coach_email: str
    has_account: bool
    expires_at: datetime


def open_place_link(engine: Engine, signer: LinkSigner, token: str, now: datetime) -> SignedIn:
    """A short session for the leader of a live link from their weekly email (`LinkError` when
    the link is tampered or expired; `PlaceRefused` when the leader or their account is gone or
    switched off). A leader without a console account gets one that signs in only this way or
    through the organisation."""
    link = signer.place(token, now)
    with session_scope(engine) as session:
        leader = find_leader(session, link.leader)
        if leader is None:
            raise PlaceRefused("this link belongs to no leader here")
        user = find_console_user(session, leader.email)
        if user is None:
            user = add_console_user(
                session, leader.email, "leader", password_hash=None, language=None, now=now
            )
        if user.disabled:
            raise PlaceRefused("this account is switched off")
        return open_session(session, user, now, LINK_SESSION)


def invite_coach(
    engine: Engine,
    owner: PlaceOwner,
    coach_email: str,
    months: int,
    *,
    base_url: str,
    mailer: Mailer | None,
    now: datetime,
) -> Invitation:
    """A grant for the coach until `months` from now, and its invitation (emailed when mail is
    set up, shown to copy either way). `PlaceRefused` for an address that is not one plain
    address, the leader's own, or a period outside 1 to 24 months."""
    address = plain_address(coach_email)
    if address is None:
        raise PlaceRefused("%(value)r is not one plain email address", value=coach_email[:200])
    address = address.lower()
    if address == owner.email:
        raise PlaceRefused("a coach is someone else: this is your own address")
    if not 1 <= months <= MAX_MONTHS:
        raise PlaceRefused("choose between 1 and %(most)s months", most=MAX_MONTHS)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=round(months * 30.44))
    with session_scope(engine) as session:
        grant = add_grant(
            session, owner.leader_id, address, expires_at=expires, invite_hash=token_hash(token),
            now=now,
        )  # fmt: skip
        grant_id = grant.id
        add_audit(
            session, actor=owner.email, action=INVITED, subject=address, now=now,
            leader_id=owner.leader_id, detail={"grant": grant_id, "expires": expires.isoformat()},
        )  # fmt: skip
    url = f"{base_url.rstrip('/')}/console/coach/invite/{token}"
    problem = ""
    if mailer is not None:
        try:
            mailer.send(_invitation(mailer.sender, address, owner, url, expires))
        except (AgendaRegieError, OSError) as error:
            problem = str(error).splitlines()[0][:300] or type(error).__name__
    return Invitation(grant_id, url, mailer is not None and not problem, problem)


def _invitation(
    sender: str, to: str, owner: PlaceOwner, url: str, expires: datetime
) -> EmailMessage:
    """The invitation in the leader's language (the coach's is not known yet)."""

    def _(text: str, **values: object) -> str:
        return gettext(owner.language, text, **values)

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Reply-To"] = owner.email
    who = owner.name or owner.email
    message["Subject"] = _("%(name)s invites you to look along as their coach", name=who)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(
        "\n\n".join(
            [
                _(
                    "%(name)s uses agenda-regie to keep room in their calendar, and asks you to "
                    "look along as their coach.",
                    name=who,
                ),
                _(
                    "You will see their trend, the signals of narrowing, how much room they felt "
                    "and the notes they write for you; never their appointments or rules."
                ),
                url,
                _(
                    "The link works once. %(name)s can end your access at any time; it ends by "
                    "itself on %(date)s.",
                    name=who,
                    date=f"{expires:%d-%m-%Y}",
                ),
            ]
        )
        + "\n"
    )
    return message


def revoke_coach(engine: Engine, owner: PlaceOwner, grant_id: int, now: datetime) -> bool:
    with session_scope(engine) as session:
        if not revoke_grant(session, owner.leader_id, grant_id, now=now):
            return False
        add_audit(
            session, actor=owner.email, action=REVOKED, subject=owner.email, now=now,
            leader_id=owner.leader_id, detail={"grant": grant_id},
        )  # fmt: skip
        return True


def invitation_info(engine: Engine, token: str, now: datetime) -> InvitationInfo | None:
    """The live invitation of this token, or None; writes nothing."""
    if not token or len(token) > 200:
        return None
    with session_scope(engine) as session:
        found = invitation(session, token_hash(token), now=now)
        if found is None:
            return None
        grant, leader = found
        has_account = find_console_user(session, grant.coach_email) is not None
        return InvitationInfo(
            leader.name or leader.email, grant.coach_email, has_account, grant.expires_at
        )


def accept_invitation(
    engine: Engine,
    token: str,
    now: datetime,
    *,
    viewer: Viewer | None,
    password: str | None,
    language: str | None,
) -> tuple[int, SignedIn | None] | None:
    """Take up the invitation: the grant's id, and a new session when a coach account was made
    now. A coach who already has an account must be signed in as its address. None when the
    invitation is unknown, used, revoked or expired, or the signed-in address is another."""
    if not token or len(token) > 200:
        return None
    with session_scope(engine) as session:
        found = invitation(session, token_hash(token), now=now)
        if found is None:
            return None
        coach_email = found[0].coach_email
        user = find_console_user(session, coach_email)
        if user is not None and (viewer is None or viewer.email != user.email):
            return None
        signed_in = None
        if user is None:
            hashed = None if password is None else hash_password(password)
            user = add_console_user(
                session, coach_email, "coach", password_hash=hashed,
                language=language if language in LANGUAGES else None, now=now,
            )  # fmt: skip
            signed_in = open_session(session, user, now)
        grant = take_invitation(session, token_hash(token), now=now)
        if grant is None:
            return None
        add_audit(
            session, actor=coach_email, action=ACCEPTED, subject=coach_email,
            now=now, leader_id=grant.leader_id, detail={"grant": grant.id},
        )  # fmt: skip
        return grant.id, signed_in


def write_note(engine: Engine, box: SecretBox, owner: PlaceOwner, text: str, now: datetime) -> None:
    note = text.strip()
    if not note:
        raise PlaceRefused("the note is empty")
    if len(note) > NOTE_LIMIT:
        raise PlaceRefused("a note holds at most %(limit)s characters", limit=NOTE_LIMIT)
    with session_scope(engine) as session:
        add_note(session, owner.leader_id, box.encrypt(note.encode()), now=now)
        add_audit(
            session, actor=owner.email, action=NOTE_WRITTEN, subject=owner.email, now=now,
            leader_id=owner.leader_id,
        )  # fmt: skip


def drop_note(engine: Engine, owner: PlaceOwner, note_id: int, now: datetime) -> bool:
    with session_scope(engine) as session:
        if not remove_note(session, owner.leader_id, note_id):
            return False
        add_audit(
            session, actor=owner.email, action=NOTE_REMOVED, subject=owner.email, now=now,
            leader_id=owner.leader_id,
        )  # fmt: skip
        return True


def share_with_assistants(engine: Engine, owner: PlaceOwner, allowed: bool, now: datetime) -> None:
    with session_scope(engine) as session:
        set_assistants_see_personal(session, owner.leader_id, allowed, now=now)
        add_audit(
            session, actor=owner.email, action=SHARING, subject=owner.email, now=now,
            leader_id=owner.leader_id, after={"assistants_see_personal": allowed},
        )  # fmt: skip


def choose_language(engine: Engine, owner: PlaceOwner, language: str, now: datetime) -> None:
    """The leader's language for the weekly email and their place (`PlaceRefused` otherwise)."""
    if language not in LANGUAGES:
        raise PlaceRefused("choose one of %(languages)s", languages=", ".join(LANGUAGES))
    with session_scope(engine) as session:
        leader = find_leader(session, owner.email)
        user = find_console_user(session, owner.email)
        if leader is None:
            return
        before = leader.language
        leader.language = language
        if user is not None:
            user.language = language
        add_audit(
            session, actor=owner.email, action=LANGUAGE, subject=owner.email, now=now,
            leader_id=owner.leader_id, before={"language": before}, after={"language": language},
        )  # fmt: skip
