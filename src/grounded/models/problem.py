"""Problems: crisp statements of what people struggle with, and the evidence behind them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import (
    Base,
    IdMixin,
    Keyed,
    TimestampMixin,
    WorkspaceScoped,
    workspace_number_unique,
)
from grounded.db.types import enum_type, utcnow
from grounded.models.enums import LinkOrigin, LinkRole, LinkStatus, ProblemStatus


class Problem(IdMixin, Keyed, TimestampMixin, Base):
    """Who struggles with what, why it matters, and what they do today.

    ``parent_id`` arranges problems under the root cause they share.
    """

    __tablename__ = "problem"
    __table_args__ = (
        workspace_number_unique("problem"),
        sa.Index("ix_problem_workspace_status", "workspace_id", "status"),
    )
    KEY_PREFIX: ClassVar[str] = "P"

    title: Mapped[str] = mapped_column(sa.String(300))
    who: Mapped[str] = mapped_column(sa.Text, default="")
    struggle: Mapped[str] = mapped_column(sa.Text, default="")
    why_it_matters: Mapped[str] = mapped_column(sa.Text, default="")
    current_workaround: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProblemStatus] = mapped_column(
        enum_type(ProblemStatus, "problem_status"), default=ProblemStatus.HYPOTHESIS
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("problem.id", ondelete="SET NULL"), index=True)
    revision: Mapped[int] = mapped_column(default=1)


class ProblemRevision(IdMixin, WorkspaceScoped, Base):
    """An append-only copy of a problem statement as it stood after each change."""

    __tablename__ = "problem_revision"
    __table_args__ = (sa.UniqueConstraint("problem_id", "revision"),)

    problem_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("problem.id", ondelete="CASCADE"))
    revision: Mapped[int]
    snapshot: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProblemLink(IdMixin, WorkspaceScoped, Base):
    """Evidence, a theme or a request linked to a problem, by a person or by a suggestion.

    Exactly one of ``evidence_id``, ``theme_id`` and ``request_id`` is set. A suggested
    link keeps its receipts (model, version, similarity, the quotes it leaned on) and who
    accepted or rejected it.
    """

    __tablename__ = "problem_link"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN evidence_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        sa.UniqueConstraint("problem_id", "evidence_id"),
        sa.UniqueConstraint("problem_id", "theme_id"),
        sa.UniqueConstraint("problem_id", "request_id"),
    )

    problem_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("request.id", ondelete="CASCADE"), index=True)
    role: Mapped[LinkRole] = mapped_column(enum_type(LinkRole, "link_role"))
    weight: Mapped[float] = mapped_column(default=1.0)
    origin: Mapped[LinkOrigin] = mapped_column(enum_type(LinkOrigin, "link_origin"))
    status: Mapped[LinkStatus] = mapped_column(enum_type(LinkStatus, "link_status"))
    confidence: Mapped[float | None]
    receipts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
