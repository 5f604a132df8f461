"""Workspaces, the people who use them, their roles, API tokens and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import Base, IdMixin, TimestampMixin, WorkspaceScoped
from grounded.db.types import enum_type, utcnow
from grounded.models.enums import Role


class Workspace(IdMixin, TimestampMixin, Base):
    """The root of everything: every other row belongs to exactly one workspace."""

    __tablename__ = "workspace"

    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in. Users are global; what they may do is per workspace."""

    __tablename__ = "user"

    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)


class Membership(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(IdMixin, WorkspaceScoped, Base):
    """A bearer token scoped to one workspace and one role. Only its hash is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEvent(IdMixin, WorkspaceScoped, Base):
    """Who changed what, when, with the values before and after. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_workspace_occurred", "workspace_id", "occurred_at"),
        sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),
        sa.Index("ix_audit_event_workspace_key", "workspace_id", "entity_key"),
    )

    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(sa.String(320))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[uuid.UUID | None]
    entity_key: Mapped[str | None] = mapped_column(sa.String(32))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkspaceCounter(Base):
    """The last number handed out per key prefix (``P`` → 12 means ``P-12`` exists)."""

    __tablename__ = "workspace_counter"

    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    prefix: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
