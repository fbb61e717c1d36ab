"""A leader with everything the store can hold about them, and a second leader beside them, for
the export and deletion tests (tests/place/test_data.py imports what it needs from here).

Lotte has a synced sample calendar, stored weeks, proposals and one waiting calendar change, a
review sent, a felt-room rating, a coach grant with a look and a note, what her assistants may
see, audit lines, a console account and a failed sign-in, connect links on their way, a rule
version, a Google connection whose token endpoint is the fake Google, and a Microsoft
connection. Sam has weeks, a rating, a console account and a rule version Lotte applied."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from google.oauth2.credentials import Credentials

from assistant.app.console.signin import token_hash
from assistant.store.console_models import SignInFailure
from assistant.store.database import session_scope
from assistant.store.models import (
    OutboxEntry,
    ProposalRow,
    ReviewDelivery,
    SelfRating,
)
from assistant.store.repositories.audit import add_audit
from assistant.store.repositories.coaching import (
    add_grant,
    add_note,
    record_view,
    set_assistants_see_personal,
)
from assistant.store.repositories.connections import save_connection_token, upsert_connection
from assistant.store.repositories.console_sessions import keep_pending_sign_in
from assistant.store.repositories.leaders import find_leader, upsert_leader
from assistant.store.repositories.rules import store_rules
from connectors.google.auth import credentials_to_json
from rules import load_rules
from tests.console.conftest import Console
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.mail.fixtures import NOW

LOTTE, LOTTE_NAME = "lotte.verhoef@example.org", "Lotte Verhoef"
SAM, SAM_NAME = "sam.de.boer@example.org", "Sam de Boer"
EVA = "eva@example.org"  # Lotte's and Sam's assistant
COACH = "coach.mila@example.net"
# Someone else whose address holds Lotte's: what she did is not Lotte's to delete.
CHARLOTTE = "charlotte.verhoef@example.org"
NOTE = "Ik merk dat ik de woensdagmiddag steeds weggeef aan overleg."
GOOGLE_REFRESH = "refresh-lotte-1f6a9c"
GOOGLE_ACCESS = "access-lotte-77b2"
MICROSOFT_REFRESH = "ms-refresh-lotte-0c41d9"
WEEKS = 6
# What must never leave the store in an export.
SECRETS = (GOOGLE_REFRESH, GOOGLE_ACCESS, MICROSOFT_REFRESH, "client-secret-1")


@dataclass(frozen=True)
class Populated:
    lotte_id: int
    sam_id: int


def populate(console: Console, google: FakeGoogleCalendar) -> Populated:
    lotte_id = console.leader(LOTTE, LOTTE_NAME)
    sam_id = console.leader(SAM, SAM_NAME)
    console.cache_sample(LOTTE)
    console.record_weeks(LOTTE, WEEKS)
    console.record_weeks(SAM, 2)
    console.add(LOTTE, "leader")
    console.add(SAM, "leader")
    console.add(EVA, "assistant")
    console.add("root@example.org", "admin")
    console.assign(EVA, LOTTE)
    console.assign(EVA, SAM)
    box = console.box
    with session_scope(console.store) as session:
        lotte = find_leader(session, LOTTE)
        assert lotte is not None
        google_token = Credentials(  # type: ignore[no-untyped-call]
            token=GOOGLE_ACCESS,
            refresh_token=GOOGLE_REFRESH,
            token_uri=google.token_uri,
            client_id=google.client_id,
            client_secret=google.client_secret,
        )
        connection = upsert_connection(session, lotte, "google", LOTTE)
        save_connection_token(session, connection, credentials_to_json(google_token), box)
        connection = upsert_connection(session, lotte, "microsoft", LOTTE)
        cache = {"RefreshToken": {"lotte": {"secret": MICROSOFT_REFRESH, "home_account_id": LOTTE}}}
        save_connection_token(session, connection, json.dumps(cache).encode(), box)

        start = NOW + timedelta(days=1, hours=-3)
        for number, status in enumerate(("accepted", "declined", "written")):
            session.add(
                ProposalRow(
                    key=f"{LOTTE}:2026-W49:focus:{number}",
                    leader_id=lotte_id,
                    iso_week="2026-W49",
                    kind="focus",
                    start=start + timedelta(days=number),
                    end=start + timedelta(days=number, hours=2),
                    status=status,
                    updated_at=NOW,
                )
            )
        session.flush()
        session.add(
            OutboxEntry(
                proposal_key=f"{LOTTE}:2026-W49:focus:0", action="create", next_attempt_at=NOW
            )
        )
        session.add(
            ReviewDelivery(
                leader_id=lotte_id,
                iso_week="2026-W48",
                sent_at=NOW,
                delivery_status="sent",
                message_id="<review-2026-W48@agenda-regie.example.org>",
            )
        )
        session.add(SelfRating(leader_id=lotte_id, iso_week="2026-W48", score=2, recorded_at=NOW))
        session.add(SelfRating(leader_id=sam_id, iso_week="2026-W48", score=4, recorded_at=NOW))
        for leader_id in (lotte_id, sam_id):  # Lotte applied both
            store_rules(session, leader_id, load_rules(), LOTTE, now=NOW)
        for address, name in ((LOTTE, LOTTE_NAME), (SAM, SAM_NAME)):  # the rules carried none
            upsert_leader(session, address, name=name)
        set_assistants_see_personal(session, lotte_id, True, now=NOW)
        grant = add_grant(
            session,
            lotte_id,
            COACH,
            expires_at=NOW + timedelta(days=180),
            invite_hash="a" * 64,
            now=NOW,
        )
        record_view(session, grant, "trend", now=NOW + timedelta(hours=1))
        add_note(session, lotte_id, box.encrypt(NOTE.encode()), now=NOW)
        add_audit(
            session,
            actor=EVA,
            action="leader.identity_changed",
            subject=LOTTE,
            now=NOW,
            leader_id=lotte_id,
            before={"name": "Lotte V."},
            after={"name": LOTTE_NAME},
        )
        # Written before leaders were named by id: only the name in the JSON tells.
        add_audit(
            session,
            actor="agenda-regie rules",
            action="rules.applied",
            subject="a file",
            now=NOW,
            detail={"leader_name": LOTTE_NAME, "version": 1},
        )
        add_audit(
            session,
            actor=CHARLOTTE,
            action="leader.paused",
            subject=SAM,
            now=NOW,
            detail={"asked_by": CHARLOTTE},
        )
        session.add(SignInFailure(key=f"account:{LOTTE}", at=NOW))
        keep_pending_sign_in(
            session,
            token_hash("link-nonce"),
            "connect-link",
            {"leader": LOTTE},
            expires_at=NOW + timedelta(days=7),
        )
        sealed = box.encrypt(json.dumps({"flow": {}, "nonce": "n", "leader": LOTTE}).encode())
        keep_pending_sign_in(
            session,
            token_hash("flow-state"),
            "connect-google",
            {"sealed": sealed.decode()},
            expires_at=NOW + timedelta(minutes=10),
        )
    return Populated(lotte_id, sam_id)
