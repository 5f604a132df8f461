from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from grounded.core.validation import ReadSchema, Schema
from grounded.models.enums import LinkOrigin, LinkRole, LinkStatus, ProblemStatus

#: The statement parts, in reading order.
STATEMENT_FIELDS = ("title", "who", "struggle", "why_it_matters", "current_workaround")


class ProblemCreate(Schema):
    title: str = Field(min_length=3, max_length=300)
    who: str = ""
    struggle: str = ""
    why_it_matters: str = ""
    current_workaround: str = ""
    owner: str | None = None
    parent: str | None = None


class ProblemUpdate(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)
    who: str | None = None
    struggle: str | None = None
    why_it_matters: str | None = None
    current_workaround: str | None = None
    owner: str | None = None
    parent: str | None = None
    note: str = Field(default="", max_length=2000)


class ProblemRead(ReadSchema):
    id: uuid.UUID
    key: str
    title: str
    who: str
    struggle: str
    why_it_matters: str
    current_workaround: str
    status: ProblemStatus
    owner_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    revision: int
    created_at: datetime
    updated_at: datetime


class ProblemLinkCreate(Schema):
    """Link evidence (``E-12``), a theme (``T-3``) or a request (``R-40``) to a problem."""

    target: str = Field(min_length=1)
    role: LinkRole = LinkRole.SUPPORTS
    weight: float = Field(default=1.0, gt=0, le=10)
    note: str = ""
    origin: LinkOrigin = LinkOrigin.HUMAN
    confidence: float | None = Field(default=None, ge=0, le=1)
    receipts: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _suggestions_carry_receipts(self) -> ProblemLinkCreate:
        if self.origin == LinkOrigin.SUGGESTED and (self.confidence is None or not self.receipts):
            raise ValueError("a suggested link needs a confidence and its receipts")
        return self


class ProblemLinkRead(ReadSchema):
    id: uuid.UUID
    problem_id: uuid.UUID
    target_type: str
    target_key: str
    target_title: str
    role: LinkRole
    weight: float
    origin: LinkOrigin
    status: LinkStatus
    confidence: float | None
    receipts: dict[str, Any]
    note: str
    created_at: datetime
    reviewed_at: datetime | None


class ProblemRevisionRead(ReadSchema):
    revision: int
    snapshot: dict[str, Any]
    note: str
    created_at: datetime


class LinkedProblem(ReadSchema):
    """A problem as seen from something linked to it."""

    problem_key: str
    problem_title: str
    role: LinkRole
    status: LinkStatus
    origin: LinkOrigin
