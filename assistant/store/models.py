"""The tables of the store, as typed SQLAlchemy 2 declarative classes.

What is kept follows DESIGN section 3: times, kinds, statuses and numbers; no table has, or may
get, a column for an event's title, description, location or attendee names.

Timestamps are aware UTC in Python. `UtcDateTime` refuses naive values, stores `timestamptz` on
PostgreSQL and a UTC text on SQLite (no time zone type there), and hands back aware UTC on both.

A change here (or in `console_models`, whose tables join these) needs a new Alembic revision in
`assistant/store/migrations/versions/`; the tests compare the models with the migrated database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names, the same on both databases, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LANGUAGES = ("nl", "en")
PROVIDERS = ("google", "microsoft", "ics", "caldav")
CONNECTION_STATUSES = ("ok", "needs_reauthorisation", "error", "disabled")
PROPOSAL_STATUSES = ("proposed", "accepted", "declined", "expired", "written", "failed")
OUTBOX_ACTIONS = ("create", "delete")
DELIVERY_STATUSES = ("sent", "failed", "bounced")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, kept as UTC on every database."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the store keeps aware datetimes only, got naive {value.isoformat()}")
        utc = value.astimezone(UTC)
        # SQLite keeps text without an offset; all values are UTC, so they also sort as text.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
    }


assistant_leaders = Table(
    "assistant_leaders",
    Base.metadata,
    Column(
        "assistant_id",
        ForeignKey("assistants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("leader_id", ForeignKey("leaders.id", ondelete="CASCADE"), primary_key=True),
)


class Leader(Base):
    __tablename__ = "leaders"
    __table_args__ = (CheckConstraint(_one_of("language", LANGUAGES), name="language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # The leader's identity (name, IANA zone, language): its one home. Stored rules leave it
    # out; a leader's effective rules get it from here (store.repositories.rules.effective_rules)
    # and only applying rules changes it (store_rules).
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    # Set when the leader paused the weekly review; no `paused_until`: until they resume.
    paused_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]

    assistants: Mapped[list[Assistant]] = relationship(
        secondary=assistant_leaders, back_populates="leaders"
    )


class Assistant(Base):
    """An executive assistant; sees and configures only the leaders listed for them."""

    __tablename__ = "assistants"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    leaders: Mapped[list[Leader]] = relationship(
        secondary=assistant_leaders, back_populates="assistants", order_by=Leader.email
    )


class Connection(Base):
    """One calendar account of a leader; the OAuth token (or a private feed URL) is encrypted."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("leader_id", "provider", "account"),
        CheckConstraint(_one_of("provider", PROVIDERS), name="provider"),
        CheckConstraint(_one_of("status", CONNECTION_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(320))
    # Fernet ciphertext (assistant.store.crypto.SecretBox); never the plaintext token.
    token_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    sync_state: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="ok", server_default="ok")
    last_sync_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # A fingerprint of the classification options the event cache was made with (the leader's
    # keywords and exception organisers); another one makes the next sync a full one.
    classified_with: Mapped[str | None] = mapped_column(String(64))


class RuleSet(Base):
    """One saved version of a leader's protection rules: the validated rules' JSON
    (`rules.rules_json`), without the leader's identity (address, name, language, time zone),
    which the `leaders` row holds."""

    __tablename__ = "rule_sets"
    __table_args__ = (
        UniqueConstraint("leader_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    version: Mapped[int]
    rules_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))
    # A leader's file that extends an organisation's or a team's rules: the name of the shared
    # rule set it extends, and the settings of the leader's own file (JSON). The effective rules
    # are then resolved when used, with the shared sets' latest versions; `rules_json` keeps
    # them as they were when applied.
    extends: Mapped[str | None] = mapped_column(String(100))
    layer_json: Mapped[str | None] = mapped_column(Text)


class SharedRuleSet(Base):
    """One version of an organisation's or a team's rules, which leaders' rules extend: only the
    settings its file sets (JSON), and the shared set it extends in turn (a team extends its
    organisation)."""

    __tablename__ = "shared_rule_sets"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    layer_json: Mapped[str] = mapped_column(Text)
    extends: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(320))


