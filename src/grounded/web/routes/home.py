"""Home: what changed this week."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from grounded.web.deps import SessionDep, Viewer
from grounded.web.render import page
from grounded.web.routes.common import API, PAGES, READ_PROBLEMS
from grounded.web.views import home as view

router = APIRouter(tags=["home"], responses=READ_PROBLEMS)


@router.get(f"{API}/home", response_model=view.Home)
def api_home(who: Viewer, session: SessionDep) -> view.Home:
    return view.home(session, who.workspace)


@router.get(f"{PAGES}/", response_class=HTMLResponse, include_in_schema=False)
def page_home(request: Request, who: Viewer, session: SessionDep) -> Response:
    return page(request, "home.html", h=view.home(session, who.workspace))
