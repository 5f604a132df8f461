"""Links between a problem and the evidence, themes and requests for or against it.

A person's link is accepted at once. A suggestion waits, with its receipts, until a
person accepts or rejects it; both are recorded with who and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud, keys
from grounded.core.actor import Actor
from grounded.errors import Conflict, InvalidInput
from grounded.models import Evidence, Problem, ProblemLink, Request, Theme, Workspace
from grounded.models.enums import LinkOrigin, LinkRole, LinkStatus
from grounded.problem.schemas import LinkedProblem, ProblemLinkCreate, ProblemLinkRead
from grounded.problem.states import LINK

_TARGETS: dict[str, tuple[type[Evidence] | type[Theme] | type[Request], str]] = {
    "E": (Evidence, "evidence_id"),
    "T": (Theme, "theme_id"),
    "R": (Request, "request_id"),
}


def resolve(session: Session, workspace: Workspace, ref: str) -> tuple[str, Any]:
    """(foreign-key column, target row) for ``E-12``, ``T-3`` or ``R-40``."""
    prefix = ref.strip().split("-", 1)[0].upper()
    if prefix not in _TARGETS or not keys.looks_like_key(ref):
        raise InvalidInput(f"{ref!r} is not evidence (E-…), a theme (T-…) or a request (R-…)", field="target")
    model, column = _TARGETS[prefix]
    if model is Theme:
        from grounded.synthesis import themes  # themes resolve keys within the current run

        return column, themes.get(session, workspace, ref)
    return column, crud.get(session, model, workspace=workspace, ref=ref)


def link(
    session: Session, workspace: Workspace, problem: Problem, *, data: ProblemLinkCreate, actor: Actor
) -> ProblemLink:
    column, target = resolve(session, workspace, data.target)
    existing = session.scalars(
        sa.select(ProblemLink).where(ProblemLink.problem_id == problem.id, getattr(ProblemLink, column) == target.id)
    ).one_or_none()
    if existing is not None:
        raise Conflict(
            f"{target.key} is already linked to {problem.key} as {existing.role.value} ({existing.status.value})"
        )
    human = data.origin == LinkOrigin.HUMAN
    row = ProblemLink(
        workspace_id=workspace.id,
        problem_id=problem.id,
        **{column: target.id},
        role=data.role,
        weight=data.weight,
        origin=data.origin,
        note=data.note,
        status=LinkStatus.ACCEPTED if human else LinkStatus.SUGGESTED,
        confidence=data.confidence,
        receipts=data.receipts,
        created_by_id=actor.user_id,
        reviewed_by_id=actor.user_id if human else None,
        reviewed_at=datetime.now(UTC) if human else None,
    )
    return crud.add(session, row, actor=actor)


def review(session: Session, row: ProblemLink, *, accept: bool, actor: Actor, note: str | None = None) -> ProblemLink:
    """Accept or reject a link (a suggestion, or a person changing their mind); who and when
    are recorded on the link and in the audit log, with the reason when one is given."""
    target = LinkStatus.ACCEPTED if accept else LinkStatus.REJECTED
    extra: dict[str, Any] = {"reviewed_by_id": actor.user_id, "reviewed_at": datetime.now(UTC)}
    if note:
        extra["note"] = note
    return crud.transition(session, row, machine=LINK, target=target, actor=actor, extra=extra)


def unlink(session: Session, row: ProblemLink, *, actor: Actor) -> None:
    crud.delete(session, row, actor=actor)


def get(session: Session, workspace: Workspace, problem: Problem, target_ref: str) -> ProblemLink:
    column, target = resolve(session, workspace, target_ref)
    row = session.scalars(
        sa.select(ProblemLink).where(ProblemLink.problem_id == problem.id, getattr(ProblemLink, column) == target.id)
    ).one_or_none()
    if row is None:
        raise InvalidInput(f"{target.key} is not linked to {problem.key}", field="target")
    return row


def list_(
    session: Session, problem: Problem, *, role: LinkRole | None = None, status: LinkStatus | None = None
) -> Sequence[ProblemLinkRead]:
    statement = sa.select(ProblemLink).where(ProblemLink.problem_id == problem.id)
    if role is not None:
        statement = statement.where(ProblemLink.role == role)
    if status is not None:
        statement = statement.where(ProblemLink.status == status)
    rows = session.scalars(statement.order_by(ProblemLink.created_at, ProblemLink.id)).all()
    targets = _load_targets(session, rows)
    return [_read(row, *_target_of(row, targets)) for row in rows]


def read(session: Session, row: ProblemLink) -> ProblemLinkRead:
    kind, target = _loaded_target(session, row)
    title = next((getattr(target, name) for name in _TITLES if getattr(target, name, None)), None)
    return _read(row, kind, _Target(target.key, str(title) if title else _excerpt(getattr(target, "text", "") or "")))


def _read(row: ProblemLink, target_type: str, target: _Target) -> ProblemLinkRead:
    return ProblemLinkRead(
        id=row.id,
        problem_id=row.problem_id,
        target_type=target_type,
        target_key=target.key,
        target_title=target.title,
        role=row.role,
        weight=row.weight,
        origin=row.origin,
        status=row.status,
        confidence=row.confidence,
        receipts=row.receipts,
        note=row.note,
        created_at=row.created_at,
        reviewed_at=row.reviewed_at,
    )


#: The kind of target a link names, by the column that names it.
_KINDS = (("evidence_id", "evidence", Evidence), ("theme_id", "theme", Theme), ("request_id", "request", Request))
#: What a link shows of its target: the first of these it has that is set, else its text.
_TITLES = ("title", "name", "label")


class _Target(NamedTuple):
    key: str
    title: str


def _load_targets(session: Session, rows: Sequence[ProblemLink]) -> dict[tuple[str, Any], _Target]:
    """Every row's target's key and title, in one query per kind (not one query per link),
    reading only those columns."""
    found: dict[tuple[str, Any], _Target] = {}
    for column, kind, model in _KINDS:
        ids = sorted({getattr(row, column) for row in rows} - {None})
        shown = [getattr(model, name) for name in (*_TITLES, "text") if hasattr(model, name)]
        for start in range(0, len(ids), 500):  # well under SQLite's limit on bound parameters
            query = sa.select(model.id, model.number, *shown).where(model.id.in_(ids[start : start + 500]))
            for target in session.execute(query).mappings():
                found[(kind, target["id"])] = _Target(f"{model.KEY_PREFIX}-{target['number']}", _title(target))
    return found


def _title(target: Any) -> str:
    for name in _TITLES:
        if target.get(name):
            return str(target[name])
    return _excerpt(target.get("text") or "")


def _target_of(row: ProblemLink, targets: dict[tuple[str, Any], _Target]) -> tuple[str, _Target]:
    for column, kind, _ in _KINDS:
        if getattr(row, column) is not None:
            return kind, targets[(kind, getattr(row, column))]
    raise AssertionError(f"link {row.id} names no target")  # the table's check constraint forbids it


def _loaded_target(session: Session, row: ProblemLink) -> tuple[str, Any]:
    if row.evidence_id is not None:
        return "evidence", session.get(Evidence, row.evidence_id)
    if row.theme_id is not None:
        return "theme", session.get(Theme, row.theme_id)
    return "request", session.get(Request, row.request_id)


def _excerpt(text: str, size: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def counts(session: Session, problem: Problem) -> dict[str, int]:
    """Accepted links by role, e.g. ``{"supports": 12, "contradicts": 3, "symptom": 4}``."""
    rows = session.execute(
        sa.select(ProblemLink.role, sa.func.count())
        .where(ProblemLink.problem_id == problem.id, ProblemLink.status == LinkStatus.ACCEPTED)
        .group_by(ProblemLink.role)
    ).all()
    found = {role.value: int(count) for role, count in rows}
    return {role.value: found.get(role.value, 0) for role in LinkRole}


def linked_problems(session: Session, *, column: str, target_id: Any) -> list[LinkedProblem]:
    """The problems something is linked to; ``column`` is evidence_id, theme_id or request_id."""
    rows = session.execute(
        sa.select(ProblemLink, Problem)
        .join(Problem, Problem.id == ProblemLink.problem_id)
        .where(getattr(ProblemLink, column) == target_id)
        .order_by(Problem.number)
    ).all()
    return [
        LinkedProblem(
            problem_key=problem.key, problem_title=problem.title, role=row.role, status=row.status, origin=row.origin
        )
        for row, problem in rows
    ]
