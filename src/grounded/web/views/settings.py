"""Settings: members and roles, API tokens, the audit log."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.pagination import PageParams
from grounded.core.validation import Schema
from grounded.errors import InvalidInput
from grounded.models import User, Workspace
from grounded.models.enums import Role
from grounded.web.schemas import PageOut
from grounded.workspace import audit_log, tokens, users
from grounded.workspace.schemas import ApiTokenCreate, ApiTokenRead, AuditEventRead, UserRead


class Member(BaseModel):
    user: UserRead
    role: Role


class NewToken(BaseModel):
    """The token's plaintext is in this answer only: it is stored as a hash."""

    token: ApiTokenRead
    plaintext: str


class RoleChange(Schema):
    email: str = Field(min_length=3, max_length=320)
    role: Role


def members(session: Session, workspace: Workspace) -> list[Member]:
    return [Member(user=UserRead.model_validate(u), role=r) for u, r in users.members(session, workspace)]


def set_role(session: Session, workspace: Workspace, *, data: RoleChange, actor: Actor) -> Member:
    """Give an existing user a role here (adding them to the workspace if needed); the
    service refuses to demote the last admin."""
    user = users.get(session, data.email)
    users.set_role(session, workspace, user, data.role, actor=actor)
    return Member(user=UserRead.model_validate(user), role=data.role)


def token_list(session: Session, workspace: Workspace) -> list[ApiTokenRead]:
    return [ApiTokenRead.model_validate(t) for t in tokens.list_(session, workspace)]


def create_token(
    session: Session, workspace: Workspace, user: User, caller_role: Role, *, data: ApiTokenCreate, actor: Actor
) -> NewToken:
    if not users.has_role(caller_role, data.role):
        raise InvalidInput(f"a token cannot have more rights than you ({caller_role.value})", field="role")
    token, plaintext = tokens.create(session, workspace, user, data=data, actor=actor)
    return NewToken(token=ApiTokenRead.model_validate(token), plaintext=plaintext)


def revoke_token(session: Session, workspace: Workspace, token_id: str, *, actor: Actor) -> ApiTokenRead:
    return ApiTokenRead.model_validate(tokens.revoke(session, workspace, token_id, actor=actor))


def audit(
    session: Session, workspace: Workspace, *, entity_key: str | None, page: PageParams
) -> PageOut[AuditEventRead]:
    found = audit_log.list_(session, workspace, entity_key=entity_key or None, page=page)
    return PageOut.of(found, [AuditEventRead.model_validate(e) for e in found.items])
