"""Users and their roles in workspaces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import audit
from grounded.core.actor import Actor
from grounded.core.jsonable import row_dict
from grounded.errors import Conflict, InvalidInput, NotFound
from grounded.models import Membership, User, Workspace
from grounded.models.enums import Role
from grounded.workspace import web_sessions
from grounded.workspace.schemas import UserCreate, UserUpdate

LOCAL_DOMAIN = "localhost"
_RANK = {Role.VIEWER: 0, Role.CONTRIBUTOR: 1, Role.EDITOR: 2, Role.ADMIN: 3}


def email_for(handle: str) -> str:
    """A login name becomes ``name@localhost``; an e-mail address stays as it is."""
    handle = handle.strip().lower()
    return handle if "@" in handle else f"{handle}@{LOCAL_DOMAIN}"


def find(session: Session, email: str) -> User | None:
    return session.scalars(sa.select(User).where(User.email == email.lower())).one_or_none()


def create(session: Session, *, data: UserCreate, actor: Actor) -> User:
    if find(session, data.email) is not None:
        raise Conflict(f"a user with e-mail {data.email} already exists")
    user = User(email=data.email, name=data.name)
    session.add(user)
    session.flush()
    return user


def ensure(session: Session, handle: str) -> User:
    """The user for ``handle``, created on first use (local, password-less)."""
    email = email_for(handle)
    user = find(session, email)
    if user is None:
        user = User(email=email, name=email.split("@")[0])
        session.add(user)
        session.flush()
    return user


def update(session: Session, user: User, *, data: UserUpdate, actor: Actor | None = None) -> User:
    """Rename, deactivate or reactivate a user. Users are global: the change is recorded in
    each workspace they belong to (when ``actor`` is given). Deactivating ends their web
    sessions; a deactivated user cannot sign in and their API tokens stop working."""
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    before = {field: getattr(user, field) for field in changes if getattr(user, field) != changes[field]}
    for field, value in changes.items():
        setattr(user, field, value)
    session.flush()
    if changes.get("is_active") is False:
        web_sessions.end_all(session, user)
    if before and actor is not None:
        after = {field: changes[field] for field in before}
        audit_everywhere(session, user, actor=actor, action="update", before=before, after=after)
    return user


def audit_everywhere(
    session: Session,
    user: User,
    *,
    actor: Actor,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record a change to a (global) user in the audit trail of every workspace they are in."""
    workspace_ids = session.scalars(sa.select(Membership.workspace_id).where(Membership.user_id == user.id)).all()
    for workspace_id in workspace_ids:
        audit.record(
            session, actor=actor, action=action, entity=user, before=before, after=after, workspace_id=workspace_id
        )


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.email)


def get(session: Session, email: str) -> User:
    user = find(session, email_for(email))
    if user is None:
        raise NotFound("user", email)
    return user


def list_(session: Session) -> Sequence[User]:
    return session.scalars(sa.select(User).order_by(User.email)).all()


def membership(session: Session, workspace: Workspace, user: User) -> Membership | None:
    return session.scalars(
        sa.select(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    ).one_or_none()


def set_role(session: Session, workspace: Workspace, user: User, role: Role, *, actor: Actor) -> Membership:
    """Give ``user`` ``role`` in ``workspace`` (adding them if they are not a member). The
    last admin cannot be demoted: someone must be able to manage the workspace."""
    member = membership(session, workspace, user)
    if member is not None and member.role == Role.ADMIN and role != Role.ADMIN and _admins(session, workspace) == 1:
        raise InvalidInput("the workspace needs at least one admin; make someone else admin first", field="role")
    if member is None:
        member = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
        session.add(member)
        session.flush()
        audit.record(session, actor=actor, action="create", entity=member, after=row_dict(member))
        return member
    if member.role != role:
        before = {"role": member.role.value}
        member.role = role
        session.flush()
        audit.record(session, actor=actor, action="update", entity=member, before=before, after={"role": role.value})
    return member


def _admins(session: Session, workspace: Workspace) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace.id, Membership.role == Role.ADMIN)
        )
        or 0
    )


def members(session: Session, workspace: Workspace) -> Sequence[tuple[User, Role]]:
    rows = session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id)
        .order_by(User.email)
    ).all()
    return [(row[0], row[1]) for row in rows]


def has_role(role: Role | None, needed: Role) -> bool:
    """Roles are ordered: viewer < contributor < editor < admin."""
    return role is not None and _RANK[role] >= _RANK[needed]


def can_sign_in(session: Session) -> bool:
    """Whether any active user has a password (so a server with accounts is usable)."""
    found = session.scalar(sa.select(User.id).where(User.password_hash.is_not(None), User.is_active.is_(True)).limit(1))
    return found is not None
