"""Problems: the list, and one problem with its statement history, evidence for and
against, symptoms, strength, bets and decisions, and suggestions to accept or reject."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.pagination import PageParams
from grounded.models import Bet, BetProblem, Decision, DecisionOption, Problem, Workspace
from grounded.models.enums import LinkRole, LinkStatus, ProblemStatus
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkRead, ProblemRead, ProblemRevisionRead
from grounded.synthesis.strength import strength
from grounded.web.schemas import PageOut


class ProblemRow(ProblemRead):
    links: dict[str, int]


class Ref(BaseModel):
    key: str
    title: str
    status: str


class ProblemPage(BaseModel):
    problem: ProblemRead
    statement: str
    revisions: list[ProblemRevisionRead]
    supports: list[ProblemLinkRead]
    contradicts: list[ProblemLinkRead]
    symptoms: list[ProblemLinkRead]
    suggested: list[ProblemLinkRead]
    rejected: int
    strength: dict[str, Any]
    bets: list[Ref]
    decisions: list[Ref]


def listing(
    session: Session, workspace: Workspace, *, status: ProblemStatus | None, page: PageParams
) -> PageOut[ProblemRow]:
    found = problems.list_(session, workspace, status=status, page=page)
    rows = [
        ProblemRow(**ProblemRead.model_validate(p).model_dump(), links=links.counts(session, p)) for p in found.items
    ]
    return PageOut.of(found, rows)


def detail(session: Session, workspace: Workspace, key: str) -> ProblemPage:
    problem = problems.get(session, workspace, key)
    linked = links.list_(session, problem)
    accepted = [link for link in linked if link.status == LinkStatus.ACCEPTED]
    return ProblemPage(
        problem=ProblemRead.model_validate(problem),
        statement=problems.statement(problem),
        revisions=[ProblemRevisionRead.model_validate(r) for r in problems.revisions(session, problem)],
        supports=[link for link in accepted if link.role == LinkRole.SUPPORTS],
        contradicts=[link for link in accepted if link.role == LinkRole.CONTRADICTS],
        symptoms=[link for link in accepted if link.role == LinkRole.SYMPTOM],
        suggested=[link for link in linked if link.status == LinkStatus.SUGGESTED],
        rejected=sum(link.status == LinkStatus.REJECTED for link in linked),
        strength=strength(session, problem).as_dict(),
        bets=[Ref(key=b.key, title=b.title, status=b.status.value) for b in _bets(session, workspace, problem)],
        decisions=[Ref(key=d.key, title=d.title, status=d.status.value) for d in _decisions(session, problem)],
    )


#: A problem page lists at most this many bets.
BETS_SHOWN = 200


def _bets(session: Session, workspace: Workspace, problem: Problem) -> list[Bet]:
    """The bets answering this problem, by number (the problem is at hand: not looked up
    again, and the page shows no total)."""
    answering = sa.select(BetProblem.bet_id).where(BetProblem.problem_id == problem.id)
    query = sa.select(Bet).where(Bet.workspace_id == workspace.id, Bet.id.in_(answering)).order_by(Bet.number)
    return list(session.scalars(query.limit(BETS_SHOWN)))


def _decisions(session: Session, problem: Problem) -> list[Decision]:
    """Decisions that weigh a bet answering this problem."""
    answering = sa.select(BetProblem.bet_id).where(BetProblem.problem_id == problem.id)
    rows = session.scalars(
        sa.select(Decision)
        .join(DecisionOption, DecisionOption.decision_id == Decision.id)
        .where(DecisionOption.bet_id.in_(answering))
        .distinct()
        .order_by(Decision.number)
    ).all()
    return list(rows)


def review(
    session: Session, workspace: Workspace, key: str, target: str, *, accept: bool, actor: Actor, note: str = ""
) -> ProblemLinkRead:
    """Accept or reject a suggested link; who and when are recorded."""
    problem = problems.get(session, workspace, key)
    row = links.review(
        session, links.get(session, workspace, problem, target), accept=accept, actor=actor, note=note or None
    )
    return links.read(session, row)
