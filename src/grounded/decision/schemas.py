from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from grounded.core.validation import ReadSchema, Schema
from grounded.models.enums import (
    Comparator,
    DecisionLinkKind,
    DecisionStatus,
    Reversibility,
    SignalAction,
    SignalState,
)


class OptionIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    user_value: str = ""
    viability: str = ""
    feasibility: str = ""
    bet: str | None = None
    chosen: bool = False


class _DecisionFields(Schema):
    context: str | None = None
    situation: str | None = None
    facing: str | None = None
    to_achieve: str | None = None
    accepting: str | None = None
    rationale: str | None = None
    non_goals: list[str] | None = None
    reversibility: Reversibility | None = None
    review_by: date | None = None
    deciders: list[str] | None = None
    consulted: list[str] | None = None
    informed: list[str] | None = None
    options: list[OptionIn] | None = None

    @model_validator(mode="after")
    def _one_choice(self) -> _DecisionFields:
        chosen = [option.title for option in self.options or [] if option.chosen]
        if len(chosen) > 1:
            raise ValueError(f"only one option can be chosen, got {len(chosen)}: {', '.join(chosen)}")
        return self


class DecisionCreate(_DecisionFields):
    title: str = Field(min_length=3, max_length=300)


class DecisionUpdate(_DecisionFields):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    note: str = Field(default="", max_length=2000)


class OptionRead(ReadSchema):
    position: int
    title: str
    description: str
    user_value: str
    viability: str
    feasibility: str
    bet_id: uuid.UUID | None
    is_chosen: bool


class DecisionRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    context: str
    situation: str
    facing: str
    to_achieve: str
    accepting: str
    rationale: str
    non_goals: list[str]
    status: DecisionStatus
    reversibility: Reversibility
    review_by: date | None
    deciders: list[str]
    consulted: list[str]
    informed: list[str]
    revision: int
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DecisionDetail(DecisionRead):
    options: list[OptionRead]
    summary: str
    links: list[dict[str, str]] = Field(default_factory=list)


class DecisionRevisionRead(ReadSchema):
    revision: int
    status: DecisionStatus
    snapshot: dict[str, Any]
    note: str
    created_at: datetime


class DecisionLinkCreate(Schema):
    to: str
    kind: DecisionLinkKind


class SignalCreate(Schema):
    decision: str
    name: str = Field(min_length=3, max_length=300)
    metric: str | None = None
    evidence_query: dict[str, Any] | None = None
    comparator: Comparator
    threshold: float
    window_days: int = Field(default=7, ge=1, le=3660)
    periods: int = Field(default=1, ge=1, le=520)
    min_sample: int = Field(default=0, ge=0, le=10**9)
    action: SignalAction = SignalAction.REVIEW

    @model_validator(mode="after")
    def _one_subject(self) -> SignalCreate:
        if (self.metric is None) == (self.evidence_query is None):
            raise ValueError("a signal watches either a metric or an evidence query (exactly one)")
        return self


class SignalUpdate(Schema):
    name: str | None = Field(default=None, min_length=3, max_length=300)
    comparator: Comparator | None = None
    threshold: float | None = None
    window_days: int | None = Field(default=None, ge=1, le=3660)
    periods: int | None = Field(default=None, ge=1, le=520)
    min_sample: int | None = Field(default=None, ge=0, le=10**9)
    action: SignalAction | None = None


class SignalRead(ReadSchema):
    id: uuid.UUID
    key: str
    decision_id: uuid.UUID
    name: str
    metric_id: uuid.UUID | None
    evidence_query: dict[str, Any] | None
    comparator: Comparator
    threshold: float
    window_days: int
    periods: int
    min_sample: int
    action: SignalAction
    state: SignalState
    last_value: float | None
    last_checked_at: datetime | None
    breached_at: datetime | None
