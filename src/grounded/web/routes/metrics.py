"""Metrics: the catalogue, a metric with its chart, definition and SQL, computing one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grounded.core.validation import Schema
from grounded.errors import InvalidInput
from grounded.metrics.schemas import MetricRead
from grounded.web.deps import Contributor, SessionDep, Viewer
from grounded.web.render import page
from grounded.web.routes.common import API, CHANGE_PROBLEMS, PAGES, READ_PROBLEMS, Paging
from grounded.web.schemas import PageOut
from grounded.web.views import metrics as view

router = APIRouter(tags=["metrics"], responses=READ_PROBLEMS)
Dialect = Annotated[str, Query(max_length=20, description="SQL dialect: " + ", ".join(view.DIALECTS))]


class Range(Schema):
    since: date | None = None
    until: date | None = None


@router.get(f"{API}/metrics", response_model=PageOut[MetricRead])
def api_list(who: Viewer, session: SessionDep, paging: Paging) -> PageOut[MetricRead]:
    return view.listing(session, who.workspace, page=paging)


@router.get(f"{PAGES}/metrics", response_class=HTMLResponse, include_in_schema=False)
def page_list(request: Request, who: Viewer, session: SessionDep, paging: Paging) -> Response:
    return page(request, "metrics.html", found=view.listing(session, who.workspace, page=paging))


@router.get(f"{API}/metrics/{{key}}", response_model=view.MetricPage)
def api_detail(key: str, who: Viewer, session: SessionDep, dialect: Dialect = "duckdb") -> view.MetricPage:
    return view.detail(session, who.workspace, key, dialect=dialect, chart=False)


@router.get(f"{PAGES}/metrics/{{key}}", response_class=HTMLResponse, include_in_schema=False)
def page_detail(request: Request, key: str, who: Viewer, session: SessionDep, dialect: Dialect = "duckdb") -> Response:
    return page(
        request,
        "metric_detail.html",
        mp=view.detail(session, who.workspace, key, dialect=dialect),
        dialects=view.DIALECTS,
    )


@router.post(f"{API}/metrics/{{key}}/compute", response_model=view.MetricRun, responses=CHANGE_PROBLEMS)
def api_compute(key: str, who: Contributor, session: SessionDep, data: Range | None = None) -> dict[str, Any]:
    data = data or Range()
    _check(data)
    return view.run(session, who.workspace, key, since=data.since, until=data.until)


@router.post(f"{PAGES}/metrics/{{key}}/compute", include_in_schema=False)
def page_compute(
    key: str,
    who: Contributor,
    session: SessionDep,
    since: Annotated[date | None, Form()] = None,
    until: Annotated[date | None, Form()] = None,
) -> Response:
    _check(Range(since=since, until=until))
    view.run(session, who.workspace, key, since=since, until=until)
    return RedirectResponse(f"/w/{who.workspace.slug}/metrics/{key}", status_code=303)


def _check(data: Range) -> None:
    if data.since and data.until and data.since >= data.until:
        raise InvalidInput("must be after since", field="until")
