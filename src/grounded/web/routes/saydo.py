"""Say vs do: what people say beside what they do, for a problem or a theme."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from grounded.web.deps import SessionDep, Viewer
from grounded.web.render import page
from grounded.web.routes.common import API, PAGES, READ_PROBLEMS
from grounded.web.state import app_state
from grounded.web.views import saydo as view

router = APIRouter(tags=["say-do"], responses=READ_PROBLEMS)


@router.get(f"{API}/problems/{{key}}/say-do", response_model=view.SayDo)
def api_problem(request: Request, key: str, who: Viewer, session: SessionDep) -> dict[str, Any]:
    return view.compare(session, who.workspace, key, app_state(request))


@router.get(f"{API}/themes/{{key}}/say-do", response_model=view.SayDo)
def api_theme(request: Request, key: str, who: Viewer, session: SessionDep) -> dict[str, Any]:
    return view.compare(session, who.workspace, key, app_state(request))


@router.get(f"{PAGES}/problems/{{key}}/say-do", response_class=HTMLResponse, include_in_schema=False)
def page_problem(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    found = view.compare(session, who.workspace, key, app_state(request))
    return page(request, "saydo.html", s=found, back=f"/w/{who.workspace.slug}/problems/{found['subject']}")


@router.get(f"{PAGES}/themes/{{key}}/say-do", response_class=HTMLResponse, include_in_schema=False)
def page_theme(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    found = view.compare(session, who.workspace, key, app_state(request))
    return page(request, "saydo.html", s=found, back=f"/w/{who.workspace.slug}/themes/{found['subject']}")
