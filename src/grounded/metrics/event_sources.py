"""Where a workspace's usage events live."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page
from grounded.errors import Conflict
from grounded.metrics.schemas import EventSourceCreate, EventSourceUpdate
from grounded.models import EventSource, Workspace


def create(session: Session, workspace: Workspace, *, data: EventSourceCreate, actor: Actor) -> EventSource:
    if _find(session, workspace, data.name) is not None:
        raise Conflict(f"an event source named '{data.name}' already exists")
    if data.is_default:
        _clear_default(session, workspace)
    return crud.add(session, EventSource(workspace_id=workspace.id, **data.model_dump()), actor=actor)


def _clear_default(session: Session, workspace: Workspace) -> None:
    session.execute(sa.update(EventSource).where(EventSource.workspace_id == workspace.id).values(is_default=False))


def _find(session: Session, workspace: Workspace, name: str) -> EventSource | None:
    return session.scalars(
        sa.select(EventSource).where(EventSource.workspace_id == workspace.id, EventSource.name == name)
    ).one_or_none()


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> EventSource:
    """By name or id."""
    return crud.get_by(session, EventSource, workspace=workspace, column="name", ref=ref)


def update(
    session: Session, workspace: Workspace, source: EventSource, *, data: EventSourceUpdate, actor: Actor
) -> EventSource:
    if data.is_default:
        _clear_default(session, workspace)
    crud.update(session, source, actor=actor, changes=data.model_dump(exclude_unset=True))
    return source


def default(session: Session, workspace: Workspace) -> EventSource | None:
    return session.scalars(
        sa.select(EventSource).where(EventSource.workspace_id == workspace.id, EventSource.is_default)
    ).first()


def list_(session: Session, workspace: Workspace) -> Page[EventSource]:
    return crud.list_(session, EventSource, workspace=workspace, order_by=(EventSource.name,))
