"""Settings: members and roles, API tokens, the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grounded.core.pagination import PageParams
from grounded.models.enums import Role
from grounded.web.deps import Admin, SessionDep
from grounded.web.forms import FormInvalid, parse
from grounded.web.identity import Caller
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.views import settings as view
from grounded.workspace.schemas import ApiTokenCreate, ApiTokenRead, AuditEventRead

router = APIRouter(tags=["settings"], responses=READ_PROBLEMS)
Entity = Annotated[str, Query(max_length=40, description="Only changes to this record (e.g. D-1).")]


@router.get(f"{API}/members", response_model=list[view.Member])
def api_members(who: Admin, session: SessionDep) -> list[view.Member]:
    return view.members(session, who.workspace)


@router.put(f"{API}/members", response_model=view.Member, responses=CHANGE_PROBLEMS)
def api_set_role(data: view.RoleChange, who: Admin, session: SessionDep) -> view.Member:
    return view.set_role(session, who.workspace, data=data, actor=who.actor)


@router.get(f"{API}/tokens", response_model=list[ApiTokenRead])
def api_tokens(who: Admin, session: SessionDep) -> list[ApiTokenRead]:
    return view.token_list(session, who.workspace)


@router.post(f"{API}/tokens", response_model=view.NewToken, status_code=201, responses=CHANGE_PROBLEMS)
def api_create_token(data: ApiTokenCreate, who: Admin, session: SessionDep) -> view.NewToken:
    return view.create_token(session, who.workspace, who.user, who.role, data=data, actor=who.actor)


@router.post(f"{API}/tokens/{{token_id}}/revoke", response_model=ApiTokenRead, responses=CHANGE_PROBLEMS)
def api_revoke(token_id: str, who: Admin, session: SessionDep) -> ApiTokenRead:
    return view.revoke_token(session, who.workspace, token_id, actor=who.actor)


@router.get(f"{API}/audit", response_model=PageOut[AuditEventRead])
def api_audit(who: Admin, session: SessionDep, paging: Paging, entity: Entity = "") -> PageOut[AuditEventRead]:
    return view.audit(session, who.workspace, entity_key=entity, page=paging)


@router.get(f"{PAGES}/settings", response_class=HTMLResponse, include_in_schema=False)
def page_settings(request: Request, who: Admin, session: SessionDep, paging: Paging, entity: Entity = "") -> Response:
    return _settings(request, who, session, paging=paging, entity=entity)


def _settings(
    request: Request,
    who: Caller,
    session: SessionDep,
    *,
    paging: PageParams | None = None,
    entity: str = "",
    status: int = 200,
    **extra: object,
) -> Response:
    return page(
        request,
        "settings.html",
        status_code=status,
        members=view.members(session, who.workspace),
        tokens=view.token_list(session, who.workspace),
        roles=list(Role),
        entity=entity,
        audit=view.audit(session, who.workspace, entity_key=entity, page=paging or PageParams(limit=50)),
        **extra,
    )


@router.post(f"{PAGES}/settings/members", include_in_schema=False)
def page_set_role(
    request: Request,
    who: Admin,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        view.set_role(
            session, who.workspace, data=parse(view.RoleChange, {"email": email, "role": role}), actor=who.actor
        )
    except FormInvalid as invalid:
        session.rollback()
        return _settings(request, who, session, status=422, member_errors=invalid.errors, member_values=invalid.values)
    return RedirectResponse(f"/w/{who.workspace.slug}/settings#members", status_code=303)


@router.post(f"{PAGES}/settings/tokens", include_in_schema=False)
def page_create_token(
    request: Request,
    who: Admin,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "viewer",
) -> Response:
    values = {"name": name, "role": role}
    try:
        made = view.create_token(
            session, who.workspace, who.user, who.role, data=parse(ApiTokenCreate, values), actor=who.actor
        )
    except FormInvalid as invalid:
        session.rollback()
        return _settings(request, who, session, status=422, token_errors=invalid.errors, token_values=values)
    return _settings(request, who, session, new_token=made)


@router.post(f"{PAGES}/settings/tokens/{{token_id}}/revoke", include_in_schema=False)
def page_revoke(token_id: str, who: Admin, session: SessionDep) -> Response:
    view.revoke_token(session, who.workspace, token_id, actor=who.actor)
    return RedirectResponse(f"/w/{who.workspace.slug}/settings#tokens", status_code=303)
