"""The leader's own place and their coach: what the leader lets their assistants see, the coaches
they invited (until when, revoked or not), every look a coach took, and the leader's notes to
their coach.

A note is the leader's own words, so it is kept only as Fernet ciphertext
(`assistant.store.crypto.SecretBox`); an invitation only as the SHA-256 of its random token.
Imported by `assistant.store.console_models`, which `assistant.store.models` loads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.models import Base


class LeaderSharing(Base):
    """What the leader lets their assistants see beyond the buffers: their felt-room ratings and
    their notes to the coach. No row: neither (the default)."""

    __tablename__ = "leader_sharing"

    leader_id: Mapped[int] = mapped_column(
        ForeignKey("leaders.id", ondelete="CASCADE"), primary_key=True
    )
    assistants_see_personal: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime]


class CoachGrant(Base):
    """A coach the leader invited: who (by address), until when, and whether it was revoked.

    `invite_hash` is the SHA-256 of the invitation link's token; it is cleared once the coach
    has taken up the invitation (the link works once)."""

    __tablename__ = "coach_grants"
    __table_args__ = (Index(None, "leader_id"), Index(None, "coach_email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    coach_email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class CoachView(Base):
    """One look a coach took at what the leader shares; shown to the leader."""

    __tablename__ = "coach_views"
    __table_args__ = (Index(None, "leader_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("coach_grants.id", ondelete="CASCADE"))
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    page: Mapped[str] = mapped_column(String(32))  # trend, summary, summary_pdf


class CoachNote(Base):
    """A note the leader wrote for their coach, encrypted."""

    __tablename__ = "coach_notes"
    __table_args__ = (Index(None, "leader_id", "written_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id", ondelete="CASCADE"))
    written_at: Mapped[datetime]
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
