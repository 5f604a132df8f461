from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from grounded.core.validation import ReadSchema, Schema
from grounded.models.enums import RunStatus


class ThemeRunCreate(Schema):
    model: str = Field(min_length=1, max_length=200)
    model_version: str = Field(min_length=1, max_length=100)
    parameters: dict[str, Any] = Field(default_factory=dict)


class ThemeCreate(Schema):
    label: str = Field(min_length=1, max_length=300)
    keywords: list[str] = Field(default_factory=list)
    representative_ids: list[str] = Field(default_factory=list)
    number: int | None = Field(default=None, ge=1)
    parent: uuid.UUID | None = None


class ThemeUpdate(Schema):
    name: str | None = Field(default=None, max_length=300)


class ThemeRunRead(ReadSchema):
    id: uuid.UUID
    key: str
    model: str
    model_version: str
    parameters: dict[str, Any]
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    evidence_count: int
    theme_count: int
    unthemed_count: int


class ThemeRead(ReadSchema):
    id: uuid.UUID
    key: str
    run_id: uuid.UUID
    parent_id: uuid.UUID | None
    label: str
    name: str | None
    keywords: list[str]
    representative_ids: list[str]
    size: int
