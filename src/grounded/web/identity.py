"""Who is asking: a bearer token, a session cookie, or the local user in local mode.

A session is opened for one workspace: its cookie is refused on another workspace's
routes. A token is scoped to one workspace and one role, and never acts above its
owner's current role there.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.errors import Forbidden, NotAuthenticated, NotFound
from grounded.models import User, WebSession, Workspace
from grounded.models.enums import Role
from grounded.workspace import service as workspaces
from grounded.workspace import tokens, users, web_sessions

SESSION_COOKIE = "grounded_session"
_RANK = {Role.VIEWER: 0, Role.CONTRIBUTOR: 1, Role.EDITOR: 2, Role.ADMIN: 3}


@dataclass(frozen=True)
class Caller:
    """Who is asking, in which workspace, with which role; ``web_session`` is None for API
    tokens (no cookie, so no CSRF token either)."""

    user: User
    workspace: Workspace
    role: Role
    web_session: WebSession | None
    via: str

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, name=self.user.email)

    def can(self, needed: Role) -> bool:
        return at_least(self.role, needed)

    def seen(self) -> Seen:
        return Seen(
            email=self.user.email,
            role=self.role,
            slug=self.workspace.slug,
            name=self.workspace.name,
            csrf=self.web_session.csrf_token if self.web_session is not None else "",
        )


@dataclass(frozen=True)
class Seen:
    """What pages show of the caller, as plain values: an error page is rendered after the
    request's database session has been rolled back and closed."""

    email: str
    role: Role
    slug: str
    name: str
    csrf: str

    def can(self, needed: Role) -> bool:
        return at_least(self.role, needed)


def at_least(role: Role, needed: Role) -> bool:
    return _RANK[role] >= _RANK[needed]


def lower(a: Role, b: Role) -> Role:
    return a if _RANK[a] <= _RANK[b] else b


def identify(request: Request, session: Session, slug: str) -> Caller:
    workspace = workspaces.find(session, slug)
    bearer = _bearer(request)
    if bearer is not None:
        return _by_token(session, bearer, workspace, slug)
    if request.app.state.config.local:
        return _local(request, session, workspace, slug)
    return _by_cookie(request, session, workspace, slug)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _by_token(session: Session, plaintext: str, workspace: Workspace | None, slug: str) -> Caller:
    token = tokens.verify(session, plaintext)
    if token is None:
        raise NotAuthenticated("the API token is unknown, revoked or expired")
    workspace = _existing(workspace, slug)
    if token.workspace_id != workspace.id:
        raise Forbidden(f"this token is not valid for workspace {slug}")
    user = session.get(User, token.user_id)
    member = users.membership(session, workspace, user) if user is not None else None
    if user is None or not user.is_active or member is None:
        raise Forbidden(f"the token's owner is no longer a member of {slug}")
    return Caller(user=user, workspace=workspace, role=lower(token.role, member.role), web_session=None, via="token")


def _by_cookie(request: Request, session: Session, workspace: Workspace | None, slug: str) -> Caller:
    live = live_session(request, session)
    if live is None:
        raise NotAuthenticated("sign in first")
    workspace = _existing(workspace, slug)
    if live.workspace_id != workspace.id:
        raise Forbidden(f"your session is for another workspace; sign in to {slug} to open it")
    user = session.get(User, live.user_id)
    member = users.membership(session, workspace, user) if user is not None else None
    if user is None or member is None:
        raise Forbidden(f"you are not a member of {slug}")
    return Caller(user=user, workspace=workspace, role=member.role, web_session=live, via="session")


def live_session(request: Request, session: Session) -> WebSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    return web_sessions.resolve(session, token) if token else None


def _local(request: Request, session: Session, workspace: Workspace | None, slug: str) -> Caller:
    """Local mode: the local user, an admin of every workspace, with a session per
    workspace so that forms still carry a CSRF token."""
    workspace = _existing(workspace, slug)
    user = users.ensure(session, request.app.state.config.local_user)
    member = users.membership(session, workspace, user)
    if member is None or member.role != Role.ADMIN:
        users.set_role(session, workspace, user, Role.ADMIN, actor=users.actor_for(user))
    live = live_session(request, session)
    if live is None or live.workspace_id != workspace.id or live.user_id != user.id:
        live, token = web_sessions.start(session, user=user, workspace=workspace, client=_client(request))
        request.state.new_session_cookie = token
    return Caller(user=user, workspace=workspace, role=Role.ADMIN, web_session=live, via="local")


def _existing(workspace: Workspace | None, slug: str) -> Workspace:
    if workspace is None:
        raise NotFound("workspace", slug)
    return workspace


def user_of(request: Request, session: Session) -> User | None:
    if request.app.state.config.local:
        return users.ensure(session, request.app.state.config.local_user)
    live = live_session(request, session)
    return session.get(User, live.user_id) if live is not None else None


def _client(request: Request) -> str:
    return request.client.host if request.client else ""
