"""The initial schema: leaders, assistants, connections, rules, metrics, proposals, outbox,
reviews, self-ratings and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Written out by hand: this revision means this schema forever, so it imports neither the models
nor the catalogue (the metric columns are the ids of catalogue.METRIC_IDS at this revision).
There is no column for an event's title, description, location or attendee names.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

METRIC_COLUMNS = (
    "meeting_hours",
    "meeting_share",
    "focus_hours",
    "fragmented_hours",
    "meeting_free_half_days",
    "short_notice_share",
    "longest_back_to_back_minutes",
    "back_to_back_chains",
    "days_without_midday_break",
    "longest_workday_span_hours",
    "short_rest_nights",
    "after_hours_meeting_hours",
    "reflection_minutes",
    "reflection_target_minutes",
    "missing_reflection_minutes",
    "days_since_mini_retreat",
    "median_meeting_minutes",
    "organised_meeting_share",
    "protected_overrun_minutes",
)


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _leader_id(table: str) -> sa.Column[object]:
    return sa.Column(
        "leader_id",
        sa.Integer(),
        sa.ForeignKey("leaders.id", name=op.f(f"fk_{table}_leader_id_leaders"), ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "leaders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaders")),
        sa.UniqueConstraint("email", name=op.f("uq_leaders_email")),
        sa.CheckConstraint("language IN ('nl', 'en')", name=op.f("ck_leaders_language")),
    )
    op.create_table(
        "assistants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistants")),
        sa.UniqueConstraint("email", name=op.f("uq_assistants_email")),
    )
    op.create_table(
        "assistant_leaders",
        sa.Column(
            "assistant_id",
            sa.Integer(),
            sa.ForeignKey(
                "assistants.id",
                name=op.f("fk_assistant_leaders_assistant_id_assistants"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        _leader_id("assistant_leaders"),
        sa.PrimaryKeyConstraint("assistant_id", "leader_id", name=op.f("pk_assistant_leaders")),
    )
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        _leader_id("connections"),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("account", sa.String(320), nullable=False),
        sa.Column("token_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("sync_state", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), server_default="ok", nullable=False),
        _when("last_sync_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint(
            "leader_id",
            "provider",
            "account",
            name=op.f("uq_connections_leader_id_provider_account"),
        ),
        sa.CheckConstraint(
            "provider IN ('google', 'microsoft', 'ics')", name=op.f("ck_connections_provider")
        ),
        sa.CheckConstraint(
            "status IN ('ok', 'needs_reauthorisation', 'error', 'disabled')",
            name=op.f("ck_connections_status"),
        ),
    )
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        _leader_id("rule_sets"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
        sa.UniqueConstraint("leader_id", "version", name=op.f("uq_rule_sets_leader_id_version")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_rule_sets_version_positive")),
    )
    op.create_table(
        "weekly_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        _leader_id("weekly_metrics"),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in METRIC_COLUMNS),
        sa.Column("rules_version", sa.Integer(), nullable=True),
        _when("computed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_metrics")),
        sa.UniqueConstraint(
            "leader_id", "iso_week", name=op.f("uq_weekly_metrics_leader_id_iso_week")
        ),
        sa.CheckConstraint("week BETWEEN 1 AND 53", name=op.f("ck_weekly_metrics_week_range")),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        _leader_id("proposals"),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _when("start_at"),
        _when("end_at"),
        sa.Column("status", sa.String(16), server_default="proposed", nullable=False),
        sa.Column("generation", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("provider_event_id", sa.String(255), nullable=True),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("key", name=op.f("uq_proposals_key")),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'declined', 'expired', 'written', 'failed')",
            name=op.f("ck_proposals_status"),
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_proposals_end_after_start")),
    )
    op.create_index(op.f("ix_proposals_leader_id_iso_week"), "proposals", ["leader_id", "iso_week"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "proposal_key",
            sa.String(200),
            sa.ForeignKey(
                "proposals.key", name=op.f("fk_outbox_proposal_key_proposals"), ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("next_attempt_at"),
        _when("done_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.CheckConstraint("action IN ('create', 'delete')", name=op.f("ck_outbox_action")),
    )
    op.create_index(
        op.f("ix_outbox_done_at_next_attempt_at"), "outbox", ["done_at", "next_attempt_at"]
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        _leader_id("reviews"),
        sa.Column("iso_week", sa.String(8), nullable=False),
        _when("sent_at"),
        sa.Column("message_id", sa.String(998), nullable=True),
        sa.Column("delivery_status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("leader_id", "iso_week", name=op.f("uq_reviews_leader_id_iso_week")),
        sa.CheckConstraint(
            "delivery_status IN ('sent', 'failed', 'bounced')",
            name=op.f("ck_reviews_delivery_status"),
        ),
    )
    op.create_table(
        "self_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        _leader_id("self_ratings"),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        _when("recorded_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_ratings")),
        sa.UniqueConstraint(
            "leader_id", "iso_week", name=op.f("uq_self_ratings_leader_id_iso_week")
        ),
        sa.CheckConstraint("score BETWEEN 1 AND 10", name=op.f("ck_self_ratings_score_range")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(320), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("self_ratings")
    op.drop_table("reviews")
    op.drop_index(op.f("ix_outbox_done_at_next_attempt_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_proposals_leader_id_iso_week"), table_name="proposals")
    op.drop_table("proposals")
    op.drop_table("weekly_metrics")
    op.drop_table("rule_sets")
    op.drop_table("connections")
    op.drop_table("assistant_leaders")
    op.drop_table("assistants")
    op.drop_table("leaders")
