"""The repositories: the functions the rest of the product calls to read and write the store.

May import the store's models, core, connectors and rules; the only SQL outside migrations.

One module per aggregate: leaders, connections, events (the cache), rules, metrics, proposals,
outbox, reviews, feedback, audit; `base` holds what they share.

Every function takes a `Session` and works inside the caller's transaction: none commits. Wrap a
unit of work in `database.session_scope(engine)`. All datetimes going in must be aware; all coming
out are aware UTC. A leader is passed as the `Leader` row or its id.

Writes that two workers may do at the same moment (a leader's first appearance, a week's
metrics, a review sent) are single `INSERT ... ON CONFLICT` statements on both SQLite and
PostgreSQL, so a race leaves one row and raises nothing. An outbox entry is claimed with one
conditional UPDATE before its calendar call (`claim_outbox_entry`), so two flushes never both
do it.
"""

from __future__ import annotations

from assistant.store.repositories.audit import (
    add_audit,
)
from assistant.store.repositories.base import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIMEZONE,
    UnknownLeaderError,
)
from assistant.store.repositories.connections import (
    load_connection_token,
    save_connection_token,
    upsert_connection,
)
from assistant.store.repositories.events import (
    cached_events,
    count_cached_events,
    reconcile_cached_events,
    remove_cached_events,
    upsert_cached_events,
)
from assistant.store.repositories.feedback import (
    QUESTION_ASKED,
    questions_asked,
    record_question,
    record_self_rating,
    self_ratings,
)
from assistant.store.repositories.leaders import (
    REVIEWS_PAUSED,
    REVIEWS_RESUMED,
    find_leader,
    leaders_managed_by,
    let_assistant_manage,
    pause_reviews,
    resume_reviews,
    reviews_paused,
    upsert_assistant,
    upsert_leader,
)
from assistant.store.repositories.metrics import (
    EXPORT_FORMATS,
    ExportFormat,
    export_metrics,
    metrics_frame,
    record_week,
    weekly_history,
)
from assistant.store.repositories.outbox import (
    claim_outbox_entry,
    due_outbox,
    outbox_deleted,
    outbox_failed,
    outbox_written,
)
from assistant.store.repositories.proposals import (
    PROPOSAL_WITHDRAWN,
    decide_proposal,
    ensure_proposals,
    proposal_by_key,
    proposal_withdrawn,
    proposals_of_week,
    withdraw_proposal,
)
from assistant.store.repositories.reviews import (
    record_review_sent,
    review_delivery,
)
from assistant.store.repositories.rules import (
    latest_rules,
    leader_rules,
    store_rules,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "DEFAULT_TIMEZONE",
    "EXPORT_FORMATS",
    "PROPOSAL_WITHDRAWN",
    "QUESTION_ASKED",
    "REVIEWS_PAUSED",
    "REVIEWS_RESUMED",
    "ExportFormat",
    "UnknownLeaderError",
    "add_audit",
    "cached_events",
    "claim_outbox_entry",
    "count_cached_events",
    "decide_proposal",
    "due_outbox",
    "ensure_proposals",
    "export_metrics",
    "find_leader",
    "latest_rules",
    "leader_rules",
    "leaders_managed_by",
    "let_assistant_manage",
    "load_connection_token",
    "metrics_frame",
    "outbox_deleted",
    "outbox_failed",
    "outbox_written",
    "pause_reviews",
    "proposal_by_key",
    "proposal_withdrawn",
    "proposals_of_week",
    "questions_asked",
    "reconcile_cached_events",
    "record_question",
    "record_review_sent",
    "record_self_rating",
    "record_week",
    "remove_cached_events",
    "resume_reviews",
    "review_delivery",
    "reviews_paused",
    "save_connection_token",
    "self_ratings",
    "store_rules",
    "upsert_assistant",
    "upsert_cached_events",
    "upsert_connection",
    "upsert_leader",
    "weekly_history",
    "withdraw_proposal",
]
