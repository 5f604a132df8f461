from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field, field_validator

from grounded.core.validation import MAX_MONEY, ReadSchema, Schema, finite_values


class AccountCreate(Schema):
    external_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=300)
    segment: str | None = Field(default=None, max_length=64)
    plan: str | None = Field(default=None, max_length=64)
    arr: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    region: str | None = Field(default=None, max_length=64)
    attributes: dict[str, Any] = Field(default_factory=dict)
    _finite = field_validator("attributes")(finite_values)


class AccountUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    segment: str | None = Field(default=None, max_length=64)
    plan: str | None = Field(default=None, max_length=64)
    arr: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    region: str | None = Field(default=None, max_length=64)
    attributes: dict[str, Any] | None = None
    _finite = field_validator("attributes")(finite_values)


class AccountRead(ReadSchema):
    id: uuid.UUID
    external_id: str
    name: str
    segment: str | None
    plan: str | None
    arr: int | None
    region: str | None
    attributes: dict[str, Any]


class PersonCreate(Schema):
    external_id: str = Field(min_length=1, max_length=320)
    account: str | None = None
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=200)
    attributes: dict[str, Any] = Field(default_factory=dict)
    _finite = field_validator("attributes")(finite_values)


class PersonUpdate(Schema):
    account: str | None = None
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=200)
    attributes: dict[str, Any] | None = None
    _finite = field_validator("attributes")(finite_values)


class PersonRead(ReadSchema):
    id: uuid.UUID
    external_id: str
    account_id: uuid.UUID | None
    name: str | None
    email: str | None
    title: str | None
    is_redacted: bool


class StakeholderGroupCreate(Schema):
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""


class StakeholderGroupUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None


class StakeholderGroupRead(ReadSchema):
    id: uuid.UUID
    slug: str
    name: str
    description: str
