"""Bets (opportunities and solutions), their alternatives, assumptions and experiments."""

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
from grounded.db.types import enum_type
from grounded.models.enums import (
    AssumptionStatus,
    AssumptionType,
    BetKind,
    BetStatus,
    ExperimentResult,
    ExperimentStatus,
)


class OptionSet(IdMixin, Keyed, TimestampMixin, Base):
    """Alternative bets that answer the same question, shown side by side."""

    __tablename__ = "option_set"
    __table_args__ = (workspace_number_unique("option_set"),)
    KEY_PREFIX: ClassVar[str] = "OS"

    title: Mapped[str] = mapped_column(sa.String(300))
    question: Mapped[str] = mapped_column(sa.Text, default="")


class Bet(IdMixin, Keyed, TimestampMixin, Base):
    """A hypothesis that doing something will move an outcome, assessed on user value,
    business viability and technical feasibility (each a validated JSON document)."""

    __tablename__ = "bet"
    __table_args__ = (
        workspace_number_unique("bet"),
        sa.Index("ix_bet_workspace_status", "workspace_id", "status"),
        sa.CheckConstraint(
            "effort_low_weeks IS NULL OR effort_high_weeks IS NULL OR effort_low_weeks <= effort_high_weeks",
            name="effort_range",
        ),
    )
    KEY_PREFIX: ClassVar[str] = "B"

    title: Mapped[str] = mapped_column(sa.String(300))
    hypothesis: Mapped[str] = mapped_column(sa.Text, default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[BetKind] = mapped_column(enum_type(BetKind, "bet_kind"), default=BetKind.SOLUTION)
    status: Mapped[BetStatus] = mapped_column(enum_type(BetStatus, "bet_status"), default=BetStatus.IDEA)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    team: Mapped[str | None] = mapped_column(sa.String(100))
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("outcome.id", ondelete="SET NULL"), index=True)
    option_set_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("option_set.id", ondelete="SET NULL"), index=True
    )
    metric_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("metric.id", ondelete="SET NULL"))
    effort_low_weeks: Mapped[float | None]
    effort_high_weeks: Mapped[float | None]
    user_value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    viability: Mapped[dict[str, Any]] = mapped_column(default=dict)
    feasibility: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BetProblem(WorkspaceScoped, Base):
    """The problems a bet answers."""

    __tablename__ = "bet_problem"

    bet_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bet.id", ondelete="CASCADE"), primary_key=True)
    problem_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Assumption(IdMixin, Keyed, TimestampMixin, Base):
    """Something that must be true for a bet (or a decision) to pay off.

    ``importance`` runs 1 (minor) to 5 (the bet fails without it); ``evidence_level`` 0
    (none) to 4 (strong). The riskiest assumption is important and poorly evidenced.
    """

    __tablename__ = "assumption"
    __table_args__ = (
        workspace_number_unique("assumption"),
        sa.CheckConstraint("importance BETWEEN 1 AND 5", name="importance_range"),
        sa.CheckConstraint("evidence_level BETWEEN 0 AND 4", name="evidence_level_range"),
        sa.CheckConstraint("bet_id IS NOT NULL OR decision_id IS NOT NULL", name="has_owner"),
    )
    KEY_PREFIX: ClassVar[str] = "A"

    bet_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("bet.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    statement: Mapped[str] = mapped_column(sa.Text)
    type: Mapped[AssumptionType] = mapped_column(enum_type(AssumptionType, "assumption_type"))
    importance: Mapped[int] = mapped_column(default=3)
    evidence_level: Mapped[int] = mapped_column(default=0)
    status: Mapped[AssumptionStatus] = mapped_column(
        enum_type(AssumptionStatus, "assumption_status"), default=AssumptionStatus.OPEN
    )

    @property
    def risk(self) -> int:
        """0 (unimportant or well evidenced) … 20 (critical with no evidence at all)."""
        return self.importance * (4 - self.evidence_level)


class Experiment(IdMixin, Keyed, TimestampMixin, Base):
    """The smallest test that buys information about an assumption: a test card, its
    cost and duration, and once run, a learning card."""

    __tablename__ = "experiment"
    __table_args__ = (workspace_number_unique("experiment"),)
    KEY_PREFIX: ClassVar[str] = "X"

    assumption_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("assumption.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    we_believe: Mapped[str] = mapped_column(sa.Text, default="")
    we_will: Mapped[str] = mapped_column(sa.Text, default="")
    we_measure: Mapped[str] = mapped_column(sa.Text, default="")
    right_if: Mapped[str] = mapped_column(sa.Text, default="")
    cost: Mapped[float | None]
    duration_days: Mapped[int | None]
    value_of_information: Mapped[float | None]
    status: Mapped[ExperimentStatus] = mapped_column(
        enum_type(ExperimentStatus, "experiment_status"), default=ExperimentStatus.PLANNED
    )
    result: Mapped[ExperimentResult | None] = mapped_column(enum_type(ExperimentResult, "experiment_result"))
    observed: Mapped[str] = mapped_column(sa.Text, default="")
    learned: Mapped[str] = mapped_column(sa.Text, default="")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