class WeeklyMetricsRow(Base):
    """One leader's measured week: one nullable column per id in `catalogue.METRIC_IDS`."""

    __tablename__ = "weekly_metrics"
    __table_args__ = (
        UniqueConstraint("leader_id", "iso_week"),
        CheckConstraint("week BETWEEN 1 AND 53", name="week_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))  # 'YYYY-Www', sorts like the weeks
    year: Mapped[int]
    week: Mapped[int]

    meeting_hours: Mapped[float | None] = mapped_column(Float)
    meeting_share: Mapped[float | None] = mapped_column(Float)
    focus_hours: Mapped[float | None] = mapped_column(Float)
    fragmented_hours: Mapped[float | None] = mapped_column(Float)
    meeting_free_half_days: Mapped[float | None] = mapped_column(Float)
    short_notice_share: Mapped[float | None] = mapped_column(Float)
    longest_back_to_back_minutes: Mapped[float | None] = mapped_column(Float)
    back_to_back_chains: Mapped[float | None] = mapped_column(Float)
    days_without_midday_break: Mapped[float | None] = mapped_column(Float)
    longest_workday_span_hours: Mapped[float | None] = mapped_column(Float)
    short_rest_nights: Mapped[float | None] = mapped_column(Float)
    after_hours_meeting_hours: Mapped[float | None] = mapped_column(Float)
    reflection_minutes: Mapped[float | None] = mapped_column(Float)
    reflection_target_minutes: Mapped[float | None] = mapped_column(Float)
    missing_reflection_minutes: Mapped[float | None] = mapped_column(Float)
    days_since_mini_retreat: Mapped[float | None] = mapped_column(Float)
    median_meeting_minutes: Mapped[float | None] = mapped_column(Float)
    organised_meeting_share: Mapped[float | None] = mapped_column(Float)
    protected_overrun_minutes: Mapped[float | None] = mapped_column(Float)
    distinct_people: Mapped[float | None] = mapped_column(Float)
    counterforce_sessions: Mapped[float | None] = mapped_column(Float)

    rules_version: Mapped[int | None]
    computed_at: Mapped[datetime]


class ProposalRow(Base):
    """A proposed protected block and where it stands; `key` makes accepts and writes idempotent."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_one_of("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        Index(None, "leader_id", "iso_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    # `start`/`end` in Python; the columns avoid the SQL keyword END.
    start: Mapped[datetime] = mapped_column("start_at", UtcDateTime())
    end: Mapped[datetime] = mapped_column("end_at", UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="proposed", server_default="proposed")
    generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    provider_event_id: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class OutboxEntry(Base):
    """A calendar write that was decided but not yet done (stored first, then written)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_one_of("action", OUTBOX_ACTIONS), name="action"),
        Index(None, "done_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_key: Mapped[str] = mapped_column(
        String(200), ForeignKey("proposals.key", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class ReviewDelivery(Base):
    """A weekly review that was sent: at most one per leader and ISO week."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("leader_id", "iso_week"),
        CheckConstraint(_one_of("delivery_status", DELIVERY_STATUSES), name="delivery_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime]
    message_id: Mapped[str | None] = mapped_column(String(998))
    delivery_status: Mapped[str] = mapped_column(String(16))


class ReviewClaim(Base):
    """A (leader, ISO week) whose weekly pipeline a dispatcher started; the unique key is the
    once-per-week guarantee, on every database and across machines."""

    __tablename__ = "review_claims"
    __table_args__ = (UniqueConstraint("leader_id", "iso_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))
    claimed_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=1, server_default=text("1"))


class SelfRating(Base):
    """The leader's own score of the week: how much room they had, 1 to 5."""

    __tablename__ = "self_ratings"
    __table_args__ = (
        UniqueConstraint("leader_id", "iso_week"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    iso_week: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime]


class AuditEntry(Base):
    """Who changed what, for which leader, before and after; never an event's title."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(320))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("leaders.id", ondelete="SET NULL"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CachedEvent(Base):
    """One occurrence kept by a connection's last sync (connectors.model.CalendarEvent, no title).

    `provider_event_id` is the provider's id of the occurrence, unique per connection, so an
    incremental sync updates in place and a full resync reconciles by id.
    """

    __tablename__ = "event_cache"
    __table_args__ = (
        UniqueConstraint("connection_id", "provider_event_id"),
        CheckConstraint("end_at >= start_at", name="end_not_before_start"),
        Index(None, "connection_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    provider_event_id: Mapped[str] = mapped_column(String(1024))
    start: Mapped[datetime] = mapped_column("start_at", UtcDateTime())
    end: Mapped[datetime] = mapped_column("end_at", UtcDateTime())
    all_day: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    my_response: Mapped[str] = mapped_column(String(16))
    busy: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(16))
    # A count only; the column name avoids "attendee" (no table may hold attendee data).
    other_attendees: Mapped[int] = mapped_column("others_invited")
    organized_by_me: Mapped[bool]
    created: Mapped[datetime | None]
    recurring: Mapped[bool]
    ours: Mapped[bool]
    may_override_protection: Mapped[bool]
    # The other people as keyed hashes, space-separated (connectors.classify.people_hashes): no
    # address in clear, and useless without the secret key they were made with.
    people_hashes: Mapped[str] = mapped_column(Text, default="", server_default="")
    counterforce: Mapped[bool] = mapped_column(default=False, server_default=false())


from assistant.store import console_models  # noqa: E402, F401  (its tables join the metadata)
