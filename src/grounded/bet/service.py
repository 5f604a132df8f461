"""Bets: create, find, list, update, move through their lifecycle; option sets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.bet.schemas import BetCreate, BetUpdate, OptionSetCreate, OptionSetUpdate
from grounded.bet.states import BET, BET_NEEDS_REASON
from grounded.core import audit, crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import InvalidInput
from grounded.metrics import catalogue
from grounded.models import Bet, BetProblem, OptionSet, Outcome, Problem, Workspace
from grounded.models.enums import BetStatus
from grounded.problem import service as problems

_DOCUMENTS = ("user_value", "viability", "feasibility")
_REFS = {"outcome", "option_set", "metric", "problems"}


def create(session: Session, workspace: Workspace, *, data: BetCreate, actor: Actor) -> Bet:
    values: dict[str, Any] = data.model_dump(exclude=_REFS | set(_DOCUMENTS), exclude_none=True)
    for name in _DOCUMENTS:
        document = getattr(data, name)
        values[name] = document.model_dump(exclude_defaults=True) if document else {}
    bet = Bet(workspace_id=workspace.id, **values, **_refs(session, workspace, data))
    crud.add(session, bet, actor=actor)
    if data.problems:
        _set_problems(session, workspace, bet, data.problems, actor=actor)
    return bet


def _refs(session: Session, workspace: Workspace, data: BetCreate | BetUpdate) -> dict[str, Any]:
    fields = data.model_fields_set
    refs: dict[str, Any] = {}
    if "outcome" in fields:
        refs["outcome_id"] = (
            crud.get(session, Outcome, workspace=workspace, ref=data.outcome).id if data.outcome else None
        )
    if "option_set" in fields:
        refs["option_set_id"] = get_option_set(session, workspace, data.option_set).id if data.option_set else None
    if "metric" in fields:
        refs["metric_id"] = catalogue.get(session, workspace, data.metric).id if data.metric else None
    return refs


def _set_problems(session: Session, workspace: Workspace, bet: Bet, refs: Sequence[str], *, actor: Actor) -> None:
    wanted = {problems.get(session, workspace, ref).id: ref for ref in refs}
    current = set(problem_ids(session, bet))
    for problem_id in current - wanted.keys():
        session.execute(sa.delete(BetProblem).where(BetProblem.bet_id == bet.id, BetProblem.problem_id == problem_id))
    for problem_id in wanted.keys() - current:
        session.add(BetProblem(workspace_id=workspace.id, bet_id=bet.id, problem_id=problem_id))
    if wanted.keys() != current:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="update",
            entity=bet,
            before={"problems": sorted(str(p) for p in current)},
            after={"problems": sorted(str(p) for p in wanted)},
        )


def problem_ids(session: Session, bet: Bet) -> Sequence[uuid.UUID]:
    return session.scalars(sa.select(BetProblem.problem_id).where(BetProblem.bet_id == bet.id)).all()


def problems_of(session: Session, bet: Bet) -> Sequence[Problem]:
    return session.scalars(
        sa.select(Problem)
        .join(BetProblem, BetProblem.problem_id == Problem.id)
        .where(BetProblem.bet_id == bet.id)
        .order_by(Problem.number)
    ).all()


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Bet:
    return crud.get(session, Bet, workspace=workspace, ref=ref)


def list_(
    session: Session,
    workspace: Workspace,
    *,
    status: BetStatus | None = None,
    team: str | None = None,
    problem: str | None = None,
    option_set: str | None = None,
    page: PageParams | None = None,
) -> Page[Bet]:
    where = []
    if status is not None:
        where.append(Bet.status == status)
    if team:
        where.append(Bet.team == team)
    if problem:
        problem_id = problems.get(session, workspace, problem).id
        where.append(Bet.id.in_(sa.select(BetProblem.bet_id).where(BetProblem.problem_id == problem_id)))
    if option_set:
        where.append(Bet.option_set_id == get_option_set(session, workspace, option_set).id)
    return crud.list_(session, Bet, workspace=workspace, where=where, page=page)


def update(session: Session, workspace: Workspace, bet: Bet, *, data: BetUpdate, actor: Actor) -> Bet:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude=_REFS | set(_DOCUMENTS))
    for name in _DOCUMENTS:
        if name in data.model_fields_set:
            document = getattr(data, name)
            changes[name] = document.model_dump(exclude_defaults=True) if document else {}
    changes.update(_refs(session, workspace, data))
    _check_effort(bet, changes)
    crud.update(session, bet, actor=actor, changes=changes)
    if data.problems is not None:
        _set_problems(session, workspace, bet, data.problems, actor=actor)
    return bet


def _check_effort(bet: Bet, changes: dict[str, Any]) -> None:
    low = changes.get("effort_low_weeks", bet.effort_low_weeks)
    high = changes.get("effort_high_weeks", bet.effort_high_weeks)
    if low is not None and high is not None and low > high:
        raise InvalidInput(f"effort range is backwards: low {low} > high {high} weeks", field="effort_low_weeks")


def transition(session: Session, bet: Bet, *, target: BetStatus, actor: Actor, reason: str = "") -> Bet:
    """Move a bet on. Saying not-yet or dropping it needs the reason, said plainly."""
    if target in BET_NEEDS_REASON and not reason.strip():
        raise InvalidInput(f"say why the bet is {target.value.replace('_', ' ')}", field="reason")
    return crud.transition(
        session, bet, machine=BET, target=target, actor=actor, extra={"status_reason": reason.strip()}
    )


def alternatives(session: Session, bet: Bet) -> Sequence[Bet]:
    """The other bets in the same option set (the hack beside the pipeline)."""
    if bet.option_set_id is None:
        return []
    return session.scalars(
        sa.select(Bet).where(Bet.option_set_id == bet.option_set_id, Bet.id != bet.id).order_by(Bet.number)
    ).all()


def create_option_set(session: Session, workspace: Workspace, *, data: OptionSetCreate, actor: Actor) -> OptionSet:
    return crud.add(session, OptionSet(workspace_id=workspace.id, **data.model_dump()), actor=actor)


def get_option_set(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> OptionSet:
    return crud.get(session, OptionSet, workspace=workspace, ref=ref)


def update_option_set(session: Session, option_set: OptionSet, *, data: OptionSetUpdate, actor: Actor) -> OptionSet:
    crud.update(session, option_set, actor=actor, changes=data.model_dump(exclude_unset=True))
    return option_set


def list_option_sets(session: Session, workspace: Workspace, *, page: PageParams | None = None) -> Page[OptionSet]:
    return crud.list_(session, OptionSet, workspace=workspace, page=page)
