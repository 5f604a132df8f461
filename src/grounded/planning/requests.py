"""Stakeholder requests: record the ask, the accounts and money behind it, the problem it
expresses, and what became of it, with an honest explanation for every no and not-yet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.account import service as accounts
from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import InvalidInput
from grounded.models import Bet, Evidence, Request, RequestAccount, Workspace
from grounded.models.enums import Disposition, LinkRole
from grounded.planning.schemas import AccountStake, RequestCreate, RequestTriage, RequestUpdate
from grounded.planning.states import REQUEST
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate

#: What each disposition must say or point at.
_NEEDS_EXPLANATION = frozenset({Disposition.NOT_YET, Disposition.DECLINED})


def create(session: Session, workspace: Workspace, *, data: RequestCreate, actor: Actor) -> Request:
    values = data.model_dump(exclude={"group", "accounts", "problem", "evidence"})
    values["stakeholder_group_id"] = accounts.get_group(session, workspace, data.group).id if data.group else None
    values["evidence_id"] = (
        crud.get(session, Evidence, workspace=workspace, ref=data.evidence).id if data.evidence else None
    )
    resolved = _resolve_stakes(session, workspace, data.accounts)
    if values["deal_value"] is None and any(value is not None for value in resolved.values()):
        values["deal_value"] = sum(value or 0 for value in resolved.values())
    request = crud.add(session, Request(workspace_id=workspace.id, **values), actor=actor)
    _store_stakes(session, request, resolved)
    if data.problem:
        problem = problems.get(session, workspace, data.problem)
        links.link(
            session, workspace, problem, actor=actor, data=ProblemLinkCreate(target=request.key, role=LinkRole.SYMPTOM)
        )
    return request


Stakes = dict[uuid.UUID, int | None]


def _resolve_stakes(session: Session, workspace: Workspace, stakes: Sequence[AccountStake]) -> Stakes:
    """Account id → deal value at stake, refusing an account listed twice."""
    resolved: Stakes = {}
    for stake in stakes:
        account = accounts.get_account(session, workspace, stake.account)
        if account.id in resolved:
            raise InvalidInput(f"account {stake.account} is listed twice", field="accounts")
        resolved[account.id] = stake.deal_value
    return resolved


def _store_stakes(session: Session, request: Request, stakes: dict[uuid.UUID, int | None]) -> None:
    session.execute(sa.delete(RequestAccount).where(RequestAccount.request_id == request.id))
    session.add_all(
        RequestAccount(
            workspace_id=request.workspace_id, request_id=request.id, account_id=account_id, deal_value=value
        )
        for account_id, value in stakes.items()
    )
    session.flush()


def _stakes_of(session: Session, request: Request) -> Stakes:
    rows = session.execute(
        sa.select(RequestAccount.account_id, RequestAccount.deal_value).where(RequestAccount.request_id == request.id)
    ).all()
    return {account: value for account, value in rows}  # noqa: C416 (rows are Row objects)


def stakes(session: Session, request: Request) -> list[dict[str, Any]]:
    return stakes_of(session, [request.id]).get(request.id, [])


def stakes_of(session: Session, request_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The accounts behind each request (by account name), in one query for all of them."""
    from grounded.models import Account

    found: dict[uuid.UUID, list[dict[str, Any]]] = {}
    rows = session.execute(
        sa.select(RequestAccount.request_id, Account, RequestAccount.deal_value)
        .join(RequestAccount, RequestAccount.account_id == Account.id)
        .where(RequestAccount.request_id.in_(list(request_ids)))
        .order_by(Account.name)
    ).all()
    for request_id, a, value in rows:
        found.setdefault(request_id, []).append(
            {"account": a.external_id, "name": a.name, "segment": a.segment, "arr": a.arr, "deal_value": value}
        )
    return found


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Request:
    return crud.get(session, Request, workspace=workspace, ref=ref)


