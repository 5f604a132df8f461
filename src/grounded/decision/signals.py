"""Signals: the conditions that would change the plan, and what happens when one trips.

A signal belongs to a decision and is part of what was decided, so it is written while
the decision is a draft or proposal. Observations can arrive at any time: a breach of a
``review`` or ``reopen`` signal puts an in-force decision under review.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.decision import service as decisions
from grounded.decision.schemas import SignalCreate, SignalUpdate
from grounded.decision.states import EDITABLE, IN_FORCE, SIGNAL
from grounded.errors import ImmutableRecord, InvalidInput
from grounded.metrics import catalogue
from grounded.models import Decision, Signal, Workspace
from grounded.models.enums import Comparator, DecisionStatus, SignalAction, SignalState

_COMPARE: dict[Comparator, Callable[[float, float], bool]] = {
    Comparator.GT: operator.gt,
    Comparator.GE: operator.ge,
    Comparator.LT: operator.lt,
    Comparator.LE: operator.le,
}


def _editable(decision: Decision) -> None:
    if decision.status not in EDITABLE:
        raise ImmutableRecord(
            f"decision {decision.key} is {decision.status.value}; its signals are part of what was "
            f"decided. Add or change signals on an amendment: grounded decision amend {decision.key}"
        )


def create(session: Session, workspace: Workspace, *, data: SignalCreate, actor: Actor) -> Signal:
    decision = decisions.get(session, workspace, data.decision)
    _editable(decision)
    metric_id = catalogue.get(session, workspace, data.metric).id if data.metric else None
    values = data.model_dump(exclude={"decision", "metric"})
    signal = Signal(workspace_id=workspace.id, decision_id=decision.id, metric_id=metric_id, **values)
    return crud.add(session, signal, actor=actor)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Signal:
    return crud.get(session, Signal, workspace=workspace, ref=ref)


def list_(
    session: Session,
    workspace: Workspace,
    *,
    decision: str | None = None,
    state: SignalState | None = None,
    page: PageParams | None = None,
) -> Page[Signal]:
    where = []
    if decision:
        where.append(Signal.decision_id == decisions.get(session, workspace, decision).id)
    if state is not None:
        where.append(Signal.state == state)
    return crud.list_(session, Signal, workspace=workspace, where=where, page=page)


def update(session: Session, signal: Signal, *, data: SignalUpdate, actor: Actor) -> Signal:
    decision = session.get(Decision, signal.decision_id)
    assert decision is not None
    _editable(decision)
    crud.update(session, signal, actor=actor, changes=data.model_dump(exclude_unset=True))
    return signal


def condition_text(signal: Signal) -> str:
    periods = f" for {signal.periods} consecutive periods" if signal.periods > 1 else ""
    return f"{signal.comparator.value} {signal.threshold:g} over {signal.window_days} days{periods}"


def observe(
    session: Session,
    signal: Signal,
    *,
    values: Sequence[float],
    sample_size: int | None = None,
    actor: Actor,
) -> Signal:
    """Record the latest period values (oldest first) and move the signal's state.

    Breached means each of the last ``periods`` values meets the condition. Too small a
    sample, or fewer values than ``periods``, changes nothing but the reading. A dismissed
    signal stays quiet until re-armed.
    """
    if not values:
        raise InvalidInput("no values to evaluate", field="values")
    if signal.min_sample and sample_size is None:
        raise InvalidInput(
            f"signal {signal.key} needs at least {signal.min_sample} observations: give the sample size",
            field="sample_size",
        )
    now = datetime.now(UTC)
    changes: dict[str, Any] = {"last_value": float(values[-1]), "last_checked_at": now}
    too_small = sample_size is not None and sample_size < signal.min_sample
    too_early = len(values) < signal.periods  # not enough periods yet to judge either way
    if too_small or too_early or signal.state == SignalState.DISMISSED:
        crud.update(session, signal, actor=actor, changes=changes, action="observe")
        return signal
    target = SignalState.BREACHED if _breached(signal, values) else SignalState.OK
    if target == SignalState.BREACHED and signal.state == SignalState.ACKNOWLEDGED:
        target = SignalState.ACKNOWLEDGED  # already seen by a person: stay acknowledged
    if target == signal.state:
        crud.update(session, signal, actor=actor, changes=changes, action="observe")
        return signal
    if target == SignalState.BREACHED:
        changes["breached_at"] = now
    crud.transition(session, signal, machine=SIGNAL, target=target, actor=actor, field="state", extra=changes)
    if target == SignalState.BREACHED:
        _escalate(session, signal, actor=actor)
    return signal


def _breached(signal: Signal, values: Sequence[float]) -> bool:
    recent = values[-signal.periods :]
    compare = _COMPARE[signal.comparator]
    return len(recent) == signal.periods and all(compare(value, signal.threshold) for value in recent)


def _escalate(session: Session, signal: Signal, *, actor: Actor) -> None:
    if signal.action == SignalAction.INFORM:
        return
    decision = session.get(Decision, signal.decision_id)
    if decision is None or decision.status not in IN_FORCE or decision.status == DecisionStatus.UNDER_REVIEW:
        return
    note = f"signal {signal.key} '{signal.name}' breached: {signal.last_value:g} {condition_text(signal)}"
    decisions.review(session, decision, actor=actor, note=note)


def acknowledge(session: Session, signal: Signal, *, actor: Actor) -> Signal:
    return crud.transition(session, signal, machine=SIGNAL, target=SignalState.ACKNOWLEDGED, actor=actor, field="state")


def dismiss(session: Session, signal: Signal, *, actor: Actor) -> Signal:
    return crud.transition(session, signal, machine=SIGNAL, target=SignalState.DISMISSED, actor=actor, field="state")


def rearm(session: Session, signal: Signal, *, actor: Actor) -> Signal:
    return crud.transition(session, signal, machine=SIGNAL, target=SignalState.ARMED, actor=actor, field="state")
