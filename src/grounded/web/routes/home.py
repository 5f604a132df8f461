"""Home: what changed this week."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from grounded.web.deps import SessionDep, Viewer
from grounded.web.identity import Caller
from grounded.web.render import page
from grounded.web.routes.common import API, PAGES, READ_PROBLEMS
from grounded.web.state import app_state
from grounded.web.views import home as view

router = APIRouter(tags=["home"], responses=READ_PROBLEMS)


@router.get(f"{API}/home", response_model=view.Home)
def api_home(request: Request, who: Viewer, session: SessionDep) -> view.Home:
    return _home(request, who, session)


@router.get(f"{PAGES}/", response_class=HTMLResponse, include_in_schema=False)
def page_home(request: Request, who: Viewer, session: SessionDep) -> Response:
    return page(request, "home.html", h=_home(request, who, session))


def _home(request: Request, who: Caller, session: SessionDep) -> view.Home:
    """Kept for a few seconds (web/recent.py): it counts every item of the workspace."""
    return app_state(request).recent.get(who.workspace.id, "home", lambda: view.home(session, who.workspace))
