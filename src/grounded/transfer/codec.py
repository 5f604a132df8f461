"""Column values to JSON and back, driven by each column's SQL type."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from grounded.core.jsonable import to_jsonable
from grounded.db.types import UTCDateTime
from grounded.errors import ImportRejected


def encode(value: Any) -> Any:
    return to_jsonable(value)


def decode(column: sa.Column[Any], value: Any, *, where: str) -> Any:
    """The Python value for ``column`` from its JSON form; ``where`` names the spot in the
    file for the error message."""
    if value is None:
        return None
    kind = column.type
    try:
        if isinstance(kind, sa.Uuid):
            return uuid.UUID(str(value))
        if isinstance(kind, UTCDateTime):
            return _aware(datetime.fromisoformat(str(value)))
        if isinstance(kind, sa.Date):
            return date.fromisoformat(str(value))
        if isinstance(kind, sa.Enum):
            return _enum(kind, value)
        return _plain(kind, value)
    except (ValueError, TypeError) as error:  # binascii.Error is a ValueError
        raise ImportRejected(f"{where}: {column.name} {value!r} is not valid ({error})") from error


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp has no time zone")
    return value


def _enum(kind: sa.Enum, value: Any) -> Any:
    enum_class = kind.enum_class
    if enum_class is None:
        return str(value)
    return enum_class(value)


def _plain(kind: sa.types.TypeEngine[Any], value: Any) -> Any:
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(str(value), validate=True)
    if isinstance(kind, sa.Boolean) and not isinstance(value, bool):
        raise TypeError("expected true or false")
    if isinstance(kind, sa.Integer) and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError("expected a whole number")
    if isinstance(kind, sa.Integer) and not _LOWEST <= value <= _HIGHEST:
        raise ValueError("beyond what a database integer holds (64 bits)")
    if isinstance(kind, sa.Float) and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError("expected a number")
    if isinstance(kind, sa.String) and not isinstance(value, str):
        raise TypeError("expected text")
    if isinstance(kind, sa.String) and "\x00" in value:
        raise ValueError("contains a NUL character, which cannot be stored")
    return value


_HIGHEST = 2**63 - 1
_LOWEST = -(2**63)
