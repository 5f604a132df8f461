"""Increments: what we learn next and what we ship next, per bet."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.models import Bet, Increment, Plan, Workspace
from grounded.models.enums import IncrementStatus
from grounded.planning.schemas import IncrementCreate, IncrementUpdate
from grounded.planning.states import INCREMENT


def create(session: Session, workspace: Workspace, *, data: IncrementCreate, actor: Actor) -> Increment:
    bet = crud.get(session, Bet, workspace=workspace, ref=data.bet)
    plan_id = crud.get(session, Plan, workspace=workspace, ref=data.plan).id if data.plan else None
    values = data.model_dump(exclude={"bet", "plan"})
    return crud.add(
        session, Increment(workspace_id=workspace.id, bet_id=bet.id, plan_id=plan_id, **values), actor=actor
    )


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Increment:
    return crud.get(session, Increment, workspace=workspace, ref=ref)


def list_(
    session: Session, workspace: Workspace, *, bet: str | None = None, page: PageParams | None = None
) -> Page[Increment]:
    where = []
    if bet:
        where.append(Increment.bet_id == crud.get(session, Bet, workspace=workspace, ref=bet).id)
    return crud.list_(session, Increment, workspace=workspace, where=where, page=page)


def update(session: Session, increment: Increment, *, data: IncrementUpdate, actor: Actor) -> Increment:
    crud.update(session, increment, actor=actor, changes=data.model_dump(exclude_unset=True))
    return increment


def transition(session: Session, increment: Increment, *, target: IncrementStatus, actor: Actor) -> Increment:
    return crud.transition(session, increment, machine=INCREMENT, target=target, actor=actor)
