"""API tokens: shown once, stored as a SHA-256 hash, scoped to a workspace and a role."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import audit, crud
from grounded.core.actor import Actor
from grounded.errors import Conflict, InvalidInput
from grounded.models import ApiToken, Membership, User, Workspace
from grounded.workspace.schemas import ApiTokenCreate

TOKEN_PREFIX = "grd_"  # noqa: S105 (a public marker that makes leaked tokens greppable)


def digest(token: str) -> str:
    """The SHA-256 (hex) under which a bearer secret is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    session: Session, workspace: Workspace, user: User, *, data: ApiTokenCreate, actor: Actor
) -> tuple[ApiToken, str]:
    """Create a token; return it with its plaintext, which is never stored or shown again."""
    if data.expires_at is not None and data.expires_at <= datetime.now(UTC):
        raise InvalidInput("must be in the future", field="expires_at")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace_id=workspace.id,
        user_id=user.id,
        name=data.name,
        prefix=plaintext[:10],
        token_hash=digest(plaintext),
        role=data.role,
        expires_at=data.expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity=token,
        after={"name": token.name, "role": token.role.value, "prefix": token.prefix},
    )
    return token, plaintext


#: How stale ``last_used_at`` may get before a use writes it again.
TOUCH_INTERVAL = timedelta(minutes=1)


def verify(session: Session, plaintext: str, *, touch: bool = True) -> ApiToken | None:
    """The live token for ``plaintext``, or None if unknown, revoked, expired or its user
    deactivated. Notes the use at most once a minute (``touch=False`` leaves that to the
    caller: the web app writes it in a transaction of its own)."""
    found = holder(session, plaintext)
    if found is None:
        return None
    if touch and needs_touch(found.token.last_used_at, datetime.now(UTC)):
        found.token.last_used_at = datetime.now(UTC)
    return found.token


@dataclass(frozen=True)
class Holder:
    """A live token, its owner, the token's workspace, and the owner's membership of it
    (None when they are no longer a member)."""

    token: ApiToken
    user: User
    workspace: Workspace
    member: Membership | None


def holder(session: Session, plaintext: str) -> Holder | None:
    """The live token for ``plaintext`` with its owner, its workspace and the owner's
    membership there, in one query; None if unknown, revoked, expired or its user
    deactivated. Notes nothing."""
    membership = sa.and_(Membership.user_id == User.id, Membership.workspace_id == ApiToken.workspace_id)
    found = session.execute(
        sa.select(ApiToken, User, Workspace, Membership)
        .join(User, User.id == ApiToken.user_id)
        .join(Workspace, Workspace.id == ApiToken.workspace_id)
        .outerjoin(Membership, membership)
        .where(ApiToken.token_hash == digest(plaintext))
    ).one_or_none()
    if found is None:
        return None
    token, user, workspace, member = found
    if token.revoked_at is not None or not user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= datetime.now(UTC):
        return None
    return Holder(token=token, user=user, workspace=workspace, member=member)


def needs_touch(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= TOUCH_INTERVAL


def revoke(session: Session, workspace: Workspace, token_id: str, *, actor: Actor) -> ApiToken:
    token = crud.get(session, ApiToken, workspace=workspace, ref=token_id)
    if token.revoked_at is not None:
        raise Conflict(f"token {token.prefix}… was already revoked")
    crud.update(session, token, actor=actor, changes={"revoked_at": datetime.now(UTC)}, action="revoke")
    return token


def list_(session: Session, workspace: Workspace) -> Sequence[ApiToken]:
    return session.scalars(
        sa.select(ApiToken).where(ApiToken.workspace_id == workspace.id).order_by(ApiToken.created_at)
    ).all()
