"""Requests: asks from stakeholder groups by group and disposition, and what happened to each."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.pagination import PageParams
from grounded.models import Problem, ProblemLink, Request, StakeholderGroup, Workspace
from grounded.models.enums import Disposition, LinkStatus
from grounded.planning import requests
from grounded.planning.schemas import RequestRead
from grounded.web.schemas import PageOut


class RequestRow(RequestRead):
    group: str | None
    problems: list[str]
    accounts: list[dict[str, Any]]


class RequestBoard(PageOut[RequestRow]):
    by_group: dict[str, dict[str, int]]


def board(
    session: Session, workspace: Workspace, *, disposition: Disposition | None, group: str | None, page: PageParams
) -> RequestBoard:
    found = requests.list_(session, workspace, disposition=disposition, group=group or None, page=page)
    found_groups = session.execute(
        sa.select(StakeholderGroup.id, StakeholderGroup.slug).where(StakeholderGroup.workspace_id == workspace.id)
    ).all()
    groups = {row[0]: row[1] for row in found_groups}
    ids = [r.id for r in found.items]
    linked = _linked(session, ids)
    stakes = requests.stakes_of(session, ids)
    rows = [_row(r, groups, linked.get(r.id, []), stakes.get(r.id, [])) for r in found.items]
    return RequestBoard(
        items=rows,
        total=found.total,
        limit=found.limit,
        offset=found.offset,
        by_group=_counts(session, workspace, groups),
    )


def _linked(session: Session, request_ids: list[Any]) -> dict[Any, list[str]]:
    """The problems each request is accepted as evidence for, in one query for the page."""
    found: dict[Any, list[str]] = {}
    for request_id, number in session.execute(
        sa.select(ProblemLink.request_id, Problem.number)
        .join(ProblemLink, ProblemLink.problem_id == Problem.id)
        .where(ProblemLink.request_id.in_(request_ids), ProblemLink.status == LinkStatus.ACCEPTED)
        .order_by(Problem.number)
    ):
        found.setdefault(request_id, []).append(f"P-{number}")
    return found


def _row(request: Request, groups: dict[Any, str], linked: list[str], stakes: list[dict[str, Any]]) -> RequestRow:
    return RequestRow(
        **RequestRead.model_validate(request).model_dump(),
        group=groups.get(request.stakeholder_group_id),
        problems=linked,
        accounts=stakes,
    )


def _counts(session: Session, workspace: Workspace, groups: dict[Any, str]) -> dict[str, dict[str, int]]:
    rows = session.execute(
        sa.select(Request.stakeholder_group_id, Request.disposition, sa.func.count())
        .where(Request.workspace_id == workspace.id)
        .group_by(Request.stakeholder_group_id, Request.disposition)
    ).all()
    table: dict[str, dict[str, int]] = {}
    for group_id, disposition, count in rows:
        cell = table.setdefault(groups.get(group_id, "none"), {d.value: 0 for d in Disposition})
        cell[disposition.value] = int(count)
    return dict(sorted(table.items()))
