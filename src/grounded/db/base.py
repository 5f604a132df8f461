"""The declarative base, the constraint naming convention and the shared column mixins."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from grounded.db.types import JSONType, UTCDateTime, utcnow
from grounded.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: sa.Uuid(),
        datetime: UTCDateTime(),
        date: sa.Date(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        list[str]: JSONType,
    }


class IdMixin:
    """A time-ordered UUID primary key."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7, sort_order=-10)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=90)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=91)


class WorkspaceScoped:
    """Every row belongs to a workspace; deleting the workspace deletes its rows.

    Tables whose composite indexes all start with ``workspace_id`` set
    ``WORKSPACE_INDEX = False``: a separate index would only slow their inserts.
    """

    WORKSPACE_INDEX: ClassVar[bool] = True

    @declared_attr
    @classmethod
    def workspace_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            sa.ForeignKey("workspace.id", ondelete="CASCADE"), index=cls.WORKSPACE_INDEX, sort_order=-9
        )


class Keyed(WorkspaceScoped):
    """A human-readable per-workspace key such as ``P-12``.

    ``number`` is allocated by the service layer from the workspace's counter; the
    unique constraint ``(workspace_id, number)`` is declared on each table.
    """

    KEY_PREFIX: ClassVar[str]
    number: Mapped[int] = mapped_column(sort_order=-8)

    @property
    def key(self) -> str:
        return f"{self.KEY_PREFIX}-{self.number}"


def table_of(model: type[Base]) -> sa.Table:
    """The Core table behind a model (typed as a Table, which it always is here)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def workspace_number_unique(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("workspace_id", "number", name=f"uq_{table}_workspace_number")
