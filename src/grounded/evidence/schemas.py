from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from grounded.core.validation import ReadSchema, Schema, as_utc, finite_values
from grounded.models.enums import EvidenceKind, EvidenceMode
from grounded.problem.schemas import LinkedProblem

MAX_TEXT = 1_000_000


class EvidenceCreate(Schema):
    kind: EvidenceKind
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    title: str = Field(default="", max_length=500)
    mode: EvidenceMode | None = None
    occurred_at: datetime | None = None
    source_key: str = Field(default="manual", min_length=1, max_length=100)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    account: str | None = None
    person: str | None = None
    stakeholder_group: str | None = None
    parent: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    _finite = field_validator("attributes")(finite_values)
    sentiment: float | None = Field(default=None, ge=-1.0, le=1.0)

    _utc = field_validator("occurred_at")(as_utc)


class EvidenceUpdate(Schema):
    kind: EvidenceKind | None = None
    mode: EvidenceMode | None = None
    title: str | None = Field(default=None, max_length=500)
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    occurred_at: datetime | None = None
    account: str | None = None
    person: str | None = None
    stakeholder_group: str | None = None
    attributes: dict[str, Any] | None = None
    _finite = field_validator("attributes")(finite_values)
    sentiment: float | None = Field(default=None, ge=-1.0, le=1.0)

    _utc = field_validator("occurred_at")(as_utc)


class EvidenceRead(ReadSchema):
    id: uuid.UUID
    key: str
    kind: EvidenceKind
    mode: EvidenceMode
    title: str
    text: str
    occurred_at: datetime
    source_key: str
    external_id: str
    account_id: uuid.UUID | None
    person_id: uuid.UUID | None
    stakeholder_group_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    attributes: dict[str, Any]
    sentiment: float | None
    created_at: datetime
    updated_at: datetime


class EvidenceDetail(EvidenceRead):
    """Evidence with what a reader needs around it: account, person, group, the note a
    quote came from, the quotes taken from a note, and the problems it is linked to."""

    account_name: str | None = None
    person_name: str | None = None
    stakeholder_group: str | None = None
    parent_key: str | None = None
    quote_keys: list[str] = Field(default_factory=list)
    links: list[LinkedProblem] = Field(default_factory=list)


class EvidenceFilter(Schema):
    kind: EvidenceKind | None = None
    mode: EvidenceMode | None = None
    source_key: str | None = None
    account: str | None = None
    segment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    problem: str | None = None
    theme: str | None = None
    linked: bool | None = None

    _utc = field_validator("since", "until")(as_utc)
