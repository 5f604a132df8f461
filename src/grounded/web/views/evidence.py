"""The evidence library: search and filters, one item with its links, bulk linking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.pagination import PageParams
from grounded.core.validation import Schema
from grounded.errors import Conflict, InvalidInput
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceDetail, EvidenceFilter, EvidenceRead
from grounded.models import Account, Evidence, Workspace
from grounded.models.enums import LinkRole
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate
from grounded.search import service as search
from grounded.web.schemas import PageOut

#: Full-text hits considered when a search is combined with filters.
SEARCH_WINDOW = 1000


class EvidenceItem(EvidenceRead):
    account_name: str | None = None
    snippet: str | None = None


def library(
    session: Session, workspace: Workspace, *, filters: EvidenceFilter, q: str = "", page: PageParams
) -> PageOut[EvidenceItem]:
    if q.strip():
        return _searched(session, workspace, filters=filters, q=q, page=page)
    found = evidence.list_(session, workspace, filters=filters, page=page)
    return PageOut.of(found, _items(session, found.items))


def _searched(
    session: Session, workspace: Workspace, *, filters: EvidenceFilter, q: str, page: PageParams
) -> PageOut[EvidenceItem]:
    """Ranked full-text hits, narrowed by the filters when any are set."""
    if filters == EvidenceFilter():
        result = search.search(session, workspace, text=q, types=["evidence"], page=page)
        ids = [hit.id for hit in result.hits]
        snippets = {hit.id: hit.snippet for hit in result.hits}
        return _page_of(session, ids, snippets, total=result.total, page=page)
    window = search.search(session, workspace, text=q, types=["evidence"], page=PageParams(limit=SEARCH_WINDOW))
    allowed = _filtered_ids(session, workspace, filters, [hit.id for hit in window.hits])
    ranked = [hit for hit in window.hits if hit.id in allowed]
    chosen = ranked[page.offset : page.offset + page.limit]
    snippets = {hit.id: hit.snippet for hit in chosen}
    return _page_of(session, [hit.id for hit in chosen], snippets, total=len(ranked), page=page)


def _filtered_ids(session: Session, workspace: Workspace, filters: EvidenceFilter, ids: list[Any]) -> set[Any]:
    conditions = evidence.conditions(session, workspace, filters)
    rows = session.scalars(sa.select(Evidence.id).where(Evidence.id.in_(ids), *conditions)).all()
    return set(rows)


def _page_of(
    session: Session, ids: list[Any], snippets: dict[Any, str], *, total: int, page: PageParams
) -> PageOut[EvidenceItem]:
    rows = {row.id: row for row in session.scalars(sa.select(Evidence).where(Evidence.id.in_(ids)))}
    ordered = [rows[i] for i in ids if i in rows]
    items = _items(session, ordered)
    for item in items:
        item.snippet = snippets.get(item.id)
    return PageOut(items=items, total=total, limit=page.limit, offset=page.offset)


def _items(session: Session, rows: Sequence[Evidence]) -> list[EvidenceItem]:
    account_ids = {row.account_id for row in rows if row.account_id}
    found = session.execute(sa.select(Account.id, Account.name).where(Account.id.in_(account_ids))).all()
    names = {row[0]: row[1] for row in found}
    return [
        EvidenceItem.model_validate(row).model_copy(
            update={"account_name": names.get(row.account_id) if row.account_id else None}
        )
        for row in rows
    ]


def detail(session: Session, workspace: Workspace, key: str) -> EvidenceDetail:
    item = evidence.get(session, workspace, key)
    return evidence.details(session, workspace, item)


class BulkLink(Schema):
    problem: str = Field(min_length=1, max_length=40)
    evidence: list[Annotated[str, Field(max_length=40)]] = Field(max_length=1000)
    role: LinkRole = LinkRole.SUPPORTS
    note: str = Field(default="", max_length=2000)


class BulkLinked(BaseModel):
    problem: str
    linked: list[str]
    already: list[str]


def bulk_link(session: Session, workspace: Workspace, *, data: BulkLink, actor: Actor) -> BulkLinked:
    """Link many items to one problem at once. Items already linked are left as they are
    and named; an unknown item refuses the whole batch."""
    if not data.evidence:
        raise InvalidInput("choose at least one item to link", field="evidence")
    problem = problems.get(session, workspace, data.problem)
    linked, already = [], []
    for ref in dict.fromkeys(r.strip().upper() for r in data.evidence):
        item = evidence.get(session, workspace, ref)
        try:
            links.link(
                session,
                workspace,
                problem,
                data=ProblemLinkCreate(target=item.key, role=data.role, note=data.note),
                actor=actor,
            )
        except Conflict:
            already.append(item.key)
        else:
            linked.append(item.key)
    return BulkLinked(problem=problem.key, linked=linked, already=already)
