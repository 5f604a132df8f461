"""Decisions: draft, propose, accept; once accepted, frozen.

Every change of content or state appends a revision. An accepted decision changes only by
a new decision that supersedes or amends it; the old one and its history stay.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.jsonable import to_jsonable
from grounded.core.pagination import Page, PageParams
from grounded.decision.schemas import (
    DecisionCreate,
    DecisionDetail,
    DecisionRead,
    DecisionUpdate,
    OptionIn,
    OptionRead,
)
from grounded.decision.states import DECISION, EDITABLE, IN_FORCE
from grounded.errors import Conflict, ImmutableRecord, InvalidInput
from grounded.models import Bet, Decision, DecisionLink, DecisionOption, DecisionRevision, Workspace
from grounded.models.enums import DecisionLinkKind, DecisionStatus

CONTENT = (
    "title",
    "context",
    "situation",
    "facing",
    "to_achieve",
    "accepting",
    "rationale",
    "non_goals",
    "reversibility",
    "review_by",
    "deciders",
    "consulted",
    "informed",
)
MIN_OPTIONS = 2


def create(session: Session, workspace: Workspace, *, data: DecisionCreate, actor: Actor) -> Decision:
    values = data.model_dump(exclude={"options"}, exclude_none=True)
    decision = crud.add(session, Decision(workspace_id=workspace.id, **values), actor=actor)
    _replace_options(session, workspace, decision, data.options or [])
    _revise(session, decision, actor=actor, note="drafted", bump=False)
    return decision


def _replace_options(session: Session, workspace: Workspace, decision: Decision, options: Sequence[OptionIn]) -> None:
    session.execute(sa.delete(DecisionOption).where(DecisionOption.decision_id == decision.id))
    for position, option in enumerate(options, start=1):
        bet_id = crud.get(session, Bet, workspace=workspace, ref=option.bet).id if option.bet else None
        session.add(
            DecisionOption(
                workspace_id=workspace.id,
                decision_id=decision.id,
                position=position,
                bet_id=bet_id,
                is_chosen=option.chosen,
                **option.model_dump(exclude={"bet", "chosen"}),
            )
        )
    session.flush()


def options(session: Session, decision: Decision) -> Sequence[DecisionOption]:
    return session.scalars(
        sa.select(DecisionOption).where(DecisionOption.decision_id == decision.id).order_by(DecisionOption.position)
    ).all()


def _revise(session: Session, decision: Decision, *, actor: Actor, note: str, bump: bool = True) -> None:
    """Append the decision as it stands now to its history."""
    if bump:
        decision.revision += 1
    snapshot = {field: to_jsonable(getattr(decision, field)) for field in CONTENT}
    snapshot["options"] = [
        {**OptionRead.model_validate(option).model_dump(mode="json")} for option in options(session, decision)
    ]
    session.add(
        DecisionRevision(
            workspace_id=decision.workspace_id,
            decision_id=decision.id,
            revision=decision.revision,
            status=decision.status,
            snapshot=snapshot,
            note=note,
            changed_by_id=actor.user_id,
        )
    )
    session.flush()


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Decision:
    return crud.get(session, Decision, workspace=workspace, ref=ref)


def update(
    session: Session, workspace: Workspace, decision: Decision, *, data: DecisionUpdate, actor: Actor
) -> Decision:
    if decision.status not in EDITABLE:
        raise ImmutableRecord(
            f"decision {decision.key} is {decision.status.value} and its content is frozen; "
            f"change it with: grounded decision supersede {decision.key} (or amend)"
        )
    changes = data.model_dump(exclude_unset=True, exclude={"options", "note"})
    changed = crud.update(session, decision, actor=actor, changes=changes)
    if data.options is not None:
        _replace_options(session, workspace, decision, data.options)
    if decision.status == DecisionStatus.PROPOSED:
        _check_proposable(session, decision)  # a proposal stays a proposal: no editing away its options
    if changed or data.options is not None:
        _revise(session, decision, actor=actor, note=data.note or "edited")
    return decision


def _move(
    session: Session,
    decision: Decision,
    target: DecisionStatus,
    *,
    actor: Actor,
    note: str,
    extra: dict[str, Any] | None = None,
) -> Decision:
    crud.transition(session, decision, machine=DECISION, target=target, actor=actor, extra=extra)
    _revise(session, decision, actor=actor, note=note)
    return decision


def propose(session: Session, decision: Decision, *, actor: Actor, note: str = "") -> Decision:
    """Put a draft up for decision: it needs context and at least two options."""
    DECISION.check(decision.status, DecisionStatus.PROPOSED, label=f"decision {decision.key}")
    _check_proposable(session, decision)
    return _move(session, decision, DecisionStatus.PROPOSED, actor=actor, note=note or "proposed")


def _check_proposable(session: Session, decision: Decision) -> None:
    if not decision.context.strip():
        raise InvalidInput("describe the context before proposing", field="context")
    if len(options(session, decision)) < MIN_OPTIONS:
        raise InvalidInput(
            f"a decision weighs at least {MIN_OPTIONS} options (doing nothing counts); add them first",
            field="options",
        )


def accept(
    session: Session, decision: Decision, *, actor: Actor, option: int | None = None, note: str = ""
) -> Decision:
    """Accept a proposed decision, choosing ``option`` (1-based) unless one is chosen already.

    Decisions it supersedes move to superseded.
    """
    DECISION.check(decision.status, DecisionStatus.ACCEPTED, label=f"decision {decision.key}")
    _check_proposable(session, decision)
    replaced = _linked(session, decision, DecisionLinkKind.SUPERSEDES)
    for old in replaced:
        if old.status not in IN_FORCE:
            raise Conflict(
                f"{decision.key} supersedes {old.key}, which is {old.status.value} already; "
                f"amend or supersede the decision in force instead"
            )
    _choose(session, decision, option)
    _move(
        session,
        decision,
        DecisionStatus.ACCEPTED,
        actor=actor,
        note=note or "accepted",
        extra={"decided_at": datetime.now(UTC)},
    )
    for old in replaced:
        _move(session, old, DecisionStatus.SUPERSEDED, actor=actor, note=f"superseded by {decision.key}")
    return decision


def _choose(session: Session, decision: Decision, position: int | None) -> None:
    choices = options(session, decision)
    if position is not None:
        if not 1 <= position <= len(choices):
            raise InvalidInput(f"{decision.key} has options 1 to {len(choices)}, not {position}", field="option")
        for choice in choices:
            choice.is_chosen = choice.position == position
        session.flush()
    if sum(choice.is_chosen for choice in choices) != 1:
        raise InvalidInput(f"choose one of the {len(choices)} options (e.g. --option 1)", field="option")


def reject(session: Session, decision: Decision, *, actor: Actor, note: str) -> Decision:
    return _move(session, decision, DecisionStatus.REJECTED, actor=actor, note=_required(note))


def withdraw(session: Session, decision: Decision, *, actor: Actor, note: str = "") -> Decision:
    return _move(session, decision, DecisionStatus.DRAFT, actor=actor, note=note or "withdrawn to draft")


def review(session: Session, decision: Decision, *, actor: Actor, note: str) -> Decision:
    return _move(session, decision, DecisionStatus.UNDER_REVIEW, actor=actor, note=_required(note))


def reaffirm(session: Session, decision: Decision, *, actor: Actor, note: str) -> Decision:
    return _move(session, decision, DecisionStatus.REAFFIRMED, actor=actor, note=_required(note))


def deprecate(session: Session, decision: Decision, *, actor: Actor, note: str) -> Decision:
    return _move(session, decision, DecisionStatus.DEPRECATED, actor=actor, note=_required(note))


def _required(note: str) -> str:
    if not note.strip():
        raise InvalidInput("say why (a short note is kept in the decision's history)", field="note")
    return note.strip()


def supersede(
    session: Session,
    workspace: Workspace,
    old: Decision,
    *,
    data: DecisionUpdate,
    actor: Actor,
    kind: DecisionLinkKind = DecisionLinkKind.SUPERSEDES,
) -> Decision:
    """Start a new draft from ``old`` with ``data``'s changes, linked to it. ``old`` stays
    in force until the new decision is accepted (then, if superseding, it is superseded)."""
    if old.status not in IN_FORCE:
        raise Conflict(
            f"decision {old.key} is {old.status.value}; only a decision in force can be "
            f"{'superseded' if kind == DecisionLinkKind.SUPERSEDES else 'amended'}"
        )
    if kind == DecisionLinkKind.SUPERSEDES:
        _refuse_second_successor(session, old)
    base: dict[str, Any] = {field: getattr(old, field) for field in CONTENT}
    base.update(data.model_dump(exclude_unset=True, exclude={"options", "note"}))
    carried = (
        data.options
        if data.options is not None
        else [
            OptionIn(
                title=o.title,
                description=o.description,
                user_value=o.user_value,
                viability=o.viability,
                feasibility=o.feasibility,
                bet=str(o.bet_id) if o.bet_id else None,
            )
            for o in options(session, old)
        ]
    )
    new = create(session, workspace, data=DecisionCreate(**base, options=carried), actor=actor)
    link(session, new, old, kind=kind, actor=actor)
    return new


def _refuse_second_successor(session: Session, old: Decision) -> None:
    """One open replacement at a time: two drafts replacing the same decision would both
    claim to be the plan."""
    pending = session.scalars(
        sa.select(Decision)
        .join(DecisionLink, DecisionLink.from_decision_id == Decision.id)
        .where(
            DecisionLink.to_decision_id == old.id,
            DecisionLink.kind == DecisionLinkKind.SUPERSEDES,
            Decision.status.in_(EDITABLE),
        )
    ).first()
    if pending is not None:
        raise Conflict(f"{pending.key} is already drafted to supersede {old.key}; continue it, or reject it first")


def link(session: Session, source: Decision, target: Decision, *, kind: DecisionLinkKind, actor: Actor) -> DecisionLink:
    if source.id == target.id:
        raise InvalidInput("a decision cannot be linked to itself", field="to")
    exists = session.scalars(
        sa.select(DecisionLink).where(
            DecisionLink.from_decision_id == source.id,
            DecisionLink.to_decision_id == target.id,
            DecisionLink.kind == kind,
        )
    ).first()
    if exists is not None:
        raise Conflict(f"{source.key} already {kind.value.replace('_', ' ')} {target.key}")
    row = DecisionLink(
        workspace_id=source.workspace_id, from_decision_id=source.id, to_decision_id=target.id, kind=kind
    )
    return crud.add(session, row, actor=actor)


def _linked(session: Session, decision: Decision, kind: DecisionLinkKind) -> Sequence[Decision]:
    return session.scalars(
        sa.select(Decision)
        .join(DecisionLink, DecisionLink.to_decision_id == Decision.id)
        .where(DecisionLink.from_decision_id == decision.id, DecisionLink.kind == kind)
    ).all()


def links(session: Session, decision: Decision) -> list[dict[str, str]]:
    """Both directions, e.g. ``{"kind": "supersedes", "key": "D-2", "direction": "to"}``."""
    rows = session.execute(
        sa.select(DecisionLink, Decision)
        .join(
            Decision,
            sa.or_(
                sa.and_(DecisionLink.to_decision_id == Decision.id, DecisionLink.from_decision_id == decision.id),
                sa.and_(DecisionLink.from_decision_id == Decision.id, DecisionLink.to_decision_id == decision.id),
            ),
        )
        .order_by(DecisionLink.created_at)
    ).all()
    return [
        {"kind": row.kind.value, "key": other.key, "direction": "to" if row.from_decision_id == decision.id else "from"}
        for row, other in rows
    ]


def summary(session: Session, decision: Decision) -> str:
    """In the context of …, facing …, we decided for … and against …, to achieve …,
    accepting that … (parts not yet written are left out)."""
    choices = options(session, decision)
    chosen = [o.title for o in choices if o.is_chosen]
    others = [o.title for o in choices if not o.is_chosen]
    parts = []
    if decision.situation:
        parts.append(f"In the context of {decision.situation.rstrip('.')}")
    if decision.facing:
        parts.append(f"facing {decision.facing.rstrip('.')}")
    if chosen:
        against = f" and against {_join(others)}" if others else ""
        parts.append(f"we decided for {chosen[0]}{against}")
    if decision.to_achieve:
        parts.append(f"to achieve {decision.to_achieve.rstrip('.')}")
    if decision.accepting:
        parts.append(f"accepting that {decision.accepting.rstrip('.')}")
    text = ", ".join(parts)
    return (text[:1].upper() + text[1:] + ".") if text else decision.title


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def detail(session: Session, decision: Decision) -> DecisionDetail:
    return DecisionDetail(
        **DecisionRead.model_validate(decision).model_dump(),
        options=[OptionRead.model_validate(o) for o in options(session, decision)],
        summary=summary(session, decision),
        links=links(session, decision),
    )


def revisions(session: Session, decision: Decision) -> Sequence[DecisionRevision]:
    return session.scalars(
        sa.select(DecisionRevision)
        .where(DecisionRevision.decision_id == decision.id)
        .order_by(DecisionRevision.revision)
    ).all()


def log(
    session: Session,
    workspace: Workspace,
    *,
    status: DecisionStatus | None = None,
    page: PageParams | None = None,
) -> Page[Decision]:
    """The decision log, most recent first (by when decided, else when drafted)."""
    where = [Decision.status == status] if status is not None else []
    when = sa.func.coalesce(Decision.decided_at, Decision.created_at)
    return crud.list_(
        session, Decision, workspace=workspace, where=where, order_by=(when.desc(), Decision.number.desc()), page=page
    )
