"""Evidence: the library page and API, one item, adding one, linking many to a problem."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grounded.core.pagination import PageParams
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceCreate, EvidenceDetail, EvidenceFilter, EvidenceRead
from grounded.models.enums import EvidenceKind, EvidenceMode, LinkRole
from grounded.problem import service as problems
from grounded.web.deps import Contributor, Editor, SessionDep, Viewer
from grounded.web.forms import FormInvalid, parse
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.views import evidence as view

router = APIRouter(tags=["evidence"], responses=READ_PROBLEMS)


async def evidence_filter(
    kind: EvidenceKind | None = None,
    mode: EvidenceMode | None = None,
    source_key: Annotated[str | None, Query(max_length=200)] = None,
    account: Annotated[str | None, Query(max_length=200, description="Account external id or name.")] = None,
    segment: Annotated[str | None, Query(max_length=100)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    problem: Annotated[str | None, Query(max_length=40, description="Linked to this problem (P-…).")] = None,
    theme: Annotated[str | None, Query(max_length=40, description="In this theme (T-…).")] = None,
    linked: Annotated[bool | None, Query(description="Linked to any problem, or to none.")] = None,
) -> EvidenceFilter:
    return parse(EvidenceFilter, {k: v for k, v in locals().items() if v is not None})


Filters = Annotated[EvidenceFilter, Depends(evidence_filter)]
Q = Annotated[str, Query(max_length=500, description="Full-text search.")]


@router.get(f"{API}/evidence", response_model=PageOut[view.EvidenceItem])
def api_list(
    who: Viewer, session: SessionDep, filters: Filters, paging: Paging, q: Q = ""
) -> PageOut[view.EvidenceItem]:
    return view.library(session, who.workspace, filters=filters, q=q, page=paging)


@router.get(f"{PAGES}/evidence", response_class=HTMLResponse, include_in_schema=False)
def page_list(
    request: Request, who: Viewer, session: SessionDep, filters: Filters, paging: Paging, q: Q = ""
) -> Response:
    found = view.library(session, who.workspace, filters=filters, q=q, page=paging)
    open_problems = problems.list_(session, who.workspace).items
    return page(
        request,
        "evidence_list.html",
        found=found,
        filters=filters,
        q=q,
        problems=open_problems,
        kinds=list(EvidenceKind),
        modes=list(EvidenceMode),
        roles=list(LinkRole),
    )


@router.get(f"{API}/evidence/{{key}}", response_model=EvidenceDetail)
def api_detail(key: str, who: Viewer, session: SessionDep) -> EvidenceDetail:
    return view.detail(session, who.workspace, key)


@router.get(f"{PAGES}/evidence/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_detail(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    return page(
        request,
        "evidence_detail.html",
        item=view.detail(session, who.workspace, key),
        problems=problems.list_(session, who.workspace).items,
        roles=list(LinkRole),
    )


@router.post(f"{API}/evidence", response_model=EvidenceRead, status_code=201, responses=CHANGE_PROBLEMS)
def api_add(data: EvidenceCreate, who: Contributor, session: SessionDep) -> EvidenceRead:
    return EvidenceRead.model_validate(evidence.create(session, who.workspace, data=data, actor=who.actor))


@router.post(f"{PAGES}/evidence", include_in_schema=False)
def page_add(
    request: Request,
    who: Contributor,
    session: SessionDep,
    title: Annotated[str, Form(max_length=500)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
    kind: Annotated[str, Form(max_length=40)] = "note",
    account: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {"title": title, "text": text, "kind": kind, "account": account}
    try:
        data = parse(EvidenceCreate, values)
        created = evidence.create(session, who.workspace, data=data, actor=who.actor)
    except FormInvalid as invalid:
        session.rollback()
        return _add_form(request, who, session, invalid)
    return RedirectResponse(f"/w/{who.workspace.slug}/evidence/{created.key}", status_code=303)


def _add_form(request: Request, who: Viewer, session: SessionDep, invalid: FormInvalid) -> Response:
    found = view.library(session, who.workspace, filters=EvidenceFilter(), page=PageParams())
    return page(
        request,
        "evidence_list.html",
        status_code=422,
        found=found,
        filters=EvidenceFilter(),
        q="",
        problems=problems.list_(session, who.workspace).items,
        kinds=list(EvidenceKind),
        modes=list(EvidenceMode),
        roles=list(LinkRole),
        errors=invalid.errors,
        values=invalid.values,
    )


@router.post(f"{API}/evidence/link", response_model=view.BulkLinked, responses=CHANGE_PROBLEMS)
def api_bulk_link(data: view.BulkLink, who: Editor, session: SessionDep) -> view.BulkLinked:
    return view.bulk_link(session, who.workspace, data=data, actor=who.actor)


@router.post(f"{PAGES}/evidence/link", include_in_schema=False)
def page_bulk_link(
    request: Request,
    who: Editor,
    session: SessionDep,
    problem: Annotated[str, Form(max_length=40)] = "",
    e: Annotated[list[str], Form(max_length=1000)] = [],  # noqa: B006 (FastAPI copies defaults)
    role: Annotated[LinkRole, Form()] = LinkRole.SUPPORTS,
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    data = parse(view.BulkLink, {"problem": problem, "evidence": e, "role": role})
    done = view.bulk_link(session, who.workspace, data=data, actor=who.actor)
    return page(request, "linked.html", done=done, back=back if back.startswith("/w/") else "")
