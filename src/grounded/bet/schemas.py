from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from grounded.core.validation import MAX_MONEY, ReadSchema, Schema
from grounded.models.enums import (
    AssumptionStatus,
    AssumptionType,
    BetKind,
    BetStatus,
    ExperimentResult,
    ExperimentStatus,
)

Level = Literal["low", "medium", "high"]


class UserValue(Schema):
    """Who it helps and how much, and how sure we are (RICE's reach, impact, confidence)."""

    reach: int | None = Field(default=None, ge=0, description="people or accounts per quarter")
    reach_unit: str = "accounts"
    impact: float | None = Field(default=None, ge=0, le=3, description="0.25 minimal … 3 massive")
    confidence: float | None = Field(default=None, ge=0, le=1)
    evidence: list[str] = Field(default_factory=list, description="keys of evidence or problems")
    notes: str = ""


class Viability(Schema):
    """Can the business sustain it: money at stake, cost, fit, risk."""

    revenue_at_stake: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    pipeline: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    margin_impact: str = ""
    support_cost: str = ""
    strategic_fit: int | None = Field(default=None, ge=1, le=5)
    compliance_risk: Level | None = None
    brand_risk: Level | None = None
    sales_motion: str = ""
    opportunity_cost: str = ""
    notes: str = ""


class Feasibility(Schema):
    """Can we build, run and evolve it with the team and stack we have."""

    risk: Level | None = None
    operability: str = ""
    debt_created: str = ""
    debt_paid: str = ""
    notes: str = ""


class _BetFields(Schema):
    hypothesis: str | None = None
    summary: str | None = None
    kind: BetKind | None = None
    team: str | None = Field(default=None, max_length=100)
    outcome: str | None = None
    option_set: str | None = None
    metric: str | None = None
    effort_low_weeks: float | None = Field(default=None, ge=0)
    effort_high_weeks: float | None = Field(default=None, ge=0)
    user_value: UserValue | None = None
    viability: Viability | None = None
    feasibility: Feasibility | None = None
    problems: list[str] | None = None

    @model_validator(mode="after")
    def _effort_range(self) -> _BetFields:
        low, high = self.effort_low_weeks, self.effort_high_weeks
        if low is not None and high is not None and low > high:
            raise ValueError(f"effort range is backwards: low {low} > high {high} weeks")
        return self


class BetCreate(_BetFields):
    title: str = Field(min_length=3, max_length=300)


class BetUpdate(_BetFields):
    title: str | None = Field(default=None, min_length=3, max_length=300)


class BetRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    hypothesis: str
    summary: str
    kind: BetKind
    status: BetStatus
    status_reason: str
    team: str | None
    outcome_id: uuid.UUID | None
    option_set_id: uuid.UUID | None
    metric_id: uuid.UUID | None
    effort_low_weeks: float | None
    effort_high_weeks: float | None
    user_value: UserValue
    viability: Viability
    feasibility: Feasibility
    created_at: datetime
    updated_at: datetime


class OptionSetCreate(Schema):
    title: str = Field(min_length=3, max_length=300)
    question: str = ""


class OptionSetUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    question: str | None = None


class OptionSetRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    question: str


class AssumptionCreate(Schema):
    statement: str = Field(min_length=3)
    type: AssumptionType
    bet: str | None = None
    decision: str | None = None
    importance: int = Field(default=3, ge=1, le=5)
    evidence_level: int = Field(default=0, ge=0, le=4)

    @model_validator(mode="after")
    def _has_owner(self) -> AssumptionCreate:
        if not self.bet and not self.decision:
            raise ValueError("an assumption belongs to a bet or a decision: give one")
        return self


class AssumptionUpdate(Schema):
    statement: str | None = Field(default=None, min_length=3)
    type: AssumptionType | None = None
    importance: int | None = Field(default=None, ge=1, le=5)
    evidence_level: int | None = Field(default=None, ge=0, le=4)


class AssumptionRead(ReadSchema):
    id: uuid.UUID
    key: str
    bet_id: uuid.UUID | None
    decision_id: uuid.UUID | None
    statement: str
    type: AssumptionType
    importance: int
    evidence_level: int
    status: AssumptionStatus
    risk: int


class ExperimentCreate(Schema):
    assumption: str
    title: str = Field(min_length=3, max_length=300)
    we_believe: str = ""
    we_will: str = ""
    we_measure: str = ""
    right_if: str = ""
    cost: float | None = Field(default=None, ge=0)
    duration_days: int | None = Field(default=None, ge=1, le=3660)
    value_of_information: float | None = Field(default=None, ge=0)


class ExperimentUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    we_believe: str | None = None
    we_will: str | None = None
    we_measure: str | None = None
    right_if: str | None = None
    cost: float | None = Field(default=None, ge=0)
    duration_days: int | None = Field(default=None, ge=1, le=3660)
    value_of_information: float | None = Field(default=None, ge=0)


class ExperimentComplete(Schema):
    result: ExperimentResult
    observed: str = Field(min_length=1)
    learned: str = Field(min_length=1)


class ExperimentRead(ReadSchema):
    id: uuid.UUID
    key: str
    assumption_id: uuid.UUID
    title: str
    we_believe: str
    we_will: str
    we_measure: str
    right_if: str
    cost: float | None
    duration_days: int | None
    value_of_information: float | None
    status: ExperimentStatus
    result: ExperimentResult | None
    observed: str
    learned: str
    started_at: datetime | None
    finished_at: datetime | None
