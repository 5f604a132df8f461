"""Signals: conditions that would change the plan, and what happens when they trip."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.decision import service as decisions
from grounded.decision import signals
from grounded.decision.schemas import SignalCreate, SignalUpdate
from grounded.errors import ImmutableRecord, InvalidInput
from grounded.models.enums import DecisionStatus, SignalState
from tests.factories import make_actor, make_decision, make_metric, make_workspace


def _decision_with_signal(session: Session, **signal: object):  # type: ignore[no-untyped-def]
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    decision = make_decision(session, workspace, actor)
    data = {
        "decision": decision.key,
        "name": "Rebuild tickets",
        "comparator": ">",
        "threshold": 40,
        "evidence_query": {"search": "spreadsheet"},
        "periods": 3,
        **signal,
    }
    watch = signals.create(session, workspace, data=SignalCreate.model_validate(data), actor=actor)
    decisions.propose(session, decision, actor=actor)
    decisions.accept(session, decision, actor=actor, option=1)
    return actor, decision, watch


def test_a_breach_over_enough_periods_puts_the_decision_under_review(session: Session) -> None:
    actor, decision, watch = _decision_with_signal(session)
    signals.observe(session, watch, values=[10, 50, 60], actor=actor)
    assert (watch.state, decision.status) == (SignalState.OK, DecisionStatus.ACCEPTED)
    signals.observe(session, watch, values=[45, 50, 60], actor=actor)
    assert watch.state == SignalState.BREACHED
    assert watch.last_value == 60
    assert watch.breached_at is not None
    assert decision.status == DecisionStatus.UNDER_REVIEW
    assert "signal S-1 'Rebuild tickets' breached: 60 > 40" in decisions.revisions(session, decision)[-1].note


def test_fewer_periods_than_needed_is_not_yet_a_verdict(session: Session) -> None:
    actor, decision, watch = _decision_with_signal(session)  # needs 3 periods
    signals.observe(session, watch, values=[10, 12], actor=actor)
    assert (watch.state, watch.last_value) == (SignalState.ARMED, 12)
    signals.observe(session, watch, values=[99, 99], actor=actor)
    assert (watch.state, decision.status) == (SignalState.ARMED, DecisionStatus.ACCEPTED)


def test_a_signal_with_a_minimum_sample_needs_the_sample_size(session: Session) -> None:
    actor, _, watch = _decision_with_signal(session, min_sample=30, periods=1)
    with pytest.raises(InvalidInput, match="needs at least 30 observations"):
        signals.observe(session, watch, values=[99], actor=actor)


def test_too_small_a_sample_changes_only_the_reading(session: Session) -> None:
    actor, decision, watch = _decision_with_signal(session, min_sample=30, periods=1)
    signals.observe(session, watch, values=[99], sample_size=5, actor=actor)
    assert (watch.state, watch.last_value, decision.status) == (SignalState.ARMED, 99, DecisionStatus.ACCEPTED)


def test_inform_signals_never_reopen_anything(session: Session) -> None:
    actor, decision, watch = _decision_with_signal(session, action="inform", periods=1)
    signals.observe(session, watch, values=[99], actor=actor)
    assert (watch.state, decision.status) == (SignalState.BREACHED, DecisionStatus.ACCEPTED)


def test_acknowledged_and_dismissed_signals(session: Session) -> None:
    actor, _, watch = _decision_with_signal(session, periods=1, action="inform")
    signals.observe(session, watch, values=[99], actor=actor)
    signals.acknowledge(session, watch, actor=actor)
    signals.observe(session, watch, values=[120], actor=actor)
    assert watch.state == SignalState.ACKNOWLEDGED
    signals.observe(session, watch, values=[10], actor=actor)
    assert watch.state == SignalState.OK
    signals.dismiss(session, watch, actor=actor)
    signals.observe(session, watch, values=[500], actor=actor)
    assert (watch.state, watch.last_value) == (SignalState.DISMISSED, 500)
    signals.rearm(session, watch, actor=actor)
    assert watch.state == SignalState.ARMED


def test_signals_are_part_of_what_was_decided(session: Session) -> None:
    actor, _decision, watch = _decision_with_signal(session)
    with pytest.raises(ImmutableRecord, match="amend"):
        signals.update(session, watch, data=SignalUpdate(threshold=80), actor=actor)


def test_a_signal_watches_a_metric_or_evidence_not_both(session: Session) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        SignalCreate(decision="D-1", name="both", comparator=">", threshold=1, metric="m", evidence_query={"q": 1})
    with pytest.raises(ValidationError, match="exactly one"):
        SignalCreate(decision="D-1", name="neither", comparator=">", threshold=1)
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_metric(session, workspace, actor, key="adoption")
    decision = make_decision(session, workspace, actor)
    watch = signals.create(
        session,
        workspace,
        actor=actor,
        data=SignalCreate(
            decision=decision.key, name="Adoption", metric="adoption", comparator="<", threshold=15, window_days=56
        ),
    )
    assert signals.condition_text(watch) == "< 15 over 56 days"
