"""Create / get / list / update / transition for any workspace-scoped model.

Domain services call these and add what is specific to them. Every function flushes and
writes its audit event; none commits (the CLI command or web request does).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from grounded.core import audit, keys
from grounded.core.actor import Actor
from grounded.core.jsonable import row_dict, to_jsonable
from grounded.core.pagination import Page, PageParams
from grounded.core.states import StateMachine
from grounded.db import counts
from grounded.db.base import Base
from grounded.errors import InvalidInput, MalformedKey, NotFound
from grounded.models import Workspace

ModelT = TypeVar("ModelT", bound=Base)
S = TypeVar("S", bound=StrEnum)

#: Columns that never appear in an audit diff.
_NOT_AUDITED = frozenset({"updated_at", "created_at"})


def label(model: type[Base]) -> str:
    return str(model.__tablename__).replace("_", " ")


def add(session: Session, obj: ModelT, *, actor: Actor) -> ModelT:
    """Insert one row: allocate its key if it has one, flush, audit."""
    prefix = _allocated_prefix(obj)
    if prefix is not None and getattr(obj, "number", None) is None:
        obj.number = keys.allocate(session, workspace_id=obj.workspace_id, prefix=prefix)  # type: ignore[attr-defined]
    session.add(obj)
    session.flush()
    audit.record(session, actor=actor, action="create", entity=obj, after=row_dict(obj))
    return obj


def _allocated_prefix(obj: Base) -> str | None:
    """The key prefix of models with a per-workspace key (``P`` for problems)."""
    prefix = getattr(type(obj), "KEY_PREFIX", None)
    return str(prefix) if prefix else None


def add_many(session: Session, objs: Sequence[ModelT], *, actor: Actor, workspace: Workspace) -> Sequence[ModelT]:
    """Insert many rows of one model with one block of keys and one audit event."""
    if not objs:
        return objs
    prefix = _allocated_prefix(objs[0])
    if prefix is not None:
        first = keys.allocate(session, workspace_id=workspace.id, prefix=prefix, count=len(objs))
        for offset, obj in enumerate(objs):
            setattr(obj, "number", first + offset)  # noqa: B010 (any keyed model)
    session.add_all(objs)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="bulk_create",
        entity=workspace,
        after={"table": objs[0].__tablename__, "count": len(objs)},
    )
    return objs


def get(session: Session, model: type[ModelT], *, workspace: Workspace, ref: str | uuid.UUID) -> ModelT:
    """One row by id (UUID) or, for keyed models, by key (``P-12``)."""
    condition = _ref_condition(model, ref)
    statement = sa.select(model).where(
        model.workspace_id == workspace.id,  # type: ignore[attr-defined]
        condition,
    )
    found = session.scalars(statement).one_or_none()
    if found is None:
        raise NotFound(label(model), ref)
    return found


def get_by(session: Session, model: type[ModelT], *, workspace: Workspace, column: str, ref: str | uuid.UUID) -> ModelT:
    """One row by a natural key column (external id, slug, metric key), else by id."""
    as_id = ref if isinstance(ref, uuid.UUID) else keys.as_uuid(ref)
    condition = getattr(model, column) == str(ref)
    if as_id is not None:
        condition = sa.or_(condition, model.id == as_id)  # type: ignore[attr-defined]
    found = session.scalars(
        sa.select(model).where(model.workspace_id == workspace.id, condition).limit(1)  # type: ignore[attr-defined]
    ).first()
    if found is None:
        raise NotFound(label(model), ref)
    return found


def _ref_condition(model: type[Base], ref: str | uuid.UUID) -> ColumnElement[bool]:
    if isinstance(ref, uuid.UUID):
        return model.id == ref  # type: ignore[attr-defined, no-any-return]
    as_id = keys.as_uuid(ref)
    if as_id is not None:
        return model.id == as_id  # type: ignore[attr-defined, no-any-return]
    prefix = getattr(model, "KEY_PREFIX", None)
    if prefix is None:
        raise MalformedKey(f"{ref!r} is not a {label(model)} id", text=ref)
    number = keys.parse_key(ref, prefix, what=label(model))
    return model.number == number  # type: ignore[attr-defined, no-any-return]


def list_(
    session: Session,
    model: type[ModelT],
    *,
    workspace: Workspace,
    where: Iterable[ColumnElement[bool]] = (),
    order_by: Sequence[Any] = (),
    page: PageParams | None = None,
) -> Page[ModelT]:
    """A page of rows matching ``where``, with the total count."""
    page = page or PageParams()
    conditions = [model.workspace_id == workspace.id, *where]  # type: ignore[attr-defined]
    total = counts.count(session, sa.select(sa.func.count()).select_from(model).where(*conditions))
    ordering = order_by or _default_order(model)
    statement = sa.select(model).where(*conditions).order_by(*ordering).limit(page.limit).offset(page.offset)
    items = session.scalars(statement).all()
    return Page(items=items, total=int(total), limit=page.limit, offset=page.offset)


def _default_order(model: type[Base]) -> Sequence[Any]:
    return (getattr(model, "number", None) or getattr(model, "id"),)  # noqa: B009


def update(
    session: Session, obj: ModelT, *, actor: Actor, changes: Mapping[str, Any], action: str = "update"
) -> dict[str, Any]:
    """Apply ``changes``; audit only the fields whose value really changed. Returns the
    new values of those fields (empty when nothing changed)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _refuse_empty(obj, changes)
    for field, value in changes.items():
        old = getattr(obj, field)
        if old == value:
            continue
        before[field], after[field] = to_jsonable(old), to_jsonable(value)
        setattr(obj, field, value)
    if after:
        session.flush()
        after_fields = {k: v for k, v in after.items() if k not in _NOT_AUDITED}
        audit.record(session, actor=actor, action=action, entity=obj, before=before, after=after_fields)
    return after


def _refuse_empty(obj: Base, changes: Mapping[str, Any]) -> None:
    """``None`` for a column that must have a value is a mistake in the input (a JSON null,
    an empty option), not something to store."""
    columns = obj.__table__.columns
    for field, value in changes.items():
        if value is None and field in columns and not columns[field].nullable:
            raise InvalidInput("cannot be empty (null)", field=field)


def transition(
    session: Session,
    obj: ModelT,
    *,
    machine: StateMachine[S],
    target: S,
    actor: Actor,
    field: str = "status",
    extra: Mapping[str, Any] | None = None,
) -> ModelT:
    """Move ``obj`` to ``target`` if the machine allows it (and set ``extra`` fields)."""
    current = getattr(obj, field)
    key = getattr(obj, "key", None)
    machine.check(current, target, label=f"{machine.entity} {key}" if key else None)
    update(session, obj, actor=actor, changes={field: target, **(extra or {})}, action="transition")
    return obj


def delete(session: Session, obj: Base, *, actor: Actor) -> None:
    audit.record(session, actor=actor, action="delete", entity=obj, before=row_dict(obj))
    session.delete(obj)
    session.flush()
