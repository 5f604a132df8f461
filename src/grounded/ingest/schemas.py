from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from grounded.core.validation import ReadSchema, Schema
from grounded.models.enums import SourceStatus


class SourceCreate(Schema):
    source_key: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    kind: str = Field(min_length=1, max_length=40)
    file_name: str | None = Field(default=None, max_length=500)
    file_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    mapping: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


class SourceCounts(Schema):
    """What a run did, row by row: every row read is new, updated, unchanged or quarantined."""

    rows_read: int = Field(default=0, ge=0)
    new_count: int = Field(default=0, ge=0)
    updated_count: int = Field(default=0, ge=0)
    unchanged_count: int = Field(default=0, ge=0)
    quarantined_count: int = Field(default=0, ge=0)


class SourceRead(ReadSchema):
    id: uuid.UUID
    key: str
    source_key: str
    kind: str
    file_name: str | None
    file_hash: str | None
    mapping: dict[str, Any]
    options: dict[str, Any]
    status: SourceStatus
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    new_count: int
    updated_count: int
    unchanged_count: int
    quarantined_count: int
    message: str | None


class QuarantineCreate(Schema):
    row_number: int = Field(ge=0)
    raw: str
    reason: str = Field(min_length=3)
    field: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)


class QuarantinedRowRead(ReadSchema):
    id: uuid.UUID
    row_number: int
    raw: str
    reason: str
    field: str | None
    external_id: str | None
    created_at: datetime
    resolved_at: datetime | None
