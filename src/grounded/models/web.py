"""What signing in to the web app leaves behind: server-side sessions and the record of
sign-in attempts that login throttling counts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import Base, IdMixin, WorkspaceScoped
from grounded.db.types import utcnow


class WebSession(IdMixin, WorkspaceScoped, Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.

    ``workspace_id`` is the workspace the session was opened for.
    """

    __tablename__ = "web_session"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    client: Mapped[str] = mapped_column(sa.String(100), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")


class LoginAttempt(IdMixin, Base):
    """One sign-in attempt, kept a day so throttling works across processes and restarts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_attempted", "email", "attempted_at"),
        sa.Index("ix_login_attempt_client_attempted", "client", "attempted_at"),
        sa.Index("ix_login_attempt_attempted_at", "attempted_at"),  # pruning
    )

    email: Mapped[str] = mapped_column(sa.String(320))
    client: Mapped[str] = mapped_column(sa.String(100))
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
