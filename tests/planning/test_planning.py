"""Requests and their honest answers; outcomes, plans, increments, urgent exceptions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput, InvalidTransition
from grounded.models.enums import Disposition, ExceptionStatus, IncrementStatus, OutcomeStatus
from grounded.planning import exceptions, increments, outcomes, plans, requests
from grounded.planning.schemas import (
    ExceptionCreate,
    ExceptionDecide,
    IncrementCreate,
    OutcomeCreate,
    PlanCreate,
    RequestTriage,
    ScoringModelCreate,
)
from grounded.workspace import audit_log
from tests.factories import make_account, make_actor, make_bet, make_metric, make_request, make_workspace


def test_a_request_keeps_its_accounts_and_deal_value(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_account(session, workspace, actor, external_id="A", name="Alpha")
    make_account(session, workspace, actor, external_id="B", name="Beta")
    request = make_request(
        session, workspace, actor, accounts=[{"account": "A", "deal_value": 100}, {"account": "B", "deal_value": 50}]
    )
    assert request.deal_value == 150
    assert [(s["account"], s["deal_value"]) for s in requests.stakes(session, request)] == [("A", 100), ("B", 50)]
    with pytest.raises(InvalidInput, match="listed twice"):
        make_request(session, workspace, actor, accounts=[{"account": "A"}, {"account": "A"}])


@pytest.mark.parametrize(
    ("triage", "message"),
    [
        ({"disposition": "not_yet", "reevaluate_on": date(2027, 1, 1)}, "explanation"),
        ({"disposition": "declined"}, "explanation"),
        ({"disposition": "not_yet", "explanation": "later"}, "reevaluate_on"),
        ({"disposition": "scheduled"}, "bet"),
        ({"disposition": "merged"}, "merged_into"),
    ],
)
def test_every_no_and_not_yet_says_why(session: Session, triage: dict[str, object], message: str) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    request = make_request(session, workspace, actor)
    with pytest.raises(InvalidInput, match=message):
        requests.triage(session, workspace, request, data=RequestTriage.model_validate(triage), actor=actor)
    assert request.disposition == Disposition.NEW


def test_triage_records_the_answer(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor)
    request = make_request(session, workspace, actor)
    requests.triage(
        session,
        workspace,
        request,
        actor=actor,
        data=RequestTriage(disposition="not_yet", explanation="Templates first", reevaluate_on=date(2027, 1, 15)),
    )
    assert (request.disposition, request.explanation, request.reevaluate_on) == (
        Disposition.NOT_YET,
        "Templates first",
        date(2027, 1, 15),
    )
    requests.triage(session, workspace, request, data=RequestTriage(disposition="scheduled", bet=bet.key), actor=actor)
    assert request.bet_id == bet.id
    with pytest.raises(InvalidTransition, match="from 'scheduled'"):
        requests.triage(
            session, workspace, request, data=RequestTriage(disposition="merged", merged_into="R-9"), actor=actor
        )


def test_merging_keeps_every_requester_and_deal(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    for external_id in ("A", "B", "C"):
        make_account(session, workspace, actor, external_id=external_id)
    original = make_request(session, workspace, actor, accounts=[{"account": "A", "deal_value": 100}])
    duplicate = make_request(
        session, workspace, actor, accounts=[{"account": "B", "deal_value": 40}, {"account": "A", "deal_value": 100}]
    )
    third = make_request(session, workspace, actor, accounts=[{"account": "C", "deal_value": 10}])
    requests.triage(
        session, workspace, duplicate, data=RequestTriage(disposition="merged", merged_into=original.key), actor=actor
    )
    requests.triage(
        session, workspace, third, data=RequestTriage(disposition="merged", merged_into=duplicate.key), actor=actor
    )
    assert third.merged_into_id == original.id  # follows the chain to the survivor
    assert sorted(s["account"] for s in requests.stakes(session, original)) == ["A", "B", "C"]
    assert original.deal_value == 150
    with pytest.raises(InvalidInput, match="into itself"):
        requests.triage(
            session,
            workspace,
            original,
            actor=actor,
            data=RequestTriage(disposition="merged", merged_into=duplicate.key),
        )


@pytest.mark.parametrize(
    ("first", "second", "total"),
    [
        ({"deal_value": 100_000}, {"accounts": [{"account": "A", "deal_value": 50_000}]}, 150_000),
        (
            {"deal_value": 70_000, "accounts": [{"account": "B"}]},
            {"accounts": [{"account": "C", "deal_value": 10}]},
            70_010,
        ),
        ({"accounts": [{"account": "A", "deal_value": 100}]}, {"accounts": [{"account": "A", "deal_value": 100}]}, 100),
        ({"accounts": [{"account": "A", "deal_value": 100}]}, {"accounts": [{"account": "A", "deal_value": 250}]}, 250),
    ],
)
def test_merging_never_loses_or_double_counts_money(
    session: Session, first: dict[str, object], second: dict[str, object], total: int
) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    for external_id in ("A", "B", "C"):
        make_account(session, workspace, actor, external_id=external_id)
    duplicate = make_request(session, workspace, actor, **first)
    survivor = make_request(session, workspace, actor, **second)
    before = survivor.deal_value
    requests.triage(
        session, workspace, duplicate, actor=actor, data=RequestTriage(disposition="merged", merged_into=survivor.key)
    )
    assert survivor.deal_value == total
    latest = audit_log.list_(session, workspace, entity_id=survivor.id).items[0]
    if total != before:  # a change of the money at stake is audited
        assert (latest.action, latest.after) == ("merge", {"deal_value": total})
    else:
        assert latest.action == "create"


def test_outcomes_increments_and_plans(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_metric(session, workspace, actor, key="rebuild_rate")
    outcome = outcomes.create(
        session,
        workspace,
        actor=actor,
        data=OutcomeCreate(title="Halve rebuilds", period="2026-Q4", metric="rebuild_rate", baseline=34, target=17),
    )
    outcomes.transition(session, outcome, target=OutcomeStatus.ACHIEVED, actor=actor)
    assert outcome.status == OutcomeStatus.ACHIEVED
    with pytest.raises(ValueError, match="period"):
        OutcomeCreate(title="Bad period", period="Q4-2026")
    bet = make_bet(session, workspace, actor)
    step = increments.create(
        session, workspace, actor=actor, data=IncrementCreate(bet=bet.key, kind="learn", title="Concierge test")
    )
    increments.transition(session, step, target=IncrementStatus.IN_PROGRESS, actor=actor)
    increments.transition(session, step, target=IncrementStatus.DONE, actor=actor)
    assert [i.key for i in increments.list_(session, workspace, bet=bet.key).items] == ["I-1"]
    first = plans.save_scoring_model(
        session, workspace, actor=actor, data=ScoringModelCreate(name="RICE", kind="rice", weights={"reach": 1})
    )
    second = plans.save_scoring_model(
        session, workspace, actor=actor, data=ScoringModelCreate(name="RICE", kind="rice", weights={"reach": 2})
    )
    assert (first.version, first.is_current, second.version, second.is_current) == (1, False, 2, True)
    plan = plans.create(
        session,
        workspace,
        actor=actor,
        data=PlanCreate(
            title="Q4 plan", period="2026-Q4", capacity_weeks=24, scoring_model="RICE", selected=[{"bet": bet.key}]
        ),
    )
    assert plan.key == "PL-1"
    assert plan.scoring_model_id == second.id
    assert not hasattr(plans, "update")  # a plan is a snapshot: a changed plan is a new plan


def test_urgent_exceptions_record_what_they_displace(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor)
    row = exceptions.create(
        session,
        workspace,
        actor=actor,
        data=ExceptionCreate(
            title="Northwind export now",
            raised_by="VP Sales",
            group="sales",
            cost_weeks=3,
            displaces=[bet.key, bet.key],
        ),
    )
    assert [b.key for b in exceptions.displaced(session, row)] == [bet.key]
    exceptions.decide(session, workspace, row, actor=actor, data=ExceptionDecide(accept=False, resolution="Not now"))
    assert row.status == ExceptionStatus.DECLINED
    assert row.decided_at is not None
