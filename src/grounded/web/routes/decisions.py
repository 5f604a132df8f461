"""Decisions: the log, one decision, drafting, proposing and accepting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from grounded.core.pagination import PageParams
from grounded.core.validation import Schema
from grounded.decision.schemas import DecisionRead
from grounded.models.enums import DecisionStatus
from grounded.web.deps import Editor, SessionDep, Viewer
from grounded.web.forms import FormInvalid, parse
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.views import decisions as view

router = APIRouter(tags=["decisions"], responses=READ_PROBLEMS)
Status = Annotated[DecisionStatus | None, Query(description="Only decisions in this state.")]
Q = Annotated[str, Query(max_length=500, description="Full-text search.")]
Note = Annotated[str, Form(max_length=2000)]


class Acceptance(Schema):
    option: int | None = Field(default=None, ge=1, le=100, description="The chosen option, numbered from 1.")
    note: str = Field(default="", max_length=2000)


class Proposal(Schema):
    note: str = Field(default="", max_length=2000)


@router.get(f"{API}/decisions", response_model=PageOut[view.DecisionRow])
def api_log(
    who: Viewer, session: SessionDep, paging: Paging, status: Status = None, q: Q = ""
) -> PageOut[view.DecisionRow]:
    return view.log(session, who.workspace, status=status, q=q, page=paging)


@router.get(f"{PAGES}/decisions", response_class=HTMLResponse, include_in_schema=False)
def page_log(
    request: Request, who: Viewer, session: SessionDep, paging: Paging, status: Status = None, q: Q = ""
) -> Response:
    found = view.log(session, who.workspace, status=status, q=q, page=paging)
    return page(request, "decision_log.html", found=found, status=status, q=q, statuses=list(DecisionStatus))


@router.get(f"{API}/decisions/{{key}}", response_model=view.DecisionPage)
def api_detail(key: str, who: Viewer, session: SessionDep) -> view.DecisionPage:
    return view.detail(session, who.workspace, key)


@router.get(f"{PAGES}/decisions/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_detail(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    return page(request, "decision_detail.html", d=view.detail(session, who.workspace, key))


@router.post(f"{API}/decisions", response_model=DecisionRead, status_code=201, responses=CHANGE_PROBLEMS)
def api_draft(data: view.DecisionDraft, who: Editor, session: SessionDep) -> DecisionRead:
    return view.draft(session, who.workspace, data=data, actor=who.actor)


@router.post(f"{PAGES}/decisions", include_in_schema=False)
def page_draft(
    request: Request,
    who: Editor,
    session: SessionDep,
    title: Annotated[str, Form(max_length=300)] = "",
    context: Annotated[str, Form(max_length=20_000)] = "",
    options: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    values = {"title": title, "context": context, "options": options}
    try:
        data = parse(view.DecisionDraft, {**values, "options": options.splitlines()})
        created = view.draft(session, who.workspace, data=data, actor=who.actor)
    except FormInvalid as invalid:
        session.rollback()
        found = view.log(session, who.workspace, status=None, q="", page=PageParams())
        return page(
            request,
            "decision_log.html",
            status_code=422,
            found=found,
            status=None,
            q="",
            statuses=list(DecisionStatus),
            errors=invalid.errors,
            values=values,
        )
    return RedirectResponse(f"/w/{who.workspace.slug}/decisions/{created.key}", status_code=303)


@router.post(f"{API}/decisions/{{key}}/propose", response_model=DecisionRead, responses=CHANGE_PROBLEMS)
def api_propose(key: str, who: Editor, session: SessionDep, data: Proposal | None = None) -> DecisionRead:
    return view.propose(session, who.workspace, key, actor=who.actor, note=data.note if data else "")


@router.post(f"{API}/decisions/{{key}}/accept", response_model=DecisionRead, responses=CHANGE_PROBLEMS)
def api_accept(key: str, who: Editor, session: SessionDep, data: Acceptance | None = None) -> DecisionRead:
    data = data or Acceptance()
    return view.accept(session, who.workspace, key, option=data.option, actor=who.actor, note=data.note)


@router.post(f"{PAGES}/decisions/{{key}}/propose", include_in_schema=False)
def page_propose(key: str, who: Editor, session: SessionDep, note: Note = "") -> Response:
    done = view.propose(session, who.workspace, key, actor=who.actor, note=note)
    return RedirectResponse(f"/w/{who.workspace.slug}/decisions/{done.key}", status_code=303)


@router.post(f"{PAGES}/decisions/{{key}}/accept", include_in_schema=False)
def page_accept(
    key: str,
    who: Editor,
    session: SessionDep,
    option: Annotated[int | None, Form(ge=1, le=100)] = None,
    note: Note = "",
) -> Response:
    done = view.accept(session, who.workspace, key, option=option, actor=who.actor, note=note)
    return RedirectResponse(f"/w/{who.workspace.slug}/decisions/{done.key}", status_code=303)
