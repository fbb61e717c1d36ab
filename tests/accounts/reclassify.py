"""What the classification tests of both providers share: the leader's rules with `denktijd`
(and later `stilte`) as reflection keywords, the workers' sync and week, and what they count."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from assistant.app.pipeline import Services, compute_week, sync_connection
from assistant.core.review import IsoWeek
from assistant.mail.links import LinkSigner
from assistant.mail.send import SmtpSettings
from assistant.store.crypto import SecretBox
from assistant.store.database import session_scope
from assistant.store.repositories import find_leader
from assistant.store.repositories.rules import apply_rules
from rules import load_rules

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)  # a Wednesday
WEEK = IsoWeek(2026, 22)  # 25 to 31 May: the week the review looks at
DENKTIJD = {"classification": {"reflection_keywords": ["denktijd"]}}
WITH_STILTE = {"classification": {"reflection_keywords": ["denktijd", "stilte"]}}


def services(engine: Engine, cipher: SecretBox, **access: object) -> Services:
    return Services(
        engine=engine,
        smtp=SmtpSettings("127.0.0.1", 25, "none", "agenda-regie@example.org"),
        signer=LinkSigner("test-link-secret-0123456789abcdef", "http://127.0.0.1:8000"),
        cipher=cipher,
        **access,  # type: ignore[arg-type]
    )


def apply(engine: Engine, leader: str, overrides: dict[str, object]) -> None:
    with session_scope(engine) as session:
        apply_rules(session, leader, load_rules(None, overrides), "ea@example.org", now=NOW)


def reflection_minutes_after_sync(
    workers: Services, leader: str, connection_id: int
) -> tuple[str, float | int | None]:
    """Sync the connection as the workers do, review the week from its cache: the sync's
    outcome and the week's reflection minutes."""
    status = sync_connection(workers, connection_id, NOW)
    with session_scope(workers.engine) as session:
        found = find_leader(session, leader)
        assert found is not None
        leader_id = found.id
    review = compute_week(workers, leader_id, WEEK, NOW)
    return status, review.indicator("reflection_minutes").value
