"""Workspaces: create (with the standard stakeholder groups), find, list, update, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import audit, crud
from grounded.core.actor import Actor
from grounded.core.jsonable import row_dict
from grounded.errors import Conflict, NotFound, NoWorkspace
from grounded.models import Membership, StakeholderGroup, Workspace
from grounded.models.enums import Role
from grounded.workspace.schemas import WorkspaceCreate, WorkspaceUpdate

#: The groups every workspace starts with (slug, name).
STANDARD_GROUPS: tuple[tuple[str, str], ...] = (
    ("sales", "Sales"),
    ("marketing", "Marketing"),
    ("finance", "Finance"),
    ("legal", "Legal"),
    ("support", "Support"),
    ("engineering", "Engineering"),
    ("design", "Design"),
    ("leadership", "Leadership"),
    ("customer-success", "Customer success"),
)


def create(session: Session, *, data: WorkspaceCreate, actor: Actor) -> Workspace:
    if find(session, data.slug) is not None:
        raise Conflict(f"a workspace with slug '{data.slug}' already exists")
    workspace = Workspace(**data.model_dump())
    session.add(workspace)
    session.flush()
    for slug, name in STANDARD_GROUPS:
        session.add(StakeholderGroup(workspace_id=workspace.id, slug=slug, name=name))
    if actor.user_id is not None:
        session.add(Membership(workspace_id=workspace.id, user_id=actor.user_id, role=Role.ADMIN))
    session.flush()
    audit.record(session, actor=actor, action="create", entity=workspace, after=row_dict(workspace))
    return workspace


def find(session: Session, slug: str) -> Workspace | None:
    return session.scalars(sa.select(Workspace).where(Workspace.slug == slug)).one_or_none()


def get(session: Session, ref: str | uuid.UUID) -> Workspace:
    """By slug or id."""
    found = session.get(Workspace, ref) if isinstance(ref, uuid.UUID) else find(session, ref)
    if found is None:
        raise NotFound("workspace", ref)
    return found


def list_(session: Session) -> Sequence[Workspace]:
    return session.scalars(sa.select(Workspace).order_by(Workspace.slug)).all()


def resolve(session: Session, slug: str | None) -> Workspace:
    """The workspace a command should act on: the one named, or the only one there is."""
    if slug:
        found = find(session, slug)
        if found is None:
            raise NoWorkspace(f"workspace '{slug}' does not exist in this database; see: grounded workspace list")
        return found
    all_workspaces = list_(session)
    if len(all_workspaces) == 1:
        return all_workspaces[0]
    if not all_workspaces:
        raise NoWorkspace("no workspace yet; create one with: grounded init")
    raise NoWorkspace(
        f"{len(all_workspaces)} workspaces exist and none is selected; choose one with: grounded workspace use <slug>"
    )


def update(session: Session, workspace: Workspace, *, data: WorkspaceUpdate, actor: Actor) -> Workspace:
    crud.update(session, workspace, actor=actor, changes=data.model_dump(exclude_unset=True))
    return workspace


def delete(session: Session, workspace: Workspace) -> None:
    """Delete a workspace and, by cascade, everything in it."""
    session.delete(workspace)
    session.flush()
