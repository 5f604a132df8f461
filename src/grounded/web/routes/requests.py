"""Requests: by stakeholder group and disposition, each with what happened to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from grounded.models.enums import Disposition
from grounded.web.deps import SessionDep, Viewer
from grounded.web.render import page
from grounded.web.routes.common import API, PAGES, READ_PROBLEMS, Paging
from grounded.web.views import requests as view

router = APIRouter(tags=["requests"], responses=READ_PROBLEMS)
DispositionQ = Annotated[Disposition | None, Query(description="Only requests with this disposition.")]
Group = Annotated[str, Query(max_length=64, description="Only this stakeholder group's (its slug).")]


@router.get(f"{API}/requests", response_model=view.RequestBoard)
def api_board(
    who: Viewer, session: SessionDep, paging: Paging, disposition: DispositionQ = None, group: Group = ""
) -> view.RequestBoard:
    return view.board(session, who.workspace, disposition=disposition, group=group, page=paging)


@router.get(f"{PAGES}/requests", response_class=HTMLResponse, include_in_schema=False)
def page_board(
    request: Request,
    who: Viewer,
    session: SessionDep,
    paging: Paging,
    disposition: DispositionQ = None,
    group: Group = "",
) -> Response:
    found = view.board(session, who.workspace, disposition=disposition, group=group, page=paging)
    return page(
        request, "requests.html", found=found, disposition=disposition, group=group, dispositions=list(Disposition)
    )
