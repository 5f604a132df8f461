"""Signing in and out, and the start page that sends you to your workspace."""

from __future__ import annotations

import secrets
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grounded.errors import NotAuthenticated, NoWorkspace, Throttled
from grounded.models import Membership, User, Workspace
from grounded.web import identity
from grounded.web.deps import SessionDep
from grounded.web.render import page
from grounded.workspace import passwords, web_sessions
from grounded.workspace import service as workspaces

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "grounded_login_csrf"


@router.get("/")
def start(request: Request, session: SessionDep) -> Response:
    """Your workspace's home: the session's workspace, else the only one there is."""
    user = identity.user_of(request, session)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    slug = _home_slug(request, session, user)
    return RedirectResponse(f"/w/{slug}/", status_code=303)


def _home_slug(request: Request, session: SessionDep, user: User) -> str:
    live = identity.live_session(request, session)
    if live is not None:
        found = session.get(Workspace, live.workspace_id)
        if found is not None:
            return found.slug
    if request.app.state.config.local:
        return workspaces.resolve(session, None).slug
    mine = _memberships(session, user)
    if not mine:
        raise NoWorkspace(f"{user.email} is not a member of any workspace; ask an admin to add you")
    return mine[0].slug


def _memberships(session: SessionDep, user: User) -> list[Workspace]:
    rows = session.scalars(
        sa.select(Workspace)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.slug)
    ).all()
    return list(rows)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, session: SessionDep, target: Annotated[str, Query(alias="next", max_length=2000)] = ""
) -> Response:
    if request.app.state.config.local:
        return RedirectResponse("/", status_code=303)
    return _login_page(request, session, target=target)


def _login_page(
    request: Request, session: SessionDep, *, target: str, error: str = "", email: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        status_code=status,
        next=_safe_next(target),
        error=error,
        email=email,
        login_csrf=token,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    login_csrf: Annotated[str, Form(max_length=100)] = "",
    workspace: Annotated[str, Form(max_length=64)] = "",
    target: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    if not login_csrf or not secrets.compare_digest(login_csrf, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _login_page(
            request, session, target=target, email=email, status=403, error="The form expired; try again."
        )
    try:
        user = passwords.authenticate(session, email=email, password=password, client=_client(request))
    except NotAuthenticated as error:
        session.commit()  # the failed attempt counts toward throttling even though we refuse
        return _login_page(request, session, target=target, email=email, status=error_status(error), error=str(error))
    chosen = _chosen_workspace(session, user, workspace or _slug_in(target))
    if chosen is None:
        return _login_page(
            request,
            session,
            target=target,
            email=email,
            status=403,
            error=f"{user.email} is not a member of that workspace.",
        )
    _, token = web_sessions.start(
        session, user=user, workspace=chosen, client=_client(request), user_agent=request.headers.get("user-agent", "")
    )
    request.state.new_session_cookie = token
    return RedirectResponse(_safe_next(target) or f"/w/{chosen.slug}/", status_code=303)


def error_status(error: NotAuthenticated) -> int:
    return 429 if isinstance(error, Throttled) else 401


def _slug_in(target: str) -> str:
    """The workspace a ``next`` path points into (``/w/<slug>/…``), if any."""
    parts = _safe_next(target).split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "w" else ""


def _chosen_workspace(session: SessionDep, user: User, slug: str) -> Workspace | None:
    mine = _memberships(session, user)
    if slug:
        return next((w for w in mine if w.slug == slug), None)
    return mine[0] if mine else None


@router.post("/logout")
def logout(request: Request, session: SessionDep, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    token = request.cookies.get(identity.SESSION_COOKIE)
    live = web_sessions.resolve(session, token) if token else None
    if live is not None and web_sessions.csrf_matches(live, csrf_token):
        web_sessions.end(session, token or "")
        request.state.clear_session_cookie = True
    return RedirectResponse("/login", status_code=303)


def _safe_next(target: str) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def _client(request: Request) -> str:
    return request.client.host if request.client else ""
