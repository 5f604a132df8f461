"""Strategy to the next increment: outcomes, scoring models, plans, increments and the
mid-quarter urgent exceptions."""

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
    ExceptionStatus,
    IncrementKind,
    IncrementStatus,
    OutcomeStatus,
    ScoringKind,
)


class Outcome(IdMixin, Keyed, TimestampMixin, Base):
    """A measurable goal for a period, tied to a catalogue metric."""

    __tablename__ = "outcome"
    __table_args__ = (workspace_number_unique("outcome"),)
    KEY_PREFIX: ClassVar[str] = "O"

    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    period: Mapped[str] = mapped_column(sa.String(20))
    metric_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("metric.id", ondelete="SET NULL"))
    baseline: Mapped[float | None]
    target: Mapped[float | None]
    status: Mapped[OutcomeStatus] = mapped_column(
        enum_type(OutcomeStatus, "outcome_status"), default=OutcomeStatus.ACTIVE
    )


class ScoringModel(IdMixin, WorkspaceScoped, Base):
    """A prioritisation formula and its weights. Versions are rows; old plans keep
    pointing at the version they were scored with."""

    __tablename__ = "scoring_model"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name", "version"),)

    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[ScoringKind] = mapped_column(enum_type(ScoringKind, "scoring_kind"))
    weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Plan(IdMixin, Keyed, Base):
    """An immutable snapshot of a prioritisation: capacity, what got in, where the cut
    line fell, and the explanation for every bet that did not."""

    __tablename__ = "plan"
    __table_args__ = (workspace_number_unique("plan"),)
    KEY_PREFIX: ClassVar[str] = "PL"

    title: Mapped[str] = mapped_column(sa.String(300))
    period: Mapped[str] = mapped_column(sa.String(20))
    capacity_weeks: Mapped[float]
    scoring_model_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("scoring_model.id", ondelete="RESTRICT"))
    constraints: Mapped[dict[str, Any]] = mapped_column(default=dict)
    selected: Mapped[list[Any]] = mapped_column(default=list)
    cut_line: Mapped[float | None]
    explanations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Increment(IdMixin, Keyed, TimestampMixin, Base):
    """The next step of a bet: what we learn next or what we ship next."""

    __tablename__ = "increment"
    __table_args__ = (workspace_number_unique("increment"),)
    KEY_PREFIX: ClassVar[str] = "I"

    bet_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bet.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("plan.id", ondelete="SET NULL"))
    kind: Mapped[IncrementKind] = mapped_column(enum_type(IncrementKind, "increment_kind"))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[IncrementStatus] = mapped_column(
        enum_type(IncrementStatus, "increment_status"), default=IncrementStatus.PLANNED
    )
    due_on: Mapped[date | None]


class UrgentException(IdMixin, Keyed, TimestampMixin, Base):
    """A mid-quarter "urgent" ask: who raised it, what it would displace, what was decided.

    Table ``exception``; the class avoids shadowing Python's ``Exception``.
    """

    __tablename__ = "exception"
    __table_args__ = (workspace_number_unique("exception"),)
    KEY_PREFIX: ClassVar[str] = "EX"

    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    raised_by: Mapped[str] = mapped_column(sa.String(200))
    stakeholder_group_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="SET NULL")
    )
    cost_weeks: Mapped[float | None]
    status: Mapped[ExceptionStatus] = mapped_column(
        enum_type(ExceptionStatus, "exception_status"), default=ExceptionStatus.PENDING
    )
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    decision_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("decision.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]


class ExceptionDisplacedBet(WorkspaceScoped, Base):
    """A bet an urgent exception would push out."""

    __tablename__ = "exception_displaced_bet"

    exception_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("exception.id", ondelete="CASCADE"), primary_key=True)
    bet_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bet.id", ondelete="CASCADE"), primary_key=True, index=True)
