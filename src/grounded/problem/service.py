"""Problems: statements with an append-only revision history, and a lifecycle."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import InvalidInput
from grounded.models import Problem, ProblemRevision, Workspace
from grounded.models.enums import ProblemStatus
from grounded.problem.schemas import STATEMENT_FIELDS, ProblemCreate, ProblemUpdate
from grounded.problem.states import PROBLEM
from grounded.workspace import users


def statement(problem: Problem) -> str:
    """The problem as one readable paragraph, from whichever parts are filled in."""
    parts = []
    if problem.who and problem.struggle:
        parts.append(f"{_capital(problem.who)} struggle to {problem.struggle.rstrip('.')}.")
    elif problem.struggle:
        parts.append(f"{_capital(problem.struggle.rstrip('.'))}.")
    if problem.why_it_matters:
        parts.append(f"This matters because {problem.why_it_matters.rstrip('.')}.")
    if problem.current_workaround:
        parts.append(f"Today they {problem.current_workaround.rstrip('.')}.")
    return " ".join(parts) or problem.title


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def create(session: Session, workspace: Workspace, *, data: ProblemCreate, actor: Actor) -> Problem:
    values = data.model_dump(exclude={"owner", "parent"})
    problem = Problem(workspace_id=workspace.id, **values, **_refs(session, workspace, data, None))
    crud.add(session, problem, actor=actor)
    _snapshot(session, problem, actor=actor, note="created")
    return problem


def _refs(
    session: Session, workspace: Workspace, data: ProblemCreate | ProblemUpdate, problem: Problem | None
) -> dict[str, Any]:
    refs: dict[str, Any] = {}
    fields = data.model_fields_set
    if "owner" in fields:
        refs["owner_id"] = users.get(session, data.owner).id if data.owner else None
    if "parent" in fields:
        refs["parent_id"] = _parent_id(session, workspace, data.parent, problem)
    return refs


def _parent_id(session: Session, workspace: Workspace, ref: str | None, child: Problem | None) -> uuid.UUID | None:
    """The root-cause problem for ``child``, refusing a cycle."""
    if not ref:
        return None
    parent = get(session, workspace, ref)
    ancestor: Problem | None = parent
    while ancestor is not None:
        if child is not None and ancestor.id == child.id:
            raise InvalidInput(f"{parent.key} is {child.key} or sits under it; that would make a cycle", field="parent")
        ancestor = session.get(Problem, ancestor.parent_id) if ancestor.parent_id else None
    return parent.id


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Problem:
    return crud.get(session, Problem, workspace=workspace, ref=ref)


def list_(
    session: Session,
    workspace: Workspace,
    *,
    status: ProblemStatus | None = None,
    parent: str | None = None,
    page: PageParams | None = None,
) -> Page[Problem]:
    where = []
    if status is not None:
        where.append(Problem.status == status)
    if parent:
        where.append(Problem.parent_id == get(session, workspace, parent).id)
    return crud.list_(session, Problem, workspace=workspace, where=where, page=page)


def update(session: Session, workspace: Workspace, problem: Problem, *, data: ProblemUpdate, actor: Actor) -> Problem:
    """Change the statement (a new revision is kept) or the owner / root cause."""
    changes = data.model_dump(exclude_unset=True, exclude={"owner", "parent", "note"})
    changes.update(_refs(session, workspace, data, problem))
    changed = crud.update(session, problem, actor=actor, changes=changes)
    if set(changed) & set(STATEMENT_FIELDS):
        problem.revision += 1
        _snapshot(session, problem, actor=actor, note=data.note)
    return problem


def _snapshot(session: Session, problem: Problem, *, actor: Actor, note: str) -> None:
    snapshot = {field: getattr(problem, field) for field in STATEMENT_FIELDS}
    session.add(
        ProblemRevision(
            workspace_id=problem.workspace_id,
            problem_id=problem.id,
            revision=problem.revision,
            snapshot=snapshot,
            note=note,
            changed_by_id=actor.user_id,
        )
    )
    session.flush()


def transition(session: Session, problem: Problem, *, target: ProblemStatus, actor: Actor) -> Problem:
    return crud.transition(session, problem, machine=PROBLEM, target=target, actor=actor)


def revisions(session: Session, problem: Problem) -> Sequence[ProblemRevision]:
    return session.scalars(
        sa.select(ProblemRevision).where(ProblemRevision.problem_id == problem.id).order_by(ProblemRevision.revision)
    ).all()
