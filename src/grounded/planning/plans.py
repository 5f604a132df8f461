"""Scoring models (versioned) and plans (immutable snapshots of a prioritisation)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import NotFound
from grounded.models import Plan, ScoringModel, Workspace
from grounded.planning.schemas import PlanCreate, ScoringModelCreate


def save_scoring_model(
    session: Session, workspace: Workspace, *, data: ScoringModelCreate, actor: Actor
) -> ScoringModel:
    """Add a scoring model, or a new version of one with the same name (the old version
    stays, so plans scored with it still say how)."""
    previous = current_scoring_model(session, workspace, data.name, required=False)
    version = 1
    if previous is not None:
        version = previous.version + 1
        crud.update(session, previous, actor=actor, changes={"is_current": False})
    model = ScoringModel(workspace_id=workspace.id, version=version, **data.model_dump())
    return crud.add(session, model, actor=actor)


def current_scoring_model(
    session: Session, workspace: Workspace, name: str, *, required: bool = True
) -> ScoringModel | None:
    found = session.scalars(
        sa.select(ScoringModel).where(
            ScoringModel.workspace_id == workspace.id,
            ScoringModel.name == name,
            ScoringModel.is_current,
        )
    ).one_or_none()
    if found is None and required:
        raise NotFound("scoring model", name)
    return found


def scoring_models(session: Session, workspace: Workspace) -> Sequence[ScoringModel]:
    return session.scalars(
        sa.select(ScoringModel)
        .where(ScoringModel.workspace_id == workspace.id)
        .order_by(ScoringModel.name, ScoringModel.version)
    ).all()


def create(session: Session, workspace: Workspace, *, data: PlanCreate, actor: Actor) -> Plan:
    """Freeze a plan. There is no update: a changed plan is a new plan."""
    model_id = None
    if data.scoring_model:
        model = current_scoring_model(session, workspace, data.scoring_model)
        model_id = model.id if model else None
    plan = Plan(
        workspace_id=workspace.id,
        scoring_model_id=model_id,
        created_by_id=actor.user_id,
        **data.model_dump(exclude={"scoring_model"}),
    )
    return crud.add(session, plan, actor=actor)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Plan:
    return crud.get(session, Plan, workspace=workspace, ref=ref)


def list_(session: Session, workspace: Workspace, *, page: PageParams | None = None) -> Page[Plan]:
    return crud.list_(session, Plan, workspace=workspace, order_by=(Plan.number.desc(),), page=page)
