"""Who is asking: a bearer token, a session cookie, or the local user in local mode.

A session is opened for one workspace: its cookie is refused on another workspace's
routes. A token is scoped to one workspace and one role, and never acts above its
owner's current role there.

Reading a page must not write in the request's own transaction: on SQLite a read
transaction that later writes fails at once when another writer got in first. So the
bookkeeping of a read (a token's or a session's last use, at most once a minute; local
mode's first visit) is written in a short transaction of its own, and a failure there
never fails the page. A change (POST and the like) holds the write lock from its start:
its bookkeeping goes in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.db.engine import session_scope
from grounded.db.types import utcnow
from grounded.errors import Forbidden, NotAuthenticated, NotFound
from grounded.models import ApiToken, User, WebSession, Workspace
from grounded.models.enums import Role
from grounded.workspace import service as workspaces
from grounded.workspace import tokens, users, web_sessions

log = logging.getLogger("grounded.web")
SESSION_COOKIE = "grounded_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RANK = {Role.VIEWER: 0, Role.CONTRIBUTOR: 1, Role.EDITOR: 2, Role.ADMIN: 3}


def at_least(role: Role, needed: Role) -> bool:
    return _RANK[role] >= _RANK[needed]


def lower(a: Role, b: Role) -> Role:
    return a if _RANK[a] <= _RANK[b] else b


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


def identify(request: Request, session: Session, slug: str) -> Caller:
    bearer = _bearer(request)
    if bearer is not None:
        return _by_token(request, session, bearer, slug)
    workspace = workspaces.find(session, slug)
    if request.app.state.config.local:
        return _local(request, session, workspace, slug)
    return _by_cookie(request, session, workspace, slug)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _by_token(request: Request, session: Session, plaintext: str, slug: str) -> Caller:
    found = tokens.holder(session, plaintext)  # with the token's workspace: no query by slug on the way in
    if found is None:
        raise NotAuthenticated("the API token is unknown, revoked or expired")
    token, user, member, workspace = found.token, found.user, found.member, found.workspace
    if workspace.slug != slug:
        _existing(workspaces.find(session, slug), slug)  # 404 for a workspace that does not exist
        raise Forbidden(f"this token is not valid for workspace {slug}")
    if not user.is_active or member is None:  # the member of the token's workspace, which is this one
        raise Forbidden(f"the token's owner is no longer a member of {slug}")
    now = utcnow()
    if tokens.needs_touch(token.last_used_at, now):
        _bookkeeping(request, session, sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
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
    """The cookie's live session; its last visit noted at most once a minute."""
    token = request.cookies.get(SESSION_COOKIE)
    live = web_sessions.resolve(session, token, touch=False) if token else None
    now = utcnow()
    if live is not None and now - live.last_seen_at >= web_sessions.TOUCH_INTERVAL:
        _bookkeeping(request, session, sa.update(WebSession).where(WebSession.id == live.id).values(last_seen_at=now))
    return live


@contextmanager
def _writer(request: Request, session: Session) -> Iterator[Session]:
    """Where a request's bookkeeping is written (see the module docstring)."""
    if request.method not in SAFE_METHODS:
        yield session
        return
    with session_scope(request.app.state.grounded.engine, write=True) as own:
        yield own


def _bookkeeping(request: Request, session: Session, statement: Any) -> None:
    try:
        with _writer(request, session) as writer:
            writer.execute(statement)
    except sa.exc.OperationalError as error:  # a busy database: the note waits for the next visit
        log.info("bookkeeping skipped: %s", error)


def _local(request: Request, session: Session, workspace: Workspace | None, slug: str) -> Caller:
    """Local mode: the local user, an admin of every workspace, with a session per
    workspace so that forms still carry a CSRF token."""
    workspace = _existing(workspace, slug)
    handle = request.app.state.config.local_user
    user = users.find(session, users.email_for(handle))
    member = users.membership(session, workspace, user) if user is not None else None
    live = live_session(request, session)
    fresh = user is None or member is None or member.role != Role.ADMIN
    if fresh or live is None or live.workspace_id != workspace.id or user is None or live.user_id != user.id:
        # Written in a transaction of its own, which this request's snapshot does not see:
        # the rows come back from there (their values loaded, as sessions keep them).
        user, live, token = _first_visit(request, session, workspace.id, handle)
        request.state.new_session_cookie = token
    return Caller(user=user, workspace=workspace, role=Role.ADMIN, web_session=live, via="local")


def _first_visit(request: Request, session: Session, workspace_id: Any, handle: str) -> tuple[User, WebSession, str]:
    """Make the local user an admin of the workspace and open a session."""
    with _writer(request, session) as own:
        user = users.ensure(own, handle)
        workspace = own.get(Workspace, workspace_id)
        assert workspace is not None
        member = users.membership(own, workspace, user)
        if member is None or member.role != Role.ADMIN:
            users.set_role(own, workspace, user, Role.ADMIN, actor=users.actor_for(user))
        live, token = web_sessions.start(own, user=user, workspace=workspace, client=_client(request))
    return user, live, token


def _existing(workspace: Workspace | None, slug: str) -> Workspace:
    if workspace is None:
        raise NotFound("workspace", slug)
    return workspace


def user_of(request: Request, session: Session) -> User | None:
    if request.app.state.config.local:
        return users.find(session, users.email_for(request.app.state.config.local_user)) or _local_user(request)
    live = live_session(request, session)
    return session.get(User, live.user_id) if live is not None else None


def _local_user(request: Request) -> User:
    with session_scope(request.app.state.grounded.engine, write=True) as own:
        return users.ensure(own, request.app.state.config.local_user)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""
