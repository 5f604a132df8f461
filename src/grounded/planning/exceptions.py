"""Urgent exceptions: the mid-quarter asks, what they would displace, what was decided."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.account import service as accounts
from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import ImmutableRecord
from grounded.models import Bet, Decision, ExceptionDisplacedBet, UrgentException, Workspace
from grounded.models.enums import ExceptionStatus
from grounded.planning.schemas import ExceptionCreate, ExceptionDecide, ExceptionUpdate
from grounded.planning.states import EXCEPTION


def create(session: Session, workspace: Workspace, *, data: ExceptionCreate, actor: Actor) -> UrgentException:
    group_id = accounts.get_group(session, workspace, data.group).id if data.group else None
    displaced = [crud.get(session, Bet, workspace=workspace, ref=ref) for ref in data.displaces]
    row = UrgentException(
        workspace_id=workspace.id, stakeholder_group_id=group_id, **data.model_dump(exclude={"group", "displaces"})
    )
    crud.add(session, row, actor=actor)
    for bet in {bet.id: bet for bet in displaced}.values():
        session.add(ExceptionDisplacedBet(workspace_id=workspace.id, exception_id=row.id, bet_id=bet.id))
    session.flush()
    return row


def displaced(session: Session, row: UrgentException) -> Sequence[Bet]:
    return session.scalars(
        sa.select(Bet)
        .join(ExceptionDisplacedBet, ExceptionDisplacedBet.bet_id == Bet.id)
        .where(ExceptionDisplacedBet.exception_id == row.id)
        .order_by(Bet.number)
    ).all()


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> UrgentException:
    return crud.get(session, UrgentException, workspace=workspace, ref=ref)


def list_(
    session: Session,
    workspace: Workspace,
    *,
    status: ExceptionStatus | None = None,
    page: PageParams | None = None,
) -> Page[UrgentException]:
    where = [UrgentException.status == status] if status is not None else []
    return crud.list_(session, UrgentException, workspace=workspace, where=where, page=page)


def update(session: Session, row: UrgentException, *, data: ExceptionUpdate, actor: Actor) -> UrgentException:
    """Edit an exception while it waits for a decision; afterwards it is the record of one."""
    if row.status != ExceptionStatus.PENDING:
        raise ImmutableRecord(f"exception {row.key} was {row.status.value}; it is the record of that decision")
    crud.update(session, row, actor=actor, changes=data.model_dump(exclude_unset=True))
    return row


def decide(
    session: Session, workspace: Workspace, row: UrgentException, *, data: ExceptionDecide, actor: Actor
) -> UrgentException:
    decision_id = crud.get(session, Decision, workspace=workspace, ref=data.decision).id if data.decision else None
    target = ExceptionStatus.ACCEPTED if data.accept else ExceptionStatus.DECLINED
    return crud.transition(
        session,
        row,
        machine=EXCEPTION,
        target=target,
        actor=actor,
        extra={
            "resolution": data.resolution,
            "decision_id": decision_id,
            "decided_at": datetime.now(UTC),
        },
    )
