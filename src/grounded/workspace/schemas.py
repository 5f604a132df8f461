from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from grounded.core.validation import ReadSchema, Schema, as_utc
from grounded.models.enums import Role

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class WorkspaceCreate(Schema):
    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("use lowercase letters, digits and single hyphens, e.g. 'product-team'")
        return value


class WorkspaceUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class WorkspaceRead(ReadSchema):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    currency: str
    created_at: datetime


class UserCreate(Schema):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class UserUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_active: bool | None = None


class UserRead(ReadSchema):
    id: uuid.UUID
    email: str
    name: str
    is_active: bool


class MemberRead(ReadSchema):
    user: UserRead
    role: Role


class ApiTokenCreate(Schema):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.VIEWER
    #: A time without a zone (or a bare date) is UTC.
    expires_at: datetime | None = None

    _utc = field_validator("expires_at")(as_utc)


class ApiTokenRead(ReadSchema):
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class AuditEventRead(ReadSchema):
    id: uuid.UUID
    occurred_at: datetime
    actor_name: str
    action: str
    entity_type: str
    entity_key: str | None
    entity_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
