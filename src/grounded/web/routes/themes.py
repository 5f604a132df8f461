"""Themes: the current themes with their figures, one theme, a problem drafted from one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from grounded.core.pagination import PageParams
from grounded.core.validation import Schema
from grounded.web.deps import Editor, SessionDep, Viewer
from grounded.web.identity import Caller
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, ThemePaging
from grounded.web.schemas import Done
from grounded.web.state import app_state
from grounded.web.views import themes as view

router = APIRouter(tags=["themes"], responses=READ_PROBLEMS)


class Draft(Schema):
    title: str | None = Field(default=None, min_length=3, max_length=300)


@router.get(f"{API}/themes", response_model=view.ThemeList)
def api_list(request: Request, who: Viewer, session: SessionDep, paging: ThemePaging) -> view.ThemeList:
    return _listing(request, who, session, paging)


@router.get(f"{PAGES}/themes", response_class=HTMLResponse, include_in_schema=False)
def page_list(request: Request, who: Viewer, session: SessionDep, paging: ThemePaging) -> Response:
    return page(request, "themes.html", found=_listing(request, who, session, paging))


def _listing(request: Request, who: Caller, session: SessionDep, paging: PageParams) -> view.ThemeList:
    """Kept for a few seconds (web/recent.py): a page's figures count every member."""
    key = ("themes", paging.limit, paging.offset)
    return app_state(request).recent.get(
        who.workspace.id, key, lambda: view.listing(session, who.workspace, page=paging)
    )


@router.get(f"{API}/themes/{{key}}", response_model=view.ThemePage)
def api_detail(key: str, who: Viewer, session: SessionDep) -> view.ThemePage:
    return view.detail(session, who.workspace, key)


@router.get(f"{PAGES}/themes/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_detail(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    return page(request, "theme_detail.html", t=view.detail(session, who.workspace, key))


@router.post(f"{API}/themes/{{key}}/problem", response_model=Done, status_code=201, responses=CHANGE_PROBLEMS)
def api_draft(key: str, who: Editor, session: SessionDep, data: Draft | None = None) -> Done:
    created = view.draft_problem(session, who.workspace, key, title=data.title if data else None, actor=who.actor)
    return Done(message=f"drafted {created} from {key.upper()}", key=created)


@router.post(f"{PAGES}/themes/{{key}}/problem", include_in_schema=False)
def page_draft(
    key: str, who: Editor, session: SessionDep, title: Annotated[str, Form(max_length=300)] = ""
) -> Response:
    created = view.draft_problem(session, who.workspace, key, title=title.strip() or None, actor=who.actor)
    return RedirectResponse(f"/w/{who.workspace.slug}/problems/{created}", status_code=303)
