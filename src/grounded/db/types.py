"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

#: JSON everywhere, stored as JSONB on PostgreSQL (indexable, compact).
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones: SQLAlchemy would hand back naive datetimes. We store UTC
    without an offset there and attach UTC on the way out; PostgreSQL uses timestamptz.
    Naive datetimes are refused on the way in: their meaning is ambiguous.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A string column limited to ``enum_cls``'s values by a named CHECK constraint.

    Not a native PostgreSQL enum: adding a state later is a constraint change, not a type
    migration, and both databases store the same plain strings.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        validate_strings=True,
        values_callable=_enum_values,
    )


def _enum_values(enum_cls: Any) -> list[str]:
    return [member.value for member in enum_cls]
