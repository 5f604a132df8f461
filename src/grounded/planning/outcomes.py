"""Outcomes: measurable goals for a period, tied to catalogue metrics."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.metrics import catalogue
from grounded.models import Outcome, Workspace
from grounded.models.enums import OutcomeStatus
from grounded.planning.schemas import OutcomeCreate, OutcomeUpdate
from grounded.planning.states import OUTCOME


def create(session: Session, workspace: Workspace, *, data: OutcomeCreate, actor: Actor) -> Outcome:
    metric_id = catalogue.get(session, workspace, data.metric).id if data.metric else None
    outcome = Outcome(workspace_id=workspace.id, metric_id=metric_id, **data.model_dump(exclude={"metric"}))
    return crud.add(session, outcome, actor=actor)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Outcome:
    return crud.get(session, Outcome, workspace=workspace, ref=ref)


def list_(
    session: Session, workspace: Workspace, *, period: str | None = None, page: PageParams | None = None
) -> Page[Outcome]:
    where = [Outcome.period == period] if period else []
    return crud.list_(session, Outcome, workspace=workspace, where=where, page=page)


def update(session: Session, workspace: Workspace, outcome: Outcome, *, data: OutcomeUpdate, actor: Actor) -> Outcome:
    changes = data.model_dump(exclude_unset=True, exclude={"metric"})
    if "metric" in data.model_fields_set:
        changes["metric_id"] = catalogue.get(session, workspace, data.metric).id if data.metric else None
    crud.update(session, outcome, actor=actor, changes=changes)
    return outcome


def transition(session: Session, outcome: Outcome, *, target: OutcomeStatus, actor: Actor) -> Outcome:
    return crud.transition(session, outcome, machine=OUTCOME, target=target, actor=actor)
