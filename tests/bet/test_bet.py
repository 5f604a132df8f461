"""Bets on three dimensions, alternatives, assumptions riskiest first, experiments."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.bet import assumptions, experiments
from grounded.bet import service as bets
from grounded.bet.schemas import (
    AssumptionCreate,
    BetCreate,
    BetUpdate,
    ExperimentComplete,
    ExperimentCreate,
    ExperimentUpdate,
    OptionSetCreate,
)
from grounded.errors import ImmutableRecord, InvalidInput, InvalidTransition
from grounded.models.enums import AssumptionStatus, BetStatus, ExperimentStatus
from tests.factories import make_actor, make_bet, make_metric, make_problem, make_workspace


def test_a_bet_keeps_its_three_assessments_and_problems(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    make_metric(session, workspace, actor, key="weekly_csv_exports")
    bet = make_bet(
        session,
        workspace,
        actor,
        problems=[problem.key],
        metric="weekly_csv_exports",
        effort_low_weeks=2,
        effort_high_weeks=4,
        user_value={"reach": 120, "impact": 2, "confidence": 0.5},
        viability={"revenue_at_stake": 180000, "compliance_risk": "medium"},
        feasibility={"risk": "high", "debt_created": "a one-off path"},
    )
    assert bet.user_value == {"reach": 120, "impact": 2.0, "confidence": 0.5}
    assert bet.viability == {"revenue_at_stake": 180000, "compliance_risk": "medium"}
    assert bet.feasibility == {"risk": "high", "debt_created": "a one-off path"}
    assert [p.key for p in bets.problems_of(session, bet)] == [problem.key]
    assert [b.key for b in bets.list_(session, workspace, problem=problem.key).items] == [bet.key]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user_value", {"impact": 5}),
        ("user_value", {"confidence": 1.5}),
        ("viability", {"strategic_fit": 9}),
        ("feasibility", {"risk": "extreme"}),
        ("viability", {"unknown": 1}),
    ],
)
def test_assessments_are_validated(field: str, value: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match=field):
        BetCreate.model_validate({"title": "A bet", field: value})


def test_effort_ranges_must_run_forwards(session: Session) -> None:
    with pytest.raises(ValidationError, match="backwards"):
        BetCreate(title="A bet", effort_low_weeks=5, effort_high_weeks=2)
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor, effort_low_weeks=2, effort_high_weeks=4)
    with pytest.raises(InvalidInput, match="backwards"):
        bets.update(session, workspace, bet, data=BetUpdate(effort_low_weeks=6), actor=actor)


def test_saying_not_yet_or_dropping_needs_a_reason(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor)
    with pytest.raises(InvalidInput, match="say why the bet is not yet"):
        bets.transition(session, bet, target=BetStatus.NOT_YET, actor=actor)
    bets.transition(session, bet, target=BetStatus.NOT_YET, actor=actor, reason="templates first")
    assert (bet.status, bet.status_reason) == (BetStatus.NOT_YET, "templates first")
    with pytest.raises(InvalidTransition, match="from 'not_yet' it can move to: dropped, idea, shaping"):
        bets.transition(session, bet, target=BetStatus.BUILDING, actor=actor)


def test_alternatives_share_an_option_set(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    options = bets.create_option_set(session, workspace, data=OptionSetCreate(title="Hack or pipeline"), actor=actor)
    hack = make_bet(session, workspace, actor, option_set=options.key)
    pipeline = make_bet(session, workspace, actor, option_set=options.key)
    loner = make_bet(session, workspace, actor)
    assert [b.key for b in bets.alternatives(session, hack)] == [pipeline.key]
    assert bets.alternatives(session, loner) == []


def test_assumptions_list_riskiest_first(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor)
    rows = [(3, 3), (5, 0), (5, 2), (1, 0)]
    made = [
        assumptions.create(
            session,
            workspace,
            actor=actor,
            data=AssumptionCreate(
                statement=f"assumption {i}", type="desirability", bet=bet.key, importance=imp, evidence_level=ev
            ),
        )
        for i, (imp, ev) in enumerate(rows)
    ]
    listed = assumptions.list_(session, workspace, bet=bet.key).items
    assert [a.risk for a in listed] == [20, 10, 4, 3]
    assert listed[0].key == made[1].key
    assumptions.transition(session, made[1], target=AssumptionStatus.SUPPORTED, actor=actor)
    riskiest = assumptions.riskiest(session, workspace, bet)
    assert riskiest is not None
    assert riskiest.key == made[2].key


def test_an_assumption_belongs_to_a_bet_or_a_decision() -> None:
    with pytest.raises(ValidationError, match="belongs to a bet or a decision"):
        AssumptionCreate(statement="it works", type="feasibility")


def test_experiments_turn_results_into_learning(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor)
    assumption = assumptions.create(
        session,
        workspace,
        actor=actor,
        data=AssumptionCreate(statement="analysts use templates", type="desirability", bet=bet.key, importance=5),
    )
    experiment = experiments.create(
        session,
        workspace,
        actor=actor,
        data=ExperimentCreate(
            assumption=assumption.key, title="Concierge test", right_if="3 of 5 stop exporting", duration_days=28
        ),
    )
    experiments.start(session, workspace, experiment, actor=actor)
    assert assumption.status == AssumptionStatus.TESTING
    experiments.complete(
        session,
        workspace,
        experiment,
        actor=actor,
        data=ExperimentComplete(
            result="refuted", observed="1 of 5 stopped", learned="trust, not layout, is the blocker"
        ),
    )
    assert experiment.status == ExperimentStatus.COMPLETED
    assert experiment.finished_at is not None
    assert assumption.status == AssumptionStatus.REFUTED
    with pytest.raises(ImmutableRecord):
        experiments.update(session, experiment, data=ExperimentUpdate(title="Edited"), actor=actor)
    with pytest.raises(InvalidTransition):
        experiments.abandon(session, experiment, actor=actor)


def test_a_bet_card_lists_each_assumptions_experiments_riskiest_first(session: Session) -> None:
    from grounded.web.views import bets as card_view

    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet, other = make_bet(session, workspace, actor), make_bet(session, workspace, actor)

    def assume(owner: str, importance: int) -> str:
        data = AssumptionCreate(statement=f"risk {importance}", type="viability", bet=owner, importance=importance)
        return assumptions.create(session, workspace, actor=actor, data=data).key

    def test(assumption: str, title: str) -> str:
        data = ExperimentCreate(assumption=assumption, title=title, right_if="it works", duration_days=7)
        return experiments.create(session, workspace, actor=actor, data=data).key

    low, high, elsewhere = assume(bet.key, 2), assume(bet.key, 5), assume(other.key, 5)
    first_low, first_high = test(low, "first of low"), test(high, "first of high")
    test(elsewhere, "another bet")
    second_low = test(low, "second of low")
    found = card_view.card(session, workspace, bet.key)
    assert [a.key for a in found.assumptions] == [high, low]
    assert found.riskiest == high
    assert [x.key for x in found.experiments] == [first_high, first_low, second_low]
    assert [a.key for a in assumptions.of_bet(session, bet)] == [
        a.key for a in assumptions.list_(session, workspace, bet=bet.key).items
    ]
