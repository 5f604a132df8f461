"""Typed builders for test data, through the real services. Each takes overrides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from grounded.account import service as accounts
from grounded.account.schemas import AccountCreate
from grounded.bet import service as bets
from grounded.bet.schemas import BetCreate
from grounded.core.actor import Actor
from grounded.decision import service as decisions
from grounded.decision.schemas import DecisionCreate
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceCreate
from grounded.metrics import catalogue
from grounded.metrics.schemas import MetricCreate
from grounded.models import Account, Bet, Decision, Evidence, Metric, Problem, Request, Workspace
from grounded.planning import requests
from grounded.planning.schemas import RequestCreate
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemCreate
from grounded.workspace import service as workspaces
from grounded.workspace import users
from grounded.workspace.schemas import WorkspaceCreate

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_actor(session: Session, handle: str = "tester") -> Actor:
    return users.actor_for(users.ensure(session, handle))


def make_workspace(session: Session, actor: Actor | None = None, **overrides: Any) -> Workspace:
    n = _next()
    data = {"slug": f"ws-{n}", "name": f"Workspace {n}", **overrides}
    return workspaces.create(session, data=WorkspaceCreate(**data), actor=actor or make_actor(session))


def make_account(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Account:
    n = _next()
    data = {"external_id": f"ACC-{n}", "name": f"Account {n}", "segment": "Mid-Market", "arr": 40000, **overrides}
    return accounts.create_account(session, workspace, data=AccountCreate(**data), actor=actor)


def make_evidence(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Evidence:
    data = {
        "kind": "ticket",
        "text": f"evidence text {_next()}",
        "occurred_at": datetime(2026, 10, 1, tzinfo=UTC),
        **overrides,
    }
    return evidence.create(session, workspace, data=EvidenceCreate(**data), actor=actor)


def make_problem(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Problem:
    data = {"title": f"Problem {_next()}", "who": "analysts", "struggle": "reuse reports", **overrides}
    return problems.create(session, workspace, data=ProblemCreate(**data), actor=actor)


def make_bet(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Bet:
    data = {"title": f"Bet {_next()}", **overrides}
    return bets.create(session, workspace, data=BetCreate(**data), actor=actor)


def make_decision(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Decision:
    data = {
        "title": f"Decision {_next()}",
        "context": "We must choose.",
        "situation": "a busy quarter",
        "facing": "two asks",
        "to_achieve": "focus",
        "accepting": "one ask waits",
        "options": [{"title": "Option A"}, {"title": "Option B"}],
        **overrides,
    }
    return decisions.create(session, workspace, data=DecisionCreate.model_validate(data), actor=actor)


def make_request(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Request:
    data = {"title": f"Request {_next()}", "group": "sales", **overrides}
    return requests.create(session, workspace, data=RequestCreate.model_validate(data), actor=actor)


def make_metric(session: Session, workspace: Workspace, actor: Actor, **overrides: Any) -> Metric:
    data = {"key": f"metric_{_next()}", "name": "A metric", "kind": "count", "definition": {"event": "x"}, **overrides}
    return catalogue.create(session, workspace, data=MetricCreate.model_validate(data), actor=actor)
