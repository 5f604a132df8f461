"""Pages of results: every list call takes a limit and an offset and says the total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from grounded.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 1000
#: Beyond any list grounded holds (a bigger number overflows the databases' integers).
MAX_OFFSET = 10**9


@dataclass(frozen=True)
class PageParams:
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"must be between 1 and {MAX_LIMIT}, got {self.limit}", field="limit")
        if self.offset < 0:
            raise InvalidInput(f"must not be negative, got {self.offset}", field="offset")
        if self.offset > MAX_OFFSET:  # a database integer holds no more (SQLite and PostgreSQL: 64 bits)
            raise InvalidInput(f"must be at most {MAX_OFFSET:,}, got {self.offset}", field="offset")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total
