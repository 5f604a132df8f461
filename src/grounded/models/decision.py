"""Decisions, their options, their append-only history, and the signals that watch them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
from grounded.models.enums import (
    Comparator,
    DecisionLinkKind,
    DecisionStatus,
    Reversibility,
    SignalAction,
    SignalState,
)


class Decision(IdMixin, Keyed, TimestampMixin, Base):
    """A decision record. Once accepted its content is frozen: changes are new decisions
    that supersede or amend it, and every change of state is kept in its revisions.

    ``situation``, ``facing``, ``to_achieve`` and ``accepting`` feed the one-line summary:
    in the context of <situation>, facing <facing>, we decided for <chosen option> and
    against <other options>, to achieve <to_achieve>, accepting that <accepting>.
    """

    __tablename__ = "decision"
    __table_args__ = (
        workspace_number_unique("decision"),
        sa.Index("ix_decision_workspace_status", "workspace_id", "status"),
    )
    KEY_PREFIX: ClassVar[str] = "D"

    title: Mapped[str] = mapped_column(sa.String(300))
    context: Mapped[str] = mapped_column(sa.Text, default="")
    situation: Mapped[str] = mapped_column(sa.Text, default="")
    facing: Mapped[str] = mapped_column(sa.Text, default="")
    to_achieve: Mapped[str] = mapped_column(sa.Text, default="")
    accepting: Mapped[str] = mapped_column(sa.Text, default="")
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    non_goals: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[DecisionStatus] = mapped_column(
        enum_type(DecisionStatus, "decision_status"), default=DecisionStatus.DRAFT
    )
    reversibility: Mapped[Reversibility] = mapped_column(
        enum_type(Reversibility, "reversibility"), default=Reversibility.TWO_WAY
    )
    review_by: Mapped[date | None]
    deciders: Mapped[list[str]] = mapped_column(default=list)
    consulted: Mapped[list[str]] = mapped_column(default=list)
    informed: Mapped[list[str]] = mapped_column(default=list)
    revision: Mapped[int] = mapped_column(default=1)
    decided_at: Mapped[datetime | None]


class DecisionOption(IdMixin, WorkspaceScoped, Base):
    """One option considered, with its tradeoff on each of the three dimensions."""

    __tablename__ = "decision_option"
    __table_args__ = (sa.UniqueConstraint("decision_id", "position"),)

    decision_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    user_value: Mapped[str] = mapped_column(sa.Text, default="")
    viability: Mapped[str] = mapped_column(sa.Text, default="")
    feasibility: Mapped[str] = mapped_column(sa.Text, default="")
    bet_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("bet.id", ondelete="SET NULL"), index=True)
    is_chosen: Mapped[bool] = mapped_column(default=False)


class DecisionRevision(IdMixin, WorkspaceScoped, Base):
    """The decision as it stood after each change of content or state. Append-only."""

    __tablename__ = "decision_revision"
    __table_args__ = (sa.UniqueConstraint("decision_id", "revision"),)

    decision_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"))
    revision: Mapped[int]
    status: Mapped[DecisionStatus] = mapped_column(enum_type(DecisionStatus, "decision_status"))
    snapshot: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DecisionLink(IdMixin, WorkspaceScoped, Base):
    """``from_decision`` supersedes / amends / depends on / conflicts with ``to_decision``."""

    __tablename__ = "decision_link"
    __table_args__ = (
        sa.UniqueConstraint("from_decision_id", "to_decision_id", "kind"),
        sa.CheckConstraint("from_decision_id <> to_decision_id", name="not_self"),
    )

    from_decision_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"))
    to_decision_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DecisionLinkKind] = mapped_column(enum_type(DecisionLinkKind, "decision_link_kind"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signal(IdMixin, Keyed, TimestampMixin, Base):
    """A condition that would change the plan, on a catalogue metric or an evidence query,
    e.g. weekly spreadsheet-rebuild tickets > 40 for 3 consecutive weeks."""

    __tablename__ = "signal"
    __table_args__ = (
        workspace_number_unique("signal"),
        sa.CheckConstraint("metric_id IS NOT NULL OR evidence_query IS NOT NULL", name="has_subject"),
        sa.CheckConstraint("window_days > 0 AND periods > 0", name="positive_window"),
    )
    KEY_PREFIX: ClassVar[str] = "S"

    decision_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    metric_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("metric.id", ondelete="RESTRICT"))
    evidence_query: Mapped[dict[str, Any] | None]
    comparator: Mapped[Comparator] = mapped_column(enum_type(Comparator, "comparator"))
    threshold: Mapped[float]
    window_days: Mapped[int] = mapped_column(default=7)
    periods: Mapped[int] = mapped_column(default=1)
    min_sample: Mapped[int] = mapped_column(default=0)
    action: Mapped[SignalAction] = mapped_column(enum_type(SignalAction, "signal_action"), default=SignalAction.REVIEW)
    state: Mapped[SignalState] = mapped_column(enum_type(SignalState, "signal_state"), default=SignalState.ARMED)
    last_value: Mapped[float | None]
    last_checked_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
