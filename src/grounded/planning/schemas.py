from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from grounded.core.validation import MAX_MONEY, ReadSchema, Schema
from grounded.models.enums import (
    DeadlineKind,
    Disposition,
    ExceptionStatus,
    IncrementKind,
    IncrementStatus,
    OutcomeStatus,
    ScoringKind,
)

PERIOD = r"^\d{4}-(Q[1-4]|H[12]|(0[1-9]|1[0-2]))$"


class AccountStake(Schema):
    account: str
    deal_value: int | None = Field(default=None, ge=0, le=MAX_MONEY)


class RequestCreate(Schema):
    title: str = Field(min_length=3, max_length=300)
    description: str = ""
    group: str | None = None
    requester_name: str | None = Field(default=None, max_length=200)
    accounts: list[AccountStake] = Field(default_factory=list)
    deal_value: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    deadline: date | None = None
    deadline_kind: DeadlineKind | None = None
    problem: str | None = None
    evidence: str | None = None


class RequestUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    description: str | None = None
    group: str | None = None
    requester_name: str | None = Field(default=None, max_length=200)
    accounts: list[AccountStake] | None = None
    deal_value: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    deadline: date | None = None
    deadline_kind: DeadlineKind | None = None


class RequestTriage(Schema):
    disposition: Disposition
    explanation: str = ""
    reevaluate_on: date | None = None
    bet: str | None = None
    merged_into: str | None = None


class RequestRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    description: str
    stakeholder_group_id: uuid.UUID | None
    requester_name: str | None
    deal_value: int | None
    deadline: date | None
    deadline_kind: DeadlineKind | None
    disposition: Disposition
    explanation: str
    reevaluate_on: date | None
    merged_into_id: uuid.UUID | None
    bet_id: uuid.UUID | None
    evidence_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class OutcomeCreate(Schema):
    title: str = Field(min_length=3, max_length=300)
    period: str = Field(pattern=PERIOD, description="2026-Q4, 2026-H1 or 2026-11")
    description: str = ""
    metric: str | None = None
    baseline: float | None = None
    target: float | None = None


class OutcomeUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    period: str | None = Field(default=None, pattern=PERIOD)
    description: str | None = None
    metric: str | None = None
    baseline: float | None = None
    target: float | None = None


class OutcomeRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    description: str
    period: str
    metric_id: uuid.UUID | None
    baseline: float | None
    target: float | None
    status: OutcomeStatus


class ScoringModelCreate(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: ScoringKind
    weights: dict[str, float] = Field(default_factory=dict)


class ScoringModelRead(ReadSchema):
    id: uuid.UUID
    name: str
    kind: ScoringKind
    weights: dict[str, Any]
    version: int
    is_current: bool


class PlanCreate(Schema):
    title: str = Field(min_length=3, max_length=300)
    period: str = Field(pattern=PERIOD)
    capacity_weeks: float = Field(gt=0)
    scoring_model: str | None = None
    constraints: dict[str, Any] = Field(default_factory=dict)
    selected: list[dict[str, Any]] = Field(default_factory=list)
    cut_line: float | None = None
    explanations: dict[str, Any] = Field(default_factory=dict)


class PlanRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    period: str
    capacity_weeks: float
    scoring_model_id: uuid.UUID | None
    constraints: dict[str, Any]
    selected: list[Any]
    cut_line: float | None
    explanations: dict[str, Any]
    created_at: datetime


class IncrementCreate(Schema):
    bet: str
    kind: IncrementKind
    title: str = Field(min_length=3, max_length=300)
    description: str = ""
    due_on: date | None = None
    plan: str | None = None


class IncrementUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    description: str | None = None
    due_on: date | None = None


class IncrementRead(ReadSchema):
    id: uuid.UUID
    key: str
    bet_id: uuid.UUID
    plan_id: uuid.UUID | None
    kind: IncrementKind
    title: str
    description: str
    status: IncrementStatus
    due_on: date | None


class ExceptionCreate(Schema):
    title: str = Field(min_length=3, max_length=300)
    raised_by: str = Field(min_length=1, max_length=200)
    description: str = ""
    group: str | None = None
    cost_weeks: float | None = Field(default=None, ge=0)
    displaces: list[str] = Field(default_factory=list)


class ExceptionUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    description: str | None = None
    cost_weeks: float | None = Field(default=None, ge=0)


class ExceptionDecide(Schema):
    accept: bool
    resolution: str = Field(min_length=3)
    decision: str | None = None


class ExceptionRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    description: str
    raised_by: str
    stakeholder_group_id: uuid.UUID | None
    cost_weeks: float | None
    status: ExceptionStatus
    resolution: str
    decision_id: uuid.UUID | None
    decided_at: datetime | None
