"""Turn model values into JSON-safe values (for audit trails, revisions and exports)."""

from __future__ import annotations

import base64
import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grounded.db.base import Base

_SCALARS: tuple[tuple[type | tuple[type, ...], Any], ...] = (
    (enum.Enum, lambda v: v.value),
    ((uuid.UUID, Decimal), str),
    ((datetime, date), lambda v: v.isoformat()),
    ((bytes, bytearray, memoryview), lambda v: base64.b64encode(bytes(v)).decode("ascii")),
)


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    for kinds, convert in _SCALARS:
        if isinstance(value, kinds):
            return convert(value)
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def row_dict(obj: Base, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every column of a model instance, JSON-safe, keyed by attribute name."""
    from sqlalchemy import inspect

    mapper = inspect(type(obj))
    return {attr.key: to_jsonable(getattr(obj, attr.key)) for attr in mapper.column_attrs if attr.key not in exclude}
