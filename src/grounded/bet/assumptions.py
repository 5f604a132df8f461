"""Assumptions behind bets and decisions, riskiest first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.bet.schemas import AssumptionCreate, AssumptionUpdate
from grounded.bet.states import ASSUMPTION
from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.decision.states import EDITABLE
from grounded.errors import ImmutableRecord
from grounded.models import Assumption, Bet, Decision, Workspace
from grounded.models.enums import AssumptionStatus, AssumptionType

#: importance × (4 - evidence level): important and unevidenced sorts first.
RISK = Assumption.importance * (4 - Assumption.evidence_level)


def create(session: Session, workspace: Workspace, *, data: AssumptionCreate, actor: Actor) -> Assumption:
    decision = crud.get(session, Decision, workspace=workspace, ref=data.decision) if data.decision else None
    if decision is not None and decision.status not in EDITABLE:
        raise ImmutableRecord(
            f"decision {decision.key} is {decision.status.value}; its assumptions are part of what was decided. "
            f"Record new ones on an amendment: grounded decision amend {decision.key}"
        )
    owners: dict[str, Any] = {
        "bet_id": crud.get(session, Bet, workspace=workspace, ref=data.bet).id if data.bet else None,
        "decision_id": decision.id if decision else None,
    }
    values = data.model_dump(exclude={"bet", "decision"})
    return crud.add(session, Assumption(workspace_id=workspace.id, **values, **owners), actor=actor)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Assumption:
    return crud.get(session, Assumption, workspace=workspace, ref=ref)


def list_(
    session: Session,
    workspace: Workspace,
    *,
    bet: str | None = None,
    decision: str | None = None,
    status: AssumptionStatus | None = None,
    type_: AssumptionType | None = None,
    page: PageParams | None = None,
) -> Page[Assumption]:
    """Assumptions, the riskiest first."""
    where = []
    if bet:
        where.append(Assumption.bet_id == crud.get(session, Bet, workspace=workspace, ref=bet).id)
    if decision:
        where.append(Assumption.decision_id == crud.get(session, Decision, workspace=workspace, ref=decision).id)
    if status is not None:
        where.append(Assumption.status == status)
    if type_ is not None:
        where.append(Assumption.type == type_)
    return crud.list_(
        session, Assumption, workspace=workspace, where=where, order_by=(RISK.desc(), Assumption.number), page=page
    )


def riskiest(session: Session, workspace: Workspace, bet: Bet) -> Assumption | None:
    """The open or testing assumption whose failure would hurt most and is least evidenced."""
    return riskiest_of(list_(session, workspace, bet=bet.key, page=PageParams(limit=1000)).items)


def riskiest_of(ranked: Sequence[Assumption]) -> Assumption | None:
    """The first unresolved one of assumptions ranked riskiest first."""
    unresolved = [a for a in ranked if a.status in (AssumptionStatus.OPEN, AssumptionStatus.TESTING)]
    return unresolved[0] if unresolved else None


def of_bet(session: Session, bet: Bet) -> list[Assumption]:
    """Every assumption behind ``bet``, riskiest first (the order of :func:`list_`)."""
    query = sa.select(Assumption).where(Assumption.workspace_id == bet.workspace_id, Assumption.bet_id == bet.id)
    return list(session.scalars(query.order_by(RISK.desc(), Assumption.number)))


def update(session: Session, assumption: Assumption, *, data: AssumptionUpdate, actor: Actor) -> Assumption:
    crud.update(session, assumption, actor=actor, changes=data.model_dump(exclude_unset=True))
    return assumption


def transition(session: Session, assumption: Assumption, *, target: AssumptionStatus, actor: Actor) -> Assumption:
    return crud.transition(session, assumption, machine=ASSUMPTION, target=target, actor=actor)
