"""Problems: list, one problem, creating and editing, reviewing suggested links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grounded.core.pagination import PageParams
from grounded.models.enums import ProblemStatus
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemCreate, ProblemLinkRead, ProblemRead, ProblemUpdate
from grounded.web.deps import Editor, SessionDep, Viewer
from grounded.web.forms import FormInvalid, parse
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.views import problems as view

router = APIRouter(tags=["problems"], responses=READ_PROBLEMS)
Status = Annotated[ProblemStatus | None, Query(description="Only problems in this state.")]
Note = Annotated[str, Form(max_length=2000)]
_FIELDS = ("title", "who", "struggle", "why_it_matters", "current_workaround")


@router.get(f"{API}/problems", response_model=PageOut[view.ProblemRow])
def api_list(who: Viewer, session: SessionDep, paging: Paging, status: Status = None) -> PageOut[view.ProblemRow]:
    return view.listing(session, who.workspace, status=status, page=paging)


@router.get(f"{PAGES}/problems", response_class=HTMLResponse, include_in_schema=False)
def page_list(request: Request, who: Viewer, session: SessionDep, paging: Paging, status: Status = None) -> Response:
    found = view.listing(session, who.workspace, status=status, page=paging)
    return page(request, "problem_list.html", found=found, status=status, statuses=list(ProblemStatus))


@router.get(f"{API}/problems/{{key}}", response_model=view.ProblemPage)
def api_detail(key: str, who: Viewer, session: SessionDep) -> view.ProblemPage:
    return view.detail(session, who.workspace, key)


@router.get(f"{PAGES}/problems/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_detail(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    return page(request, "problem_detail.html", p=view.detail(session, who.workspace, key))


@router.post(f"{API}/problems", response_model=ProblemRead, status_code=201, responses=CHANGE_PROBLEMS)
def api_create(data: ProblemCreate, who: Editor, session: SessionDep) -> ProblemRead:
    return ProblemRead.model_validate(problems.create(session, who.workspace, data=data, actor=who.actor))


@router.post(f"{PAGES}/problems", include_in_schema=False)
def page_create(
    request: Request,
    who: Editor,
    session: SessionDep,
    title: Annotated[str, Form(max_length=300)] = "",
    who_: Annotated[str, Form(alias="who", max_length=2000)] = "",
    struggle: Annotated[str, Form(max_length=2000)] = "",
    why_it_matters: Annotated[str, Form(max_length=2000)] = "",
    current_workaround: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = dict(zip(_FIELDS, (title, who_, struggle, why_it_matters, current_workaround), strict=True))
    try:
        created = problems.create(session, who.workspace, data=parse(ProblemCreate, values), actor=who.actor)
    except FormInvalid as invalid:
        session.rollback()
        found = view.listing(session, who.workspace, status=None, page=PageParams())
        return page(
            request,
            "problem_list.html",
            status_code=422,
            found=found,
            status=None,
            statuses=list(ProblemStatus),
            errors=invalid.errors,
            values=invalid.values,
        )
    return RedirectResponse(f"/w/{who.workspace.slug}/problems/{created.key}", status_code=303)


@router.patch(f"{API}/problems/{{key}}", response_model=ProblemRead, responses=CHANGE_PROBLEMS)
def api_update(key: str, data: ProblemUpdate, who: Editor, session: SessionDep) -> ProblemRead:
    problem = problems.get(session, who.workspace, key)
    return ProblemRead.model_validate(problems.update(session, who.workspace, problem, data=data, actor=who.actor))


@router.post(
    f"{API}/problems/{{key}}/links/{{target}}/accept", response_model=ProblemLinkRead, responses=CHANGE_PROBLEMS
)
def api_accept(key: str, target: str, who: Editor, session: SessionDep) -> ProblemLinkRead:
    return view.review(session, who.workspace, key, target, accept=True, actor=who.actor)


@router.post(
    f"{API}/problems/{{key}}/links/{{target}}/reject", response_model=ProblemLinkRead, responses=CHANGE_PROBLEMS
)
def api_reject(key: str, target: str, who: Editor, session: SessionDep) -> ProblemLinkRead:
    return view.review(session, who.workspace, key, target, accept=False, actor=who.actor)


@router.post(f"{PAGES}/problems/{{key}}/links/{{target}}/{{verdict}}", include_in_schema=False)
def page_review(key: str, target: str, verdict: str, who: Editor, session: SessionDep, note: Note = "") -> Response:
    if verdict not in ("accept", "reject"):
        raise FormInvalid({"verdict": "choose accept or reject"}, {"verdict": verdict})
    view.review(session, who.workspace, key, target, accept=verdict == "accept", actor=who.actor, note=note)
    return RedirectResponse(f"/w/{who.workspace.slug}/problems/{key.upper()}#suggestions", status_code=303)
