"""Shapes of the API's answers that no domain schema already gives."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from grounded.core.pagination import Page

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    """A page of a list, with the total and where it starts."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Any], items: list[T]) -> PageOut[T]:
        return cls(items=items, total=page.total, limit=page.limit, offset=page.offset)


class Done(BaseModel):
    """What a change did, in a sentence, and where to look next."""

    message: str
    key: str | None = None
    keys: list[str] = Field(default_factory=list)


class FieldError(BaseModel):
    """One value at fault: where it is (``body.title``, ``query.limit``, ``path.key``) and why."""

    field: str
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong, in a sentence meant for people.")
    instance: str = Field(description="The path the request was made to.")
    errors: list[FieldError] = Field(default_factory=list, description="The values at fault, when known.")
