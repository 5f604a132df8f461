"""Bets: the list and a bet card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from grounded.models.enums import BetStatus
from grounded.web.deps import SessionDep, Viewer
from grounded.web.render import page
from grounded.web.routes.common import API, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.views import bets as view

router = APIRouter(tags=["bets"], responses=READ_PROBLEMS)
Status = Annotated[BetStatus | None, Query(description="Only bets in this state.")]
Team = Annotated[str, Query(max_length=100, description="Only this team's bets.")]


@router.get(f"{API}/bets", response_model=PageOut[view.BetRow])
def api_list(
    who: Viewer, session: SessionDep, paging: Paging, status: Status = None, team: Team = ""
) -> PageOut[view.BetRow]:
    return view.listing(session, who.workspace, status=status, team=team, page=paging)


@router.get(f"{PAGES}/bets", response_class=HTMLResponse, include_in_schema=False)
def page_list(
    request: Request, who: Viewer, session: SessionDep, paging: Paging, status: Status = None, team: Team = ""
) -> Response:
    found = view.listing(session, who.workspace, status=status, team=team, page=paging)
    return page(request, "bets.html", found=found, status=status, team=team, statuses=list(BetStatus))


@router.get(f"{API}/bets/{{key}}", response_model=view.BetCard)
def api_card(key: str, who: Viewer, session: SessionDep) -> view.BetCard:
    return view.card(session, who.workspace, key)


@router.get(f"{PAGES}/bets/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_card(request: Request, key: str, who: Viewer, session: SessionDep) -> Response:
    return page(request, "bet_card.html", c=view.card(session, who.workspace, key))
