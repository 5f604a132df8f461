from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from grounded.core.validation import ReadSchema, Schema
from grounded.models.enums import EventSourceKind, GoodDirection, MetricKind

METRIC_KEY = r"^[a-z][a-z0-9_]{1,99}$"


class MetricCreate(Schema):
    key: str = Field(pattern=METRIC_KEY, description="lowercase, digits and underscores")
    name: str = Field(min_length=1, max_length=300)
    kind: MetricKind
    description: str = ""
    owner: str | None = Field(default=None, max_length=200)
    definition: dict[str, Any] = Field(default_factory=dict)
    unit: str = Field(default="", max_length=50)
    good_direction: GoodDirection = GoodDirection.UP


class MetricUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    kind: MetricKind | None = None
    description: str | None = None
    owner: str | None = Field(default=None, max_length=200)
    definition: dict[str, Any] | None = None
    unit: str | None = Field(default=None, max_length=50)
    good_direction: GoodDirection | None = None


class MetricRead(ReadSchema):
    id: uuid.UUID
    key: str
    name: str
    description: str
    owner: str | None
    kind: MetricKind
    definition: dict[str, Any]
    unit: str
    good_direction: GoodDirection
    version: int
    updated_at: datetime


class EventSourceCreate(Schema):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: EventSourceKind
    location: str = Field(min_length=1)
    column_mapping: dict[str, str] = Field(default_factory=dict)
    is_default: bool = False


class EventSourceUpdate(Schema):
    kind: EventSourceKind | None = None
    location: str | None = Field(default=None, min_length=1)
    column_mapping: dict[str, str] | None = None
    is_default: bool | None = None


class EventSourceRead(ReadSchema):
    id: uuid.UUID
    name: str
    kind: EventSourceKind
    location: str
    column_mapping: dict[str, Any]
    is_default: bool


class MetricValueCreate(Schema):
    period_start: date
    period_end: date
    value: float | None
    segment: dict[str, str] = Field(default_factory=dict)
    sample_size: int | None = Field(default=None, ge=0, le=10**12)
    event_source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MetricValueCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class MetricValueRead(ReadSchema):
    metric_version: int
    period_start: date
    period_end: date
    segment: dict[str, Any]
    value: float | None
    sample_size: int | None
    computed_at: datetime