def list_(
    session: Session,
    workspace: Workspace,
    *,
    disposition: Disposition | None = None,
    group: str | None = None,
    page: PageParams | None = None,
) -> Page[Request]:
    where = []
    if disposition is not None:
        where.append(Request.disposition == disposition)
    if group:
        where.append(Request.stakeholder_group_id == accounts.get_group(session, workspace, group).id)
    return crud.list_(session, Request, workspace=workspace, where=where, page=page)


def update(session: Session, workspace: Workspace, request: Request, *, data: RequestUpdate, actor: Actor) -> Request:
    changes = data.model_dump(exclude_unset=True, exclude={"group", "accounts"})
    if "group" in data.model_fields_set:
        changes["stakeholder_group_id"] = accounts.get_group(session, workspace, data.group).id if data.group else None
    if data.accounts is not None:
        _store_stakes(session, request, _resolve_stakes(session, workspace, data.accounts))
    crud.update(session, request, actor=actor, changes=changes)
    return request


def triage(session: Session, workspace: Workspace, request: Request, *, data: RequestTriage, actor: Actor) -> Request:
    """Give a request its disposition and the explanation its requester will read."""
    REQUEST.check(request.disposition, data.disposition, label=f"request {request.key}")
    _check_triage(data)
    extra: dict[str, Any] = {
        "explanation": data.explanation.strip() or request.explanation,
        "reevaluate_on": data.reevaluate_on,
    }
    if data.disposition == Disposition.SCHEDULED:
        extra["bet_id"] = crud.get(session, Bet, workspace=workspace, ref=data.bet or "").id
    target = None
    if data.disposition == Disposition.MERGED:
        target = _merge_target(session, workspace, request, data.merged_into or "")
        extra["merged_into_id"] = target.id
    crud.transition(
        session, request, machine=REQUEST, target=data.disposition, actor=actor, field="disposition", extra=extra
    )
    if target is not None:
        _carry_stakes(session, request, target, actor=actor)
    return request


def _check_triage(data: RequestTriage) -> None:
    if data.disposition in _NEEDS_EXPLANATION and not data.explanation.strip():
        raise InvalidInput(
            f"a '{data.disposition.value}' needs an explanation the requester can read", field="explanation"
        )
    if data.disposition == Disposition.NOT_YET and data.reevaluate_on is None:
        raise InvalidInput("say when it will be looked at again", field="reevaluate_on")
    if data.disposition == Disposition.SCHEDULED and not data.bet:
        raise InvalidInput("name the bet it is scheduled in", field="bet")
    if data.disposition == Disposition.MERGED and not data.merged_into:
        raise InvalidInput("name the request it duplicates", field="merged_into")


def _merge_target(session: Session, workspace: Workspace, request: Request, ref: str) -> Request:
    target = get(session, workspace, ref)
    while target.merged_into_id is not None:  # merge into the surviving request
        target = get(session, workspace, target.merged_into_id)
    if target.id == request.id:
        raise InvalidInput(f"{request.key} cannot be merged into itself", field="merged_into")
    return target


def _carry_stakes(session: Session, duplicate: Request, target: Request, *, actor: Actor) -> None:
    """The survivor keeps every requester account and all the money at stake: per account
    the larger stake (the same deal is not counted twice), plus whatever value each request
    carried that no account stake explains."""
    mine, theirs = _stakes_of(session, target), _stakes_of(session, duplicate)
    merged = dict(mine)
    for account_id, value in theirs.items():
        current = merged.get(account_id)
        merged[account_id] = value if current is None else max(current, value or 0)
    total = sum(v or 0 for v in merged.values()) + _unattributed(target, mine) + _unattributed(duplicate, theirs)
    _store_stakes(session, target, merged)
    crud.update(session, target, actor=actor, changes={"deal_value": total or target.deal_value}, action="merge")


def _unattributed(request: Request, stakes: Stakes) -> int:
    return max(0, (request.deal_value or 0) - sum(v or 0 for v in stakes.values()))
