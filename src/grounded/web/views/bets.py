"""Bets: the list, and a bet card with the three dimensions beside its alternatives,
assumptions riskiest first, and the experiments that test them."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from grounded.bet import assumptions, experiments
from grounded.bet import service as bets
from grounded.bet.schemas import AssumptionRead, BetRead, ExperimentRead
from grounded.core.pagination import PageParams
from grounded.models import Bet, Metric, Outcome, Workspace
from grounded.models.enums import BetStatus
from grounded.web.schemas import PageOut


class BetRow(BetRead):
    problems: list[str]


#: A card shows at most this many assumptions, and this many experiments for each.
ASSUMPTIONS_SHOWN = 200
EXPERIMENTS_SHOWN = 100


class BetCard(BaseModel):
    bet: BetRow
    alternatives: list[BetRow]
    assumptions: list[AssumptionRead]
    riskiest: str | None
    experiments: list[ExperimentRead]
    outcome: str | None
    metric: str | None


def _row(session: Session, bet: Bet) -> BetRow:
    return BetRow(**BetRead.model_validate(bet).model_dump(), problems=[p.key for p in bets.problems_of(session, bet)])


def listing(
    session: Session, workspace: Workspace, *, status: BetStatus | None, team: str | None, page: PageParams
) -> PageOut[BetRow]:
    found = bets.list_(session, workspace, status=status, team=team or None, page=page)
    return PageOut.of(found, [_row(session, b) for b in found.items])


def card(session: Session, workspace: Workspace, key: str) -> BetCard:
    bet = bets.get(session, workspace, key)
    ranked = assumptions.of_bet(session, bet)
    shown = ranked[:ASSUMPTIONS_SHOWN]
    tested = experiments.of_assumptions(session, [a.id for a in shown])
    tests = [ExperimentRead.model_validate(x) for a in shown for x in tested[a.id][:EXPERIMENTS_SHOWN]]
    worst = assumptions.riskiest_of(ranked)
    outcome = session.get(Outcome, bet.outcome_id) if bet.outcome_id else None
    metric = session.get(Metric, bet.metric_id) if bet.metric_id else None
    return BetCard(
        bet=_row(session, bet),
        alternatives=[_row(session, b) for b in bets.alternatives(session, bet)],
        assumptions=[AssumptionRead.model_validate(a) for a in shown],
        riskiest=worst.key if worst else None,
        experiments=tests,
        outcome=f"{outcome.key} {outcome.title}" if outcome else None,
        metric=metric.key if metric else None,
    )
