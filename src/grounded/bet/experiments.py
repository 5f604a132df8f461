"""Experiments: test cards that buy information, and the learning cards they produce."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.bet import assumptions
from grounded.bet.schemas import ExperimentComplete, ExperimentCreate, ExperimentUpdate
from grounded.bet.states import ASSUMPTION, EXPERIMENT
from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import ImmutableRecord
from grounded.models import Experiment, Workspace
from grounded.models.enums import AssumptionStatus, ExperimentResult, ExperimentStatus

#: What a conclusive result does to the assumption it tested.
_VERDICT = {
    ExperimentResult.SUPPORTED: AssumptionStatus.SUPPORTED,
    ExperimentResult.REFUTED: AssumptionStatus.REFUTED,
}


def create(session: Session, workspace: Workspace, *, data: ExperimentCreate, actor: Actor) -> Experiment:
    assumption = assumptions.get(session, workspace, data.assumption)
    values = data.model_dump(exclude={"assumption"})
    return crud.add(session, Experiment(workspace_id=workspace.id, assumption_id=assumption.id, **values), actor=actor)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Experiment:
    return crud.get(session, Experiment, workspace=workspace, ref=ref)


def list_(
    session: Session, workspace: Workspace, *, assumption: str | None = None, page: PageParams | None = None
) -> Page[Experiment]:
    where = []
    if assumption:
        where.append(Experiment.assumption_id == assumptions.get(session, workspace, assumption).id)
    return crud.list_(session, Experiment, workspace=workspace, where=where, page=page)


def of_assumptions(session: Session, assumption_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Experiment]]:
    """The experiments testing each assumption, by number, in one query."""
    found: dict[uuid.UUID, list[Experiment]] = {a: [] for a in assumption_ids}
    for start in range(0, len(assumption_ids), 500):
        chunk = list(assumption_ids[start : start + 500])
        query = sa.select(Experiment).where(Experiment.assumption_id.in_(chunk)).order_by(Experiment.number)
        for experiment in session.scalars(query):
            found[experiment.assumption_id].append(experiment)
    return found


def update(session: Session, experiment: Experiment, *, data: ExperimentUpdate, actor: Actor) -> Experiment:
    if experiment.status in (ExperimentStatus.COMPLETED, ExperimentStatus.ABANDONED):
        raise ImmutableRecord(f"experiment {experiment.key} is {experiment.status.value}; its card is final")
    crud.update(session, experiment, actor=actor, changes=data.model_dump(exclude_unset=True))
    return experiment


def start(session: Session, workspace: Workspace, experiment: Experiment, *, actor: Actor) -> Experiment:
    """Run it; an open assumption it tests moves to testing."""
    crud.transition(
        session,
        experiment,
        machine=EXPERIMENT,
        target=ExperimentStatus.RUNNING,
        actor=actor,
        extra={"started_at": datetime.now(UTC)},
    )
    assumption = assumptions.get(session, workspace, experiment.assumption_id)
    if assumption.status == AssumptionStatus.OPEN:
        assumptions.transition(session, assumption, target=AssumptionStatus.TESTING, actor=actor)
    return experiment


def complete(
    session: Session, workspace: Workspace, experiment: Experiment, *, data: ExperimentComplete, actor: Actor
) -> Experiment:
    """Record the learning card; a conclusive result settles the assumption it tested."""
    crud.transition(
        session,
        experiment,
        machine=EXPERIMENT,
        target=ExperimentStatus.COMPLETED,
        actor=actor,
        extra={**data.model_dump(), "finished_at": datetime.now(UTC)},
    )
    verdict = _VERDICT.get(data.result)
    assumption = assumptions.get(session, workspace, experiment.assumption_id)
    if verdict is not None and verdict in ASSUMPTION.allowed(assumption.status):
        assumptions.transition(session, assumption, target=verdict, actor=actor)
    return experiment


def abandon(session: Session, experiment: Experiment, *, actor: Actor) -> Experiment:
    return crud.transition(
        session,
        experiment,
        machine=EXPERIMENT,
        target=ExperimentStatus.ABANDONED,
        actor=actor,
        extra={"finished_at": datetime.now(UTC)},
    )
