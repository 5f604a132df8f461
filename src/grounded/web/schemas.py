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
